package document_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// TestEvaluateAttacks generates a small set with attack samples and
// evaluates it end to end: OCR accuracy must ignore the attack samples,
// and every presentation-attack count must add up and give its rate.
func TestEvaluateAttacks(t *testing.T) {
	if testing.Short() {
		t.Skip("renders specimens and runs tesseract")
	}
	fonts := loadFonts(t)
	ex := document.NewExtractor(tesseract(t))
	dir := t.TempDir()
	types := []document.Type{document.DriversLicense, document.MyNumberCard, document.Passport}
	sum, err := synth.GenerateDocuments(context.Background(), fonts, dir, synth.GenerateOptions{N: 2, Seed: 77, Types: types,
		Levels: []synth.Level{synth.LevelClean, synth.LevelMedium}, Attacks: true})
	if err != nil {
		t.Fatal(err)
	}
	// The genuine photos alone, in another directory.
	genuineDir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		if strings.Contains(filepath.Base(f), "_attack_") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(genuineDir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o := document.EvalOptions{Options: document.Options{CurrentTime: refDay}}
	rep, err := document.Evaluate(context.Background(), ex, dir, o)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := document.Evaluate(context.Background(), ex, genuineDir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", rep.Summary())

	// OCR: 2 licence fronts, 2 My Number fronts and backs, 2 data pages,
	// read the same with and without the attacks beside them.
	if rep.Images != 8 || sum.ByView[synth.ViewFlat] != 8 {
		t.Errorf("OCR read %d images (%d flat written); want 8", rep.Images, sum.ByView[synth.ViewFlat])
	}
	if plain.PAD != nil {
		t.Errorf("PAD report without attack samples: %v", plain.PAD)
	}
	if plain.Images != rep.Images || plain.Classification != rep.Classification || !reflect.DeepEqual(plain.Accuracy, rep.Accuracy) || !reflect.DeepEqual(plain.ByTypeLevel, rep.ByTypeLevel) {
		t.Errorf("OCR accuracy changes with attack samples in the directory:\n%s\nwithout them:\n%s", rep.Summary(), plain.Summary())
	}

	// Each check's presentations: 6 genuine fronts (recapture, tampering),
	// 4 genuine thickness pairs (the passport has none), and the samples.
	want := map[string]struct {
		bona    int
		attacks map[string]int
	}{
		document.PADCheckRecapture: {6, map[string]int{"recapture_screen": 6, "recapture_print": 6, "recapture_photocopy": 6}},
		document.PADCheckThickness: {4, map[string]int{"thickness_no_edge": 4, "thickness_paper": 4, "thickness_other_card": 4}},
		document.PADCheckTampering: {6, map[string]int{"tamper_portrait": 6, "tamper_mrz": 2, "tamper_field": 6}},
	}
	if len(rep.PAD) != len(want) {
		t.Fatalf("PAD checks %v; want %d", keys(rep.PAD), len(want))
	}
	for check, w := range want {
		c := rep.PAD[check]
		if c == nil {
			t.Errorf("%s: no result", check)
			continue
		}
		if c.BPCER.Total != w.bona {
			t.Errorf("%s: %d bona fide; want %d", check, c.BPCER.Total, w.bona)
		}
		accepted, worst := 0, -1.0
		for kind, n := range w.attacks {
			a := c.APCER[kind]
			if a == nil || a.Total != n {
				t.Errorf("%s: %s: %+v; want %d attacks", check, kind, a, n)
				continue
			}
			accepted += a.Errors
			worst = math.Max(worst, a.Rate)
		}
		if len(c.APCER) != len(w.attacks) {
			t.Errorf("%s: attack kinds %v; want %d", check, keys(c.APCER), len(w.attacks))
		}
		if len(c.AcceptedAttacks) != accepted {
			t.Errorf("%s: %d accepted attacks listed, APCER counts %d", check, len(c.AcceptedAttacks), accepted)
		}
		if c.MaxAPCER != worst || c.APCER[c.MaxAPCERKind] == nil || c.APCER[c.MaxAPCERKind].Rate != worst {
			t.Errorf("%s: max APCER %.3f (%s); the kinds' highest is %.3f", check, c.MaxAPCER, c.MaxAPCERKind, worst)
		}
		reasons := 0
		for _, n := range c.BonaFideReasons {
			reasons += n
		}
		if reasons < c.BPCER.Errors {
			t.Errorf("%s: %d bona fide rejected with %d reasons", check, c.BPCER.Errors, reasons)
		}
		for kind, a := range c.APCER {
			reasons := 0
			for _, n := range c.AttackReasons[kind] {
				reasons += n
			}
			if reasons < a.Total-a.Errors {
				t.Errorf("%s: %s: %d attacks rejected with %d reasons", check, kind, a.Total-a.Errors, reasons)
			}
		}
		checkRates(t, check, c.PADRates)
		for _, split := range []map[string]*document.PADRates{c.ByLevel, c.ByType} {
			var total document.PADRates
			for k, r := range split {
				checkRates(t, check+"/"+k, *r)
				addRates(&total, *r)
			}
			addRates(&total, document.PADRates{}) // the rates from the sums
			if total.BPCER.Errors != c.BPCER.Errors || total.BPCER.Total != c.BPCER.Total || total.BPCER.Unreadable != c.BPCER.Unreadable {
				t.Errorf("%s: split BPCER %+v; whole %+v", check, total.BPCER, c.BPCER)
			}
			for kind, a := range c.APCER {
				if s := total.APCER[kind]; s == nil || s.Errors != a.Errors || s.Total != a.Total || s.Unreadable != a.Unreadable {
					t.Errorf("%s: %s split %+v; whole %+v", check, kind, s, a)
				}
			}
		}
		if len(c.ByLevel) != 2 || c.ByLevel["clean"] == nil || c.ByLevel["medium"] == nil {
			t.Errorf("%s: levels %v; want clean and medium", check, keys(c.ByLevel))
		}
	}
	// A photocopy keeps almost no colour: its gamut alone gives it away
	// (print scores of 21–24 against a threshold of 7).
	if a := rep.PAD[document.PADCheckRecapture].APCER["recapture_photocopy"]; a != nil && a.Errors != 0 {
		t.Errorf("photocopies accepted: %+v", a)
	}
}

// checkRates checks that every rate is its counts' quotient.
func checkRates(t *testing.T, name string, r document.PADRates) {
	t.Helper()
	all := map[string]document.PADRate{"BPCER": r.BPCER}
	for k, a := range r.APCER {
		all["APCER "+k] = *a
	}
	for k, a := range all {
		if a.Errors < 0 || a.Errors > a.Total || a.Unreadable > a.Total || a.Total == 0 && a.Rate != 0 ||
			a.Total > 0 && math.Abs(a.Rate-float64(a.Errors)/float64(a.Total)) > 1e-12 {
			t.Errorf("%s %s: %+v", name, k, a)
		}
	}
}

func addRates(sum *document.PADRates, r document.PADRates) {
	sum.BPCER.Errors += r.BPCER.Errors
	sum.BPCER.Total += r.BPCER.Total
	sum.BPCER.Unreadable += r.BPCER.Unreadable
	if sum.APCER == nil {
		sum.APCER = map[string]*document.PADRate{}
	}
	for k, a := range r.APCER {
		if sum.APCER[k] == nil {
			sum.APCER[k] = &document.PADRate{}
		}
		sum.APCER[k].Errors += a.Errors
		sum.APCER[k].Total += a.Total
		sum.APCER[k].Unreadable += a.Unreadable
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
