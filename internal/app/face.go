package app

import (
	"context"
	"fmt"

	"github.com/kakunin-dev/kakunin/internal/face"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

// faceMatcher implements verification.FaceMatcher on the face engine.
type faceMatcher struct{ e *face.Engine }

var _ verification.FaceMatcher = faceMatcher{}

func (m faceMatcher) MatchFaces(ctx context.Context, probe, reference []byte) (verification.FaceMatch, error) {
	pimg, err := face.DecodeImage(probe)
	if err != nil {
		return verification.FaceMatch{}, fmt.Errorf("%w: %w", verification.ErrProbeFace, err)
	}
	p, err := m.e.EmbedSingle(ctx, pimg)
	if err != nil {
		return verification.FaceMatch{}, fmt.Errorf("%w: %w", verification.ErrProbeFace, err)
	}
	rimg, err := face.DecodeImage(reference)
	if err != nil {
		return verification.FaceMatch{}, fmt.Errorf("%w: %w", verification.ErrReferenceFace, err)
	}
	faces, err := m.e.Analyze(ctx, rimg)
	if err != nil {
		return verification.FaceMatch{}, fmt.Errorf("%w: %w", verification.ErrReferenceFace, err)
	}
	if len(faces) == 0 {
		return verification.FaceMatch{}, fmt.Errorf("%w: %w", verification.ErrReferenceFace, face.ErrNoFace)
	}
	// An ID shows the holder's portrait as its largest face (a smaller
	// ghost image may repeat it).
	best := faces[0]
	for _, f := range faces[1:] {
		if f.Aligned.Width*f.Aligned.Height > best.Aligned.Width*best.Aligned.Height {
			best = f
		}
	}
	cal := face.Calibrated()
	c := face.Compare(p.Embedding, best.Embedding, face.Euclidean, cal.Threshold)
	return verification.FaceMatch{Score: face.Similarity(c.Distance), Threshold: face.Similarity(cal.Threshold),
		Distance: c.Distance, FARTarget: cal.FARTarget, Match: c.Match}, nil
}
