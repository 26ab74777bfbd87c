package mrz

import (
	"errors"
	"testing"
	"time"
)

// The specimens are ICAO 9303's published worked examples ("Utopia").
const (
	td3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<" + "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
	td2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<" + "D231458907UTO7408122F1204159<<<<<<<6"
	td1 = "I<UTOD231458907<<<<<<<<<<<<<<<" + "7408122F1204159UTO<<<<<<<<<<<6" + "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)

func TestParseICAOSpecimens(t *testing.T) {
	tests := map[string]struct {
		in   string
		want MRZ
	}{
		"TD3 passport": {td3, MRZ{Format: TD3, DocumentCode: "P", IssuingState: "UTO", Surname: "ERIKSSON", GivenNames: "ANNA MARIA",
			DocumentNumber: "L898902C3", Nationality: "UTO", BirthDate: "740812", Sex: "F", ExpiryDate: "120415", OptionalData: "ZE184226B"}},
		"TD2 card": {td2, MRZ{Format: TD2, DocumentCode: "I", IssuingState: "UTO", Surname: "ERIKSSON", GivenNames: "ANNA MARIA",
			DocumentNumber: "D23145890", Nationality: "UTO", BirthDate: "740812", Sex: "F", ExpiryDate: "120415"}},
		"TD1 card": {td1, MRZ{Format: TD1, DocumentCode: "I", IssuingState: "UTO", Surname: "ERIKSSON", GivenNames: "ANNA MARIA",
			DocumentNumber: "D23145890", Nationality: "UTO", BirthDate: "740812", Sex: "F", ExpiryDate: "120415"}},
		"TD3 with line break": {td3[:44] + "\n" + td3[44:], MRZ{Format: TD3, DocumentCode: "P", IssuingState: "UTO", Surname: "ERIKSSON", GivenNames: "ANNA MARIA",
			DocumentNumber: "L898902C3", Nationality: "UTO", BirthDate: "740812", Sex: "F", ExpiryDate: "120415", OptionalData: "ZE184226B"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("got %v; want no error", err)
			}
			if *got != tc.want {
				t.Errorf("got %+v; want %+v", *got, tc.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	flip := func(s string, i int, c byte) string { b := []byte(s); b[i] = c; return string(b) }
	tests := map[string]struct {
		in    string
		field string // "" for ErrFormat
	}{
		"document number digit": {flip(td3, 44+9, '7'), "document_number"},
		"birth date changed":    {flip(td3, 44+18, '3'), "birth_date"},
		"expiry digit":          {flip(td3, 44+27, '8'), "expiry_date"},
		"personal number digit": {flip(td3, 44+42, '2'), "optional_data"},
		"composite":             {flip(td3, 44+43, '1'), "composite"},
		"TD1 composite":         {flip(td1, 59, '5'), "composite"},
		"TD2 document number":   {flip(td2, 36+2, '9'), "document_number"},
		"lower case":            {flip(td3, 5, 'e'), ""},
		"wrong length":          {td3[:80], ""},
		"bad sex":               {flip(td3, 44+20, 'Q'), ""},
		"check digit is letter": {flip(td3, 44+9, 'A'), "document_number"},
		"empty":                 {"", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(tc.in)
			var cd *CheckDigitError
			switch {
			case tc.field == "" && !errors.Is(err, ErrFormat):
				t.Errorf("got %v; want ErrFormat", err)
			case tc.field != "" && (!errors.As(err, &cd) || cd.Field != tc.field):
				t.Errorf("got %v; want a check digit error on %s", err, tc.field)
			}
		})
	}
}

func TestDates(t *testing.T) {
	m, err := Parse(td3)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if got := m.BirthDateISO(now); got != "1974-08-12" {
		t.Errorf("got birth %q; want 1974-08-12", got)
	}
	if got := m.ExpiryDateISO(); got != "2012-04-15" {
		t.Errorf("got expiry %q; want 2012-04-15", got)
	}
	m.BirthDate = "200101"
	if got := m.BirthDateISO(now); got != "2020-01-01" {
		t.Errorf("got birth %q; want 2020-01-01", got)
	}
	m.BirthDate = "74<<<<"
	if got := m.BirthDateISO(now); got != "" {
		t.Errorf("got birth %q; want empty for unknown parts", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{td1, td2, td3, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Parse(s)
		if err != nil {
			return
		}
		if m.Format == "" || len(m.BirthDate) != 6 || len(m.ExpiryDate) != 6 {
			t.Fatalf("accepted %q as %+v", s, m)
		}
	})
}
