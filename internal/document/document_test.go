package document

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// The API codes are a contract: the issue lists exactly these 14.
var wantCodes = []string{
	"drivers_license", "residence_card", "my_number_card", "driving_history_certificate", "passport",
	"special_permanent_resident_certificate", "health_insurance_card", "student_id_card", "student_handbook",
	"physical_disability_certificate", "rehabilitation_certificate", "mental_disability_certificate",
	"pension_handbook", "basic_pension_number_notice",
}

func TestRegistryHasExactlyTheFourteenCodes(t *testing.T) {
	var got []string
	for _, ty := range Types() {
		got = append(got, string(ty))
	}
	if !slices.Equal(got, wantCodes) {
		t.Fatalf("got codes %v; want %v", got, wantCodes)
	}
}

func TestEverySpecIsComplete(t *testing.T) {
	for _, s := range All() {
		t.Run(string(s.Type), func(t *testing.T) {
			if s.NameJA == "" || s.NameEN == "" || s.Note == "" {
				t.Errorf("got NameJA %q, NameEN %q, Note %q; want all set", s.NameJA, s.NameEN, s.Note)
			}
			if len(s.Sides) == 0 {
				t.Fatal("got no sides; want at least one")
			}
			for _, f := range []Field{FieldName, FieldBirthDate} {
				if !s.HasField(f) {
					t.Errorf("got no %s field; every type prints it", f)
				}
			}
			seen := map[FieldSpec]bool{}
			for _, fs := range s.Fields {
				if !slices.Contains(s.Sides, fs.Side) {
					t.Errorf("field %s is on side %s, which the type does not have (%v)", fs.Field, fs.Side, s.Sides)
				}
				if seen[fs] {
					t.Errorf("field %s on %s listed twice", fs.Field, fs.Side)
				}
				seen[fs] = true
			}
			for _, a := range s.PhotoIDFor {
				if a.Law != LawAML && a.Law != LawMobilePhone {
					t.Errorf("got PhotoIDFor law %q; want aml or mobile_phone only (none is implicit)", a.Law)
				}
			}
		})
	}
}

func TestPhotoIDAcceptance(t *testing.T) {
	type want struct {
		aml, mobile         bool
		amlCond, mobileCond bool // a reviewer must confirm a condition
	}
	tests := map[Type]want{
		DriversLicense:                      {aml: true, mobile: true},
		ResidenceCard:                       {aml: true, mobile: true},
		MyNumberCard:                        {aml: true, mobile: true},
		SpecialPermanentResidentCertificate: {aml: true, mobile: true},
		DrivingHistoryCertificate:           {aml: true, mobile: true, amlCond: true, mobileCond: true},
		Passport:                            {aml: true, mobile: true, amlCond: true, mobileCond: true},
		PhysicalDisabilityCertificate:       {aml: true, amlCond: true},
		RehabilitationCertificate:           {aml: true, amlCond: true},
		MentalDisabilityCertificate:         {aml: true, amlCond: true},
		HealthInsuranceCard:                 {},
		StudentIDCard:                       {},
		StudentHandbook:                     {},
		PensionHandbook:                     {},
		BasicPensionNumberNotice:            {},
	}
	if len(tests) != len(wantCodes) {
		t.Fatalf("table covers %d types; want %d", len(tests), len(wantCodes))
	}
	for ty, w := range tests {
		t.Run(string(ty), func(t *testing.T) {
			s := MustLookup(ty)
			a, ok := s.Accepts(LawAML)
			if ok != w.aml || (ok && (a.Condition != "") != w.amlCond) {
				t.Errorf("aml: got accepted %v condition %q; want accepted %v, condition %v", ok, a.Condition, w.aml, w.amlCond)
			}
			m, ok := s.Accepts(LawMobilePhone)
			if ok != w.mobile || (ok && (m.Condition != "") != w.mobileCond) {
				t.Errorf("mobile_phone: got accepted %v condition %q; want accepted %v, condition %v", ok, m.Condition, w.mobile, w.mobileCond)
			}
			n, ok := s.Accepts(LawNone)
			if !ok {
				t.Errorf("none: got not accepted; want every type accepted")
			}
			if (n.Condition != "") == s.Photo {
				t.Errorf("none: got condition %q for Photo=%v; want a condition exactly when there is no photo", n.Condition, s.Photo)
			}
			if _, ok := s.Accepts("tax"); ok {
				t.Errorf("unknown law: got accepted; want not")
			}
		})
	}
}

func TestOnlyPhotoDocumentsAreAcceptedForTheImageMethod(t *testing.T) {
	for _, s := range All() {
		if !s.Photo && len(s.PhotoIDFor) > 0 {
			t.Errorf("%s: no photo but accepted by %v; a ホ check needs the photo", s.Type, s.PhotoIDFor)
		}
		if !s.Photo && !strings.Contains(strings.ToLower(s.Note), "no photo") {
			t.Errorf("%s: no photo but the note does not say so: %q", s.Type, s.Note)
		}
	}
}

func TestOCRTemplatesAndChips(t *testing.T) {
	var ocr, chip []Type
	for _, s := range All() {
		if s.OCR {
			ocr = append(ocr, s.Type)
		}
		if s.ICChip {
			chip = append(chip, s.Type)
		}
		if s.ReviewOnly() == s.OCR {
			t.Errorf("%s: ReviewOnly %v with OCR %v; want the opposite", s.Type, s.ReviewOnly(), s.OCR)
		}
	}
	if want := []Type{DriversLicense, ResidenceCard, MyNumberCard, Passport, HealthInsuranceCard}; !slices.Equal(ocr, want) {
		t.Errorf("got OCR templates for %v; want %v (the types internal/synth renders)", ocr, want)
	}
	if want := []Type{DriversLicense, ResidenceCard, MyNumberCard, Passport, SpecialPermanentResidentCertificate}; !slices.Equal(chip, want) {
		t.Errorf("got IC chips on %v; want %v", chip, want)
	}
}

func TestSensitiveFields(t *testing.T) {
	tests := map[string]struct {
		ty    Type
		field Field
		side  Side
	}{
		"my number on the card's back":   {MyNumberCard, FieldMyNumber, SideBack},
		"insurance symbol and number":    {HealthInsuranceCard, FieldInsuredSymbol, SideFront},
		"insurer number":                 {HealthInsuranceCard, FieldInsurerNumber, SideFront},
		"pension number in the handbook": {PensionHandbook, FieldBasicPensionNumber, SideFront},
		"pension number on the notice":   {BasicPensionNumberNotice, FieldBasicPensionNumber, SideFront},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := MustLookup(tc.ty)
			i := slices.IndexFunc(s.Fields, func(fs FieldSpec) bool { return fs.Field == tc.field && fs.Side == tc.side })
			if i < 0 || !s.Fields[i].Sensitive {
				t.Errorf("got %v; want %s on %s marked sensitive", s.Fields, tc.field, tc.side)
			}
		})
	}
	for _, s := range All() {
		for _, fs := range s.Fields {
			if fs.Sensitive && fs.Field != FieldMyNumber && fs.Field != FieldInsuredSymbol && fs.Field != FieldInsurerNumber && fs.Field != FieldBasicPensionNumber {
				t.Errorf("%s: %s is sensitive; want only the restricted numbers", s.Type, fs.Field)
			}
		}
	}
}

func TestFieldsOn(t *testing.T) {
	got := MustLookup(MyNumberCard).FieldsOn(SideBack)
	if want := []Field{FieldMyNumber, FieldName, FieldBirthDate}; !slices.Equal(got, want) {
		t.Errorf("got my_number_card back fields %v; want %v", got, want)
	}
	if got := MustLookup(Passport).FieldsOn(SideFront); got != nil {
		t.Errorf("got passport front fields %v; want none (a passport has a data page)", got)
	}
}

func TestLookup(t *testing.T) {
	tests := map[string]struct {
		code    string
		wantErr bool
	}{
		"known code":           {"passport", false},
		"another known code":   {"basic_pension_number_notice", false},
		"unknown code":         {"library_card", true},
		"case matters":         {"Passport", true},
		"empty":                {"", true},
		"japanese name is not": {"運転免許証", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := Lookup(tc.code)
			if !tc.wantErr {
				if err != nil || string(s.Type) != tc.code {
					t.Fatalf("got %v, %v; want the %s spec", s.Type, err, tc.code)
				}
				return
			}
			if !errors.Is(err, errkind.ErrInvalid) {
				t.Fatalf("got %v; want an ErrInvalid error", err)
			}
			if errkind.Reason(err) != "document_type_unknown" {
				t.Errorf("got reason %q; want document_type_unknown", errkind.Reason(err))
			}
			for _, c := range wantCodes {
				if !strings.Contains(err.Error(), c) {
					t.Errorf("error %q does not list valid code %s", err, c)
				}
			}
		})
	}
}

func TestLookupQuotesLongCodesShortly(t *testing.T) {
	_, err := Lookup(strings.Repeat("運", 100))
	if err == nil || !utf8.ValidString(err.Error()) || strings.Count(err.Error(), "運") > 21 {
		t.Errorf("got %v; want the code cut short at a character boundary", err)
	}
}

func TestLookupReturnsACopy(t *testing.T) {
	s := MustLookup(DriversLicense)
	s.Sides[0] = SideDataPage
	s.Fields[0].Field = FieldMRZ
	if again := MustLookup(DriversLicense); again.Sides[0] != SideFront || again.Fields[0].Field != FieldName {
		t.Errorf("changing a returned spec changed the registry: %v %v", again.Sides, again.Fields[0])
	}
}

func TestMustLookupPanicsOnUnknown(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("got no panic; want one for an unknown type")
		}
	}()
	MustLookup("nope")
}
