package liveness

import (
	"context"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/face"
)

// BenchmarkObserveFrame: the active analysis of one 480×640 frame (detect,
// landmarks, embedding, hash).
func BenchmarkObserveFrame(b *testing.B) {
	a := openAnalyzer(b)
	_, img := livePhoto(b)
	for b.Loop() {
		if _, err := a.Observe(context.Background(), img); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssessPassive: the whole passive PAD of a found face (both
// networks and the five image cues).
func BenchmarkAssessPassive(b *testing.B) {
	a := openAnalyzer(b)
	_, img := livePhoto(b)
	fs, err := a.engine.Analyze(context.Background(), img)
	if err != nil || len(fs) == 0 {
		b.Fatal(err)
	}
	cal, err := DefaultPADCalibration()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := a.AssessPassive(context.Background(), img, &fs[0], cal); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPassiveModels: both PAD networks on a found face.
func BenchmarkPassiveModels(b *testing.B) {
	a := openAnalyzer(b)
	_, img := livePhoto(b)
	fs, err := a.engine.Analyze(context.Background(), img)
	if err != nil || len(fs) == 0 {
		b.Fatal(err)
	}
	var f face.Face = fs[0]
	for b.Loop() {
		if _, _, err := a.PassiveModelScores(context.Background(), img, &f); err != nil {
			b.Fatal(err)
		}
	}
}
