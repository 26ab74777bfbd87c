package face

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

func TestEmbeddedChecksumsMatchRepository(t *testing.T) {
	root, err := os.ReadFile(filepath.Join("..", "..", "models.sha256"))
	if err != nil {
		t.Fatalf("read models.sha256: %v", err)
	}
	if !bytes.Equal(root, modelSums) {
		t.Errorf("internal/face/models.sha256 differs from the repository's models.sha256; copy it over")
	}
	sums, err := parseSums(modelSums)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"face-api/face_recognition_model.bin", "face-api/tiny_face_detector_model-weights_manifest.json", "samples/sample1.jpg"} {
		if _, ok := sums[f]; !ok {
			t.Errorf("models.sha256 does not pin %s", f)
		}
	}
}

// copyModels makes a private copy of the face-api model directory.
func copyModels(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "face-api"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(modelsDir(), "face-api")
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatalf("%v (run `make models`)", err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "face-api", e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestOpenReportsMissingAndAlteredModels(t *testing.T) {
	tests := map[string]struct {
		damage     func(dir string) error
		wantReason string
		wantInMsg  []string
	}{
		"missing weights": {
			damage:     func(dir string) error { return os.Remove(filepath.Join(dir, "face-api", "face_landmark_68_model.bin")) },
			wantReason: ReasonModelMissing,
			wantInMsg:  []string{"face_landmark_68_model.bin", "make models"},
		},
		"altered manifest": {
			damage: func(dir string) error {
				p := filepath.Join(dir, "face-api", "face_recognition_model-weights_manifest.json")
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				return os.WriteFile(p, append(b, ' '), 0o644)
			},
			wantReason: ReasonModelAltered,
			wantInMsg:  []string{"face_recognition_model-weights_manifest.json", "make models"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := copyModels(t)
			if err := tc.damage(dir); err != nil {
				t.Fatal(err)
			}
			err := New(dir).Open(context.Background())
			if got := errkind.Reason(err); got != tc.wantReason {
				t.Fatalf("Open error %v has reason %q; want %q", err, got, tc.wantReason)
			}
			if !errors.Is(err, errkind.ErrUnavailable) {
				t.Errorf("Open error %v is not errkind.ErrUnavailable", err)
			}
			for _, s := range tc.wantInMsg {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Open error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	tests := map[string]Option{
		"detector input not a multiple of 32": WithDetectorInput(300),
		"score threshold of 1":                WithScoreThreshold(1),
	}
	for name, opt := range tests {
		t.Run(name, func(t *testing.T) {
			if err := New(modelsDir(), opt).Open(context.Background()); !errors.Is(err, errkind.ErrInvalid) {
				t.Errorf("Open = %v; want an errkind.ErrInvalid error", err)
			}
		})
	}
}

func pngBytes(t *testing.T, w, h int, fill color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, fill)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeImageRejectsNonImages(t *testing.T) {
	valid := pngBytes(t, 4, 4, color.White)
	tests := map[string][]byte{
		"empty":         nil,
		"text":          []byte("this is not an image\n"),
		"truncated png": valid[:len(valid)/2],
		"gif":           []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeImage(data)
			if !errors.Is(err, ErrNotAnImage) || !errors.Is(err, errkind.ErrUnsupported) {
				t.Errorf("DecodeImage = %v; want ErrNotAnImage (errkind.ErrUnsupported)", err)
			}
			if got := errkind.Reason(err); got != ReasonNotAnImage {
				t.Errorf("reason %q; want %q", got, ReasonNotAnImage)
			}
		})
	}
	img, err := DecodeImage(valid)
	if err != nil || img.Width() != 4 || img.Height() != 4 {
		t.Errorf("DecodeImage(4x4 png) = %v, %v; want a 4x4 image", img, err)
	}
}

func FuzzDecodeImage(f *testing.F) {
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 3, 2)))
	f.Add(buf.Bytes())
	f.Add(jpegWithOrientation(f, 16, 8, 6))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodeImage(data)
		if err != nil {
			if !errors.Is(err, ErrNotAnImage) {
				t.Fatalf("DecodeImage error %v is not ErrNotAnImage", err)
			}
			return
		}
		if len(img.RGB()) != img.Width()*img.Height()*3 {
			t.Fatalf("RGB() has %d bytes for %dx%d", len(img.RGB()), img.Width(), img.Height())
		}
	})
}

func sample(t testing.TB, name string) *Image {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(modelsDir(), "samples", name))
	if err != nil {
		t.Fatalf("%v (run `make models`)", err)
	}
	img, err := DecodeImage(b)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestEmbedSingleTypedErrors(t *testing.T) {
	e := openEngine(t)
	blank, err := DecodeImage(pngBytes(t, 320, 240, color.Gray{Y: 128}))
	if err != nil {
		t.Fatal(err)
	}
	group := sample(t, "sample1.jpg")
	// A 300 px wide copy of one face's neighbourhood is small but present.
	tests := map[string]struct {
		img        *Image
		engine     *Engine
		want       error
		wantReason string
	}{
		"plain grey picture":  {blank, e, ErrNoFace, ReasonNoFace},
		"group photo":         {group, e, ErrMultipleFaces, ReasonMultipleFaces},
		"face under min size": {cropImage(group, 700, 350, 500, 450), &Engine{det: e.det, lm: e.lm, rec: e.rec, ag: e.ag, detectorInput: 416, scoreThreshold: 0.5, minFaceSize: 1000}, ErrFaceTooSmall, ReasonFaceTooSmall},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := tc.engine.EmbedSingle(context.Background(), tc.img)
			if !errors.Is(err, tc.want) || !errors.Is(err, errkind.ErrInvalid) {
				t.Fatalf("EmbedSingle = %v; want %v (errkind.ErrInvalid)", err, tc.want)
			}
			if got := errkind.Reason(err); got != tc.wantReason {
				t.Errorf("reason %q; want %q", got, tc.wantReason)
			}
		})
	}
}

// cropImage returns the w×h region of img at (x, y) as a new Image.
func cropImage(img *Image, x, y, w, h int) *Image {
	out := &Image{w: w, h: h, pix: make([]byte, 0, w*h*3)}
	for r := y; r < y+h; r++ {
		out.pix = append(out.pix, img.pix[(r*img.w+x)*3:(r*img.w+x+w)*3]...)
	}
	return out
}

func TestEmbedSingleOnOneFace(t *testing.T) {
	e := openEngine(t)
	g := loadGolden(t)
	// The first face of sample2.jpg (the only one) gives the same descriptor
	// through EmbedSingle as through the golden pipeline.
	f, err := e.EmbedSingle(context.Background(), sample(t, "sample2.jpg"))
	if err != nil {
		t.Fatalf("EmbedSingle: %v", err)
	}
	want := g.Images[1].Faces[0].Descriptor
	if d, i := maxAbsDiff(f.Embedding, want); d > tolEmbedding {
		t.Errorf("descriptor differs by %.3g at %d; want ≤ %g", d, i, tolEmbedding)
	}
}

func TestEngineIsSafeForConcurrentUse(t *testing.T) {
	e := openEngine(t)
	img := sample(t, "sample2.jpg")
	want, err := e.Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := e.Analyze(context.Background(), img)
			if err != nil {
				errs <- err.Error()
				return
			}
			if len(got) != len(want) || Distance(got[0].Embedding, want[0].Embedding, Euclidean) != 0 {
				errs <- "concurrent Analyze gave a different result"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestEngineNotOpen(t *testing.T) {
	_, err := New(modelsDir()).Detect(context.Background(), &Image{})
	if !errors.Is(err, errkind.ErrUnavailable) {
		t.Errorf("Detect before Open = %v; want errkind.ErrUnavailable", err)
	}
}

func TestCompare(t *testing.T) {
	a := Embedding{1, 0, 0}
	tests := map[string]struct {
		b         Embedding
		m         Metric
		threshold float64
		wantDist  float64
		wantMatch bool
	}{
		"identical, euclidean":          {Embedding{1, 0, 0}, Euclidean, 0.6, 0, true},
		"orthogonal, euclidean":         {Embedding{0, 1, 0}, Euclidean, 0.6, math.Sqrt2, false},
		"orthogonal, cosine":            {Embedding{0, 2, 0}, Cosine, 0.5, 1, false},
		"same direction, cosine":        {Embedding{3, 0, 0}, Cosine, 0.1, 0, true},
		"length mismatch never matches": {Embedding{1, 0}, Euclidean, 10, math.Inf(1), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Compare(a, tc.b, tc.m, tc.threshold)
			if math.Abs(got.Distance-tc.wantDist) > 1e-12 && !(math.IsInf(got.Distance, 1) && math.IsInf(tc.wantDist, 1)) {
				t.Errorf("distance %v; want %v", got.Distance, tc.wantDist)
			}
			if got.Match != tc.wantMatch {
				t.Errorf("match %v; want %v", got.Match, tc.wantMatch)
			}
		})
	}
}

func TestSamePersonScoresCloserThanStrangers(t *testing.T) {
	// The golden descriptors of one face under Go and tfjs are one person; two
	// different people in sample1.jpg are not.
	e := openEngine(t)
	faces, err := e.Analyze(context.Background(), sample(t, "sample1.jpg"))
	if err != nil || len(faces) < 2 {
		t.Fatalf("Analyze = %d faces, %v; want ≥ 2", len(faces), err)
	}
	g := loadGolden(t)
	same := Compare(faces[0].Embedding, g.Images[0].Faces[0].Descriptor, Euclidean, DefaultEuclideanThreshold)
	diff := Compare(faces[0].Embedding, faces[1].Embedding, Euclidean, DefaultEuclideanThreshold)
	if !same.Match || diff.Match {
		t.Errorf("same face match=%v (d=%.3f), different people match=%v (d=%.3f); want true, false", same.Match, same.Distance, diff.Match, diff.Distance)
	}
}

func TestPaddedRetryFindsTightCrops(t *testing.T) {
	e := openEngine(t)
	g := loadGolden(t)
	// sample2.jpg's face, cut 10% inside the detector's box on every side.
	b := g.Images[1].Faces[0].Box
	a := goldenBox{X: b.X + 0.1*b.Width, Y: b.Y + 0.1*b.Height, Width: 0.8 * b.Width, Height: 0.8 * b.Height}
	crop := cropImage(sample(t, "sample2.jpg"), int(a.X), int(a.Y), int(a.Width), int(a.Height))
	noRetry := &Engine{det: e.det, lm: e.lm, rec: e.rec, ag: e.ag, detectorInput: 416, scoreThreshold: 0.5}
	direct, err := noRetry.Analyze(context.Background(), crop)
	if err != nil {
		t.Fatal(err)
	}
	faces, err := e.Analyze(context.Background(), crop)
	if err != nil {
		t.Fatal(err)
	}
	if len(direct) != 0 || len(faces) != 1 {
		t.Fatalf("tight crop: %d faces without retry, %d with; want 0 and 1", len(direct), len(faces))
	}
	// Coordinates come back in the crop's frame.
	if b := faces[0].Detection.Box; b.X < -a.Width/4 || b.Y < -a.Height/4 || b.right() > a.Width*1.25 || b.bottom() > a.Height*1.25 {
		t.Errorf("box %+v is not in the %vx%v crop's frame", b, a.Width, a.Height)
	}
	// And it is still the same person as in the full photo.
	if c := Compare(faces[0].Embedding, g.Images[1].Faces[0].Descriptor, Euclidean, DefaultEuclideanThreshold); !c.Match {
		t.Errorf("crop vs full photo distance %.3f; want a match at %v", c.Distance, c.Threshold)
	}
}

func TestCancelledContext(t *testing.T) {
	e := openEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Analyze(ctx, sample(t, "sample2.jpg")); !errors.Is(err, context.Canceled) {
		t.Errorf("Analyze with a cancelled context = %v; want context.Canceled", err)
	}
}
