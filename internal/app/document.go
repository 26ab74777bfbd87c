package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // stored document photos are JPEG or PNG
	_ "image/png"
	"time"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/ocr"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

// documentReader adapts internal/document's extractor (tesseract OCR) to
// the verification pipeline's DocumentReader.
type documentReader struct {
	ex  *document.Extractor
	now func() time.Time
}

// openDocumentReader checks that tesseract and its Japanese and English
// data are installed.
func openDocumentReader(ctx context.Context) (*documentReader, error) {
	t := ocr.New()
	if err := t.Open(ctx, "jpn", "eng"); err != nil {
		return nil, err
	}
	return &documentReader{ex: document.NewExtractor(t), now: time.Now}, nil
}

// ReadDocument implements verification.DocumentReader. The My Number is
// never passed on: it is not stored unless the tenant declares a lawful
// purpose, which the document flow does not support yet.
func (r *documentReader) ReadDocument(ctx context.Context, photo []byte, declared string) (*verification.DocumentReading, error) {
	img, _, err := image.Decode(bytes.NewReader(photo))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", verification.ErrDocumentUnreadable, err)
	}
	o := document.Options{CurrentTime: r.now()}
	if spec, err := document.Lookup(declared); err == nil && spec.OCR {
		o.Type = spec.Type
	}
	res, err := r.ex.Extract(ctx, img, o)
	if errors.Is(err, document.ErrUnreadable) {
		return nil, fmt.Errorf("%w: %v", verification.ErrDocumentUnreadable, err)
	}
	if err != nil {
		return nil, err
	}
	out := &verification.DocumentReading{Type: string(res.Type), Side: string(res.Side), Fields: map[string]string{}, Checks: map[string]bool{}}
	for f, fr := range res.Fields {
		if f == document.FieldMyNumber || fr.Value == "" || (fr.Valid != nil && !*fr.Valid) {
			continue
		}
		out.Fields[string(f)] = fr.Value
	}
	if out.Fields["name"] == "" && out.Fields["surname"] != "" {
		out.Fields["name"] = out.Fields["surname"] + " " + out.Fields["given_names"]
	}
	for _, c := range res.Checks {
		out.Checks[c.Name] = c.Passed
	}
	return out, nil
}

// recaptureDetector adapts document.Recapture (pure Go, always available)
// to the verification pipeline's RecaptureDetector.
type recaptureDetector struct{}

// Recapture implements verification.RecaptureDetector.
func (recaptureDetector) Recapture(ctx context.Context, photo []byte) (float64, bool, map[string]float64, error) {
	if err := ctx.Err(); err != nil {
		return 0, false, nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(photo))
	if err != nil {
		return 0, false, nil, fmt.Errorf("%w: %v", verification.ErrDocumentUnreadable, err)
	}
	r := document.Recapture(img)
	return r.Score, r.Screen, r.Cues, nil
}

// thicknessJudge adapts document.Thickness (pure Go, always available) to
// the verification pipeline's ThicknessJudge.
type thicknessJudge struct{}

// Thickness implements verification.ThicknessJudge.
func (thicknessJudge) Thickness(ctx context.Context, angled, front []byte) (*verification.ThicknessReading, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a, _, err := image.Decode(bytes.NewReader(angled))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", verification.ErrDocumentUnreadable, err)
	}
	f, _, err := image.Decode(bytes.NewReader(front))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", verification.ErrDocumentUnreadable, err)
	}
	r := document.Thickness(a, f)
	return &verification.ThicknessReading{Pass: r.Pass, Score: r.Score, Reasons: r.Reasons, Details: map[string]any{
		"edge_found": r.EdgeFound, "edge_px": r.EdgePx, "expected_px": r.ExpectedPx, "ratio": r.Ratio,
		"edge_contrast": r.EdgeContrast, "elevation_deg": r.ElevationDeg, "angled_type": r.Type,
		"front_type": r.FrontType, "similarity": r.Similarity, "compared": r.Compared,
	}}, nil
}
