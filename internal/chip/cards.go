package chip

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"

	"github.com/kakunin-dev/kakunin/internal/mynumber"
)

// Verify dispatches on the bundle's document type.
func Verify(ctx context.Context, opts Options, b *Bundle) (*Result, error) {
	switch b.DocumentType {
	case Passport:
		return VerifyPassport(ctx, opts, b)
	case ResidenceCard:
		return VerifyResidenceCard(ctx, opts, b)
	case DriversLicense:
		return VerifyDriversLicense(ctx, opts, b)
	case MyNumberCard:
		return VerifyMyNumberCard(ctx, opts, b)
	}
	return nil, invalid(ReasonUnknownDocumentType, "document_type %q", truncate(string(b.DocumentType)))
}

func need(b *Bundle, t DocumentType, names ...string) error {
	if b.DocumentType != t {
		return invalid(ReasonUnknownDocumentType, "bundle is a %s, not a %s", b.DocumentType, t)
	}
	for _, n := range names {
		if len(b.Files[n]) == 0 {
			return invalid(ReasonMissingFile, "%s is required", n)
		}
	}
	return nil
}

// Residence card (在留カード等仕様書 §3.4.3.1): DF3/EF01 carries the check
// code (tag DA, an RSA-2048 PKCS#1 v1.5 signature) and the signer's X.509
// certificate (tag DB). The signed data is the front image (DF1/EF01, tag
// D0) zero-padded to 7000 bytes followed by the face image (DF1/EF02, tag
// D1) zero-padded to 3000 bytes.
const (
	rcFrontLen = 7000
	rcFaceLen  = 3000
)

// ResidenceCardSignedData returns the bytes the check code signs.
func ResidenceCardSignedData(front, face []byte) ([]byte, error) {
	if len(front) > rcFrontLen || len(face) > rcFaceLen {
		return nil, fmt.Errorf("front image of %d bytes or face image of %d bytes over %d/%d", len(front), len(face), rcFrontLen, rcFaceLen)
	}
	out := make([]byte, rcFrontLen+rcFaceLen)
	copy(out, front)
	copy(out[rcFrontLen:], face)
	return out, nil
}

// VerifyResidenceCard checks the check code over the front and face
// images with the card's certificate, and the certificate against
// opts.ResidenceCardRoots. Without roots the result is unverified: the
// card's own certificate proves nothing until something vouches for it.
func VerifyResidenceCard(ctx context.Context, opts Options, b *Bundle) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := need(b, ResidenceCard, "DF1/EF01", "DF1/EF02", "DF3/EF01"); err != nil {
		return nil, err
	}
	front, err := single(b.Files["DF1/EF01"], 0xD0)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "DF1/EF01 front image")
	}
	faceRaw, err := single(b.Files["DF1/EF02"], 0xD1)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "DF1/EF02 face image")
	}
	sig, err := fields(b.Files["DF3/EF01"])
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "DF3/EF01 signature data")
	}
	code, certDER := sig[0xDA], sig[0xDB]
	if len(code) == 0 || len(certDER) == 0 {
		return nil, invalid(ReasonMalformedFile, "DF3/EF01 lacks the check code (DA) or the certificate (DB)")
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "DF3/EF01 certificate")
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() < 2048 {
		return nil, invalid(ReasonUnsupportedAlg, "residence card signer key is not RSA-2048 or larger")
	}
	signed, err := ResidenceCardSignedData(front, faceRaw)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "residence card images")
	}
	sum := sha256.Sum256(signed)
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], code) != nil {
		return nil, invalid(ReasonBadSignature, "check code does not verify over the front and face images")
	}
	res := &Result{DocumentType: ResidenceCard, Challenge: ChallengeNotChecked, Signature: SignatureUnverified}
	if res.CardFace, err = imageOf(front, "residence card front image"); err != nil {
		return nil, err
	}
	if res.Face, err = imageOf(faceRaw, "residence card face image"); err != nil {
		return nil, err
	}
	if t, ok := cardType(b.Files["MF/EF02"]); ok {
		res.Attributes.Issuer = t
	}
	if len(opts.ResidenceCardRoots) == 0 {
		res.note("residence_card_anchor_not_configured")
	} else {
		if err := chainTo(cert, opts.ResidenceCardRoots, opts.now()); err != nil {
			return nil, err
		}
		res.Signature = SignatureVerified
		res.Signer = cert.Subject.String()
	}
	res.settle()
	return res, nil
}

// cardType reads MF/EF02 (tag C1): "1" residence card, "2" special
// permanent resident certificate.
func cardType(b []byte) (string, bool) {
	if len(b) == 0 {
		return "", false
	}
	v, err := single(b, 0xC1)
	if err != nil || len(v) != 1 {
		return "", false
	}
	switch v[0] {
	case '1':
		return "出入国在留管理庁 (在留カード)", true
	case '2':
		return "出入国在留管理庁 (特別永住者証明書)", true
	}
	return "", false
}

// chainTo checks that cert is one of roots or is signed by one, and that
// it is valid at t.
func chainTo(cert *x509.Certificate, roots []*x509.Certificate, t time.Time) error {
	var lastErr error = errors.New("no anchor with the certificate's issuer name")
	found := false
	for _, r := range roots {
		if r.Equal(cert) {
			found = true
			break
		}
		if string(r.RawSubject) != string(cert.RawIssuer) {
			continue
		}
		if err := cert.CheckSignatureFrom(r); err != nil {
			lastErr = err
			continue
		}
		if t.Before(r.NotBefore) || t.After(r.NotAfter) {
			lastErr = errors.New("anchor outside its validity")
			continue
		}
		found = true
		break
	}
	if !found {
		return invalidWrap(lastErr, ReasonUntrustedSigner, "card signer does not chain to a configured anchor")
	}
	if t.Before(cert.NotBefore) || t.After(cert.NotAfter) {
		return invalid(ReasonSignerExpired, "card signer valid %s to %s", cert.NotBefore.Format(time.DateOnly), cert.NotAfter.Format(time.DateOnly))
	}
	return nil
}

// runVerifier applies a pluggable signature verifier. Nil: unverified.
// An *InvalidError rejects the bundle; any other error (a platform that
// is down) is returned as it is, for the caller to retry.
func runVerifier(ctx context.Context, v SignatureVerifier, b *Bundle, res *Result) error {
	if v == nil {
		res.Signature = SignatureUnverified
		res.note("signature_verifier_not_configured")
		return nil
	}
	signer, err := v.VerifyChipSignature(ctx, b)
	if err != nil {
		return err
	}
	res.Signature, res.Signer = SignatureVerified, signer
	return nil
}

// Driver's licence layout, as public reader implementations read it (the
// NPA specification text was not checked): MF/EF01 common data (tag 45:
// spec version, issue and expiry dates as packed BCD), DF1/EF01 記載事項
// (tags 12 name, 16 birth date, 17 address, 18 issue date, 1B expiry,
// 20 公安委員会, 21 licence number; text in JIS X 0208), DF2/EF01 photo
// (tag 5F40, JPEG 2000), DF1/EF07 electronic signature (scope unknown).
const (
	dlTagName       = 0x12
	dlTagBirth      = 0x16
	dlTagAddress    = 0x17
	dlTagIssued     = 0x18
	dlTagExpiry     = 0x1B
	dlTagCommission = 0x20
	dlTagNumber     = 0x21
	dlTagPhoto      = 0x5F40
)

// VerifyDriversLicense parses the licence's text and photo. Its signature
// is verified only by opts.LicenseSignature; without one the result says
// signature unverified, which the AML law does not accept.
func VerifyDriversLicense(ctx context.Context, opts Options, b *Bundle) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := need(b, DriversLicense, "DF1/EF01", "DF2/EF01"); err != nil {
		return nil, err
	}
	f, err := fields(b.Files["DF1/EF01"])
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "DF1/EF01 記載事項")
	}
	res := &Result{DocumentType: DriversLicense, Challenge: ChallengeNotChecked}
	a := &res.Attributes
	if a.Name, err = jisText(f[dlTagName], "name"); err != nil {
		return nil, err
	}
	if a.Address, err = jisText(f[dlTagAddress], "address"); err != nil {
		return nil, err
	}
	if a.Issuer, err = jisText(f[dlTagCommission], "公安委員会"); err != nil {
		return nil, err
	}
	if a.BirthDate, err = eraDate(f[dlTagBirth], "birth date"); err != nil {
		return nil, err
	}
	if a.IssueDate, err = eraDate(f[dlTagIssued], "issue date"); err != nil {
		return nil, err
	}
	if a.ExpiryDate, err = eraDate(f[dlTagExpiry], "expiry date"); err != nil {
		return nil, err
	}
	num := string(f[dlTagNumber])
	if len(num) != 12 || strings.Trim(num, "0123456789") != "" {
		return nil, invalid(ReasonMalformedAttributes, "licence number is not 12 digits")
	}
	a.DocumentNumber = num
	if !licenseCheckDigitOK(num) {
		// An unofficial formula: a note for reviewers, never a rejection.
		res.note("license_number_check_digit_soft_fail")
	}
	if a.Name == "" || a.BirthDate == "" {
		return nil, invalid(ReasonMalformedAttributes, "name or birth date missing")
	}
	photo, err := single(b.Files["DF2/EF01"], dlTagPhoto)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "DF2/EF01 photo")
	}
	if res.Face, err = imageOf(photo, "licence photo"); err != nil {
		return nil, err
	}
	if err := runVerifier(ctx, opts.LicenseSignature, b, res); err != nil {
		return nil, err
	}
	res.settle()
	return res, nil
}

// jisText decodes JIS X 0208 two-byte codes (the licence's text form) by
// framing them as ISO-2022-JP. Absent fields are "".
func jisText(b []byte, what string) (string, error) {
	if len(b) == 0 {
		return "", nil
	}
	if len(b)%2 != 0 {
		return "", invalid(ReasonMalformedAttributes, "%s is not JIS X 0208 (odd length)", what)
	}
	for _, c := range b {
		if c < 0x21 || c > 0x7E {
			return "", invalid(ReasonMalformedAttributes, "%s is not JIS X 0208", what)
		}
	}
	framed := append(append([]byte("\x1b$B"), b...), "\x1b(B"...)
	out, err := japanese.ISO2022JP.NewDecoder().Bytes(framed)
	if err != nil || !utf8.Valid(out) || strings.ContainsRune(string(out), utf8.RuneError) {
		return "", invalidWrap(err, ReasonMalformedAttributes, "%s does not decode as JIS X 0208", what)
	}
	return strings.TrimRight(string(out), "　"), nil
}

// eraDate converts the licence's date form, era digit + YYMMDD (1 明治,
// 2 大正, 3 昭和, 4 平成, 5 令和), to ISO 8601. Absent dates are "".
func eraDate(b []byte, what string) (string, error) {
	if len(b) == 0 {
		return "", nil
	}
	s := string(b)
	if len(s) != 7 || strings.Trim(s, "0123456789") != "" {
		return "", invalid(ReasonMalformedAttributes, "%s is not an era digit and YYMMDD", what)
	}
	base := map[byte]int{'1': 1867, '2': 1911, '3': 1925, '4': 1988, '5': 2018}[s[0]]
	if base == 0 {
		return "", invalid(ReasonMalformedAttributes, "%s has unknown era %c", what, s[0])
	}
	y, m, d := base+atoi2(s[1:3]), atoi2(s[3:5]), atoi2(s[5:7])
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if s[1:3] == "00" || t.Month() != time.Month(m) || t.Day() != d {
		return "", invalid(ReasonMalformedAttributes, "%s is not a calendar date", what)
	}
	return t.Format(time.DateOnly), nil
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// licenseCheckDigitOK applies the unofficial licence-number check digit
// (research notes §3.5): digit 11 = last digit of 11 − (Σ d1..d10 × 5,4,3,2,7,6,5,4,3,2 mod 11).
func licenseCheckDigitOK(num string) bool {
	w := [10]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i := range 10 {
		sum += int(num[i]-'0') * w[i]
	}
	return int(num[10]-'0') == (11-sum%11)%10
}

// My Number card files: text/EF02 (券面事項入力補助AP, FF20 { DF22 name,
// DF23 address, DF24 birth date YYYYMMDD, DF25 sex }), text/EF01 (the My
// Number, tag D0), visual/EF02 (券面AP, FF20 { ..., DF27 face JPEG 2000 }).
const (
	mnTagTemplate = 0xFF20
	mnTagName     = 0xDF22
	mnTagAddress  = 0xDF23
	mnTagBirth    = 0xDF24
	mnTagSex      = 0xDF25
	mnTagFace     = 0xDF27
	mnTagNumber   = 0xD0
)

// VerifyMyNumberCard parses the four attributes and the face photo. The
// My Number itself is read only with opts.MyNumberLawfulPurpose (and then
// must pass its check digit); otherwise it is dropped unread. The
// signature is verified only by opts.MyNumberSignature.
func VerifyMyNumberCard(ctx context.Context, opts Options, b *Bundle) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := need(b, MyNumberCard, "text/EF02", "visual/EF02"); err != nil {
		return nil, err
	}
	tv, err := single(b.Files["text/EF02"], mnTagTemplate)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "text/EF02")
	}
	f, err := fields(tv)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "text/EF02 template")
	}
	res := &Result{DocumentType: MyNumberCard, Challenge: ChallengeNotChecked}
	a := &res.Attributes
	for _, p := range []struct {
		tag uint32
		dst *string
	}{{mnTagName, &a.Name}, {mnTagAddress, &a.Address}, {mnTagSex, &a.Sex}} {
		v := f[p.tag]
		if len(v) == 0 || !utf8.Valid(v) {
			return nil, invalid(ReasonMalformedAttributes, "attribute %X missing or not UTF-8", p.tag)
		}
		*p.dst = string(v)
	}
	if a.Sex != "1" && a.Sex != "2" && a.Sex != "3" && a.Sex != "9" {
		return nil, invalid(ReasonMalformedAttributes, "sex is not an ISO 5218 code")
	}
	birth := string(f[mnTagBirth])
	t, err := time.Parse("20060102", birth)
	if err != nil || len(birth) != 8 {
		return nil, invalid(ReasonMalformedAttributes, "birth date is not YYYYMMDD")
	}
	a.BirthDate = t.Format(time.DateOnly)
	if opts.MyNumberLawfulPurpose {
		if raw := b.Files["text/EF01"]; len(raw) > 0 {
			n, err := single(raw, mnTagNumber)
			if err != nil {
				return nil, invalidWrap(err, ReasonMalformedFile, "text/EF01")
			}
			if !mynumber.Valid(string(n)) {
				return nil, invalid(ReasonMyNumberCheckDigit, "the My Number fails its check digit")
			}
			a.MyNumber = string(n)
		}
	}
	vv, err := single(b.Files["visual/EF02"], mnTagTemplate)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "visual/EF02")
	}
	vf, err := fields(vv)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "visual/EF02 template")
	}
	if res.Face, err = imageOf(vf[mnTagFace], "My Number card face photo"); err != nil {
		return nil, err
	}
	if err := runVerifier(ctx, opts.MyNumberSignature, b, res); err != nil {
		return nil, err
	}
	res.settle()
	return res, nil
}
