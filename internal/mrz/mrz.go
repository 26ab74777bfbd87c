// Package mrz parses ICAO 9303 machine-readable zones (TD1, TD2, TD3) and
// checks their check digits, for passport DG1 and printed MRZs alike.
package mrz

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Format is an MRZ layout.
type Format string

// The ICAO 9303 layouts.
const (
	TD1 Format = "TD1" // 3 lines of 30: ID cards
	TD2 Format = "TD2" // 2 lines of 36
	TD3 Format = "TD3" // 2 lines of 44: passports
)

// MRZ is a parsed machine-readable zone. Names have the filler '<'
// turned into spaces; dates stay YYMMDD as printed.
type MRZ struct {
	Format         Format
	DocumentCode   string // "P", "I", "AC" ... (fillers removed)
	IssuingState   string // ICAO 3-letter code ("D" for Germany)
	Surname        string
	GivenNames     string
	DocumentNumber string
	Nationality    string
	BirthDate      string // YYMMDD; may hold '<' where the day or month is unknown
	Sex            string // "M", "F" or "X" ('<' is reported as "X")
	ExpiryDate     string // YYMMDD
	OptionalData   string // line 2 optional data (TD3: personal number), fillers trimmed
}

// ErrFormat is returned for text that is not a TD1, TD2 or TD3 MRZ.
var ErrFormat = errors.New("mrz: not a TD1, TD2 or TD3 machine-readable zone")

// CheckDigitError says which check digit failed.
type CheckDigitError struct {
	Field string // "document_number", "birth_date", "expiry_date", "optional_data", "composite"
}

func (e *CheckDigitError) Error() string { return "mrz: check digit of " + e.Field + " does not match" }

// CheckDigit computes the ICAO 9303 check digit of s (weights 7, 3, 1;
// digits as themselves, A-Z as 10-35, '<' as 0). It returns -1 if s holds
// another character.
func CheckDigit(s string) int {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		case c == '<':
			v = 0
		default:
			return -1
		}
		sum += v * weights[i%3]
	}
	return sum % 10
}

func check(field, data string, digit byte) error {
	want := CheckDigit(data)
	if want < 0 || digit < '0' || digit > '9' || int(digit-'0') != want {
		return &CheckDigitError{Field: field}
	}
	return nil
}

// Parse parses an MRZ given as its lines joined with or without line
// breaks (DG1 stores them joined). It checks every check digit and returns
// a *CheckDigitError for the first that fails.
func Parse(text string) (*MRZ, error) {
	s := strings.NewReplacer("\r", "", "\n", "").Replace(text)
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '<') {
			return nil, fmt.Errorf("%w: character %q at %d", ErrFormat, c, i)
		}
	}
	switch len(s) {
	case 90:
		return parseTD1(s[:30], s[30:60], s[60:])
	case 72:
		return parseTD2or3(TD2, s[:36], s[36:])
	case 88:
		return parseTD2or3(TD3, s[:44], s[44:])
	}
	return nil, fmt.Errorf("%w: %d characters", ErrFormat, len(s))
}

func field(s string) string { return strings.TrimRight(s, "<") }

func names(s string) (surname, given string) {
	sur, giv, _ := strings.Cut(field(s), "<<")
	return strings.ReplaceAll(sur, "<", " "), strings.TrimSpace(strings.ReplaceAll(giv, "<", " "))
}

func sex(c byte) (string, error) {
	switch c {
	case 'M', 'F':
		return string(c), nil
	case '<', 'X':
		return "X", nil
	}
	return "", fmt.Errorf("%w: sex %q", ErrFormat, c)
}

func parseTD2or3(f Format, l1, l2 string) (*MRZ, error) {
	m := &MRZ{Format: f, DocumentCode: field(l1[:2]), IssuingState: field(l1[2:5])}
	m.Surname, m.GivenNames = names(l1[5:])
	m.DocumentNumber = field(l2[:9])
	m.Nationality = field(l2[10:13])
	m.BirthDate = l2[13:19]
	m.ExpiryDate = l2[21:27]
	var err error
	if m.Sex, err = sex(l2[20]); err != nil {
		return nil, err
	}
	if err := check("document_number", l2[:9], l2[9]); err != nil {
		return nil, err
	}
	if err := check("birth_date", l2[13:19], l2[19]); err != nil {
		return nil, err
	}
	if err := check("expiry_date", l2[21:27], l2[27]); err != nil {
		return nil, err
	}
	n := len(l2)
	if f == TD3 {
		m.OptionalData = field(l2[28:42])
		// An all-filler personal number may have '<' or 0 as its check digit.
		if !(l2[42] == '<' && m.OptionalData == "") {
			if err := check("optional_data", l2[28:42], l2[42]); err != nil {
				return nil, err
			}
		}
		if err := check("composite", l2[0:10]+l2[13:20]+l2[21:43], l2[43]); err != nil {
			return nil, err
		}
		return m, nil
	}
	m.OptionalData = field(l2[28 : n-1])
	if err := check("composite", l2[0:10]+l2[13:20]+l2[21:n-1], l2[n-1]); err != nil {
		return nil, err
	}
	return m, nil
}

func parseTD1(l1, l2, l3 string) (*MRZ, error) {
	m := &MRZ{Format: TD1, DocumentCode: field(l1[:2]), IssuingState: field(l1[2:5])}
	m.Surname, m.GivenNames = names(l3)
	m.BirthDate = l2[0:6]
	m.ExpiryDate = l2[8:14]
	m.Nationality = field(l2[15:18])
	m.OptionalData = field(l2[18:29])
	var err error
	if m.Sex, err = sex(l2[7]); err != nil {
		return nil, err
	}
	docNum, cd := l1[5:14], l1[14]
	opt1 := field(l1[15:30])
	if cd == '<' && len(opt1) >= 2 {
		// A number longer than 9 characters continues in the optional
		// data; its check digit is the last character before the filler.
		docNum += opt1[:len(opt1)-1]
		cd = opt1[len(opt1)-1]
	}
	m.DocumentNumber = field(docNum)
	if err := check("document_number", docNum, cd); err != nil {
		return nil, err
	}
	if err := check("birth_date", l2[0:6], l2[6]); err != nil {
		return nil, err
	}
	if err := check("expiry_date", l2[8:14], l2[14]); err != nil {
		return nil, err
	}
	if err := check("composite", l1[5:30]+l2[0:7]+l2[8:15]+l2[18:29], l2[29]); err != nil {
		return nil, err
	}
	return m, nil
}

// BirthDateISO converts the YYMMDD birth date to YYYY-MM-DD, choosing the
// century so that the date is not after now. It returns "" for a date with
// unknown parts or one that is not a calendar date.
func (m *MRZ) BirthDateISO(now time.Time) string {
	t, ok := ymd(m.BirthDate, 2000)
	if !ok {
		return ""
	}
	if t.After(now) {
		t = t.AddDate(-100, 0, 0)
	}
	return t.Format(time.DateOnly)
}

// ExpiryDateISO converts the YYMMDD expiry date to YYYY-MM-DD in
// 2000-2099 (no machine-readable document expires in the 1900s any more).
func (m *MRZ) ExpiryDateISO() string {
	t, ok := ymd(m.ExpiryDate, 2000)
	if !ok {
		return ""
	}
	return t.Format(time.DateOnly)
}

func ymd(s string, century int) (time.Time, bool) {
	if len(s) != 6 {
		return time.Time{}, false
	}
	n := [3]int{}
	for i := range 3 {
		a, b := s[2*i], s[2*i+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return time.Time{}, false
		}
		n[i] = int(a-'0')*10 + int(b-'0')
	}
	t := time.Date(century+n[0], time.Month(n[1]), n[2], 0, 0, 0, 0, time.UTC)
	if t.Month() != time.Month(n[1]) || t.Day() != n[2] || n[1] == 0 {
		return time.Time{}, false
	}
	return t, true
}
