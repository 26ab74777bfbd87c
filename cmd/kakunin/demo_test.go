package main

import (
	"regexp"
	"strings"
	"testing"
)

// kakunin demo runs every implemented method end to end and prints decisions.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a server")
	}
	out, stderr, code := cli(t, []string{"KAKUNIN_MODELS_DIR=" + modelsDir(t)}, "demo")
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{
		`(?m)^  jpki +approved +ver_`,
		`(?m)^  jpki\+face +review +ver_`,
		`(?m)^  ic_chip +review +ver_`,
		`(?m)^  document_image +review +ver_`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	// The chip's photo and the selfie are the same person: face_match passes,
	// so the chip verification waits only on liveness (the demo sends no frames).
	chip := out[strings.Index(out, "▶ ic_chip"):strings.Index(out, "▶ document_image")]
	if !strings.Contains(chip, "liveness_challenge_missing, liveness_failed\n") {
		t.Errorf("ic_chip decision: got\n%s\nwant review only for the missing liveness frames", chip)
	}
}
