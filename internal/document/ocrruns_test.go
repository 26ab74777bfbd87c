package document_test

import (
	"context"
	"image"
	"sync"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/ocr"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// countingTesseract is the real tesseract, counting its runs per language.
type countingTesseract struct {
	*ocr.Tesseract
	mu   sync.Mutex
	runs map[string]int
}

func (c *countingTesseract) count(lang string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.runs[lang]++
}

func (c *countingTesseract) Line(ctx context.Context, img image.Image, lang, wl string) (string, float64, error) {
	c.count(lang)
	return c.Tesseract.Line(ctx, img, lang, wl)
}

func (c *countingTesseract) Lines(ctx context.Context, imgs []image.Image, lang, wl string) ([]string, []float64, error) {
	c.count(lang)
	return c.Tesseract.Lines(ctx, imgs, lang, wl)
}

// TestOneOCRRunPerLanguage: the key fields of a passport (number, names,
// birth date, MRZ, each with its own whitelist) take one eng run, and a
// residence card's one eng and one jpn run; the values read through the
// shared whitelist still match the ground truth.
func TestOneOCRRunPerLanguage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tesseract")
	}
	fonts := loadFonts(t)
	tess := &countingTesseract{Tesseract: tesseract(t)}
	ex := document.NewExtractor(tess)
	for typ, want := range map[document.Type]map[string]int{
		document.Passport:      {"eng": 1},
		document.ResidenceCard: {"eng": 1, "jpn": 1},
	} {
		shots, err := synth.SpecimenShots(fonts, typ, 0, synth.GenerateOptions{Seed: 5, Now: refDay})
		if err != nil {
			t.Fatal(err)
		}
		var s synth.Shot
		for _, sh := range shots {
			if sh.Truth.Camera.View == synth.ViewFlat {
				s = sh
			}
		}
		tess.runs = map[string]int{}
		res, err := ex.Extract(context.Background(), s.Photo.Image, document.Options{CurrentTime: refDay, KeyFieldsOnly: true})
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		for lang, n := range want {
			if tess.runs[lang] != n {
				t.Errorf("%s: %d %s runs; want %d", typ, tess.runs[lang], lang, n)
			}
		}
		if len(tess.runs) != len(want) {
			t.Errorf("%s: runs %v; want %v", typ, tess.runs, want)
		}
		for _, f := range []document.Field{document.FieldName, document.FieldBirthDate, document.FieldDocumentNumber} {
			if got, want := res.Fields[f].Value, s.Truth.Fields[f].Value; got != want {
				t.Errorf("%s %s: got %q; want %q", typ, f, got, want)
			}
		}
		if typ == document.Passport {
			if v := res.Fields[document.FieldMRZ].Valid; v == nil || !*v {
				t.Errorf("passport: MRZ not valid (read %q)", res.Fields[document.FieldMRZ].Value)
			}
		}
	}
}
