package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // stored document photos are JPEG or PNG
	_ "image/png"
	"log/slog"
	"sync"
	"time"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/namedict"
	"github.com/kakunin-dev/kakunin/internal/ocr"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

// documentReader adapts internal/document's extractor (tesseract OCR) to
// the verification pipeline's DocumentReader.
type documentReader struct {
	ex  func() *document.Extractor
	now func() time.Time

	// The last few extractions, so that document_authenticity reuses
	// what document_read just read from the same photo (OCR costs most
	// of a second).
	mu     sync.Mutex
	recent []extraction
}

type extraction struct {
	key [sha256.Size]byte
	res *document.Result
}

// recentExtractions bounds the cache: a rectified passport page is 6 MB.
const recentExtractions = 4

// openDocumentReader checks that tesseract and its Japanese and English
// data are installed. The name dictionaries and fonts that correct kanji
// names are optional: when they are missing, log gets one warning and
// names are read as OCR reads them. They are loaded on the first document
// read (about 0.3 s and 60 MB: 40 for the dictionaries, 20 for the font file), not here, so that a server that reads no
// documents does not pay for them.
func openDocumentReader(ctx context.Context, log *slog.Logger) (*documentReader, error) {
	t := ocr.New()
	if err := t.Open(ctx, "jpn", "eng"); err != nil {
		return nil, err
	}
	if !namedict.Installed() {
		log.Warn("name dictionary unavailable (install mecab-ipadic enamdict): kanji names are not checked against known names")
	}
	return &documentReader{ex: sync.OnceValue(func() *document.Extractor {
		var opts []document.ExtractorOption
		d, err := namedict.Load()
		if err != nil {
			if !errors.Is(err, namedict.ErrNotInstalled) {
				log.Warn("name dictionary unreadable: kanji names are not checked against known names", "error", err.Error())
			}
			return document.NewExtractor(t)
		}
		opts = append(opts, document.WithNameDictionary(d))
		if nf, err := document.LoadNameFonts(); err != nil {
			log.Warn("no font to compare kanji names with their print (install fonts-noto-cjk): confusable names are only flagged", "error", err.Error())
		} else {
			opts = append(opts, document.WithNameFonts(nf))
		}
		return document.NewExtractor(t, opts...)
	}), now: time.Now}, nil
}

// ReadDocument implements verification.DocumentReader. The My Number is
// never passed on: it is not stored unless the tenant declares a lawful
// purpose, which the document flow does not support yet.
func (r *documentReader) ReadDocument(ctx context.Context, photo []byte, declared string) (*verification.DocumentReading, error) {
	res, err := r.extract(ctx, photo, nil, declared)
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

// extract reads the photo as the declared type when it has a template, or
// classifies it, reusing a recent extraction of the same bytes. Results
// are shared: callers must not change them.
func (r *documentReader) extract(ctx context.Context, photo []byte, img image.Image, declared string) (*document.Result, error) {
	h := sha256.New()
	h.Write([]byte(declared))
	h.Write([]byte{0})
	h.Write(photo)
	var key [sha256.Size]byte
	h.Sum(key[:0])
	r.mu.Lock()
	for _, e := range r.recent {
		if e.key == key {
			r.mu.Unlock()
			return e.res, nil
		}
	}
	r.mu.Unlock()
	if img == nil {
		var err error
		if img, _, err = image.Decode(bytes.NewReader(photo)); err != nil {
			return nil, fmt.Errorf("%w: %v", verification.ErrDocumentUnreadable, err)
		}
	}
	o := document.Options{CurrentTime: r.now()}
	if spec, err := document.Lookup(declared); err == nil && spec.OCR {
		o.Type = spec.Type
	}
	res, err := r.ex().Extract(ctx, img, o)
	if errors.Is(err, document.ErrUnreadable) {
		return nil, fmt.Errorf("%w: %v", verification.ErrDocumentUnreadable, err)
	}
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.recent = append(r.recent, extraction{key, res})
	if len(r.recent) > recentExtractions {
		r.recent = r.recent[1:]
	}
	r.mu.Unlock()
	return res, nil
}

// tamperDetector adapts document.Tamper to the verification pipeline's
// TamperDetector. It reads the photo with the document reader (sharing its
// recent extractions), so it needs tesseract too.
type tamperDetector struct{ r *documentReader }

// Tamper implements verification.TamperDetector. A declared type without
// an OCR template cannot be analysed: the reading says review only.
func (t tamperDetector) Tamper(ctx context.Context, photo []byte, declared string) (*verification.TamperReading, error) {
	if spec, err := document.Lookup(declared); err == nil && !spec.OCR {
		return &verification.TamperReading{ReviewOnly: true}, nil
	}
	res, err := t.r.extract(ctx, photo, nil, declared)
	if err != nil {
		return nil, err
	}
	tr := document.Tamper(res, t.r.now())
	return &verification.TamperReading{Tampered: tr.Tampered, Score: tr.Score, Reasons: tr.Reasons,
		Signals: tr.Signals, Analysed: tr.Analysed}, nil
}

// recaptureDetector adapts document.Recapture (pure Go, always available)
// to the verification pipeline's RecaptureDetector.
type recaptureDetector struct{}

// Recapture implements verification.RecaptureDetector.
func (recaptureDetector) Recapture(ctx context.Context, photo []byte) (float64, string, map[string]float64, error) {
	if err := ctx.Err(); err != nil {
		return 0, "", nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(photo))
	if err != nil {
		return 0, "", nil, fmt.Errorf("%w: %v", verification.ErrDocumentUnreadable, err)
	}
	r := document.Recapture(img)
	cues := map[string]float64{"print_score": r.PrintScore}
	for k, v := range r.Cues {
		cues[k] = v
	}
	return r.Score, r.Kind, cues, nil
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
