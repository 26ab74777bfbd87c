// Package chip verifies what an applicant's phone read from an identity
// document's IC chip: ePassports (ICAO 9303 passive and active
// authentication), residence cards, IC driver's licences and My Number cards.
// Input is a chip-read bundle (docs/chip-bundle.md); output is the document's
// attributes, its face image and how far the chip data could be trusted.
package chip

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// DocumentType names the kind of document a bundle was read from.
type DocumentType string

// The document types.
const (
	Passport       DocumentType = "passport"
	ResidenceCard  DocumentType = "residence_card"
	DriversLicense DocumentType = "drivers_license"
	MyNumberCard   DocumentType = "my_number_card"
)

// Reason is the stable code of a rejected bundle, read by tenants and
// reviewers. Each is produced by one kind of bad input.
type Reason string

// Bundle reasons.
const (
	ReasonBundleTooLarge      Reason = "bundle_too_large"      // over MaxBundleBytes or a per-file cap
	ReasonBundleMalformed     Reason = "bundle_malformed"      // not JSON, unknown fields, bad base64
	ReasonBundleVersion       Reason = "bundle_version"        // version not supported
	ReasonUnknownDocumentType Reason = "unknown_document_type" // document_type not one of the four
	ReasonUnknownFile         Reason = "unknown_file"          // a file name not defined for the document type
	ReasonMissingFile         Reason = "missing_file"          // a file the verifier needs was not sent
	ReasonMalformedFile       Reason = "malformed_file"        // a file's TLV/ASN.1 structure is broken
)

// Signature and trust reasons, shared by all document types.
const (
	ReasonMalformedSOD        Reason = "malformed_sod"         // EF.SOD is not a usable CMS SignedData
	ReasonUnsupportedAlg      Reason = "unsupported_algorithm" // a hash, signature or curve this verifier does not implement
	ReasonBadSignature        Reason = "bad_signature"         // the issuer signature over the data does not verify
	ReasonUntrustedSigner     Reason = "untrusted_signer"      // the signer certificate does not chain to a configured anchor
	ReasonSignerExpired       Reason = "signer_expired"        // the signer (DSC, card certificate) is outside its validity
	ReasonSignerRevoked       Reason = "signer_revoked"        // a configured CRL lists the signer
	ReasonCountryMismatch     Reason = "country_mismatch"      // DSC country differs from the MRZ issuing state
	ReasonDGHashMismatch      Reason = "dg_hash_mismatch"      // a data group's hash differs from the SOD's
	ReasonDGNotInSOD          Reason = "dg_not_in_sod"         // a data group was sent that the SOD does not list
	ReasonMRZCheckDigit       Reason = "mrz_check_digit"       // DG1's MRZ fails a check digit
	ReasonMalformedMRZ        Reason = "malformed_mrz"         // DG1's MRZ has no valid TD1/TD2/TD3 shape
	ReasonFaceImageInvalid    Reason = "face_image_invalid"    // the face container or its image is not usable
	ReasonMalformedAttributes Reason = "malformed_attributes"  // text attributes present but not in the expected form
	ReasonMyNumberCheckDigit  Reason = "my_number_check_digit" // the 12-digit My Number fails its check digit
)

// Challenge-response (active/internal authentication) reasons.
const (
	ReasonChallengeMissing  Reason = "challenge_missing"  // the verifier was given no server challenge
	ReasonChallengeMismatch Reason = "challenge_mismatch" // the bundle answers another challenge (replay)
	ReasonAAMissing         Reason = "aa_missing"         // the chip supports AA (DG15 in the SOD) but no answer was sent
	ReasonAAFailed          Reason = "aa_failed"          // the chip's answer does not verify with its DG15 key
)

// InvalidError says why a bundle was rejected. It unwraps to an
// *errkind.Error carrying the same reason, of kind errkind.ErrInvalid (or
// ErrTooLarge / ErrMalformed for a bundle that is too big or not JSON), so
// errors.Is(err, errkind.ErrInvalid) and errkind.Reason(err) work.
type InvalidError struct {
	Reason Reason
	Detail string // for developers; never personal data
	Err    error  // optional cause
}

func (e *InvalidError) Error() string {
	msg := "chip: " + string(e.Reason)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Kind is the errkind kind the error maps to.
func (e *InvalidError) Kind() error {
	switch e.Reason {
	case ReasonBundleTooLarge:
		return errkind.ErrTooLarge
	case ReasonBundleMalformed:
		return errkind.ErrMalformed
	}
	return errkind.ErrInvalid
}

// Unwrap exposes the errkind form and the cause.
func (e *InvalidError) Unwrap() []error {
	k := &errkind.Error{Kind: e.Kind(), Reason: string(e.Reason), Detail: e.Detail}
	if e.Err == nil {
		return []error{k}
	}
	return []error{k, e.Err}
}

func invalid(r Reason, format string, args ...any) *InvalidError {
	return &InvalidError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

func invalidWrap(err error, r Reason, format string, args ...any) *InvalidError {
	return &InvalidError{Reason: r, Detail: fmt.Sprintf(format, args...), Err: err}
}

// ReasonOf returns the reason of the first *InvalidError in err's chain, or "".
func ReasonOf(err error) Reason {
	var ie *InvalidError
	if errors.As(err, &ie) {
		return ie.Reason
	}
	return ""
}

// SignatureStatus says whether the issuer's signature over the chip data
// was verified up to a configured trust anchor.
type SignatureStatus string

// The signature statuses. Only Verified may count for the AML law's method
// ヘ; Unverified means the data parsed but no trusted key vouched for it.
const (
	SignatureVerified   SignatureStatus = "verified"
	SignatureUnverified SignatureStatus = "unverified"
)

// ChallengeStatus is the outcome of the chip's challenge-response proof of
// presence (passport active authentication, card internal authentication).
type ChallengeStatus string

// The challenge statuses.
const (
	ChallengeVerified     ChallengeStatus = "verified"      // the chip's key signed the server's challenge
	ChallengeNotSupported ChallengeStatus = "not_supported" // the chip has no such key (e.g. no DG15)
	ChallengeNotChecked   ChallengeStatus = "not_checked"   // the verifier has no way to check it for this type
)

// Authenticity sums up what the chip evidence proves.
type Authenticity string

// The authenticity levels, strongest first.
const (
	// ChipVerified: issuer signature verified to a trust anchor AND the chip
	// proved presence by signing the server's challenge. A cloned chip
	// cannot reach this.
	ChipVerified Authenticity = "chip_verified"
	// PassiveOnly: the data is the issuer's (signature verified) but the
	// chip did not prove presence; a copy of the data would pass too.
	PassiveOnly Authenticity = "passive_only"
	// Unverified: the data parsed but its signature could not be verified.
	Unverified Authenticity = "unverified"
)

// ImageFormat is the encoding of a face or card-face image.
type ImageFormat string

// The image formats chips carry.
const (
	FormatJPEG     ImageFormat = "jpeg"
	FormatJPEG2000 ImageFormat = "jpeg2000" // JP2 file or raw J2K codestream
	FormatPNG      ImageFormat = "png"
	FormatTIFF     ImageFormat = "tiff"
)

// Image is an image as the chip stores it.
type Image struct {
	Format ImageFormat
	Data   []byte
}

// Attributes are the identity attributes read from the chip. Empty fields
// were not on the chip (or were dropped, like the My Number by default).
type Attributes struct {
	Name           string // as on the document (MRZ form for passports: "SURNAME<<GIVEN")
	Surname        string // passports: primary identifier
	GivenNames     string // passports: secondary identifier
	BirthDate      string // ISO 8601 date, "" if unknown
	Sex            string // "M", "F", "X" (passport) or "1"/"2"/"9" (ISO 5218, My Number card)
	Address        string
	Nationality    string // passports: ICAO 3-letter code
	DocumentNumber string // passport number, licence number, residence card number
	IssuingState   string // passports: ICAO 3-letter code
	Issuer         string // issuing authority as named on the chip, if any
	IssueDate      string // ISO 8601
	ExpiryDate     string // ISO 8601
	MyNumber       string // 12 digits, only when Options.MyNumberLawfulPurpose
}

// Result is a verified (or parsed-but-unverified) chip read.
type Result struct {
	DocumentType DocumentType
	Attributes   Attributes
	Face         *Image // the holder's photo; nil if the chip holds none
	CardFace     *Image // residence card: the signed image of the card's front
	Signature    SignatureStatus
	Challenge    ChallengeStatus
	Authenticity Authenticity
	// RevocationChecked is true when a CRL from the signer's issuer was
	// configured and did not list the signer.
	RevocationChecked bool
	// Signer describes the certificate that signed the data (subject DN),
	// for the audit trail. Empty when unverified.
	Signer string
	// Notes are machine-readable remarks that do not reject the bundle,
	// e.g. "licence_number_check_digit_soft_fail".
	Notes []string
}

func (r *Result) note(s string) { r.Notes = append(r.Notes, s) }

// settle sets Authenticity from Signature and Challenge.
func (r *Result) settle() {
	switch {
	case r.Signature != SignatureVerified:
		r.Authenticity = Unverified
	case r.Challenge == ChallengeVerified:
		r.Authenticity = ChipVerified
	default:
		r.Authenticity = PassiveOnly
	}
}

// Options configure a verification. Like x509.VerifyOptions, the clock is
// a field, so expiry tests never depend on today.
type Options struct {
	// CurrentTime: certificates must be valid then. Zero: time.Now().
	CurrentTime time.Time
	// Challenge is the random challenge the server issued for this
	// verification (8 bytes for ICAO active authentication). The bundle
	// must answer exactly this challenge. The caller makes it single-use.
	Challenge []byte
	// CSCAs is the passport trust store (from an ICAO master list).
	CSCAs *CSCAStore
	// CRLs are CSCA-issued CRLs, checked when one from the DSC's issuer
	// is present and correctly signed.
	CRLs [][]byte
	// ResidenceCardRoots anchors the residence card's signer certificate
	// (tag DB). Nil: the check code is still checked against the card's
	// certificate, but the result's signature is unverified.
	ResidenceCardRoots []*x509.Certificate
	// LicenseSignature verifies a driver's licence's EF07 signature. Nil:
	// the licence is parsed and reported with signature unverified.
	LicenseSignature SignatureVerifier
	// MyNumberSignature verifies a My Number card's 券面 data. Nil: parsed
	// and reported unverified.
	MyNumberSignature SignatureVerifier
	// MyNumberLawfulPurpose: the tenant declared a lawful purpose
	// (個人番号関係事務) for collecting the My Number. Without it the
	// number is dropped from the result (and never checked or stored).
	MyNumberLawfulPurpose bool
}

func (o Options) now() time.Time {
	if o.CurrentTime.IsZero() {
		return time.Now()
	}
	return o.CurrentTime
}

// SignatureVerifier verifies the issuer signature of a card whose scheme
// or keys this package does not hold (the licence's EF07, the My Number
// card's 券面 data): an adapter for a platform API or a future key
// disclosure. It returns the signer's name for the audit trail, or an
// error: an *InvalidError (normally ReasonBadSignature) rejects the
// bundle; any other error (the platform is down) is passed through as is.
type SignatureVerifier interface {
	VerifyChipSignature(ctx context.Context, b *Bundle) (signer string, err error)
}

// ChallengeSize is the length of an ICAO active-authentication challenge.
const ChallengeSize = 8

// NewChallenge returns a fresh random challenge for a verification. The
// caller stores it, hands it to the client and passes it back in
// Options.Challenge exactly once.
func NewChallenge() []byte {
	c := make([]byte, ChallengeSize)
	rand.Read(c) // never fails since Go 1.24
	return c
}
