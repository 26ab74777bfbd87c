package chip

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"
)

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The signature algorithms found in SODs: each must verify its own
// signature and refuse one over other bytes.
func TestVerifySignatureAlgorithms(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("signed attributes")
	s256 := sha256.Sum256(msg)
	s384 := sha512.Sum384(msg)

	pkcs1, _ := rsa.SignPKCS1v15(nil, rsaKey, crypto.SHA256, s256[:])
	pss, _ := rsa.SignPSS(rand.Reader, rsaKey, crypto.SHA256, s256[:], &rsa.PSSOptions{SaltLength: 32})
	ecDER, _ := ecdsa.SignASN1(rand.Reader, ecKey, s384[:])
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(ecDER, &rs); err != nil {
		t.Fatal(err)
	}
	plain := append(rs.R.FillBytes(make([]byte, 48)), rs.S.FillBytes(make([]byte, 48))...)

	sha256ID := pkix.AlgorithmIdentifier{Algorithm: oidSHA256}
	mgf := pkix.AlgorithmIdentifier{Algorithm: oidMGF1, Parameters: asn1.RawValue{FullBytes: mustMarshal(t, sha256ID)}}
	pssParamsDER := mustMarshal(t, pssParams{Hash: sha256ID, MGF: mgf, SaltLength: 32, Trailer: 1})
	pssAlg := pkix.AlgorithmIdentifier{Algorithm: oidRSAPSS, Parameters: asn1.RawValue{FullBytes: pssParamsDER}}

	tests := map[string]struct {
		pub    any
		alg    pkix.AlgorithmIdentifier
		digest crypto.Hash
		sig    []byte
	}{
		"rsaEncryption with SHA-256 digest": {&rsaKey.PublicKey, pkix.AlgorithmIdentifier{Algorithm: oidRSAEncryption}, crypto.SHA256, pkcs1},
		"sha256WithRSAEncryption":           {&rsaKey.PublicKey, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}}, crypto.SHA1, pkcs1},
		"RSASSA-PSS SHA-256 salt 32":        {&rsaKey.PublicKey, pssAlg, crypto.SHA1, pss},
		"ecdsa-with-SHA384":                 {&ecKey.PublicKey, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}}, crypto.SHA256, ecDER},
		"ecPublicKey with SHA-384 digest":   {&ecKey.PublicKey, pkix.AlgorithmIdentifier{Algorithm: oidECPublicKey}, crypto.SHA384, ecDER},
		"ecdsa-plain-SHA384":                {&ecKey.PublicKey, pkix.AlgorithmIdentifier{Algorithm: append(append(asn1.ObjectIdentifier{}, oidECDSAPlain...), 4)}, crypto.SHA256, plain},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if err := verifySignature(tc.pub, tc.alg, tc.digest, msg, tc.sig); err != nil {
				t.Fatalf("got %v; want the signature to verify", err)
			}
			if err := verifySignature(tc.pub, tc.alg, tc.digest, []byte("other bytes"), tc.sig); !errors.Is(err, errBadSignature) {
				t.Errorf("got %v over other bytes; want errBadSignature", err)
			}
		})
	}
	t.Run("PSS with a different MGF hash", func(t *testing.T) {
		mgf1 := pkix.AlgorithmIdentifier{Algorithm: oidMGF1, Parameters: asn1.RawValue{FullBytes: mustMarshal(t, pkix.AlgorithmIdentifier{Algorithm: oidSHA1})}}
		alg := pkix.AlgorithmIdentifier{Algorithm: oidRSAPSS, Parameters: asn1.RawValue{FullBytes: mustMarshal(t, pssParams{Hash: sha256ID, MGF: mgf1, SaltLength: 32, Trailer: 1})}}
		if err := verifySignature(&rsaKey.PublicKey, alg, 0, msg, pss); !errors.Is(err, errUnsupported) {
			t.Fatalf("got %v; want errUnsupported", err)
		}
	})
	t.Run("ECDSA OID with an RSA key", func(t *testing.T) {
		if err := verifySignature(&rsaKey.PublicKey, pkix.AlgorithmIdentifier{Algorithm: oidECPublicKey}, crypto.SHA256, msg, pkcs1); !errors.Is(err, errUnsupported) {
			t.Fatalf("got %v; want errUnsupported", err)
		}
	})
}

// ISO 9796-2 lets a chip send n − s instead of s; both must verify, and
// nothing else may.
func TestISO9796Forms(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	challenge := []byte("8 bytes!")
	m1 := make([]byte, k.Size()-1-32-2) // header, hash, two-byte trailer
	rand.Read(m1)
	h := sha256.New()
	h.Write(m1)
	h.Write(challenge)
	f := append(append(append([]byte{0x6A}, m1...), h.Sum(nil)...), 0x34, 0xCC)
	s := new(big.Int).Exp(new(big.Int).SetBytes(f), k.D, k.N)
	ns := new(big.Int).Sub(k.N, s)
	tests := map[string]struct {
		sig  []byte
		chal []byte
		ok   bool
	}{
		"s, SHA-256 trailer": {s.FillBytes(make([]byte, k.Size())), challenge, true},
		"n − s":              {ns.FillBytes(make([]byte, k.Size())), challenge, true},
		"other challenge":    {s.FillBytes(make([]byte, k.Size())), []byte("7 bytes?"), false},
		"s + 1":              {new(big.Int).Add(s, big.NewInt(1)).FillBytes(make([]byte, k.Size())), challenge, false},
		"short":              {[]byte{1, 2, 3}, challenge, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := verifyISO9796(&k.PublicKey, tc.chal, tc.sig)
			if tc.ok && err != nil {
				t.Fatalf("got %v; want it to verify", err)
			}
			if !tc.ok && ReasonOf(err) != ReasonAAFailed {
				t.Fatalf("got %v; want aa_failed", err)
			}
		})
	}
}
