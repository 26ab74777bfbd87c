package face

import (
	"context"
	"testing"
)

// The benchmarks use the faces of sample1.jpg (1920×1280, three faces).
// Per-face numbers are per call of one network on one face.

func benchFaces(b *testing.B) (*Engine, *Image, []Face) {
	e := openEngine(b)
	img := sample(b, "sample1.jpg")
	faces, err := e.Analyze(context.Background(), img)
	if err != nil || len(faces) == 0 {
		b.Fatalf("Analyze: %d faces, %v", len(faces), err)
	}
	return e, img, faces
}

func BenchmarkDetect(b *testing.B) {
	e, img, _ := benchFaces(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.Detect(ctx, img); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLandmarks(b *testing.B) {
	e, img, faces := benchFaces(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.Landmarks(ctx, img, faces[0].Detection); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEmbed(b *testing.B) {
	e, img, faces := benchFaces(b)
	ctx := context.Background()
	al, err := e.Align(img, faces[0].Detection, &faces[0].Landmarks)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := e.Embed(ctx, al); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnalyzeSample1(b *testing.B) {
	e, img, _ := benchFaces(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.Analyze(ctx, img); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAgeGender(b *testing.B) {
	e, img, faces := benchFaces(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.EstimateAgeGender(ctx, img, &faces[0].Landmarks); err != nil {
			b.Fatal(err)
		}
	}
}
