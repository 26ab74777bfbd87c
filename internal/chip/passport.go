package chip

import (
	"bytes"
	"context"
	"crypto"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"strconv"
	"strings"

	"golang.org/x/text/language"

	"github.com/kakunin-dev/kakunin/internal/mrz"
)

// Passport file tags: each DG file is one object with its own tag.
var dgTags = map[int]uint32{
	1: 0x61, 2: 0x75, 3: 0x63, 4: 0x76, 5: 0x65, 6: 0x66, 7: 0x67, 8: 0x68, 9: 0x69, 10: 0x6A,
	11: 0x6B, 12: 0x6C, 13: 0x6D, 14: 0x6E, 15: 0x6F, 16: 0x70,
}

const (
	tagSOD = 0x77
	tagMRZ = 0x5F1F
)

// SOD is a parsed EF.SOD: the LDS security object and its signer. Parsing
// does not verify; VerifyPassport does.
type SOD struct {
	HashAlgorithm crypto.Hash
	// Hashes maps data group numbers (1-16) to their hash.
	Hashes     map[int][]byte
	LDSVersion string // "" for a v0 security object
	// Signer is the Document Signer certificate embedded in the SOD; nil
	// when crypto/x509 cannot load it (e.g. a brainpool key).
	Signer *x509.Certificate
	msg    *signedMessage
}

type ldsSecurityObject struct {
	Version             int
	HashAlgorithm       pkix.AlgorithmIdentifier
	DataGroupHashValues []dataGroupHash
	LDSVersionInfo      ldsVersionInfo `asn1:"optional"`
}

type dataGroupHash struct {
	Number int
	Value  []byte
}

type ldsVersionInfo struct {
	LDSVersion     string
	UnicodeVersion string
}

// ParseSOD parses EF.SOD (tag 77 around a CMS SignedData whose content is
// an LDSSecurityObject). Errors are *InvalidError (malformed_sod or
// unsupported_algorithm).
func ParseSOD(b []byte) (*SOD, error) {
	inner, err := single(b, tagSOD)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedSOD, "EF.SOD wrapper")
	}
	m, err := parseSignedData(inner)
	if err != nil {
		if errors.Is(err, errUnsupported) {
			return nil, invalidWrap(err, ReasonUnsupportedAlg, "EF.SOD")
		}
		return nil, invalidWrap(err, ReasonMalformedSOD, "EF.SOD")
	}
	if !m.contentType.Equal(oidLDSSecurityObj) {
		return nil, invalid(ReasonMalformedSOD, "content type %v is not an LDS security object", m.contentType)
	}
	var lso ldsSecurityObject
	if rest, err := asn1.Unmarshal(m.content, &lso); err != nil || len(rest) > 0 {
		return nil, invalidWrap(err, ReasonMalformedSOD, "LDSSecurityObject does not parse")
	}
	if lso.Version != 0 && lso.Version != 1 {
		return nil, invalid(ReasonMalformedSOD, "LDSSecurityObject version %d", lso.Version)
	}
	h, ok := hashFor(lso.HashAlgorithm.Algorithm)
	if !ok {
		return nil, invalid(ReasonUnsupportedAlg, "data group hash algorithm %v", lso.HashAlgorithm.Algorithm)
	}
	s := &SOD{HashAlgorithm: h, Hashes: map[int][]byte{}, LDSVersion: lso.LDSVersionInfo.LDSVersion, Signer: m.signer, msg: m}
	for _, d := range lso.DataGroupHashValues {
		if d.Number < 1 || d.Number > 16 {
			return nil, invalid(ReasonMalformedSOD, "data group number %d", d.Number)
		}
		if _, dup := s.Hashes[d.Number]; dup {
			return nil, invalid(ReasonMalformedSOD, "data group %d listed twice", d.Number)
		}
		if len(d.Value) != h.Size() {
			return nil, invalid(ReasonMalformedSOD, "data group %d hash of %d bytes for %v", d.Number, len(d.Value), h)
		}
		s.Hashes[d.Number] = d.Value
	}
	if len(s.Hashes) == 0 {
		return nil, invalid(ReasonMalformedSOD, "no data group hashes")
	}
	return s, nil
}

// VerifyPassport runs passive authentication (SOD signature, DSC → CSCA,
// data group hashes), parses DG1 and DG2, and checks active authentication
// against opts.Challenge. A chip that supports active authentication (its
// SOD lists DG15) must answer, or the bundle is rejected: a clone copies
// the SOD but cannot sign a fresh challenge. A chip without DG15 yields a
// PassiveOnly result, never ChipVerified.
func VerifyPassport(ctx context.Context, opts Options, b *Bundle) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if b.DocumentType != Passport {
		return nil, invalid(ReasonUnknownDocumentType, "bundle is a %s, not a passport", b.DocumentType)
	}
	for _, f := range []string{"SOD", "DG1", "DG2"} {
		if len(b.Files[f]) == 0 {
			return nil, invalid(ReasonMissingFile, "%s is required", f)
		}
	}
	sod, err := ParseSOD(b.Files["SOD"])
	if err != nil {
		return nil, err
	}
	if err := sod.msg.verify(); err != nil {
		return nil, classifyCMSError(err, "EF.SOD signature")
	}
	if err := sod.checkDataGroups(b.Files); err != nil {
		return nil, err
	}
	now := opts.now()
	res := &Result{DocumentType: Passport, Signer: sod.Signer.Subject.String()}
	if res.RevocationChecked, err = chainDSC(opts.CSCAs, opts.CRLs, sod.Signer, now); err != nil {
		return nil, err
	}
	res.Signature = SignatureVerified
	m, err := parseDG1(b.Files["DG1"])
	if err != nil {
		return nil, err
	}
	if err := checkCountry(sod.Signer, m.IssuingState); err != nil {
		return nil, err
	} else if country(sod.Signer) == "" {
		res.note("country_unchecked")
	}
	res.Attributes = Attributes{
		Name:           strings.TrimSpace(m.Surname + " " + m.GivenNames),
		Surname:        m.Surname,
		GivenNames:     m.GivenNames,
		BirthDate:      m.BirthDateISO(now),
		Sex:            m.Sex,
		Nationality:    m.Nationality,
		DocumentNumber: m.DocumentNumber,
		IssuingState:   m.IssuingState,
		ExpiryDate:     m.ExpiryDateISO(),
	}
	if res.Face, err = ParseDG2(b.Files["DG2"]); err != nil {
		return nil, err
	}
	if res.Challenge, err = checkActiveAuth(opts, b, sod); err != nil {
		return nil, err
	}
	res.settle()
	return res, nil
}

// checkDataGroups: every data group sent must be listed in the SOD (no
// injected groups) with a matching hash (no altered groups).
func (s *SOD) checkDataGroups(files map[string][]byte) error {
	for name, data := range files {
		n, ok := dgNumber(name)
		if !ok {
			continue // SOD, COM, CardAccess, CardSecurity
		}
		want, listed := s.Hashes[n]
		if !listed {
			return invalid(ReasonDGNotInSOD, "DG%d is not listed in the SOD", n)
		}
		h := s.HashAlgorithm.New()
		h.Write(data)
		if subtle.ConstantTimeCompare(h.Sum(nil), want) != 1 {
			return invalid(ReasonDGHashMismatch, "DG%d does not match its SOD hash", n)
		}
	}
	return nil
}

func dgNumber(name string) (int, bool) {
	s, ok := strings.CutPrefix(name, "DG")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && n <= 16
}

func parseDG1(b []byte) (*mrz.MRZ, error) {
	v, err := single(b, dgTags[1])
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "DG1")
	}
	text, err := single(v, tagMRZ)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "DG1 MRZ object")
	}
	m, err := mrz.Parse(string(text))
	var cd *mrz.CheckDigitError
	switch {
	case errors.As(err, &cd):
		return nil, invalidWrap(err, ReasonMRZCheckDigit, "DG1 %s", cd.Field)
	case err != nil:
		return nil, invalidWrap(err, ReasonMalformedMRZ, "DG1")
	}
	return m, nil
}

func country(c *x509.Certificate) string {
	if len(c.Issuer.Country) != 1 {
		return ""
	}
	return strings.ToUpper(c.Issuer.Country[0])
}

// checkCountry compares the DSC issuer's country with DG1's issuing state
// (ICAO 3-letter code): a CSCA may vouch only for its own country's
// documents. Codes without an ISO 3166 region (UTO, XXA ...) are compared
// by nothing and fail.
func checkCountry(dsc *x509.Certificate, state string) error {
	c := country(dsc)
	if c == "" {
		return nil // noted by the caller
	}
	var alpha2 string
	switch {
	case state == "D":
		alpha2 = "DE"
	case strings.HasPrefix(state, "GB"):
		alpha2 = "GB" // GBD, GBN, GBO, GBP, GBS: British nationality classes
	default:
		if r, err := language.ParseRegion(state); err == nil && len(state) == 3 {
			alpha2 = r.String()
		}
	}
	if alpha2 != c {
		return invalid(ReasonCountryMismatch, "document signer country %s does not issue %q documents", c, truncate(state))
	}
	return nil
}

// checkActiveAuth decides the challenge status. See VerifyPassport.
func checkActiveAuth(opts Options, b *Bundle, sod *SOD) (ChallengeStatus, error) {
	if _, listed := sod.Hashes[15]; !listed {
		return ChallengeNotSupported, nil
	}
	dg15 := b.Files["DG15"]
	if len(dg15) == 0 {
		return "", invalid(ReasonAAMissing, "the SOD lists DG15 but the bundle does not carry it")
	}
	if len(opts.Challenge) == 0 {
		return "", invalid(ReasonChallengeMissing, "no server challenge to check active authentication against")
	}
	if len(b.Challenge) == 0 || len(b.Response) == 0 {
		return "", invalid(ReasonAAMissing, "the chip supports active authentication but the bundle has no answer")
	}
	if !bytes.Equal(b.Challenge, opts.Challenge) {
		return "", invalid(ReasonChallengeMismatch, "the bundle answers a different challenge")
	}
	spki, err := single(dg15, dgTags[15])
	if err != nil {
		return "", invalidWrap(err, ReasonMalformedFile, "DG15")
	}
	pub, err := parsePublicKey(spki)
	if err != nil {
		return "", invalidWrap(err, ReasonUnsupportedAlg, "DG15 public key")
	}
	var aaHash crypto.Hash
	if dg14 := b.Files["DG14"]; len(dg14) > 0 {
		if aaHash, err = aaHashFromDG14(dg14); err != nil {
			return "", err
		}
	}
	if err := verifyActiveAuth(pub, aaHash, opts.Challenge, b.Response); err != nil {
		return "", err
	}
	return ChallengeVerified, nil
}

type securityInfo struct {
	Protocol asn1.ObjectIdentifier
	Required asn1.RawValue
	Optional asn1.RawValue `asn1:"optional"`
}

// aaHashFromDG14 reads the ActiveAuthenticationInfo of DG14, which ICAO
// requires for ECDSA active authentication, and returns its hash (0 when
// DG14 has none).
func aaHashFromDG14(b []byte) (crypto.Hash, error) {
	v, err := single(b, dgTags[14])
	if err != nil {
		return 0, invalidWrap(err, ReasonMalformedFile, "DG14")
	}
	var set asn1.RawValue
	if rest, err := asn1.Unmarshal(v, &set); err != nil || len(rest) > 0 || set.Tag != asn1.TagSet {
		return 0, invalidWrap(err, ReasonMalformedFile, "DG14 SecurityInfos")
	}
	for rest := set.Bytes; len(rest) > 0; {
		var si securityInfo
		if rest, err = asn1.Unmarshal(rest, &si); err != nil {
			return 0, invalidWrap(err, ReasonMalformedFile, "DG14 SecurityInfo")
		}
		if !si.Protocol.Equal(oidAAInfo) {
			continue
		}
		var alg asn1.ObjectIdentifier
		if r, err := asn1.Unmarshal(si.Optional.FullBytes, &alg); err != nil || len(r) > 0 {
			return 0, invalidWrap(err, ReasonMalformedFile, "DG14 ActiveAuthenticationInfo")
		}
		n := len(oidECDSAPlain)
		if len(alg) != n+1 || !alg[:n].Equal(oidECDSAPlain) || alg[n] < 1 || alg[n] > 5 {
			return 0, invalid(ReasonUnsupportedAlg, "active authentication algorithm %v", alg)
		}
		return [...]crypto.Hash{0, crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512}[alg[n]], nil
	}
	return 0, nil
}
