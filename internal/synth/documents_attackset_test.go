package synth

import (
	"bytes"
	"context"
	"encoding/json"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/document"
)

// TestGenerateDocumentsWithAttacks writes a licence and a passport with
// their attack samples: the genuine files must be the bytes written
// without --attacks, the samples must be deterministic, and each sample's
// ground truth must name its check and genuine files that exist.
func TestGenerateDocumentsWithAttacks(t *testing.T) {
	if testing.Short() {
		t.Skip("renders specimens")
	}
	fonts := testFonts(t)
	run := func(attacks bool) (string, GenerateSummary) {
		dir := t.TempDir()
		sum, err := GenerateDocuments(context.Background(), fonts, dir, GenerateOptions{N: 1, Seed: 31,
			Types: []document.Type{document.DriversLicense, document.Passport}, Levels: []Level{LevelMedium}, Attacks: attacks})
		if err != nil {
			t.Fatal(err)
		}
		return dir, sum
	}
	plain, plainSum := run(false)
	a, sum := run(true)
	b, _ := run(true)
	if plainSum.ByAttack != nil || sum.Images != plainSum.Images || sum.Images != 3 {
		t.Errorf("summaries %+v and %+v; want the same 3 genuine images and attacks only with attacks", plainSum, sum)
	}
	// Licence: 3 recaptures, 3 thickness attacks, a pasted portrait, a
	// retyped field; passport: 3 recaptures, a pasted portrait, an altered
	// MRZ, a retyped field.
	want := map[DocumentAttack]int{DocAttackScreen: 2, DocAttackPrint: 2, DocAttackPhotocopy: 2, DocAttackNoEdge: 1,
		DocAttackPaper: 1, DocAttackOtherCard: 1, DocAttackPortrait: 2, DocAttackMRZ: 1, DocAttackField: 2}
	for k, n := range want {
		if sum.ByAttack[k] != n {
			t.Errorf("%s: %d samples; want %d (summary %v)", k, sum.ByAttack[k], n, sum.ByAttack)
		}
	}
	files, _ := filepath.Glob(filepath.Join(a, "*.json"))
	if len(files) != 3+14 {
		t.Fatalf("%d ground-truth files; want 3 genuine and 14 attacks", len(files))
	}
	attacks := 0
	for _, f := range files {
		name := filepath.Base(f)
		js, _ := os.ReadFile(f)
		img, _ := os.ReadFile(strings.TrimSuffix(f, ".json") + ".jpg")
		jsB, _ := os.ReadFile(filepath.Join(b, name))
		imgB, _ := os.ReadFile(filepath.Join(b, strings.TrimSuffix(name, ".json")+".jpg"))
		if !bytes.Equal(js, jsB) || !bytes.Equal(img, imgB) {
			t.Errorf("%s differs between two runs", name)
		}
		if !strings.Contains(name, "_attack_") {
			jsP, _ := os.ReadFile(filepath.Join(plain, name))
			imgP, _ := os.ReadFile(filepath.Join(plain, strings.TrimSuffix(name, ".json")+".jpg"))
			if !bytes.Equal(js, jsP) || !bytes.Equal(img, imgP) {
				t.Errorf("%s: the genuine file changes when attacks are written", name)
			}
			continue
		}
		attacks++
		var tr AttackSampleTruth
		if err := json.Unmarshal(js, &tr); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if tr.File != strings.TrimSuffix(name, ".json")+".jpg" || !strings.HasSuffix(tr.File, "_attack_"+string(tr.Attack)+".jpg") {
			t.Errorf("%s: file %q, attack %q", name, tr.File, tr.Attack)
		}
		if tr.Check == "" || tr.Check != AttackCheck(tr.Attack) {
			t.Errorf("%s: check %q for %s", name, tr.Check, tr.Attack)
		}
		if _, err := os.Stat(filepath.Join(a, tr.Genuine)); err != nil || !strings.HasPrefix(tr.Genuine, string(tr.Type)) {
			t.Errorf("%s: genuine %q: %v", name, tr.Genuine, err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(img))
		if err != nil || cfg.Width != tr.Camera.Width || cfg.Height != tr.Camera.Height {
			t.Errorf("%s: JPEG %dx%d (%v); truth says %dx%d", name, cfg.Width, cfg.Height, err, tr.Camera.Width, tr.Camera.Height)
		}
		if tr.Camera.Level != LevelMedium {
			t.Errorf("%s: level %q; want the genuine document's", name, tr.Camera.Level)
		}
		thick := map[DocumentAttack]float64{DocAttackNoEdge: 0, DocAttackPaper: PaperThicknessMM, DocAttackOtherCard: document.ID1ThicknessMM}
		if mm, ok := thick[tr.Attack]; ok {
			if tr.Front != tr.Genuine || tr.View != ViewThickness || tr.Camera.ThicknessMM != mm {
				t.Errorf("%s: front %q, view %s, %.2f mm; want the genuine front, a thickness view, %.2f mm", name, tr.Front, tr.View, tr.Camera.ThicknessMM, mm)
			}
			if (tr.Edge != nil) != (mm > 0) {
				t.Errorf("%s: edge %v at %.2f mm", name, tr.Edge, mm)
			}
		} else if tr.Front != "" || tr.View != ViewFlat {
			t.Errorf("%s: front %q, view %s; want none, flat", name, tr.Front, tr.View)
		}
		if tr.Check == CheckTampering && len(tr.Altered) == 0 {
			t.Errorf("%s: a tampering attack that says nothing was altered", name)
		}
	}
	if attacks != 14 {
		t.Errorf("%d attack samples; want 14", attacks)
	}
}
