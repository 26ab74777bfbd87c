package document_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/namedict"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// nameOptions loads the name dictionaries and font; outside CI the test
// skips when they are not installed.
func nameOptions(t testing.TB) []document.ExtractorOption {
	t.Helper()
	d, err := namedict.Load()
	if errors.Is(err, namedict.ErrNotInstalled) && os.Getenv("CI") == "" {
		t.Skipf("%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	nf, err := document.LoadNameFonts()
	if errors.Is(err, document.ErrNoNameFont) && os.Getenv("CI") == "" {
		t.Skipf("%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return []document.ExtractorOption{document.WithNameDictionary(d), document.WithNameFonts(nf)}
}

// TestNameCorrectionOnSpecimens reads three specimens of seed 31: a
// licence whose 蓮 tesseract reads as 夢 (both names in the
// dictionaries), another 蓮 it reads right, and an insurance card's 葵:
// with the dictionaries and the font each name comes out as printed, and
// a changed reading, only it, is marked.
func TestNameCorrectionOnSpecimens(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tesseract")
	}
	ex := document.NewExtractor(tesseract(t), nameOptions(t)...)
	fonts := loadFonts(t)
	for _, c := range []struct {
		typ   document.Type
		index int
	}{
		{document.DriversLicense, 3},
		{document.HealthInsuranceCard, 31},
		{document.DriversLicense, 12},
	} {
		shots, err := synth.SpecimenShots(fonts, c.typ, c.index, synth.GenerateOptions{Seed: 31, Now: refDay, Levels: []synth.Level{synth.LevelClean, synth.LevelMedium}})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range shots {
			if s.Truth.Camera.View != synth.ViewFlat {
				continue
			}
			res, err := ex.Extract(context.Background(), s.Photo.Image, document.Options{CurrentTime: refDay, KeyFieldsOnly: true})
			if err != nil {
				t.Fatalf("%s: %v", s.Truth.File, err)
			}
			want := s.Truth.Fields[document.FieldName].Value
			got := res.Fields[document.FieldName]
			t.Logf("%s: read %q, reported %q (%s)", s.Truth.File, got.Raw, got.Value, got.Problem)
			if got.Value != want {
				t.Errorf("%s: name %q; want %q", s.Truth.File, got.Value, want)
			}
			read := strings.ReplaceAll(got.Raw, " ", "")
			if changed := read != strings.ReplaceAll(got.Value, " ", ""); changed != (got.Problem == document.ProblemNameCorrected) {
				t.Errorf("%s: reading %q reported as %q with problem %q: a changed reading must be marked %s, only it", s.Truth.File, got.Raw, got.Value, got.Problem, document.ProblemNameCorrected)
			}
		}
	}
}
