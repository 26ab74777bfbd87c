package document

import (
	"strings"
)

// NameDictionary tells known Japanese family and given names from
// misreadings. internal/namedict implements it from Debian's name
// dictionaries.
type NameDictionary interface {
	IsFamilyName(s string) bool
	IsGivenName(s string) bool
}

// ExtractorOption configures an Extractor.
type ExtractorOption func(*Extractor)

// WithNameDictionary lets the extractor correct kanji names against d
// (see correctJapaneseName). Without it names are read as OCR reads them.
func WithNameDictionary(d NameDictionary) ExtractorOption {
	return func(e *Extractor) { e.names = d }
}

// WithNameFonts lets the extractor settle a kanji name that is a known
// name but also a known misreading of another (夢 for 蓮) by comparing
// the printed ink with drawings of both. It matters only with
// WithNameDictionary.
func WithNameFonts(f *NameFonts) ExtractorOption {
	return func(e *Extractor) { e.nameFonts = f }
}

// Problems a kanji name can carry.
const (
	// ProblemNameCorrected: the name read was not a known name, and
	// exactly one known name is what tesseract's known confusions would
	// have turned into the reading; Value holds that name, Raw the reading.
	ProblemNameCorrected = "corrected_by_name_dictionary"
	// ProblemNameConfusable: the name read is a known name, but holds a
	// character tesseract also reads for another one, that other name is
	// known too (夢 for 蓮), and no font was there to compare both with the
	// ink: a reviewer should compare it with the photo.
	ProblemNameConfusable = "name_confusable"
)

// nameConfusions maps a character tesseract's jpn model (tessdata_fast,
// Debian 12) outputs to the name characters it was seen to read that way
// on printed names, most of them the same way every time: 陽翔 read as
// 陽閉, 蓮 as 夢, 陽菜 as 陽業 or 陽藤, 浩 as 清, 葵 as 壮 or 共, 誠 as 識,
// 郎 as 朗, 智 as 因 or 留, 隆 as 職, 也 as 志, 上 as 二, and the kanji 二
// and 一 as the katakana ニ and ー. Seen on the synthetic specimens' Noto
// Sans CJK (from 壮 on, on the tuning set, seed 31); other fonts may have
// other confusions.
var nameConfusions = map[rune][]rune{
	'閉': {'翔'},
	'夢': {'蓮'},
	'業': {'菜'},
	'藤': {'菜'},
	'清': {'浩'},
	'壮': {'葵'},
	'共': {'葵'},
	'識': {'誠'},
	'朗': {'郎'},
	'因': {'智'},
	'留': {'智'},
	'職': {'隆'},
	'志': {'也'},
	'二': {'上'},
	'ニ': {'二'},
	'ー': {'一'},
}

// namePunctuation is what tesseract adds to a kanji name from the gap
// between family and given name or from specks (田中 、陽菜). ・ stays: it
// separates the parts of foreign names written in katakana.
var namePunctuation = strings.NewReplacer("、", "", "。", "", "，", "", "．", "", ",", "", ".", "", "'", "", "`", "", "_", "", "|", "", "'", "", "‘", "")

// dropNamePunctuation removes namePunctuation from a kanji name read.
func dropNamePunctuation(s string) string { return namePunctuation.Replace(s) }

// namePicker chooses, for part 0 (family) or 1 (given) of a name, among
// the reading and other known names: it returns the reading or one of
// cands.
type namePicker func(part int, read string, cands []string) string

// correctJapaneseName checks "family given" against the dictionary and
// returns the name to report and a problem (""; ProblemNameCorrected;
// ProblemNameConfusable).
//
// For each part, the variants made by undoing known confusions
// (nameConfusions) at one or more of its characters are looked up. A part
// that is not a known name of its kind is replaced by its one known
// variant; with several, pick chooses. A part that is a known name as
// read is replaced only when pick (which compares the printed ink with
// drawings of each) prefers a known variant; without pick it is kept and
// marked confusable. Without a space, or when the family name read is not
// a known one, the one split that makes both parts known names is taken,
// if there is exactly one.
func correctJapaneseName(name string, d NameDictionary, pick namePicker) (string, string) {
	if d == nil || name == "" {
		return name, ""
	}
	family, given, ok := strings.Cut(name, " ")
	if !ok || !d.IsFamilyName(family) {
		// The space may be misplaced (a character counted into the wrong
		// part; family names are read well and the dictionaries know
		// nearly all of them): a unique split into two known names wins.
		if f, g, found := uniqueSplit(strings.ReplaceAll(name, " ", ""), d); found {
			family, given, ok = f, g, true
			if f+" "+g != name {
				return f + " " + g, ProblemNameCorrected
			}
		}
	}
	if !ok {
		return name, ""
	}
	var fpick, gpick func(string, []string) string
	if pick != nil {
		fpick = func(r string, c []string) string { return pick(0, r, c) }
		gpick = func(r string, c []string) string { return pick(1, r, c) }
	}
	f, fp := correctPart(family, d.IsFamilyName, fpick)
	g, gp := correctPart(given, d.IsGivenName, gpick)
	out := f + " " + g
	switch {
	case fp == ProblemNameCorrected || gp == ProblemNameCorrected:
		return out, ProblemNameCorrected
	case fp != "" || gp != "":
		return out, ProblemNameConfusable
	}
	return out, ""
}

// uniqueSplit finds the one place to cut s into a known family name and a
// known given name.
func uniqueSplit(s string, d NameDictionary) (family, given string, ok bool) {
	rs := []rune(s)
	n := 0
	for k := 1; k < len(rs); k++ {
		if f, g := string(rs[:k]), string(rs[k:]); d.IsFamilyName(f) && d.IsGivenName(g) {
			family, given = f, g
			n++
		}
	}
	return family, given, n == 1
}

// confusionVariants are the known names made from part by undoing known
// confusions at one or more of its characters.
func confusionVariants(part string, known func(string) bool) []string {
	var found []string
	var walk func(i int, cur []rune, changed bool)
	walk = func(i int, cur []rune, changed bool) {
		if i == len(cur) {
			if changed && known(string(cur)) {
				found = append(found, string(cur))
			}
			return
		}
		walk(i+1, cur, changed)
		orig := cur[i]
		for _, alt := range nameConfusions[orig] {
			cur[i] = alt
			walk(i+1, cur, true)
		}
		cur[i] = orig
	}
	walk(0, []rune(part), false)
	return found
}

// correctPart applies correctJapaneseName's rule to one part.
func correctPart(part string, known func(string) bool, pick func(string, []string) string) (string, string) {
	found := confusionVariants(part, known)
	if len(found) == 0 {
		return part, ""
	}
	isKnown := known(part)
	if !isKnown && len(found) == 1 {
		return found[0], ProblemNameCorrected
	}
	if pick != nil {
		if c := pick(part, found); c != part && c != "" {
			return c, ProblemNameCorrected
		}
		return part, "" // the ink bore the reading out
	}
	if isKnown {
		return part, ProblemNameConfusable
	}
	return part, ""
}
