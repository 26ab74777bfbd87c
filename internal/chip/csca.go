package chip

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"
)

// CSCAStore is a passport trust store: Country Signing CA certificates
// (roots and link certificates) that Document Signer certificates must
// chain to. It is immutable once built and safe for concurrent use.
type CSCAStore struct {
	certs     []*x509.Certificate
	bySubject map[string][]*x509.Certificate
}

// NewCSCAStore builds a store from certificates (duplicates are dropped).
func NewCSCAStore(certs ...*x509.Certificate) *CSCAStore {
	s := &CSCAStore{bySubject: map[string][]*x509.Certificate{}}
	seen := map[[32]byte]bool{}
	for _, c := range certs {
		fp := sha256.Sum256(c.Raw)
		if seen[fp] {
			continue
		}
		seen[fp] = true
		s.certs = append(s.certs, c)
		s.bySubject[string(c.RawSubject)] = append(s.bySubject[string(c.RawSubject)], c)
	}
	return s
}

// Len is the number of certificates in the store.
func (s *CSCAStore) Len() int { return len(s.certs) }

// Certificates returns the store's certificates whose subject country is
// country (ISO 3166 alpha-2, e.g. "JP"), or all of them for "".
func (s *CSCAStore) Certificates(country string) []*x509.Certificate {
	var out []*x509.Certificate
	for _, c := range s.certs {
		if country == "" || (len(c.Subject.Country) == 1 && c.Subject.Country[0] == country) {
			out = append(out, c)
		}
	}
	return out
}

// MasterListInfo describes a loaded master list.
type MasterListInfo struct {
	Certificates int    // parsed and added
	Skipped      int    // entries crypto/x509 cannot parse (e.g. brainpool keys)
	Signer       string // the master list signer's subject DN, when verified
	// SignatureVerified: the CMS signature over the list verified with the
	// embedded signer certificate. False when the signer uses an algorithm
	// crypto/x509 lacks (the German list's brainpool key); a tampered list
	// is an error, never SignatureVerified=false.
	SignatureVerified bool
	// SignerChained: the signer certificate chains to a CSCA inside the
	// list itself (the issuing country's). This is an integrity check of
	// the file, not a reason to trust it: the operator chose the file.
	SignerChained bool
}

type masterList struct {
	Version  int
	CertList asn1.RawValue
}

// LoadMasterList parses an ICAO CSCA master list (ICAO 9303-12: CMS
// SignedData over CscaMasterList) and verifies its CMS signature with the
// embedded signer certificate where crypto/x509 can load that certificate
// (see MasterListInfo.SignatureVerified). Certificates Go cannot parse are counted in
// Skipped, not fatal: master lists carry curves crypto/x509 lacks.
func LoadMasterList(der []byte) (*CSCAStore, MasterListInfo, error) {
	var info MasterListInfo
	m, err := parseSignedData(der)
	if err != nil {
		return nil, info, invalidWrap(err, ReasonMalformedSOD, "master list is not a usable CMS SignedData")
	}
	if !m.contentType.Equal(oidCSCAMasterList) {
		return nil, info, invalid(ReasonMalformedSOD, "content type %v is not a CSCA master list", m.contentType)
	}
	switch err := m.verify(); {
	case err == nil:
		info.SignatureVerified = true
		info.Signer = m.signer.Subject.String()
	case errors.Is(err, errUnsupported):
		// Germany signs with brainpool keys crypto/x509 cannot load. The
		// operator chose this file; load it and say it was not checked.
	default:
		return nil, info, classifyCMSError(err, "master list signature")
	}
	var ml masterList
	if rest, err := asn1.Unmarshal(m.content, &ml); err != nil || len(rest) > 0 {
		return nil, info, invalidWrap(err, ReasonMalformedSOD, "CscaMasterList does not parse")
	}
	if ml.CertList.Tag != asn1.TagSet || !ml.CertList.IsCompound {
		return nil, info, invalid(ReasonMalformedSOD, "certList is not a SET")
	}
	var certs []*x509.Certificate
	rest := ml.CertList.Bytes
	for len(rest) > 0 {
		var raw asn1.RawValue
		if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
			return nil, info, invalidWrap(err, ReasonMalformedSOD, "certList entry %d", len(certs)+info.Skipped)
		}
		c, err := parseCertificate(raw.FullBytes)
		if err != nil {
			info.Skipped++
			continue
		}
		certs = append(certs, c)
	}
	store := NewCSCAStore(certs...)
	info.Certificates = store.Len()
	if m.signer != nil {
		for _, c := range store.bySubject[string(m.signer.RawIssuer)] {
			if m.signer.CheckSignatureFrom(c) == nil {
				info.SignerChained = true
				break
			}
		}
	}
	return store, info, nil
}

// classifyCMSError maps a CMS verification error to a reason.
func classifyCMSError(err error, what string) *InvalidError {
	switch {
	case errors.Is(err, errUnsupported):
		return invalidWrap(err, ReasonUnsupportedAlg, "%s", what)
	case errors.Is(err, errBadSignature), errors.Is(err, errDigestMismatch):
		return invalidWrap(err, ReasonBadSignature, "%s", what)
	}
	return invalidWrap(err, ReasonMalformedSOD, "%s", what)
}

// chainDSC finds the CSCA that issued dsc, valid at t, and checks the
// DSC's own validity and, where a CRL from that CSCA is configured,
// its revocation. It returns whether revocation was checked.
func chainDSC(store *CSCAStore, crls [][]byte, dsc *x509.Certificate, t time.Time) (bool, error) {
	if store == nil || store.Len() == 0 {
		return false, invalid(ReasonUntrustedSigner, "no CSCA trust store is configured")
	}
	var issuer *x509.Certificate
	var lastErr error
	for _, c := range store.bySubject[string(dsc.RawIssuer)] {
		if t.Before(c.NotBefore) || t.After(c.NotAfter) {
			lastErr = fmt.Errorf("CSCA serial %s is outside its validity", c.SerialNumber)
			continue
		}
		if err := dsc.CheckSignatureFrom(c); err != nil {
			lastErr = err
			continue
		}
		issuer = c
		break
	}
	if issuer == nil {
		if lastErr == nil {
			lastErr = errors.New("no CSCA with the DSC's issuer name")
		}
		return false, invalidWrap(lastErr, ReasonUntrustedSigner, "the document signer does not chain to a configured CSCA")
	}
	if t.Before(dsc.NotBefore) || t.After(dsc.NotAfter) {
		return false, invalid(ReasonSignerExpired, "document signer valid %s to %s", dsc.NotBefore.Format(time.DateOnly), dsc.NotAfter.Format(time.DateOnly))
	}
	checked := false
	for _, der := range crls {
		crl, err := x509.ParseRevocationList(der)
		if err != nil || !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
			continue
		}
		if crl.CheckSignatureFrom(issuer) != nil || t.After(crl.NextUpdate) && !crl.NextUpdate.IsZero() {
			continue // not this CSCA's, or stale: proves nothing
		}
		checked = true
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(dsc.SerialNumber) == 0 && !e.RevocationTime.After(t) {
				return true, invalid(ReasonSignerRevoked, "document signer serial %s revoked", dsc.SerialNumber)
			}
		}
	}
	return checked, nil
}
