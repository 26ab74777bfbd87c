package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/synth"
)

func TestSynthUsage(t *testing.T) {
	out := t.TempDir()
	tests := map[string]struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		"no subcommand prints usage": {nil, 0, ""},
		"unknown subcommand":         {[]string{"cards"}, 2, "unknown synth command"},
		"missing --out":              {[]string{"documents", "--n", "1"}, 2, "--out is required"},
		"zero documents":             {[]string{"documents", "--n", "0", "--out", out}, 2, "--n must be positive"},
		"unknown type":               {[]string{"documents", "--out", out, "--types", "library_card"}, 2, "document_type_unknown"},
		"type without a template":    {[]string{"documents", "--out", out, "--types", "pension_handbook"}, 2, "document_type_not_renderable"},
		"bad date":                   {[]string{"documents", "--out", out, "--date", "R8-06-01"}, 2, "YYYY-MM-DD"},
		"bad flag":                   {[]string{"documents", "--out", out, "--colour"}, 2, "colour"},
		"stray argument":             {[]string{"documents", "extra", "--out", out}, 2, "no arguments"},
		"faces directory missing":    {[]string{"documents", "--out", out, "--faces", filepath.Join(out, "none")}, 2, "--faces"},
		"help flag":                  {[]string{"documents", "-h"}, 0, ""},
		"unknown level":              {[]string{"documents", "--out", out, "--levels", "clean,blurry"}, 2, "unknown level"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runSynth(tc.args, &stdout, &stderr)
			if code != tc.wantCode || !strings.Contains(stderr.String(), tc.wantErr) {
				t.Fatalf("got exit %d, stderr %q; want %d mentioning %q", code, stderr.String(), tc.wantCode, tc.wantErr)
			}
		})
	}
}

func TestSynthExit(t *testing.T) {
	if err := synthExit(0); err != nil {
		t.Errorf("synthExit(0) = %v; want nil", err)
	}
	var ee exitError
	if err := synthExit(2); !errors.As(err, &ee) || ee.code != 2 {
		t.Errorf("synthExit(2) = %v; want exit code 2", err)
	}
}

func TestSynthDocuments(t *testing.T) {
	if _, err := synth.LoadFonts(); err != nil {
		t.Skipf("%v", err)
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := runSynth([]string{"documents", "--out", out, "--n", "2", "--seed", "9", "--types", "passport,residence_card"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	// 4 documents: 10% steps land on 25, 50, 75 and 100%.
	if got := strings.Count(stdout.String(), "synth: "); got != 5 {
		t.Errorf("got %d progress and summary lines; want 4 + 1:\n%s", got, stdout.String())
	}
	if !strings.Contains(stdout.String(), "wrote 4 documents, 6 images") {
		t.Errorf("summary: %s", stdout.String())
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.json"))
	if len(files) != 6 {
		t.Fatalf("got %d ground-truth files; want 6 (2 passports, 2 residence cards × front and thickness)", len(files))
	}
	data, err := os.ReadFile(filepath.Join(out, "passport_0001_data_page.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tr synth.Truth
	if err := json.Unmarshal(data, &tr); err != nil || tr.Type != "passport" || tr.Seed != 9 || tr.Index != 1 {
		t.Errorf("ground truth %+v, %v", tr, err)
	}
}

func TestSynthDocumentsWithFaces(t *testing.T) {
	if _, err := synth.LoadFonts(); err != nil {
		t.Skipf("%v", err)
	}
	samples := filepath.Join("..", "..", "models", "samples")
	if _, err := os.Stat(samples); err != nil {
		t.Skip("models/samples not installed: run make models")
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := runSynth([]string{"documents", "--out", out, "--n", "1", "--types", "drivers_license",
		"--faces", samples, "--models", filepath.Join("..", "..", "models")}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	data, err := os.ReadFile(filepath.Join(out, "drivers_license_0000_front.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tr synth.Truth
	if err := json.Unmarshal(data, &tr); err != nil || !strings.HasPrefix(tr.Portrait, "sample") {
		t.Errorf("portrait %q (%v); want one of the sample faces", tr.Portrait, err)
	}
	if !strings.Contains(stderr.String(), "faces from") {
		t.Errorf("stderr %q; want the face count", stderr.String())
	}
}

// TestSynthLevels: --levels sets the levels documents cycle through.
func TestSynthLevels(t *testing.T) {
	if _, err := synth.LoadFonts(); err != nil {
		t.Skipf("%v", err)
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := runSynth([]string{"documents", "--out", out, "--n", "2", "--types", "passport", "--levels", "hard,medium"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for i, want := range []synth.Level{synth.LevelHard, synth.LevelMedium} {
		data, err := os.ReadFile(filepath.Join(out, fmt.Sprintf("passport_%04d_data_page.json", i)))
		if err != nil {
			t.Fatal(err)
		}
		var tr synth.Truth
		if err := json.Unmarshal(data, &tr); err != nil || tr.Camera.Level != want {
			t.Errorf("document %d: level %q (%v); want %q", i, tr.Camera.Level, err, want)
		}
	}
}
