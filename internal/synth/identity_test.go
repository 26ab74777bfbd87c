package synth

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/mynumber"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestEraDateBoundaries(t *testing.T) {
	tests := map[string]struct {
		date   time.Time
		padded bool
		want   string
	}{
		"last day of Showa":         {day(1989, 1, 7), false, "昭和64年1月7日"},
		"first day of Heisei":       {day(1989, 1, 8), false, "平成元年1月8日"},
		"last day of Heisei":        {day(2019, 4, 30), false, "平成31年4月30日"},
		"first day of Reiwa":        {day(2019, 5, 1), false, "令和元年5月1日"},
		"Reiwa 2":                   {day(2020, 1, 1), false, "令和2年1月1日"},
		"last day of Taisho":        {day(1926, 12, 24), false, "大正15年12月24日"},
		"first day of Showa":        {day(1926, 12, 25), false, "昭和元年12月25日"},
		"last day of Meiji":         {day(1912, 7, 29), false, "明治45年7月29日"},
		"first day of Taisho":       {day(1912, 7, 30), false, "大正元年7月30日"},
		"Gregorian adoption":        {day(1873, 1, 1), false, "明治6年1月1日"},
		"before the Gregorian era":  {day(1872, 12, 31), false, ""},
		"licence style":             {day(1990, 1, 15), true, "平成02年01月15日"},
		"licence style, first year": {day(2019, 5, 1), true, "令和元年05月01日"},
		"time of day is ignored":    {time.Date(1989, 1, 7, 23, 59, 0, 0, time.UTC), false, "昭和64年1月7日"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := EraDate(tc.date, tc.padded); got != tc.want {
				t.Errorf("got %q; want %q", got, tc.want)
			}
		})
	}
}

func TestGregorianDate(t *testing.T) {
	if got := GregorianDate(day(1990, 1, 5), true); got != "1990年01月05日" {
		t.Errorf("padded: got %q", got)
	}
	if got := GregorianDate(day(1990, 1, 5), false); got != "1990年1月5日" {
		t.Errorf("unpadded: got %q", got)
	}
}

func TestLicenseCheckDigit(t *testing.T) {
	// The chip fixtures' LicenseNumber (chip.go) uses the same formula.
	for _, serial := range []int{0, 1234, 899999} {
		n := LicenseNumber(serial)
		if got := LicenseCheckDigit(n[:10]); got < 0 || n[10] != byte('0'+got) {
			t.Errorf("LicenseNumber(%d) = %s: check digit %d; want %c", serial, n, got, n[10])
		}
	}
	tests := map[string]struct {
		in   string
		want int
	}{
		"r = 0 gives 1":   {"0000000000", 1},
		"too short":       {"123", -1},
		"not digits":      {"30150A2345", -1},
		"weights applied": {"1000000000", 6}, // 1×5 = 5; 11 − 5 = 6
		"r = 1 gives 0":   {"2000000001", 0}, // 2×5 + 1×2 = 12 ≡ 1; 11 − 1 = 10 → 0
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := LicenseCheckDigit(tc.in); got != tc.want {
				t.Errorf("got %d; want %d", got, tc.want)
			}
		})
	}
}

func TestInsurerCheckDigit(t *testing.T) {
	// Published insurer numbers of 協会けんぽ branches (法別番号 01).
	for _, n := range []string{"01130012", "01270016", "01010016"} {
		if got := InsurerCheckDigit(n[:7]); got < 0 || n[7] != byte('0'+got) {
			t.Errorf("%s: got check digit %d; want %c", n, got, n[7])
		}
	}
	if got := InsurerCheckDigit("12345"); got != -1 {
		t.Errorf("short input: got %d; want -1", got)
	}
}

func TestNewNumbersAreValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	residence := regexp.MustCompile(`^[A-Z]{2}[0-9]{8}[A-Z]{2}$`)
	passport := regexp.MustCompile(`^T[A-Z][0-9]{7}$`)
	for i := range 500 {
		if n := NewMyNumber(rng); !mynumber.Valid(n) {
			t.Fatalf("draw %d: My Number %s has a wrong check digit", i, n)
		}
		a := NewAddress(rng)
		first := day(2000+rng.IntN(25), 4, 1)
		l := NewLicenseNumber(rng, a, first)
		if len(l) != 12 || LicenseCheckDigit(l[:10]) != int(l[10]-'0') || l[11] != '0' {
			t.Fatalf("draw %d: licence number %s is malformed", i, l)
		}
		if want := fmt.Sprintf("%02d", a.LicenseCode); !strings.HasPrefix(l, want) {
			t.Fatalf("draw %d: licence %s does not start with %s's code %s", i, l, a.Prefecture, want)
		}
		if l[2:4] != first.Format("06") {
			t.Fatalf("draw %d: licence %s does not carry the first-issue year %d", i, l, first.Year())
		}
		if n := NewResidenceCardNumber(rng); !residence.MatchString(n) {
			t.Fatalf("draw %d: residence card number %q", i, n)
		}
		if n := NewPassportNumber(rng); !passport.MatchString(n) {
			t.Fatalf("draw %d: passport number %q", i, n)
		}
		ins := NewInsurerNumber(rng, a)
		if len(ins) != 8 || InsurerCheckDigit(ins[:7]) != int(ins[7]-'0') || ins[:2] != "06" {
			t.Fatalf("draw %d: insurer number %s", i, ins)
		}
	}
}

func TestNewIdentity(t *testing.T) {
	now := ChipReferenceTime()
	roman := regexp.MustCompile(`^[A-Z]+( [A-Z]+)*$`)
	kana := regexp.MustCompile(`^[\p{Katakana}ー]+$`)
	for _, foreign := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(7, 8))
		for i := range 300 {
			id := NewIdentity(rng, IdentityOptions{Now: now, MinAge: 20, MaxAge: 30, Foreign: foreign})
			if age := id.Age(now); age < 20 || age > 30 {
				t.Fatalf("foreign=%v draw %d: age %d (born %s); want 20..30", foreign, i, age, ISODate(id.BirthDate))
			}
			if EraDate(id.BirthDate, false) == "" {
				t.Fatalf("draw %d: birth date %s has no era form", i, ISODate(id.BirthDate))
			}
			if !roman.MatchString(id.FamilyRoman) || !roman.MatchString(id.GivenRoman) {
				t.Fatalf("draw %d: passport spelling %q %q", i, id.FamilyRoman, id.GivenRoman)
			}
			if id.Sex != "M" && id.Sex != "F" {
				t.Fatalf("draw %d: sex %q", i, id.Sex)
			}
			if !strings.HasPrefix(id.Address.String(), id.Address.Prefecture) || !strings.Contains(id.Address.String(), "丁目") {
				t.Fatalf("draw %d: address %q", i, id.Address)
			}
			if strings.ContainsAny(id.Address.Printed(), "0123456789") {
				t.Fatalf("draw %d: printed address %q has ASCII digits", i, id.Address.Printed())
			}
			if foreign {
				if id.Japanese() || id.NationalityJA == "" || id.NameKana() != "" {
					t.Fatalf("draw %d: foreign holder %+v", i, id)
				}
				continue
			}
			if !id.Japanese() || !kana.MatchString(id.FamilyKana) || !kana.MatchString(id.GivenKana) {
				t.Fatalf("draw %d: Japanese holder %+v lacks a kana reading", i, id)
			}
		}
	}
	for _, foreign := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(5, 5))
		for i := range 50 {
			for _, sex := range []string{"M", "F"} {
				if id := NewIdentity(rng, IdentityOptions{Sex: sex, Foreign: foreign}); id.Sex != sex {
					t.Fatalf("foreign=%v draw %d: asked for %s, got %+v", foreign, i, sex, id)
				}
			}
		}
	}
	a := NewIdentity(rand.New(rand.NewPCG(3, 4)), IdentityOptions{})
	b := NewIdentity(rand.New(rand.NewPCG(3, 4)), IdentityOptions{})
	if a != b {
		t.Errorf("same seed: got %+v and %+v; want equal", a, b)
	}
}
