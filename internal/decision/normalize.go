package decision

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NormalizeName folds the forms one name takes in different records:
// full-width and half-width characters (NFKC), spaces of either width, and
// the middle dots and hyphens of foreign names. Kanji variants (髙/高, 﨑/崎)
// that NFKC does not unify are folded by a small table; it is not a reading
// match (kana vs kanji is for a reviewer).
func NormalizeName(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), r == '・', r == '･', r == '-', r == '‐', r == '=':
			continue
		}
		if v, ok := kanjiVariants[r]; ok {
			r = v
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// kanjiVariants maps common itaiji in names to the form most records use.
var kanjiVariants = map[rune]rune{
	'髙': '高', '﨑': '崎', '嵜': '崎', '邊': '辺', '邉': '辺', '齋': '斎', '齊': '斉', '濱': '浜', '澤': '沢',
	'櫻': '桜', '廣': '広', '國': '国', '冨': '富', '德': '徳', '眞': '真', '曾': '曽', '槇': '槙',
}

var kanjiDigits = map[rune]int{'〇': 0, '零': 0, '一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// NormalizeAddress folds the forms of one Japanese address: NFKC (full-width
// digits), kanji numerals to digits (二十三 → 23), and 丁目/番地/番/号 and
// the "の" joiner to hyphens, so "一丁目2番3号" and "1-2-3" agree. Spaces
// are dropped and a trailing separator removed.
func NormalizeAddress(s string) string {
	s = norm.NFKC.String(s)
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if _, ok := kanjiDigits[r]; ok || r == '十' || r == '百' {
			n, j := parseKanjiNumber(rs, i)
			b.WriteString(itoa(n))
			i = j - 1
			continue
		}
		switch {
		case unicode.IsSpace(r):
			continue
		case strings.HasPrefix(string(rs[i:]), "丁目"):
			b.WriteByte('-')
			i++
			continue
		case strings.HasPrefix(string(rs[i:]), "番地"):
			b.WriteByte('-')
			i++
			continue
		case r == '番' || r == '号' || r == 'の' || r == 'ノ' || r == '−' || r == 'ー' || r == '‐' || r == '―':
			switch last := lastRune(b.String()); {
			case unicode.IsDigit(last):
				b.WriteByte('-')
				continue
			case last == '-':
				continue // "番地の五": one separator
			}
		}
		b.WriteRune(r)
	}
	return strings.TrimRight(strings.ReplaceAll(b.String(), "--", "-"), "-")
}

// parseKanjiNumber reads a kanji numeral up to 999 starting at i and
// returns its value and the index after it.
func parseKanjiNumber(rs []rune, i int) (int, int) {
	total, cur := 0, 0
	for ; i < len(rs); i++ {
		r := rs[i]
		if d, ok := kanjiDigits[r]; ok {
			cur = cur*10 + d
			continue
		}
		switch r {
		case '十':
			total += max(cur, 1) * 10
			cur = 0
			continue
		case '百':
			total += max(cur, 1) * 100
			cur = 0
			continue
		}
		break
	}
	return total + cur, i
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

func lastRune(s string) rune {
	r := []rune(s)
	if len(r) == 0 {
		return 0
	}
	return r[len(r)-1]
}
