// Package jpki verifies signatures made with the My Number card's JPKI signing
// certificate (署名用電子証明書): the J-LIS certificate profile and its four
// attributes, a trust store pinned by fingerprint, raw and CMS signatures,
// revocation, and the JPKI+face binding of a selfie to a signature.
package jpki

import (
	"errors"
	"fmt"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Reason is the stable code of a failed verification, read by tenants and
// reviewers.
type Reason string

// The reasons. Each is produced by exactly one kind of bad input.
const (
	ReasonMalformedCertificate Reason = "malformed_certificate"   // not a parseable X.509 certificate
	ReasonMalformedCMS         Reason = "malformed_cms"           // not a usable CMS SignedData
	ReasonUntrustedChain       Reason = "untrusted_chain"         // does not chain to a pinned root
	ReasonExpired              Reason = "expired"                 // outside its validity at the signing time
	ReasonRevoked              Reason = "revoked"                 // the revocation source says revoked
	ReasonBadSignature         Reason = "bad_signature"           // signature does not verify with the certificate's key
	ReasonWrongKeyUsage        Reason = "wrong_key_usage"         // not a signing (non-repudiation) end-entity certificate
	ReasonUnsupportedKey       Reason = "unsupported_key"         // not RSA of at least 2048 bits
	ReasonPayloadMismatch      Reason = "payload_mismatch"        // signed bytes are not what the server expects
	ReasonNonceReused          Reason = "nonce_reused"            // the nonce was already consumed
	ReasonNonceExpired         Reason = "nonce_expired"           // the nonce's lifetime ended
	ReasonNonceUnknown         Reason = "nonce_unknown"           // the nonce was never issued for this verification
	ReasonMissingAttributes    Reason = "missing_attributes"      // a required SAN attribute is absent
	ReasonMalformedAttributes  Reason = "malformed_attributes"    // SAN attributes present but not in the profile's form
	ReasonUnknownBirthDateForm Reason = "unknown_birth_date_form" // date of birth not in a known era-prefixed form
)

// InvalidError says why a signature or certificate was rejected. It unwraps
// to an *errkind.Error of kind errkind.ErrInvalid carrying the same reason,
// so errors.Is(err, errkind.ErrInvalid) and errkind.Reason(err) work.
type InvalidError struct {
	Reason Reason
	Detail string // for developers; never personal data
	Err    error  // optional cause
}

func (e *InvalidError) Error() string {
	msg := "jpki: " + string(e.Reason)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap exposes the errkind form and the cause.
func (e *InvalidError) Unwrap() []error {
	k := &errkind.Error{Kind: errkind.ErrInvalid, Reason: string(e.Reason), Detail: e.Detail}
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

// RevocationStatus is the outcome of a revocation check.
type RevocationStatus string

// The statuses. Only Good satisfies the AML law; Unchecked means no source
// was configured, Unknown that the source could not answer.
const (
	RevocationGood      RevocationStatus = "good"
	RevocationRevoked   RevocationStatus = "revoked"
	RevocationUnknown   RevocationStatus = "unknown"
	RevocationUnchecked RevocationStatus = "unchecked"
)

// Subject holds the four basic attributes (基本4情報) of the signing
// certificate, exactly as issued except BirthDate, which is ISO 8601
// (YYYY-MM-DD).
type Subject struct {
	Name      string
	Sex       string // "1" male, "2" female, as the certificate codes it
	BirthDate string // ISO 8601 date
	Address   string

	// NameSubstitute and AddressSubstitute are the per-character
	// substitute-character (代替文字) flags, as issued ("" if absent).
	NameSubstitute    string
	AddressSubstitute string
	// BirthDateRaw is the date of birth as issued ("419900102").
	BirthDateRaw string
}

// Result is a verified JPKI signature.
type Result struct {
	Subject    Subject
	CertSerial string    // certificate serial number, lowercase hex
	CertSHA256 string    // SHA-256 of the certificate DER, lowercase hex
	Issuer     string    // issuer DN (RFC 2253 form)
	NotAfter   time.Time // end of the certificate's validity
	SignedAt   time.Time // the signing time the certificate was checked at

	Revocation       RevocationStatus
	RevocationSource string    // which checker answered ("crl", "ocsp", "platform"), "" if unchecked
	RevocationDetail string    // why the status is unknown, for developers
	RevocationAsOf   time.Time // the source's own time (CRL/OCSP thisUpdate); zero if none
	CheckedAt        time.Time // when the verification (and revocation check) ran: the signing time
}
