package jpki

import (
	"crypto/x509"
	"encoding/asn1"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The JPKI personal-data otherName OIDs (1.2.392.200149.8.5.5.x).
var (
	oidName              = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 1}
	oidNameSubstitute    = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 2}
	oidSex               = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 3}
	oidBirthDate         = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 4}
	oidAddress           = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 5}
	oidAddressSubstitute = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 6}

	oidJPKIPersonalData = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5}
	oidExtSAN           = asn1.ObjectIdentifier{2, 5, 29, 17}
)

// maxAttributeLen bounds one attribute value (bytes). J-LIS addresses are
// far shorter; the bound keeps hostile input cheap.
const maxAttributeLen = 1024

// ParseSubject reads the four attributes from a certificate's
// subjectAltName, which crypto/x509 parses but silently drops.
func ParseSubject(cert *x509.Certificate) (Subject, error) {
	var san []byte
	found := false
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(oidExtSAN) {
			if found {
				return Subject{}, invalid(ReasonMalformedAttributes, "two subjectAltName extensions")
			}
			san, found = ext.Value, true
		}
	}
	if !found {
		return Subject{}, invalid(ReasonMissingAttributes, "no subjectAltName extension")
	}
	return ParseSAN(san)
}

// ParseSAN parses a subjectAltName extension value (SEQUENCE OF
// GeneralName) and returns the JPKI attributes. It is strict: every entry
// must be well-formed DER, each JPKI attribute may appear once, name, sex,
// date of birth and address are required, values must be UTF-8 without
// control characters, and the date of birth must be in a known form.
// GeneralNames other than otherName, and otherNames outside the JPKI arc, are
// skipped.
func ParseSAN(der []byte) (Subject, error) {
	input := cryptobyte.String(der)
	var seq cryptobyte.String
	if !input.ReadASN1(&seq, cbasn1.SEQUENCE) || !input.Empty() {
		return Subject{}, invalid(ReasonMalformedAttributes, "subjectAltName is not a single DER SEQUENCE")
	}
	values := map[string]string{}
	for !seq.Empty() {
		var gn cryptobyte.String
		var tag cbasn1.Tag
		if !seq.ReadAnyASN1(&gn, &tag) {
			return Subject{}, invalid(ReasonMalformedAttributes, "truncated GeneralName")
		}
		if tag&0xC0 != 0x80 {
			return Subject{}, invalid(ReasonMalformedAttributes, "GeneralName with non-context tag %#x", uint8(tag))
		}
		if tag != cbasn1.Tag(0).Constructed().ContextSpecific() {
			continue // dNSName, directoryName, ...: not ours
		}
		oid, value, err := parseOtherName(gn)
		if err != nil {
			return Subject{}, err
		}
		if !isJPKIAttribute(oid) {
			continue
		}
		key := oid.String()
		if _, dup := values[key]; dup {
			return Subject{}, invalid(ReasonMalformedAttributes, "attribute %s appears twice", key)
		}
		values[key] = value
	}
	return subjectFrom(values)
}

func isJPKIAttribute(oid asn1.ObjectIdentifier) bool {
	if len(oid) != len(oidJPKIPersonalData)+1 {
		return false
	}
	for i, v := range oidJPKIPersonalData {
		if oid[i] != v {
			return false
		}
	}
	return true
}

// parseOtherName reads OtherName ::= SEQUENCE { type-id OID, value [0]
// EXPLICIT ANY } from the contents of an IMPLICIT [0] GeneralName. The value
// must be a UTF8String or an OCTET STRING holding UTF-8 (both occur in
// published parsers of the profile).
func parseOtherName(gn cryptobyte.String) (asn1.ObjectIdentifier, string, error) {
	var oid asn1.ObjectIdentifier
	if !gn.ReadASN1ObjectIdentifier(&oid) {
		return nil, "", invalid(ReasonMalformedAttributes, "otherName without an OID")
	}
	var wrapped cryptobyte.String
	if !gn.ReadASN1(&wrapped, cbasn1.Tag(0).Constructed().ContextSpecific()) || !gn.Empty() {
		return nil, "", invalid(ReasonMalformedAttributes, "otherName %s: value is not a single [0] EXPLICIT", oid)
	}
	var raw cryptobyte.String
	var tag cbasn1.Tag
	if !wrapped.ReadAnyASN1(&raw, &tag) || !wrapped.Empty() {
		return nil, "", invalid(ReasonMalformedAttributes, "otherName %s: malformed value", oid)
	}
	if tag != cbasn1.UTF8String && tag != cbasn1.OCTET_STRING {
		return nil, "", invalid(ReasonMalformedAttributes, "otherName %s: value tag %#x is not UTF8String", oid, uint8(tag))
	}
	if len(raw) > maxAttributeLen {
		return nil, "", invalid(ReasonMalformedAttributes, "otherName %s: value longer than %d bytes", oid, maxAttributeLen)
	}
	s := string(raw)
	if !utf8.ValidString(s) {
		return nil, "", invalid(ReasonMalformedAttributes, "otherName %s: value is not UTF-8", oid)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return nil, "", invalid(ReasonMalformedAttributes, "otherName %s: control character in value", oid)
		}
	}
	return oid, s, nil
}

func subjectFrom(v map[string]string) (Subject, error) {
	var s Subject
	var ok bool
	required := []struct {
		oid asn1.ObjectIdentifier
		dst *string
	}{{oidName, &s.Name}, {oidSex, &s.Sex}, {oidBirthDate, &s.BirthDateRaw}, {oidAddress, &s.Address}}
	for _, r := range required {
		if *r.dst, ok = v[r.oid.String()]; !ok || *r.dst == "" {
			return Subject{}, invalid(ReasonMissingAttributes, "attribute %s missing or empty", r.oid)
		}
	}
	s.NameSubstitute = v[oidNameSubstitute.String()]
	s.AddressSubstitute = v[oidAddressSubstitute.String()]
	for _, flags := range []string{s.NameSubstitute, s.AddressSubstitute} {
		if !allDigits(flags) {
			return Subject{}, invalid(ReasonMalformedAttributes, "substitute-character flags are not digits")
		}
	}
	if s.Sex != "1" && s.Sex != "2" {
		return Subject{}, invalid(ReasonMalformedAttributes, "sex code is neither 1 nor 2")
	}
	iso, err := ParseBirthDate(s.BirthDateRaw)
	if err != nil {
		return Subject{}, err
	}
	s.BirthDate = iso
	return s, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// eras are the era codes of the JPKI date of birth with the Gregorian dates
// each era covers. The code table (1 Meiji ... 5 Reiwa) is inferred from
// public samples, not from the J-LIS profile; see docs/jpki.md.
var eras = []struct {
	code       byte
	start, end time.Time // inclusive; zero end = open
}{
	{'1', date(1868, 1, 25), date(1912, 7, 30)},
	{'2', date(1912, 7, 30), date(1926, 12, 25)},
	{'3', date(1926, 12, 25), date(1989, 1, 7)},
	{'4', date(1989, 1, 8), date(2019, 4, 30)},
	{'5', date(2019, 5, 1), time.Time{}},
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// ParseBirthDate converts the certificate's date of birth, an era digit
// followed by the Gregorian YYYYMMDD ("419900102"), into an ISO date
// ("1990-01-02"). Anything else — another length, an unknown era digit, an
// incomplete or impossible date, or a date outside its era — is an
// *InvalidError with ReasonUnknownBirthDateForm: never a guess.
func ParseBirthDate(raw string) (string, error) {
	if len(raw) != 9 || !allDigits(raw) {
		return "", invalid(ReasonUnknownBirthDateForm, "date of birth is not 9 digits")
	}
	y := atoi(raw[1:5])
	m := atoi(raw[5:7])
	d := atoi(raw[7:9])
	t := date(y, time.Month(m), d)
	if m < 1 || m > 12 || d < 1 || t.Year() != y || t.Month() != time.Month(m) || t.Day() != d {
		return "", invalid(ReasonUnknownBirthDateForm, "date of birth is not a complete calendar date")
	}
	for _, e := range eras {
		if e.code != raw[0] {
			continue
		}
		if t.Before(e.start) || (!e.end.IsZero() && t.After(e.end)) {
			return "", invalid(ReasonUnknownBirthDateForm, "date of birth lies outside era %c", e.code)
		}
		return t.Format(time.DateOnly), nil
	}
	return "", invalid(ReasonUnknownBirthDateForm, "unknown era code %c", raw[0])
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
