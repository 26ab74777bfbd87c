package document

import "testing"

func TestUnionWhitelist(t *testing.T) {
	tests := map[string]struct {
		in   []string
		want string
	}{
		"one":                  {[]string{"0123"}, "0123"},
		"each character once":  {[]string{"AB1", "B12", "<"}, "AB12<"},
		"one without is none":  {[]string{"AB", "", "12"}, ""},
		"passport's eng zones": {[]string{upperChars + digitChars + "l|", upperChars + "l| ", upperChars + digitChars + " ", upperChars + digitChars + "<"}, upperChars + digitChars + "l| <"},
	}
	for name, tt := range tests {
		if got := unionWhitelist(tt.in); got != tt.want {
			t.Errorf("%s: got %q; want %q", name, got, tt.want)
		}
	}
}

func TestFitWhitelist(t *testing.T) {
	tests := map[string]struct {
		text string
		kind zoneKind
		want string
	}{
		"name: digits back to letters, fillers dropped": {"HASHIMOT0<", kindNameLat, "HASHIMOTO"},
		"name keeps its bar (read as I later)":          {"YU|", kindNameLat, "YU|"},
		"date: a bar is a one":                          {"l2 JAN |990<", kindDateEN, "12 JAN 1990"},
		"mrz: no spaces, a bar is an I":                 {"P<JPN SUZ|KI<<", kindMRZ, "P<JPNSUZIKI<<"},
		"number: fillers and spaces dropped":            {"TK 123<4567", kindAlnum, "TK1234567"},
	}
	for name, tt := range tests {
		_, wl := zoneLanguage(tt.kind)
		if got := fitWhitelist(tt.text, tt.kind, wl); got != tt.want {
			t.Errorf("%s: got %q; want %q", name, got, tt.want)
		}
	}
}
