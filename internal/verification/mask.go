package verification

import (
	"context"
	"image"
	"maps"
	"strings"

	"github.com/kakunin-dev/kakunin/internal/upload"
)

// DocumentMasker paints out of a document photo what must not be stored:
// the My Number (individual number) on a My Number card's back, printed
// and as a QR code. internal/document does the work through an adapter.
type DocumentMasker interface {
	// MaskDocument returns the photo with the number painted out and what
	// was masked, or a nil image when the photo shows no number. With
	// expectMyNumberBack (the person said the photo is a My Number card's
	// back) a photo whose number cannot be located is an error, and the
	// photo is refused.
	MaskDocument(ctx context.Context, img image.Image, expectMyNumberBack bool) (image.Image, []string, error)
}

// mask runs the Masker over document photos before they are stored. The
// number is masked whatever the tenant: kakunin has no setting yet for a
// tenant to declare a lawful purpose (番号法 19条) for keeping it. What was
// masked is noted in the evidence's meta ("masked"), for the reviewer.
func (s *Service) mask(ctx context.Context, kind EvidenceKind, res *upload.Result, meta map[string]string) (map[string]string, error) {
	switch kind {
	case KindDocumentFront, KindDocumentBack, KindDocumentThickness:
	default:
		return meta, nil
	}
	if s.d.Masker == nil || res.Image == nil {
		return meta, nil
	}
	expectBack := kind == KindDocumentBack && meta["document_type"] == "my_number_card"
	img, what, err := s.d.Masker.MaskDocument(ctx, res.Image, expectBack)
	if err != nil {
		return nil, err
	}
	if img == nil {
		return meta, nil
	}
	if err := res.Replace(img); err != nil {
		return nil, err
	}
	out := maps.Clone(meta)
	if out == nil {
		out = map[string]string{}
	}
	out["masked"] = strings.Join(what, ",")
	return out, nil
}
