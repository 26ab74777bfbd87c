// Package face finds, aligns and compares faces with the face-api networks
// run on the pure-Go runtime in internal/nn. An Engine loads the pinned model
// files once and is then safe for concurrent use.
package face

import (
	"context"
	"errors"
	"math"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/nn"
)

// Defaults for the detector; the same values produce the golden files.
const (
	DefaultDetectorInput  = 416
	DefaultScoreThreshold = 0.5
	// DefaultMinFaceSize is the smallest aligned face side, in pixels, that
	// EmbedSingle accepts (the recognition net upsamples to 150).
	DefaultMinFaceSize = 40
)

// Engine runs detection, landmarks and embedding. New has no side effects;
// Open loads and verifies the models; Close releases them.
type Engine struct {
	dir            string
	detectorInput  int
	scoreThreshold float64
	minFaceSize    int
	paddedRetry    bool

	det *detectorNet
	lm  *landmarkNet
	rec *recognitionNet
	ag  *ageGenderNet
}

// Option configures an Engine.
type Option func(*Engine)

// WithDetectorInput sets the detector's square input size (a multiple of 32;
// face-api uses 416 by default, 320 is faster).
func WithDetectorInput(size int) Option { return func(e *Engine) { e.detectorInput = size } }

// WithScoreThreshold sets the minimum detector score (0 < t < 1).
func WithScoreThreshold(t float64) Option { return func(e *Engine) { e.scoreThreshold = t } }

// WithMinFaceSize sets the smallest aligned face side EmbedSingle accepts.
func WithMinFaceSize(px int) Option { return func(e *Engine) { e.minFaceSize = px } }

// WithPaddedRetry sets whether Analyze, when it finds no face, looks again
// with the image centred on a black border half its long side wide. The tiny
// detector misses faces that fill the frame (tight crops such as document
// portraits); the border gives them the context it was trained with. On by
// default.
func WithPaddedRetry(on bool) Option { return func(e *Engine) { e.paddedRetry = on } }

// New returns an engine that will read models from modelsDir (the directory
// `make models` fills).
func New(modelsDir string, opts ...Option) *Engine {
	e := &Engine{dir: modelsDir, detectorInput: DefaultDetectorInput, scoreThreshold: DefaultScoreThreshold, minFaceSize: DefaultMinFaceSize, paddedRetry: true}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Open verifies and loads the networks.
func (e *Engine) Open(ctx context.Context) error {
	if e.detectorInput <= 0 || e.detectorInput%32 != 0 {
		return errkind.New(errkind.ErrInvalid, "bad_detector_input", "detector input %d is not a positive multiple of 32", e.detectorInput)
	}
	if !(e.scoreThreshold > 0 && e.scoreThreshold < 1) {
		return errkind.New(errkind.ErrInvalid, "bad_score_threshold", "score threshold %v is not in (0, 1)", e.scoreThreshold)
	}
	s, err := newModelStore(e.dir)
	if err != nil {
		return err
	}
	det, err := loadDetector(s)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	lm, err := loadLandmarks(s)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rec, err := loadRecognition(s)
	if err != nil {
		return err
	}
	ag, err := loadAgeGender(s)
	if err != nil {
		return err
	}
	e.det, e.lm, e.rec, e.ag = det, lm, rec, ag
	return nil
}

// Close drops the loaded networks. The engine must not be used afterwards.
func (e *Engine) Close() error {
	e.det, e.lm, e.rec, e.ag = nil, nil, nil, nil
	return nil
}

var errNotOpen = errkind.New(errkind.ErrUnavailable, "engine_not_open", "the face engine is not open")

func (e *Engine) ready() error {
	if e.det == nil || e.lm == nil || e.rec == nil || e.ag == nil {
		return errNotOpen
	}
	return nil
}

// Detect returns the faces in img, best score first.
func (e *Engine) Detect(ctx context.Context, img *Image) ([]Detection, error) {
	if err := e.ready(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	x, rw, rh := detectorInput(img, e.detectorInput)
	grid := e.det.forward(x)
	picked := nonMaxSuppression(decodeDetections(grid, e.detectorInput, rw, rh, e.scoreThreshold), e.detectorInput, detectorIoUThreshold)
	W, H := img.Width(), img.Height()
	out := make([]Detection, len(picked))
	for i, c := range picked {
		// ObjectDetection → relativeBox → FaceDetection, as face-api does.
		b := Box{X: c.rel.X * float64(W), Y: c.rel.Y * float64(H), Width: c.rel.Width * float64(W), Height: c.rel.Height * float64(H)}
		out[i] = Detection{Score: c.score, Box: Box{
			X: roundTrip(b.X, W), Y: roundTrip(b.Y, H), Width: roundTrip(b.Width, W), Height: roundTrip(b.Height, H),
		}}
	}
	return out, nil
}

// Landmarks locates the 68 points of the face in det.
func (e *Engine) Landmarks(ctx context.Context, img *Image, det Detection) (Landmarks, error) {
	if err := e.ready(); err != nil {
		return Landmarks{}, err
	}
	if err := ctx.Err(); err != nil {
		return Landmarks{}, err
	}
	W, H := img.Width(), img.Height()
	b := det.Box
	fb := Box{X: roundTrip(b.X, W), Y: roundTrip(b.Y, H), Width: roundTrip(b.Width, W), Height: roundTrip(b.Height, H)}
	x, y, w, h := clipFloor(fb, W, H)
	if w <= 0 || h <= 0 {
		return Landmarks{}, newError(ErrFaceTooSmall, "the face box lies outside the image")
	}
	raw := e.lm.forward(squareInput(img, region{x, y, w, h}, landmarkInput, true))
	return landmarkPositions(raw, w, h, b.X, b.Y), nil
}

// AlignedFace is the crop the recognition network reads.
type AlignedFace struct {
	Box   Box // the crop in image pixels (integer-valued)
	input *nn.Tensor
}

// Align cuts the face out as face-api's dlib alignment does: an axis-aligned
// square sized and placed from the eye and mouth centres, scaled to 150×150.
// det must be the detection the landmarks came from.
func (e *Engine) Align(img *Image, det Detection, lm *Landmarks) (*AlignedFace, error) {
	W, H := img.Width(), img.Height()
	b := det.Box
	fb := Box{X: roundTrip(b.X, W), Y: roundTrip(b.Y, H), Width: roundTrip(b.Width, W), Height: roundTrip(b.Height, H)}
	_, _, cw, ch := clipFloor(fb, W, H)
	ab := alignBox(lm, cw, ch)
	x, y, w, h := clipFloor(ab, W, H)
	if w <= 0 || h <= 0 {
		return nil, newError(ErrFaceTooSmall, "the aligned face lies outside the image")
	}
	return &AlignedFace{
		Box:   Box{X: float64(x), Y: float64(y), Width: float64(w), Height: float64(h)},
		input: squareInput(img, region{x, y, w, h}, recognitionInput, true),
	}, nil
}

// Embedding is a face descriptor.
type Embedding []float32

// Embed computes the 128-d descriptor of an aligned face.
func (e *Engine) Embed(ctx context.Context, f *AlignedFace) (Embedding, error) {
	if err := e.ready(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return e.rec.forward(f.input.Clone()), nil
}

// Face is everything the engine knows about one face in an image.
type Face struct {
	Detection Detection
	Landmarks Landmarks
	Aligned   Box
	Embedding Embedding
}

// Analyze detects every face and computes landmarks and embeddings, in
// order of detector score. See WithPaddedRetry for images where the first
// pass finds nothing.
func (e *Engine) Analyze(ctx context.Context, img *Image) ([]Face, error) {
	faces, err := e.analyze(ctx, img)
	if err != nil || len(faces) > 0 || !e.paddedRetry {
		return faces, err
	}
	margin := max(img.Width(), img.Height()) / 2
	faces, err = e.analyze(ctx, img.padded(margin))
	if err != nil {
		return nil, err
	}
	m := float64(margin)
	for i := range faces {
		f := &faces[i]
		f.Detection.Box.X -= m
		f.Detection.Box.Y -= m
		f.Aligned.X -= m
		f.Aligned.Y -= m
		for j := range f.Landmarks {
			f.Landmarks[j].X -= m
			f.Landmarks[j].Y -= m
		}
	}
	return faces, nil
}

func (e *Engine) analyze(ctx context.Context, img *Image) ([]Face, error) {
	dets, err := e.Detect(ctx, img)
	if err != nil {
		return nil, err
	}
	faces := make([]Face, 0, len(dets))
	for _, d := range dets {
		lm, err := e.Landmarks(ctx, img, d)
		if errors.Is(err, ErrFaceTooSmall) {
			continue // face-api drops boxes that clip to nothing
		}
		if err != nil {
			return nil, err
		}
		al, err := e.Align(img, d, &lm)
		if errors.Is(err, ErrFaceTooSmall) {
			continue
		}
		if err != nil {
			return nil, err
		}
		emb, err := e.Embed(ctx, al)
		if err != nil {
			return nil, err
		}
		faces = append(faces, Face{Detection: d, Landmarks: lm, Aligned: al.Box, Embedding: emb})
	}
	return faces, nil
}

// EmbedSingle is the path for identity checks: the image must hold exactly
// one face, at least the engine's minimum size.
func (e *Engine) EmbedSingle(ctx context.Context, img *Image) (Face, error) {
	faces, err := e.Analyze(ctx, img)
	if err != nil {
		return Face{}, err
	}
	switch {
	case len(faces) == 0:
		return Face{}, ErrNoFace
	case len(faces) > 1:
		return Face{}, newError(ErrMultipleFaces, "found %d faces; want exactly one", len(faces))
	}
	f := faces[0]
	if int(min(f.Aligned.Width, f.Aligned.Height)) < e.minFaceSize {
		return Face{}, newError(ErrFaceTooSmall, "the face is %d px; want at least %d", int(min(f.Aligned.Width, f.Aligned.Height)), e.minFaceSize)
	}
	return f, nil
}

// Metric is how two embeddings are compared.
type Metric int

// The metrics. Euclidean is face-api's own; Cosine is 1 − cosine similarity,
// so for both a smaller value means more alike.
const (
	Euclidean Metric = iota
	Cosine
)

// DefaultEuclideanThreshold is face-api's customary match distance. It is a
// placeholder until calibration on the evaluation set replaces it.
const DefaultEuclideanThreshold = 0.6

// Comparison is the outcome of comparing two embeddings.
type Comparison struct {
	Distance  float64 // per the metric; smaller is more alike
	Threshold float64
	Match     bool // Distance <= Threshold
}

// Distance returns the distance between a and b under m.
func Distance(a, b Embedding, m Metric) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return math.Inf(1)
	}
	switch m {
	case Cosine:
		var dot, na, nb float64
		for i := range a {
			dot += float64(a[i]) * float64(b[i])
			na += float64(a[i]) * float64(a[i])
			nb += float64(b[i]) * float64(b[i])
		}
		if na == 0 || nb == 0 {
			return 1
		}
		return 1 - dot/math.Sqrt(na*nb)
	default:
		var s float64
		for i := range a {
			d := float64(a[i]) - float64(b[i])
			s += d * d
		}
		return math.Sqrt(s)
	}
}

// Compare measures a against b and decides a match at threshold.
func Compare(a, b Embedding, m Metric, threshold float64) Comparison {
	d := Distance(a, b, m)
	return Comparison{Distance: d, Threshold: threshold, Match: d <= threshold}
}
