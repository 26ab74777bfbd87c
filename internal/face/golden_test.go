package face

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/nn"
)

// The golden file is written by `make golden` (tools/golden/golden.js): the
// face-api reference on tfjs 4.22 with the wasm backend.
type golden struct {
	Versions  map[string]string `json:"versions"`
	Backend   string            `json:"backend"`
	Synthetic struct {
		Recognition goldenNet `json:"recognition"`
		Landmarks   goldenNet `json:"landmarks"`
		Detector    goldenNet `json:"detector"`
		AgeGender   goldenNet `json:"age_gender"`
		Resize      struct {
			Seed          uint32 `json:"seed"`
			Height, Width int
			Up, Down      struct {
				Height, Width int
				Output        []float32
			}
		} `json:"resize"`
	} `json:"synthetic"`
	Images []struct {
		File   string `json:"file"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
		Faces  []struct {
			Score      float64      `json:"score"`
			Box        goldenBox    `json:"box"`
			Landmarks  [][2]float64 `json:"landmarks"`
			Aligned    goldenBox    `json:"aligned"`
			Descriptor []float32    `json:"descriptor"`
			Age        float64      `json:"age"`
			Gender     string       `json:"gender"`
			GenderProb float64      `json:"gender_probability"`
		} `json:"faces"`
	} `json:"images"`
}

type goldenNet struct {
	Seed   uint32    `json:"seed"`
	Size   int       `json:"size"`
	Output []float32 `json:"output"`
}

type goldenBox struct{ X, Y, Width, Height float64 }

func (b goldenBox) box() Box { return Box(b) }

// Tolerances from issue 3.
const (
	tolEmbedding = 1e-5 // per component
	tolLandmark  = 0.01 // pixels
	minBoxIoU    = 0.99
	tolGrid      = 1e-4 // raw detector outputs, like graph-model outputs
)

func loadGolden(t testing.TB) *golden {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	if err != nil {
		t.Fatalf("read golden file: %v (regenerate with `make golden`)", err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("parse golden file: %v", err)
	}
	return &g
}

// modelsDir is the repository's models directory, or $KAKUNIN_MODELS.
func modelsDir() string {
	if d := os.Getenv("KAKUNIN_MODELS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "models")
}

var (
	sharedOnce   sync.Once
	sharedEngine *Engine
	sharedErr    error
)

// openEngine opens one engine for the whole test binary. The models are a
// prerequisite of `make test`; without them the tests fail with the fix.
func openEngine(t testing.TB) *Engine {
	t.Helper()
	sharedOnce.Do(func() {
		sharedEngine = New(modelsDir())
		sharedErr = sharedEngine.Open(context.Background())
	})
	if sharedErr != nil {
		t.Fatalf("open engine: %v", sharedErr)
	}
	return sharedEngine
}

// lcgPixels mirrors golden.js: integer pixels 0..255 from a 32-bit LCG.
func lcgPixels(seed uint32, n int) []float32 {
	out := make([]float32, n)
	s := seed
	for i := range out {
		s = s*1664525 + 1013904223
		out[i] = float32(s >> 24)
	}
	return out
}

func maxAbsDiff(a, b []float32) (float64, int) {
	var d float64
	at := -1
	for i := range a {
		if x := math.Abs(float64(a[i]) - float64(b[i])); x > d || at < 0 {
			d, at = max(d, x), i
		}
	}
	return d, at
}

func TestGoldenSyntheticInputs(t *testing.T) {
	g := loadGolden(t)
	e := openEngine(t)
	s := g.Synthetic
	tests := map[string]struct {
		got, want []float32
		tol       float64
	}{
		"recognition net, 150x150 noise": {
			got:  e.rec.forward(nn.FromData(lcgPixels(s.Recognition.Seed, 150*150*3), 1, 150, 150, 3)),
			want: s.Recognition.Output, tol: tolEmbedding,
		},
		"landmark net raw outputs, 112x112 noise": {
			got:  e.lm.forward(nn.FromData(lcgPixels(s.Landmarks.Seed, 112*112*3), 1, 112, 112, 3)),
			want: s.Landmarks.Output, tol: 1e-5,
		},
		"age and gender logits, 112x112 noise": {
			got: func() []float32 {
				age, g := e.ag.forward(nn.FromData(lcgPixels(s.AgeGender.Seed, 112*112*3), 1, 112, 112, 3))
				return []float32{age, g[0], g[1]}
			}(),
			want: s.AgeGender.Output, tol: 1e-4, // age is in years (~80 here)
		},
		"detector grid, 416x416 noise": {
			got: func() []float32 {
				x := nn.FromData(lcgPixels(s.Detector.Seed, 416*416*3), 1, 416, 416, 3)
				nn.SubChannel(x, meanRGBDetector)
				nn.DivScalar(x, 255)
				return e.det.forward(x).Data
			}(),
			want: s.Detector.Output, tol: tolGrid,
		},
		"resize up 37x53 to 50x70": {
			got:  nn.ResizeBilinear(nn.FromData(lcgPixels(s.Resize.Seed, 37*53*3), 1, 37, 53, 3), s.Resize.Up.Height, s.Resize.Up.Width).Data,
			want: s.Resize.Up.Output, tol: 1e-4,
		},
		"resize down 37x53 to 16x11": {
			got:  nn.ResizeBilinear(nn.FromData(lcgPixels(s.Resize.Seed, 37*53*3), 1, 37, 53, 3), s.Resize.Down.Height, s.Resize.Down.Width).Data,
			want: s.Resize.Down.Output, tol: 1e-4,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if len(tc.got) != len(tc.want) || len(tc.want) == 0 {
				t.Fatalf("got %d values; want %d", len(tc.got), len(tc.want))
			}
			d, i := maxAbsDiff(tc.got, tc.want)
			t.Logf("max |Go - tfjs| = %.3g over %d values", d, len(tc.want))
			if d > tc.tol {
				t.Errorf("max |Go - tfjs| = %.3g at %d (got %v; want %v); want ≤ %g", d, i, tc.got[i], tc.want[i], tc.tol)
			}
		})
	}
}

func TestGoldenPhotos(t *testing.T) {
	g := loadGolden(t)
	e := openEngine(t)
	for _, im := range g.Images {
		t.Run(im.File, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(modelsDir(), "samples", im.File))
			if err != nil {
				t.Fatalf("%v (run `make models`)", err)
			}
			img, err := DecodeImage(b)
			if err != nil {
				t.Fatal(err)
			}
			if img.Width() != im.Width || img.Height() != im.Height {
				t.Fatalf("decoded %dx%d; want %dx%d", img.Width(), img.Height(), im.Width, im.Height)
			}
			faces, err := e.Analyze(context.Background(), img)
			if err != nil {
				t.Fatal(err)
			}
			if len(faces) != len(im.Faces) {
				t.Fatalf("got %d faces; want %d", len(faces), len(im.Faces))
			}
			for i, want := range im.Faces {
				got := faces[i]
				name := fmt.Sprintf("face %d", i)
				if iou := got.Detection.Box.IoU(want.Box.box()); iou < minBoxIoU {
					t.Errorf("%s: box %+v; want %+v (IoU %.4f < %v)", name, got.Detection.Box, want.Box, iou, minBoxIoU)
				}
				if d := math.Abs(got.Detection.Score - want.Score); d > 1e-4 {
					t.Errorf("%s: score %.6f; want %.6f", name, got.Detection.Score, want.Score)
				}
				var worst float64
				for j, p := range want.Landmarks {
					worst = max(worst, math.Abs(got.Landmarks[j].X-p[0]), math.Abs(got.Landmarks[j].Y-p[1]))
				}
				if worst > tolLandmark {
					t.Errorf("%s: landmarks differ by up to %.4g px; want ≤ %v", name, worst, tolLandmark)
				}
				if got.Aligned != want.Aligned.box() {
					t.Errorf("%s: aligned crop %+v; want %+v", name, got.Aligned, want.Aligned)
				}
				ag, err := e.EstimateAgeGender(context.Background(), img, &got.Landmarks)
				if err != nil {
					t.Fatalf("%s: EstimateAgeGender: %v", name, err)
				}
				if math.Abs(ag.Age-want.Age) > 1e-3 || ag.Gender != want.Gender || math.Abs(ag.GenderProbability-want.GenderProb) > 1e-5 {
					t.Errorf("%s: age %.4f %s (p %.6f); want %.4f %s (p %.6f)", name, ag.Age, ag.Gender, ag.GenderProbability, want.Age, want.Gender, want.GenderProb)
				}
				d, j := maxAbsDiff(got.Embedding, want.Descriptor)
				t.Logf("%s: IoU %.6f, landmarks max %.3g px, descriptor max %.3g, age diff %.3g", name, got.Detection.Box.IoU(want.Box.box()), worst, d, math.Abs(ag.Age-want.Age))
				if d > tolEmbedding {
					t.Errorf("%s: descriptor differs by %.3g at %d; want ≤ %g", name, d, j, tolEmbedding)
				}
			}
		})
	}
}
