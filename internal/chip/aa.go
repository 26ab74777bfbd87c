package chip

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/subtle"
	"math/big"
)

// ISO/IEC 9796-2 trailers: 0xBC means SHA-1 implicitly; 0x?CC names the
// hash in the byte before it.
var iso9796Hashes = map[byte]crypto.Hash{
	0x33: crypto.SHA1, 0x34: crypto.SHA256, 0x35: crypto.SHA512, 0x36: crypto.SHA384, 0x38: crypto.SHA224,
}

// verifyActiveAuth checks the chip's answer to challenge with its DG15
// key: RSA with ISO/IEC 9796-2 digital signature scheme 1 (partial message
// recovery), or ECDSA with a plain r||s signature over hash(challenge),
// the hash named by DG14 (ecHash).
func verifyActiveAuth(pub any, ecHash crypto.Hash, challenge, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return verifyISO9796(k, challenge, sig)
	case *ecdsa.PublicKey:
		if ecHash == 0 {
			return invalid(ReasonUnsupportedAlg, "ECDSA active authentication without an ActiveAuthenticationInfo in DG14")
		}
		der, ok := plainToASN1(k, sig)
		h := ecHash.New()
		h.Write(challenge)
		if !ok || !ecdsa.VerifyASN1(k, h.Sum(nil), der) {
			return invalid(ReasonAAFailed, "ECDSA answer does not verify with the DG15 key")
		}
		return nil
	}
	return invalid(ReasonUnsupportedAlg, "DG15 key type %T", pub)
}

func verifyISO9796(k *rsa.PublicKey, challenge, sig []byte) error {
	if k.N.BitLen()%8 != 0 || k.N.BitLen() < 1024 {
		return invalid(ReasonUnsupportedAlg, "RSA modulus of %d bits", k.N.BitLen())
	}
	size := k.Size()
	if len(sig) != size {
		return invalid(ReasonAAFailed, "answer of %d bytes for a %d-byte modulus", len(sig), size)
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(k.N) >= 0 {
		return invalid(ReasonAAFailed, "answer is not below the modulus")
	}
	f := new(big.Int).Exp(s, big.NewInt(int64(k.E)), k.N)
	// ISO 9796-2 lets the signer send min(s, n-s); the representative
	// always ends in the nibble C.
	if f.Bit(0) != 0 || f.Bit(1) != 0 || f.Bit(2) != 1 || f.Bit(3) != 1 {
		f.Sub(k.N, f)
	}
	m := f.FillBytes(make([]byte, size))
	var h crypto.Hash
	var t int
	switch {
	case m[size-1] == 0xBC:
		h, t = crypto.SHA1, 1
	case m[size-1] == 0xCC:
		var ok bool
		if h, ok = iso9796Hashes[m[size-2]]; !ok {
			return invalid(ReasonAAFailed, "unknown ISO 9796-2 hash identifier")
		}
		t = 2
	default:
		return invalid(ReasonAAFailed, "message representative has no ISO 9796-2 trailer")
	}
	if m[0] != 0x6A {
		return invalid(ReasonAAFailed, "message representative does not start with the partial-recovery header")
	}
	hl := h.Size()
	if size-t-hl <= 1 {
		return invalid(ReasonAAFailed, "modulus too short for the hash")
	}
	m1 := m[1 : size-t-hl]
	d := h.New()
	d.Write(m1)
	d.Write(challenge)
	if subtle.ConstantTimeCompare(d.Sum(nil), m[size-t-hl:size-t]) != 1 {
		return invalid(ReasonAAFailed, "answer does not sign this challenge with the DG15 key")
	}
	return nil
}
