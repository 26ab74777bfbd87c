package document

// Normalising what OCR reads into the values the API reports: ISO dates
// whatever the calendar, ASCII digits, one space between names.

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// HalfWidth maps full-width ASCII (digits, letters, signs) to ASCII and
// the ideographic space to a space.
func HalfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - '！' + '!'
		case r == '　':
			return ' '
		}
		return r
	}, s)
}

// eras are the Japanese eras in use for living people's dates: the first
// day of each and its name. Year 1 of an era (元年) starts on that day.
var eras = []struct {
	name  string
	start time.Time
}{
	{"令和", time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)},
	{"平成", time.Date(1989, 1, 8, 0, 0, 0, 0, time.UTC)},
	{"昭和", time.Date(1926, 12, 25, 0, 0, 0, 0, time.UTC)},
	{"大正", time.Date(1912, 7, 30, 0, 0, 0, 0, time.UTC)},
	{"明治", time.Date(1868, 1, 25, 0, 0, 0, 0, time.UTC)}, // 明治 dates here are Gregorian (from 1873)
}

var (
	eraDateRE  = regexp.MustCompile(`(令和|平成|昭和|大正|明治)(元|[0-9]{1,2})年([0-9]{1,2})月([0-9]{1,2})日`)
	gregDateRE = regexp.MustCompile(`([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日`)
	enDateRE   = regexp.MustCompile(`([0-9]{1,2}) ?([A-Z]{3}) ?([0-9]{4})`)
)

// eraLetters repairs the era names OCR garbles: each era is known by one
// character of its name that no other era shares.
var eraLetters = map[rune]string{'令': "令和", '平': "平成", '成': "平成", '昭': "昭和", '大': "大正", '正': "大正", '明': "明治", '治': "明治"}

// ParseJapaneseDate finds a date printed the Japanese way in s, in an era
// ("平成元年1月8日", "令和07年05月17日") or in the Gregorian calendar
// ("1990年1月15日"), full-width digits allowed, and returns it as
// YYYY-MM-DD. It reports false when s holds no such date or the date does
// not exist (such as 平成元年1月7日, which was still 昭和).
func ParseJapaneseDate(s string) (string, bool) {
	s = strings.Join(strings.Fields(HalfWidth(s)), "")
	if m := gregDateRE.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		return isoDate(y, m[2], m[3], time.Time{})
	}
	m := eraDateRE.FindStringSubmatch(s)
	if m == nil {
		m = eraDateRE.FindStringSubmatch(repairEra(s))
	}
	if m == nil {
		return "", false
	}
	n := 1
	if m[2] != "元" {
		n, _ = strconv.Atoi(m[2])
		if n < 1 {
			return "", false
		}
	}
	for i, e := range eras {
		if e.name != m[1] {
			continue
		}
		iso, ok := isoDate(e.start.Year()+n-1, m[3], m[4], e.start)
		if !ok {
			return "", false
		}
		if i > 0 { // not after the next era began
			t, _ := time.Parse(time.DateOnly, iso)
			if !t.Before(eras[i-1].start) {
				return "", false
			}
		}
		return iso, true
	}
	return "", false
}

// repairEra rewrites "x和NN年" where x was misread, keeping one character of
// the era's name that OCR got right, so that the regular expression matches.
func repairEra(s string) string {
	idx := strings.IndexRune(s, '年')
	if idx < 0 {
		return s
	}
	head := []rune(s[:idx])
	// The year's digits (or 元) run back from 年.
	j := len(head)
	for j > 0 && (unicode.IsDigit(head[j-1]) || head[j-1] == '元') {
		j--
	}
	for k := j - 1; k >= 0 && k >= j-3; k-- {
		if era, ok := eraLetters[head[k]]; ok {
			return era + string(head[j:]) + s[idx:]
		}
	}
	return s
}

func isoDate(y int, ms, ds string, notBefore time.Time) (string, bool) {
	mo, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if mo < 1 || mo > 12 || d < 1 || t.Day() != d || t.Before(notBefore) {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

var monthsEN = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}

// ParsePassportDate reads a date as the passport's visual zone prints it,
// "02 JAN 1990", and returns it as YYYY-MM-DD.
func ParsePassportDate(s string) (string, bool) {
	m := enDateRE.FindStringSubmatch(strings.ToUpper(HalfWidth(s)))
	if m == nil {
		return "", false
	}
	mo, ok := monthsEN[m[2]]
	if !ok {
		return "", false
	}
	y, _ := strconv.Atoi(m[3])
	return isoDate(y, strconv.Itoa(mo), m[1], time.Time{})
}

// digitsOnly keeps the ASCII digits of s (after mapping full-width ones).
func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, HalfWidth(s))
}

// latinName keeps capitals and single spaces. A lower-case l or a bar is
// how OCR reads a narrow capital I.
func latinName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z', r == ' ':
			return r
		case r == 'l' || r == '|':
			return 'I'
		case r >= 'a' && r <= 'z':
			return unicode.ToUpper(r)
		}
		return -1
	}, HalfWidth(s))
	return strings.Join(strings.Fields(s), " ")
}

// japaneseText removes spaces (tesseract puts them between CJK
// characters) and maps full-width ASCII to ASCII.
func japaneseText(s string) string {
	return strings.Join(strings.Fields(HalfWidth(s)), "")
}

// LicenceCheckDigit is the unofficial check digit (the 11th digit) of a
// driver's licence number (research/jpki.md §3.5): weights 5 4 3 2 7 6 5 4
// 3 2 over the first ten digits, the last digit of 11 − sum mod 11. -1
// when first10 is not ten ASCII digits.
func LicenceCheckDigit(first10 string) int {
	if len(first10) != 10 {
		return -1
	}
	w := [10]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i := range 10 {
		c := first10[i]
		if c < '0' || c > '9' {
			return -1
		}
		sum += int(c-'0') * w[i]
	}
	return (11 - sum%11) % 10
}
