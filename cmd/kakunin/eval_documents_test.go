package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// TestEvalDocumentsAttacks writes a passport with its attack samples
// (synth documents --attacks) and evaluates the directory: the report
// must hold the recapture and tampering checks' rates, and pad.png must
// be drawn.
func TestEvalDocumentsAttacks(t *testing.T) {
	if testing.Short() {
		t.Skip("renders specimens and runs tesseract")
	}
	if _, err := synth.LoadFonts(); err != nil {
		t.Skipf("%v", err)
	}
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("no tesseract (Debian: tesseract-ocr, tesseract-ocr-jpn)")
	}
	dir, out := t.TempDir(), t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := runSynth([]string{"documents", "--out", dir, "--n", "1", "--seed", "3", "--types", "passport", "--attacks"}, &stdout, &stderr); code != 0 {
		t.Fatalf("synth: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "attacks:  recapture_photocopy 1, recapture_print 1, recapture_screen 1, tamper_field 1, tamper_mrz 1, tamper_portrait 1") {
		t.Errorf("synth summary:\n%s", stdout.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := runEvalDocuments([]string{dir, "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep document.EvalReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Images != 1 {
		t.Errorf("OCR read %d images; want the one genuine data page", rep.Images)
	}
	rc, tc := rep.PAD[document.PADCheckRecapture], rep.PAD[document.PADCheckTampering]
	if rc == nil || tc == nil || rep.PAD[document.PADCheckThickness] != nil {
		t.Fatalf("PAD checks %v; want recapture and tampering (a passport has no thickness view)", rep.PAD)
	}
	if rc.BPCER.Total != 1 || len(rc.APCER) != 3 || tc.BPCER.Total != 1 || tc.APCER["tamper_mrz"] == nil || tc.APCER["tamper_mrz"].Total != 1 {
		t.Errorf("recapture %+v, tampering %+v", rc.PADRates, tc.PADRates)
	}
	if st, err := os.Stat(filepath.Join(out, "pad.png")); err != nil || st.Size() < 1000 {
		t.Errorf("pad.png: %v", err)
	}
	if !strings.Contains(stdout.String(), "recapture  BPCER") || !strings.Contains(stdout.String(), "pad.png") {
		t.Errorf("summary:\n%s", stdout.String())
	}
	// --checks runs only what it names: here no OCR and no tampering.
	out2 := t.TempDir()
	stdout.Reset()
	if code := runEvalDocuments([]string{dir, "--out", out2, "--checks", "recapture"}, &stdout, &stderr); code != 0 {
		t.Fatalf("eval --checks recapture: exit %d: %s", code, stderr.String())
	}
	b, err = os.ReadFile(filepath.Join(out2, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	rep = document.EvalReport{}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Images != 0 || len(rep.PAD) != 1 || rep.PAD[document.PADCheckRecapture] == nil || rep.PAD[document.PADCheckRecapture].BPCER.Total != 1 {
		t.Errorf("--checks recapture: %d images, PAD %v; want only recapture", rep.Images, rep.PAD)
	}
	if code := runEvalDocuments([]string{dir, "--out", out2, "--checks", "ocr,speed"}, &stdout, &stderr); code != 2 {
		t.Errorf("--checks with an unknown name: exit %d; want 2", code)
	}
}
