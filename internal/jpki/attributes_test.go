package jpki_test

import (
	"encoding/asn1"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/kakunin-dev/kakunin/internal/jpki"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

func oid(last int) asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, last}
}

func mustSAN(t testing.TB, names []synth.JPKIOtherName) []byte {
	t.Helper()
	der, err := synth.MarshalJPKISAN(names)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// prependDNSName puts a dNSName entry before the entries of san.
func prependDNSName(t *testing.T, san []byte, name string) []byte {
	t.Helper()
	in := cryptobyte.String(san)
	var entries cryptobyte.String
	if !in.ReadASN1(&entries, cbasn1.SEQUENCE) {
		t.Fatal("SAN is not a SEQUENCE")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(name)) })
		b.AddBytes(entries)
	})
	return b.BytesOrPanic()
}

func TestParseSAN(t *testing.T) {
	base := synth.JPKISANOtherNames(goodHolder)
	with := func(edit func([]synth.JPKIOtherName) []synth.JPKIOtherName) []synth.JPKIOtherName {
		return edit(append([]synth.JPKIOtherName(nil), base...))
	}
	// A dNSName ([2] "example.jp") ahead of the otherNames: other kinds are skipped.
	goodDER := mustSAN(t, base)
	withDNS := prependDNSName(t, goodDER, "example.jp")

	tests := map[string]struct {
		der  []byte
		want jpki.Reason // "" = parses
	}{
		"as issued":                 {der: goodDER},
		"with a dNSName entry":      {der: withDNS},
		"OCTET STRING value":        {der: mustSAN(t, with(func(n []synth.JPKIOtherName) []synth.JPKIOtherName { n[0].Tag = 4; return n }))},
		"foreign otherName skipped": {der: mustSAN(t, append(with(func(n []synth.JPKIOtherName) []synth.JPKIOtherName { return n }), synth.JPKIOtherName{OID: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, Value: "x"}))},
		"without substitute flags":  {der: mustSAN(t, []synth.JPKIOtherName{base[0], base[2], base[3], base[4]})},
		"no address":                {der: mustSAN(t, base[:4]), want: jpki.ReasonMissingAttributes},
		"empty name":                {der: mustSAN(t, with(func(n []synth.JPKIOtherName) []synth.JPKIOtherName { n[0].Value = ""; return n })), want: jpki.ReasonMissingAttributes},
		"empty SAN":                 {der: []byte{0x30, 0x00}, want: jpki.ReasonMissingAttributes},
		"birth date twice":          {der: mustSAN(t, append(with(func(n []synth.JPKIOtherName) []synth.JPKIOtherName { return n }), synth.JPKIOtherName{OID: oid(4), Value: "319580731"})), want: jpki.ReasonMalformedAttributes},
		"PrintableString value":     {der: mustSAN(t, with(func(n []synth.JPKIOtherName) []synth.JPKIOtherName { n[2].Tag = 19; return n })), want: jpki.ReasonMalformedAttributes},
		"not UTF-8":                 {der: mustSAN(t, with(func(n []synth.JPKIOtherName) []synth.JPKIOtherName { n[0].Value = "\xff\xfe"; return n })), want: jpki.ReasonMalformedAttributes},
		"control character":         {der: mustSAN(t, with(func(n []synth.JPKIOtherName) []synth.JPKIOtherName { n[4].Value = "住所\n2行目"; return n })), want: jpki.ReasonMalformedAttributes},
		"sex code 3":                {der: mustSAN(t, with(func(n []synth.JPKIOtherName) []synth.JPKIOtherName { n[2].Value = "3"; return n })), want: jpki.ReasonMalformedAttributes},
		"flags not digits":          {der: mustSAN(t, with(func(n []synth.JPKIOtherName) []synth.JPKIOtherName { n[1].Value = "00x00"; return n })), want: jpki.ReasonMalformedAttributes},
		"unknown birth date":        {der: mustSAN(t, with(func(n []synth.JPKIOtherName) []synth.JPKIOtherName { n[3].Value = "400000000"; return n })), want: jpki.ReasonUnknownBirthDateForm},
		"trailing bytes":            {der: append(goodDER, 0x00), want: jpki.ReasonMalformedAttributes},
		"truncated":                 {der: goodDER[:len(goodDER)-3], want: jpki.ReasonMalformedAttributes},
		"universal-tag entry":       {der: []byte{0x30, 0x03, 0x04, 0x01, 0x00}, want: jpki.ReasonMalformedAttributes},
		"otherName without value":   {der: []byte{0x30, 0x0c, 0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x83, 0x08, 0x8c, 0x9b, 0x55, 0x08, 0x05}, want: jpki.ReasonMalformedAttributes},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := jpki.ParseSAN(tc.der)
			if got := jpki.ReasonOf(err); got != tc.want {
				t.Fatalf("got reason %q (err %v); want %q", got, err, tc.want)
			}
			if tc.want == "" && (s.Name == "" || s.BirthDate != "1990-01-02") {
				t.Errorf("got %+v; want name and birth date 1990-01-02", s)
			}
		})
	}
}

func TestParseBirthDate(t *testing.T) {
	tests := map[string]struct {
		raw, want string // want "" = unknown form
	}{
		"Heisei":                    {"419900102", "1990-01-02"},
		"Meiji (PocketSign mock)":   {"118991201", "1899-12-01"},
		"Taisho":                    {"219200505", "1920-05-05"},
		"Showa":                     {"319580731", "1958-07-31"},
		"Reiwa leap day":            {"520200229", "2020-02-29"},
		"first day of Heisei":       {"419890108", "1989-01-08"},
		"last day of Showa":         {"319890107", "1989-01-07"},
		"unknown date":              {"400000000", ""},
		"unknown month and day":     {"419900000", ""},
		"February 30":               {"419900230", ""},
		"Showa code on Heisei date": {"319900102", ""},
		"Heisei code on Showa date": {"419890107", ""},
		"era code 6":                {"619900102", ""},
		"era code 0":                {"019900102", ""},
		"8 digits":                  {"41990010", ""},
		"10 digits":                 {"4199001020", ""},
		"wide digit":                {"４19900102", ""},
		"Japanese era year form":    {"H02.01.02", ""},
		"empty":                     {"", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := jpki.ParseBirthDate(tc.raw)
			if tc.want == "" {
				if jpki.ReasonOf(err) != jpki.ReasonUnknownBirthDateForm {
					t.Errorf("got %q, %v; want unknown_birth_date_form", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
