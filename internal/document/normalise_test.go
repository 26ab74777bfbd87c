package document

import "testing"

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
