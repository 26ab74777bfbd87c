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
		`(?m)^  ic_chip +approved +ver_`,
		`(?m)^  jpki\+face +review +ver_`,
		`(?m)^  document_image +review +ver_`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	// The chip flow: the chip's photo and the selfie are the same person and
	// the synthetic clip answers the challenge. The JPKI+face flow sends the
	// same clip again: caught as a replay.
	replay := out[strings.Index(out, "▶ jpki + face"):strings.Index(out, "▶ document_image")]
	if !strings.Contains(replay, "replayed_media") {
		t.Errorf("jpki+face decision: got\n%s\nwant review for replayed_media", replay)
	}
}
