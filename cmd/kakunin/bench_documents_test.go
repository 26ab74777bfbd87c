package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/ocr"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

func TestBenchDocumentsUsage(t *testing.T) {
	for name, args := range map[string][]string{
		"no directory":    nil,
		"zero runs":       {t.TempDir(), "--n", "0"},
		"stray arguments": {t.TempDir(), "more"},
		"bad flag":        {t.TempDir(), "--fast"},
	} {
		var stdout, stderr bytes.Buffer
		if code := runBenchDocuments(args, &stdout, &stderr); code != 2 {
			t.Errorf("%s: exit %d; want 2 (%s)", name, code, stderr.String())
		}
	}
}

// TestBenchDocuments times one generated residence card.
func TestBenchDocuments(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tesseract")
	}
	if _, err := synth.LoadFonts(); err != nil {
		t.Skipf("%v", err)
	}
	if err := ocr.New().Open(context.Background(), "jpn", "eng"); err != nil {
		t.Skipf("%v", err)
	}
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := runSynth([]string{"documents", "--out", dir, "--n", "1", "--types", "residence_card"}, &stdout, &stderr); code != 0 {
		t.Fatalf("synth: exit %d: %s", code, stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := runBenchDocuments([]string{dir, "--n", "1"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var res benchResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	if res.Images != 1 || res.Full.WallMsMean <= 0 || res.Key.WallMsMean <= 0 || res.ByType["residence_card"] <= 0 {
		t.Errorf("result %+v", res)
	}
	if !bytes.Contains(stderr.Bytes(), []byte("bench documents: pass 2/2")) {
		t.Errorf("progress: %q", stderr.String())
	}
}
