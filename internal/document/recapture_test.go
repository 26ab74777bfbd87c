package document_test

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"math"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// TestRecaptureSeparatesScreens photographs specimens (clean and medium)
// and shows each photo on a synthetic screen (synth.ScreenRecapture):
// every recapture must be flagged and no genuine photo.
func TestRecaptureSeparatesScreens(t *testing.T) {
	if testing.Short() {
		t.Skip("renders specimens")
	}
	var shots []synth.Shot
	for _, l := range []synth.Level{synth.LevelClean, synth.LevelMedium} {
		shots = append(shots, flatShots(t, 1, l)...)
	}
	maxGenuine, minScreen := math.Inf(-1), math.Inf(1)
	var elapsed time.Duration
	for i, s := range shots {
		// As stored: the camera's JPEG.
		b, err := s.JPEG()
		if err != nil {
			t.Fatal(err)
		}
		photo, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		g := document.Recapture(photo)
		elapsed += time.Since(start)
		t.Logf("%-40s %-6s genuine %6.3f %v", s.Truth.File, s.Truth.Camera.Level, g.Score, fmtCues(g.Cues))
		if g.Screen {
			t.Errorf("%s: genuine photo flagged as recapture (score %.3f)", s.Truth.File, g.Score)
		}
		maxGenuine = math.Max(maxGenuine, g.Score)
		for k := range 2 {
			r := document.Recapture(synth.ScreenRecapture(photo, uint64(100+2*i+k)))
			t.Logf("%-40s %-6s screen  %6.3f %v", s.Truth.File, s.Truth.Camera.Level, r.Score, fmtCues(r.Cues))
			if !r.Screen {
				t.Errorf("%s: screen recapture (seed %d) not flagged (score %.3f)", s.Truth.File, 100+2*i+k, r.Score)
			}
			minScreen = math.Min(minScreen, r.Score)
		}
	}
	t.Logf("%d genuine photos, %d recaptures: genuine max %.3f, recapture min %.3f, threshold %.1f (margins %.3f below, %.3f above); %.1f ms per photo",
		len(shots), 2*len(shots), maxGenuine, minScreen, document.RecaptureThreshold,
		document.RecaptureThreshold-maxGenuine, minScreen-document.RecaptureThreshold,
		float64(elapsed.Microseconds())/1000/float64(len(shots)))
}

func fmtCues(c map[string]float64) string {
	return fmt.Sprintf("L%.2f C%.2f S%.2f G%.0f", c[document.CueLumaPeak], c[document.CueChromaPeak], c[document.CueStripe], c[document.CueGamut])
}

// TestRecaptureSeparatesPrints prints the same photos as colour halftones
// and as photocopies (synth.PrintRecapture) and photographs them again:
// every print must be flagged as a print, and no genuine photo.
func TestRecaptureSeparatesPrints(t *testing.T) {
	if testing.Short() {
		t.Skip("renders specimens")
	}
	var shots []synth.Shot
	for _, l := range []synth.Level{synth.LevelClean, synth.LevelMedium} {
		shots = append(shots, flatShots(t, 1, l)...)
	}
	maxGenuine, minPrint := math.Inf(-1), math.Inf(1)
	for i, s := range shots {
		b, err := s.JPEG()
		if err != nil {
			t.Fatal(err)
		}
		photo, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		g := document.Recapture(photo)
		t.Logf("%-40s %-6s genuine %6.3f %v", s.Truth.File, s.Truth.Camera.Level, g.Score, fmtCues(g.Cues))
		if g.Kind != "" {
			t.Errorf("%s: genuine photo flagged as %q recapture (score %.3f)", s.Truth.File, g.Kind, g.Score)
		}
		maxGenuine = math.Max(maxGenuine, g.PrintScore)
		for k, copy := range []bool{false, true} {
			r := document.Recapture(synth.PrintRecapture(photo, copy, uint64(300+2*i+k)))
			t.Logf("%-40s %-6s print(copy %v) %6.3f print %6.3f %v", s.Truth.File, s.Truth.Camera.Level, copy, r.Score, r.PrintScore, fmtCues(r.Cues))
			if r.Kind != document.RecaptureKindPrint {
				t.Errorf("%s: print (copy %v, seed %d) judged %q (score %.3f, print %.3f)", s.Truth.File, copy, 300+2*i+k, r.Kind, r.Score, r.PrintScore)
			}
			minPrint = math.Min(minPrint, r.PrintScore)
		}
	}
	t.Logf("%d genuine photos, %d prints: genuine print score max %.3f, print min %.3f, threshold %.1f",
		len(shots), 2*len(shots), maxGenuine, minPrint, document.PrintThreshold)
}
