package chip

import (
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
)

// ICAO 9303 has signers encode elliptic-curve domain parameters explicitly
// (ECParameters) instead of naming the curve, and crypto/x509 only reads
// named curves: 160 of the German master list's certificates, among them
// Japan's current P-384 CSCAs, fail to parse as they are. These helpers
// recognise explicit parameters of the NIST curves Go implements and
// rewrite them to the curve's name so the key can be loaded. Brainpool
// curves stay unsupported: crypto/ecdsa does not implement them.

var (
	oidNamedP256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidNamedP384 = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidNamedP521 = asn1.ObjectIdentifier{1, 3, 132, 0, 35}
)

type ecFieldID struct {
	FieldType asn1.ObjectIdentifier
	Prime     *big.Int
}

type ecCurve struct {
	A, B []byte
	Seed asn1.BitString `asn1:"optional"`
}

type ecParameters struct {
	Version  int
	FieldID  ecFieldID
	Curve    ecCurve
	Base     []byte
	Order    *big.Int
	Cofactor *big.Int `asn1:"optional"`
}

type spki struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

// namedCurveFor returns the OID of the NIST curve that explicit
// parameters describe, or false.
func namedCurveFor(params []byte) (asn1.ObjectIdentifier, bool) {
	var p ecParameters
	if rest, err := asn1.Unmarshal(params, &p); err != nil || len(rest) > 0 || p.FieldID.Prime == nil || p.Order == nil {
		return nil, false
	}
	for _, c := range []struct {
		curve elliptic.Curve
		oid   asn1.ObjectIdentifier
	}{{elliptic.P256(), oidNamedP256}, {elliptic.P384(), oidNamedP384}, {elliptic.P521(), oidNamedP521}} {
		cp := c.curve.Params()
		if cp.P.Cmp(p.FieldID.Prime) == 0 && cp.N.Cmp(p.Order) == 0 && cp.B.Cmp(new(big.Int).SetBytes(p.Curve.B)) == 0 {
			return c.oid, true
		}
	}
	return nil, false
}

// normalizeSPKI rewrites a SubjectPublicKeyInfo with explicit NIST curve
// parameters to the named-curve form. It returns false if der is not such
// a key.
func normalizeSPKI(der []byte) ([]byte, bool) {
	var k spki
	if rest, err := asn1.Unmarshal(der, &k); err != nil || len(rest) > 0 || !k.Algorithm.Algorithm.Equal(oidECPublicKey) {
		return nil, false
	}
	if k.Algorithm.Parameters.Tag != asn1.TagSequence {
		return nil, false
	}
	oid, ok := namedCurveFor(k.Algorithm.Parameters.FullBytes)
	if !ok {
		return nil, false
	}
	named, err := asn1.Marshal(oid)
	if err != nil {
		return nil, false
	}
	k.Algorithm.Parameters = asn1.RawValue{FullBytes: named}
	out, err := asn1.Marshal(k)
	return out, err == nil
}

// parsePublicKey is x509.ParsePKIXPublicKey with explicit NIST curve
// parameters accepted.
func parsePublicKey(der []byte) (any, error) {
	pub, err := x509.ParsePKIXPublicKey(der)
	if err == nil {
		return pub, nil
	}
	if n, ok := normalizeSPKI(der); ok {
		return x509.ParsePKIXPublicKey(n)
	}
	return nil, err
}

type certificateASN1 struct {
	TBS       asn1.RawValue
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
}

// parseCertificate is x509.ParseCertificate with explicit NIST curve
// parameters accepted. For a rewritten certificate, Raw,
// RawTBSCertificate and RawSubjectPublicKeyInfo are set back to the bytes
// as issued, so fingerprints and CheckSignatureFrom work on the original.
func parseCertificate(der []byte) (*x509.Certificate, error) {
	c, err := x509.ParseCertificate(der)
	if err == nil {
		return c, nil
	}
	var ca certificateASN1
	if rest, uerr := asn1.Unmarshal(der, &ca); uerr != nil || len(rest) > 0 || !ca.TBS.IsCompound {
		return nil, err
	}
	var parts []asn1.RawValue
	for rest := ca.TBS.Bytes; len(rest) > 0; {
		var v asn1.RawValue
		var uerr error
		if rest, uerr = asn1.Unmarshal(rest, &v); uerr != nil {
			return nil, err
		}
		parts = append(parts, v)
	}
	i := 5 // serial, signature, issuer, validity, subject, then SPKI
	if len(parts) > 0 && parts[0].Class == asn1.ClassContextSpecific && parts[0].Tag == 0 {
		i = 6
	}
	if len(parts) <= i {
		return nil, err
	}
	origSPKI := parts[i].FullBytes
	named, ok := normalizeSPKI(origSPKI)
	if !ok {
		return nil, err
	}
	var tbs []byte
	for j, p := range parts {
		if j == i {
			tbs = append(tbs, named...)
		} else {
			tbs = append(tbs, p.FullBytes...)
		}
	}
	ca.TBS = asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: tbs}
	rewritten, merr := asn1.Marshal(ca)
	if merr != nil {
		return nil, err
	}
	c, err2 := x509.ParseCertificate(rewritten)
	if err2 != nil {
		return nil, errors.Join(err, err2)
	}
	c.Raw = der
	c.RawTBSCertificate = ca0TBS(der)
	c.RawSubjectPublicKeyInfo = origSPKI
	return c, nil
}

func ca0TBS(der []byte) []byte {
	var ca certificateASN1
	if _, err := asn1.Unmarshal(der, &ca); err != nil {
		return nil
	}
	return ca.TBS.FullBytes
}
