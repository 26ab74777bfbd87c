package app

import (
	"context"
	"image"

	"github.com/kakunin-dev/kakunin/internal/document"
)

// documentMasker adapts document.Masker (pure Go, always available) to the
// verification service's DocumentMasker.
type documentMasker struct{ m *document.Masker }

// MaskDocument implements verification.DocumentMasker.
func (d documentMasker) MaskDocument(ctx context.Context, img image.Image, expectBack bool) (image.Image, []string, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	res, err := d.m.MaskMyNumber(img, expectBack)
	if err != nil || res.Image == nil {
		return nil, nil, err
	}
	return res.Image, res.Masked, nil
}
