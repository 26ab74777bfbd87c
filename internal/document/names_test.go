package document

import "testing"

// nameSet is a dictionary of a few names, for testing the correction
// rules apart from the Debian files.
type nameSet struct{ family, given map[string]bool }

func (n nameSet) IsFamilyName(s string) bool { return n.family[s] }
func (n nameSet) IsGivenName(s string) bool  { return n.given[s] }

func set(ss ...string) map[string]bool {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return m
}

func TestCorrectJapaneseName(t *testing.T) {
	d := nameSet{family: set("佐藤", "後藤", "田中", "佐", "村上"), given: set("陽翔", "陽菜", "蓮", "夢", "浩二", "清二", "一郎", "智子")}
	preferAlt := func(part int, read string, cands []string) string { return cands[0] }
	keepRead := func(part int, read string, cands []string) string { return read }
	cases := map[string]struct {
		in      string
		pick    namePicker
		want    string
		problem string
	}{
		"known name kept":                         {"田中 一郎", nil, "田中 一郎", ""},
		"unknown reading, one known variant":      {"佐藤 陽閉", nil, "佐藤 陽翔", ProblemNameCorrected},
		"菜 read as 業":                             {"田中 陽業", nil, "田中 陽菜", ProblemNameCorrected},
		"藤 in a known family name stays":          {"後藤 陽菜", nil, "後藤 陽菜", ""},
		"known reading, known variant, no font":   {"後藤 夢", nil, "後藤 夢", ProblemNameConfusable},
		"known reading, the ink prefers variant":  {"後藤 夢", preferAlt, "後藤 蓮", ProblemNameCorrected},
		"known reading, the ink bears it out":     {"後藤 夢", keepRead, "後藤 夢", ""},
		"清二 and 浩二 are both names":                {"田中 清二", nil, "田中 清二", ProblemNameConfusable},
		"unknown reading, no variant":             {"田中 閑", nil, "田中 閑", ""},
		"misplaced space":                         {"佐藤陽 菜", nil, "佐藤 陽菜", ProblemNameCorrected},
		"no space":                                {"田中一郎", nil, "田中 一郎", ProblemNameCorrected},
		"no space and a confusion":                {"田中陽閉", nil, "田中陽閉", ""},
		"empty":                                   {"", nil, "", ""},
		"katakana ニ for the kanji 二":              {"田中 浩ニ", nil, "田中 浩二", ProblemNameCorrected},
		"two confusions in one name":              {"村二 因子", nil, "村上 智子", ProblemNameCorrected},
		"katakana ー for the kanji 一":              {"田中 ー郎", nil, "田中 一郎", ProblemNameCorrected},
		"foreign name in katakana is not touched": {"スミス ジョン", nil, "スミス ジョン", ""},
	}
	for name, c := range cases {
		got, problem := correctJapaneseName(c.in, d, c.pick)
		if got != c.want || problem != c.problem {
			t.Errorf("%s: correctJapaneseName(%q) = %q, %q; want %q, %q", name, c.in, got, problem, c.want, c.problem)
		}
	}
	if got, p := correctJapaneseName("佐藤 陽閉", nil, nil); got != "佐藤 陽閉" || p != "" {
		t.Errorf("without a dictionary: %q, %q; want the reading unchanged", got, p)
	}
}

func TestDropNamePunctuation(t *testing.T) {
	for in, want := range map[string]string{
		"田中、陽菜":   "田中陽菜",
		"田中。陽菜":   "田中陽菜",
		"田中陽菜.":   "田中陽菜",
		"スミス・ジョン": "スミス・ジョン",
		"佐々木蓮":    "佐々木蓮",
	} {
		if got := dropNamePunctuation(in); got != want {
			t.Errorf("dropNamePunctuation(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestLoadNameFontsMissing(t *testing.T) {
	if _, err := LoadNameFonts(t.TempDir() + "/none.ttc"); err != ErrNoNameFont {
		t.Errorf("LoadNameFonts of a missing file: err = %v; want ErrNoNameFont", err)
	}
}
