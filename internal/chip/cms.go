package chip

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	_ "crypto/sha1" // SOD hash algorithms in the wild
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// Object identifiers this package reads.
var (
	oidSignedData      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidLDSSecurityObj  = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}
	oidCSCAMasterList  = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}
	oidAttrContentType = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMsgDigest   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAAInfo          = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 5}

	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	// ecdsa-plain-SHA* (BSI TR-03111): r||s instead of a DER SEQUENCE.
	oidECDSAPlain = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1}
)

var hashByOID = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	{oidSHA1, crypto.SHA1}, {oidSHA224, crypto.SHA224}, {oidSHA256, crypto.SHA256},
	{oidSHA384, crypto.SHA384}, {oidSHA512, crypto.SHA512},
}

func hashFor(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	for _, h := range hashByOID {
		if h.oid.Equal(oid) {
			return h.hash, true
		}
	}
	return 0, false
}

// sigAlgs maps signature algorithm OIDs to (key type, hash). Hash 0 means
// "the SignerInfo's digest algorithm" (rsaEncryption, ecPublicKey).
var sigAlgs = []struct {
	oid  asn1.ObjectIdentifier
	ec   bool
	hash crypto.Hash
}{
	{oidRSAEncryption, false, 0},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}, false, crypto.SHA1},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}, false, crypto.SHA224},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, false, crypto.SHA256},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}, false, crypto.SHA384},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}, false, crypto.SHA512},
	{oidECPublicKey, true, 0},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}, true, crypto.SHA1},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}, true, crypto.SHA224},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}, true, crypto.SHA256},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}, true, crypto.SHA384},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}, true, crypto.SHA512},
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      asn1.RawValue
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,tag:0"` // [0] EXPLICIT, unwrapped by hand
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

// signedMessage is a parsed, not yet verified, CMS SignedData with one
// signer, as ICAO 9303 uses it for EF.SOD and master lists.
type signedMessage struct {
	contentType asn1.ObjectIdentifier
	content     []byte
	certs       []*x509.Certificate
	signer      *x509.Certificate // the certificate the SignerInfo names
	si          signerInfo
	digest      crypto.Hash // SignerInfo digest algorithm
	unparsed    int         // embedded certificates crypto/x509 could not parse
}

var errCMS = errors.New("malformed CMS SignedData")

// parseSignedData parses DER ContentInfo(SignedData) with exactly one
// SignerInfo whose signer certificate is embedded. It checks structure,
// not signatures.
func parseSignedData(der []byte) (*signedMessage, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, fmt.Errorf("%w: ContentInfo: %v", errCMS, err)
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("%w: %d bytes after ContentInfo", errCMS, len(rest))
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: content type %v", errCMS, ci.ContentType)
	}
	var sd signedData
	if rest, err = asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w: SignedData: %v", errCMS, err)
	}
	var ec asn1.RawValue
	if rest, err := asn1.Unmarshal(sd.EncapContentInfo.EContent.Bytes, &ec); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w: encapsulated content: %v", errCMS, err)
	}
	if ec.Class != asn1.ClassUniversal || ec.Tag != asn1.TagOctetString || ec.IsCompound || len(ec.Bytes) == 0 {
		return nil, fmt.Errorf("%w: encapsulated content is not a primitive OCTET STRING", errCMS)
	}
	m := &signedMessage{contentType: sd.EncapContentInfo.EContentType, content: ec.Bytes}
	if len(sd.Certificates.Bytes) > 0 {
		if !sd.Certificates.IsCompound {
			return nil, fmt.Errorf("%w: certificates not a set", errCMS)
		}
		rest := sd.Certificates.Bytes
		for len(rest) > 0 {
			var raw asn1.RawValue
			if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
				return nil, fmt.Errorf("%w: certificates: %v", errCMS, err)
			}
			c, err := parseCertificate(raw.FullBytes)
			if err != nil {
				m.unparsed++ // e.g. a brainpool key crypto/x509 cannot load
				continue
			}
			m.certs = append(m.certs, c)
		}
	}
	if sd.SignerInfos.Tag != asn1.TagSet || !sd.SignerInfos.IsCompound {
		return nil, fmt.Errorf("%w: signerInfos not a SET", errCMS)
	}
	var si signerInfo
	if rest, err = asn1.Unmarshal(sd.SignerInfos.Bytes, &si); err != nil {
		return nil, fmt.Errorf("%w: SignerInfo: %v", errCMS, err)
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("%w: more than one SignerInfo", errCMS)
	}
	m.si = si
	h, ok := hashFor(si.DigestAlgorithm.Algorithm)
	if !ok {
		return nil, fmt.Errorf("%w: digest algorithm %v", errUnsupported, si.DigestAlgorithm.Algorithm)
	}
	m.digest = h
	if m.signer, err = findSigner(si.SID, m.certs); err != nil && m.unparsed == 0 {
		return nil, err
	}
	return m, nil
}

var errUnsupported = errors.New("unsupported algorithm")

func findSigner(sid asn1.RawValue, certs []*x509.Certificate) (*x509.Certificate, error) {
	switch {
	case sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence:
		var ias issuerAndSerial
		if rest, err := asn1.Unmarshal(sid.FullBytes, &ias); err != nil || len(rest) > 0 || ias.Serial == nil {
			return nil, fmt.Errorf("%w: signer identifier: %v", errCMS, err)
		}
		for _, c := range certs {
			if bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) && c.SerialNumber.Cmp(ias.Serial) == 0 {
				return c, nil
			}
		}
	case sid.Class == asn1.ClassContextSpecific && sid.Tag == 0 && !sid.IsCompound:
		for _, c := range certs {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, sid.Bytes) {
				return c, nil
			}
		}
	default:
		return nil, fmt.Errorf("%w: signer identifier form", errCMS)
	}
	return nil, fmt.Errorf("%w: the signer's certificate is not in the message", errCMS)
}

// verify checks the signed attributes (content type, message digest) and
// the signature with the signer certificate's key. ICAO requires signed
// attributes, so a SignerInfo without them is refused.
func (m *signedMessage) verify() error {
	if m.signer == nil {
		return fmt.Errorf("%w: the signer's certificate does not parse with crypto/x509", errUnsupported)
	}
	if len(m.si.SignedAttrs.Bytes) == 0 {
		return fmt.Errorf("%w: no signed attributes", errCMS)
	}
	var ctype asn1.ObjectIdentifier
	var digest []byte
	seen := map[string]bool{}
	rest := m.si.SignedAttrs.Bytes
	for len(rest) > 0 {
		var a attribute
		var err error
		if rest, err = asn1.Unmarshal(rest, &a); err != nil {
			return fmt.Errorf("%w: signed attribute: %v", errCMS, err)
		}
		key := a.Type.String()
		if seen[key] {
			return fmt.Errorf("%w: signed attribute %s repeated", errCMS, key)
		}
		seen[key] = true
		switch {
		case a.Type.Equal(oidAttrContentType):
			if r, err := asn1.Unmarshal(a.Values.Bytes, &ctype); err != nil || len(r) > 0 {
				return fmt.Errorf("%w: contentType attribute", errCMS)
			}
		case a.Type.Equal(oidAttrMsgDigest):
			if r, err := asn1.Unmarshal(a.Values.Bytes, &digest); err != nil || len(r) > 0 {
				return fmt.Errorf("%w: messageDigest attribute", errCMS)
			}
		}
	}
	if !ctype.Equal(m.contentType) {
		return fmt.Errorf("%w: contentType attribute %v differs from the content's %v", errCMS, ctype, m.contentType)
	}
	h := m.digest.New()
	h.Write(m.content)
	if digest == nil || !bytes.Equal(h.Sum(nil), digest) {
		return errDigestMismatch
	}
	signed := append([]byte(nil), m.si.SignedAttrs.FullBytes...)
	signed[0] = 0x31 // signed over as a SET OF, not as the [0] IMPLICIT it is sent as
	return verifySignature(m.signer.PublicKey, m.si.SignatureAlgorithm, m.digest, signed, m.si.Signature)
}

var (
	errDigestMismatch = errors.New("messageDigest attribute does not match the content")
	errBadSignature   = errors.New("signature does not verify")
)

type pssParams struct {
	Hash       pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:0"`
	MGF        pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:1"`
	SaltLength int                      `asn1:"explicit,optional,tag:2,default:20"`
	Trailer    int                      `asn1:"explicit,optional,tag:3,default:1"`
}

// verifySignature verifies sig over msg with pub. digest is the hash to
// use when the algorithm OID does not name one.
func verifySignature(pub any, alg pkix.AlgorithmIdentifier, digest crypto.Hash, msg, sig []byte) error {
	if alg.Algorithm.Equal(oidRSAPSS) {
		var p pssParams
		if rest, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil || len(rest) > 0 {
			return fmt.Errorf("%w: RSASSA-PSS parameters", errCMS)
		}
		h := crypto.SHA1
		if len(p.Hash.Algorithm) > 0 {
			var ok bool
			if h, ok = hashFor(p.Hash.Algorithm); !ok {
				return fmt.Errorf("%w: PSS hash %v", errUnsupported, p.Hash.Algorithm)
			}
		}
		if len(p.MGF.Algorithm) > 0 {
			var mgfHash pkix.AlgorithmIdentifier
			if !p.MGF.Algorithm.Equal(oidMGF1) {
				return fmt.Errorf("%w: PSS mask generation %v", errUnsupported, p.MGF.Algorithm)
			}
			if _, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &mgfHash); err != nil {
				return fmt.Errorf("%w: MGF1 parameters", errCMS)
			}
			if mh, ok := hashFor(mgfHash.Algorithm); !ok || mh != h {
				return fmt.Errorf("%w: MGF1 hash differs from the PSS hash", errUnsupported)
			}
		}
		if p.Trailer != 1 || p.SaltLength < 0 {
			return fmt.Errorf("%w: PSS trailer %d salt %d", errUnsupported, p.Trailer, p.SaltLength)
		}
		rpub, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: PSS with a non-RSA key", errUnsupported)
		}
		d := h.New()
		d.Write(msg)
		if err := rsa.VerifyPSS(rpub, h, d.Sum(nil), sig, &rsa.PSSOptions{SaltLength: p.SaltLength, Hash: h}); err != nil {
			return errBadSignature
		}
		return nil
	}
	var h crypto.Hash
	var ec, plain, known bool
	for _, a := range sigAlgs {
		if a.oid.Equal(alg.Algorithm) {
			h, ec, known = a.hash, a.ec, true
		}
	}
	if n := len(oidECDSAPlain); len(alg.Algorithm) == n+1 && alg.Algorithm[:n].Equal(oidECDSAPlain) {
		known, ec, plain = true, true, true
		h = [...]crypto.Hash{0, crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512, 0}[min(max(alg.Algorithm[n], 0), 6)]
		if h == 0 {
			return fmt.Errorf("%w: signature algorithm %v", errUnsupported, alg.Algorithm)
		}
	}
	if !known {
		return fmt.Errorf("%w: signature algorithm %v", errUnsupported, alg.Algorithm)
	}
	if h == 0 {
		h = digest
	}
	d := h.New()
	d.Write(msg)
	sum := d.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if ec {
			return fmt.Errorf("%w: ECDSA algorithm with an RSA key", errUnsupported)
		}
		if rsa.VerifyPKCS1v15(k, h, sum, sig) != nil {
			return errBadSignature
		}
	case *ecdsa.PublicKey:
		if !ec {
			return fmt.Errorf("%w: RSA algorithm with an EC key", errUnsupported)
		}
		if plain {
			var ok bool
			if sig, ok = plainToASN1(k, sig); !ok {
				return errBadSignature
			}
		}
		if !ecdsa.VerifyASN1(k, sum, sig) {
			return errBadSignature
		}
	default:
		return fmt.Errorf("%w: key type %T", errUnsupported, pub)
	}
	return nil
}

// plainToASN1 turns a TR-03111 plain r||s signature into the DER form
// crypto/ecdsa verifies.
func plainToASN1(k *ecdsa.PublicKey, sig []byte) ([]byte, bool) {
	n := (k.Curve.Params().BitSize + 7) / 8
	if len(sig) != 2*n {
		return nil, false
	}
	r := new(big.Int).SetBytes(sig[:n])
	s := new(big.Int).SetBytes(sig[n:])
	der, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	return der, err == nil
}
