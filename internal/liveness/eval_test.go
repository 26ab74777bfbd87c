package liveness

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var (
	fullEval  = flag.Bool("liveness-eval", false, "evaluate passive PAD on ../shared/data/faces with synthetic attacks (minutes)")
	calibrate = flag.Bool("calibrate", false, "with -liveness-eval: refit pad_calibration.json on the evaluation's samples")
	evalOut   = flag.String("eval-out", "", "with -liveness-eval: write report.json and liveness.png here")
)

// TestEvaluateSmall runs Evaluate end to end on the real live capture and
// the two real spoofs, plus their synthetic attacks.
func TestEvaluateSmall(t *testing.T) {
	a := openAnalyzer(t)
	if _, err := os.Stat(dataDir); err != nil {
		t.Skipf("face data not present at %s", dataDir)
	}
	dir := t.TempDir()
	for _, f := range []string{"live/image_T1.jpg", "spoof/image_F1.jpg", "spoof/image_F2.jpg"} {
		b, err := os.ReadFile(filepath.Join(dataDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := a.Evaluate(context.Background(), dir, EvalOptions{Synthetic: true, Folds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Shipped.APCER[RealSpoofType].Count + rep.Shipped.APCER[RealSpoofType].NoFace; got != 2 {
		t.Errorf("real spoofs: got %d; want 2", got)
	}
	if rep.Shipped.Live+rep.LiveNoFace != 1 {
		t.Errorf("live: got %d; want 1", rep.Shipped.Live+rep.LiveNoFace)
	}
	if len(rep.Samples) != 6 {
		t.Errorf("samples: got %d; want 6 (1 live, 2 spoofs, 3 rendered)", len(rep.Samples))
	}
	out := t.TempDir()
	if err := WriteReport(out, rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"report.json", "liveness.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v; want a non-empty file", f, err)
		}
	}
}

// TestEvaluateFaces is the full evaluation (-liveness-eval). With the
// shipped calibration it asserts the acceptance targets it meets.
func TestEvaluateFaces(t *testing.T) {
	if !*fullEval {
		t.Skip("run with -liveness-eval (takes minutes)")
	}
	a := openAnalyzer(t)
	if _, err := os.Stat(dataDir); err != nil {
		t.Skipf("face data not present at %s", dataDir)
	}
	rep, err := a.Evaluate(context.Background(), dataDir, EvalOptions{Synthetic: true})
	if err != nil {
		t.Fatal(err)
	}
	if *calibrate {
		c := CalibrateFromReport(rep, "../shared/data/faces: identities/ and live/ as live, spoof/ and one rendered screen, print and cut-out attack per live photo as attacks")
		b, _ := json.MarshalIndent(c, "", "  ")
		if err := os.WriteFile("pad_calibration.json", append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote pad_calibration.json; rerun without -calibrate to score with it")
		return
	}
	if *evalOut != "" {
		if err := WriteReport(*evalOut, rep); err != nil {
			t.Fatal(err)
		}
	}
	js, _ := json.MarshalIndent(struct {
		Shipped  Rates
		CV       *Rates
		NoFace   int
		Features []string
	}{rep.Shipped, rep.CrossValidated, rep.LiveNoFace, rep.Cues}, "", " ")
	t.Logf("%s", js)
}
