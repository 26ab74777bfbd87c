package document

import (
	"image"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/mrz"
)

func TestParseJapaneseDate(t *testing.T) {
	tests := map[string]struct {
		in   string
		want string
		ok   bool
	}{
		"showa padded":             {"昭和54年03月28日生", "1979-03-28", true},
		"reiwa until":              {"令和10年01月26日まで有効", "2028-01-26", true},
		"heisei first year":        {"平成元年1月8日", "1989-01-08", true},
		"reiwa first year":         {"令和元年5月1日", "2019-05-01", true},
		"before heisei began":      {"平成元年1月7日", "", false},
		"showa after it ended":     {"昭和64年1月8日", "", false},
		"full-width digits":        {"平成１２年１２月３１日", "2000-12-31", true},
		"spaces from OCR":          {"昭 和 5 4 年 3 月 2 8 日", "1979-03-28", true},
		"gregorian residence card": {"1995年12月19日", "1995-12-19", true},
		"misread era first letter": {"昭禾54年03月28日", "1979-03-28", true},
		"no such day":              {"令和06年02月30日", "", false},
		"no date":                  {"氏名", "", false},
		"taisho":                   {"大正15年12月24日", "1926-12-24", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := ParseJapaneseDate(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ParseJapaneseDate(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestHalfWidth(t *testing.T) {
	for in, want := range map[string]string{"０１２３４５６７８９": "0123456789", "ＡＢ　ｃ": "AB c", "３丁目８番": "3丁目8番"} {
		if got := HalfWidth(in); got != want {
			t.Errorf("HalfWidth(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestParsePassportDate(t *testing.T) {
	for in, want := range map[string]string{"25 OCT 2035": "2035-10-25", "02FEB1990": "1990-02-02", "31 FEB 2000": "", "12 XYZ 2000": ""} {
		got, _ := ParsePassportDate(in)
		if got != want {
			t.Errorf("ParsePassportDate(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestLicenceCheckDigit(t *testing.T) {
	// 6324567673 70: the specimen numbers carry the digit in 11th place.
	if got := LicenceCheckDigit("6324567673"); got != 7 {
		t.Errorf("LicenceCheckDigit = %d; want 7", got)
	}
	if got := LicenceCheckDigit("12345"); got != -1 {
		t.Errorf("short input: got %d; want -1", got)
	}
}

func TestParseMyNumberQR(t *testing.T) {
	tests := map[string]struct {
		in   string
		want string
	}{
		"digits alone":    {"123456789018", "123456789018"},
		"bad check digit": {"123456789012", ""},
		"with text":       {"NO:123456789018;", "123456789018"},
		"two candidates":  {"123456789018 123456789018", ""},
		"too short":       {"12345", ""},
		"empty":           {"", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, _ := ParseMyNumberQR([]byte(tc.in))
			if got != tc.want {
				t.Errorf("got %q; want %q", got, tc.want)
			}
		})
	}
}

func FuzzParseMyNumberQR(f *testing.F) {
	for _, s := range []string{"123456789018", "NO:123456789018;", "", "\xff\x00123"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, ok := ParseMyNumberQR(b)
		if ok && (len(n) != 12 || digitsOnly(n) != n) {
			t.Fatalf("accepted %q", n)
		}
	})
}

func FuzzParseJapaneseDate(f *testing.F) {
	for _, s := range []string{"平成元年1月8日", "1995年12月19日", "令和99年99月99日", "昭禾54年03月28日"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, ok := ParseJapaneseDate(s); ok && len(v) != 10 {
			t.Fatalf("%q → %q", s, v)
		}
	})
}

func TestLatinName(t *testing.T) {
	for in, want := range map[string]string{
		"YUl":        "YUI", // a narrow I read as l
		"  li  NA ":  "II NA",
		"NGUYEN|VAN": "NGUYENIVAN",
		"Ｓｕｚｕｋｉ":     "SUZUKI",
		"O'BRIEN-1":  "OBRIEN",
	} {
		if got := latinName(in); got != want {
			t.Errorf("latinName(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestFixMRZ: fillers lost or added in the long runs and a final check
// digit read as a letter are put right, so the check digits verify.
func TestFixMRZ(t *testing.T) {
	l1 := "P<JPNKIMURA<<NANA<<<<<<<<<<<<<<<<<<<<<<<<<<<"
	l2 := "TC74852535JPN5207273F2705147<<<<<<<<<<<<<<<0"
	if _, err := mrz.Parse(l1 + l2); err != nil {
		t.Fatalf("test MRZ invalid: %v", err)
	}
	for name, in := range map[string]string{
		"as printed":             l1 + "\n" + l2,
		"joined":                 l1 + l2,
		"fillers lost":           "P<JPNKIMURA<<NANA<<<<<<<<<<<<<<<<<<<<<\nTC74852535JPN5207273F2705147<<<<<<<<<<<<0",
		"fillers added":          l1 + "<<<\n" + "TC74852535JPN5207273F2705147<<<<<<<<<<<<<<<<<<<0",
		"final check as Q":       l1 + "\nTC74852535JPN5207273F2705147<<<<<<<<<<<<<<<<Q",
		"digits read as letters": l1 + "\nTC74852535JPN52O7273F27O5147<<<<<<<<<<<<<<<0",
	} {
		got := fixMRZ(in)
		if got != l1+"\n"+l2 {
			t.Errorf("%s: fixMRZ =\n%s\nwant\n%s\n%s", name, got, l1, l2)
		}
	}
}

func TestLettersOnly(t *testing.T) {
	if got := lettersOnly("HASHIMOT0 0SAMU"); got != "HASHIMOTO OSAMU" {
		t.Errorf("lettersOnly = %q", got)
	}
}

// gridZone is a zone as the documents print it: paper (235) under a
// light grid (190 every 6 px) and two black blocks standing for words,
// 40 px apart; the first is two letters 3 px apart.
func gridZone() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 200, 40))
	for y := range 40 {
		for x := range 200 {
			v := uint8(235)
			if x%6 == 0 || y%6 == 0 {
				v = 190
			}
			if y >= 10 && y < 30 && ((x >= 10 && x < 25) || (x >= 28 && x < 40) || (x >= 80 && x < 110)) {
				v = 20
			}
			o := img.PixOffset(x, y)
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = v, v, v, 255
		}
	}
	return img
}

func TestPrepareWhitensGrid(t *testing.T) {
	src := gridZone()
	const pad = 12
	at := func(g *image.Gray, x, y int) uint8 { return g.GrayAt(x+pad, y+pad).Y }
	clean := prepare(src, src.Bounds(), true)
	if v := at(clean, 60, 6); v != 255 {
		t.Errorf("whitened: grid pixel %d; want 255", v)
	}
	if v := at(clean, 90, 20); v != 0 {
		t.Errorf("whitened: ink %d; want 0", v)
	}
	// Japanese zones are only stretched: the grid stays grey.
	kept := prepare(src, src.Bounds(), false)
	if v := at(kept, 60, 6); v == 255 || v == 0 {
		t.Errorf("stretched: grid pixel %d; want grey", v)
	}
	if b := clean.Bounds(); b.Dx() != 200+2*pad || b.Dy() != 40+2*pad {
		t.Errorf("padded size %v", b)
	}
}

func TestSplitWords(t *testing.T) {
	src := gridZone()
	words := splitWords(prepare(src, src.Bounds(), true))
	if len(words) != 2 {
		t.Fatalf("got %d words; want 2", len(words))
	}
	// Each word is its ink plus 12 px of white each side.
	if w := words[0].Bounds().Dx(); w != 30+24 {
		t.Errorf("first word %d px wide; want 54", w)
	}
	if w := words[1].Bounds().Dx(); w != 30+24 {
		t.Errorf("second word %d px wide; want 54", w)
	}
	one := image.NewGray(image.Rect(0, 0, 50, 20))
	for i := range one.Pix {
		one.Pix[i] = 255
	}
	if got := splitWords(one); len(got) != 1 {
		t.Errorf("blank line: %d parts; want 1", len(got))
	}
}
