package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// SignatureHeader is the request header that carries Sign's value.
const SignatureHeader = "Kakunin-Signature"

// DefaultTolerance is the clock difference Verify accepts when given none:
// it bounds how long a captured request can be replayed.
const DefaultTolerance = 5 * time.Minute

const (
	secretPrefix       = "whsec_"
	maxSignatureHeader = 4096
	maxSignatures      = 16
	maxTimestampDigits = 12 // unix seconds until the year 33658
)

// NewSecret returns a fresh endpoint secret: "whsec_" and the unpadded
// base64url form of 32 random bytes.
func NewSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return secretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// Sign returns the Kakunin-Signature header value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256>". The HMAC key is the whole secret
// string as given (prefix included) and the message is "<unix seconds>.<body>".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// signatureHeader is a parsed Kakunin-Signature value.
type signatureHeader struct {
	timestamp string   // decimal unix seconds, as sent (it is part of the signed message)
	unix      int64    // the same, parsed
	v1        [][]byte // one or more HMAC-SHA256 values
}

// parseSignatureHeader accepts exactly: comma-separated key=value elements,
// no spaces; one "t" of 1-12 decimal digits; at least one "v1" of 64
// lowercase hex digits (several while a secret rotates); other "v<digits>"
// schemes are skipped so a future scheme does not break receivers.
func parseSignatureHeader(header string) (signatureHeader, error) {
	var h signatureHeader
	invalid := func(why string) (signatureHeader, error) {
		return signatureHeader{}, errkind.New(errkind.ErrInvalid, "signature_header_invalid", "%s header: %s", SignatureHeader, why)
	}
	if header == "" {
		return invalid("empty")
	}
	if len(header) > maxSignatureHeader {
		return invalid("too long")
	}
	for elem := range strings.SplitSeq(header, ",") {
		key, value, ok := strings.Cut(elem, "=")
		if !ok || key == "" || value == "" {
			return invalid("want key=value elements separated by commas")
		}
		switch {
		case key == "t":
			if h.timestamp != "" {
				return invalid("t given twice")
			}
			if len(value) > maxTimestampDigits || !allDigits(value) {
				return invalid("t must be unix seconds")
			}
			h.timestamp = value
			h.unix, _ = strconv.ParseInt(value, 10, 64) // at most 12 digits: cannot fail
		case key == "v1":
			if len(h.v1) == maxSignatures {
				return invalid("too many signatures")
			}
			if len(value) != 2*sha256.Size || strings.ToLower(value) != value {
				return invalid("v1 must be 64 lowercase hex digits")
			}
			sig, err := hex.DecodeString(value)
			if err != nil {
				return invalid("v1 must be 64 lowercase hex digits")
			}
			h.v1 = append(h.v1, sig)
		case key[0] == 'v' && len(key) > 1 && allDigits(key[1:]):
			// another signature scheme: not ours to check
		default:
			return invalid("unknown element")
		}
	}
	if h.timestamp == "" {
		return invalid("no t element")
	}
	if len(h.v1) == 0 {
		return invalid("no v1 signature")
	}
	return h, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Verify checks a Kakunin-Signature header against the raw request body, as
// a receiver does: the header must parse, one of its v1 signatures must match
// (compared in constant time), and its timestamp must lie within tolerance
// of now (DefaultTolerance if tolerance <= 0). Failures are *errkind.Error
// with reason signature_header_invalid (ErrInvalid), signature_mismatch or
// signature_timestamp_out_of_range (ErrUnauthenticated).
func Verify(header, secret string, body []byte, now time.Time, tolerance time.Duration) error {
	h, err := parseSignatureHeader(header)
	if err != nil {
		return err
	}
	want := mac(secret, h.timestamp, body)
	match := false
	for _, sig := range h.v1 {
		if hmac.Equal(sig, want) {
			match = true
		}
	}
	if !match {
		return errkind.New(errkind.ErrUnauthenticated, "signature_mismatch", "no v1 signature matches the body and secret")
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	skew := now.Sub(time.Unix(h.unix, 0))
	if skew > tolerance || skew < -tolerance {
		return errkind.New(errkind.ErrUnauthenticated, "signature_timestamp_out_of_range",
			"signature timestamp is %s from now; tolerance is %s", skew.Round(time.Second), tolerance)
	}
	return nil
}
