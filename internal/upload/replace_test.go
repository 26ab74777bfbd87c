package upload

import (
	"crypto/sha256"
	"image"
	"image/color"
	"testing"
)

// TestReplace: an edited image replaces the stored one in the original's
// format, and the digest follows the new bytes.
func TestReplace(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"jpeg", encodeJPEG(t, patternImage(320, 240)), TypeJPEG},
		{"png", encodePNGBytes(t, patternImage(320, 240)), TypePNG},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Sanitize(tc.data, []string{TypeJPEG, TypePNG}, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			before := res.SHA256
			edited := image.NewRGBA(image.Rect(0, 0, 320, 240))
			for i := range edited.Pix {
				edited.Pix[i] = 128
			}
			edited.SetRGBA(5, 5, color.RGBA{255, 0, 0, 255})
			if err := res.Replace(edited); err != nil {
				t.Fatal(err)
			}
			if res.ContentType != tc.want || res.SHA256 == before || res.SHA256 != sha256.Sum256(res.Data) {
				t.Fatalf("after Replace: type %s, digest changed %v, digest matches data %v", res.ContentType, res.SHA256 != before, res.SHA256 == sha256.Sum256(res.Data))
			}
			again, err := Sanitize(res.Data, []string{TypeJPEG, TypePNG}, DefaultLimits())
			if err != nil {
				t.Fatalf("replaced bytes do not sanitize: %v", err)
			}
			r, g, b, _ := again.Image.At(100, 100).RGBA()
			if r>>8 < 120 || r>>8 > 136 || g>>8 < 120 || g>>8 > 136 || b>>8 < 120 || b>>8 > 136 {
				t.Fatalf("stored pixel (100,100) = %d,%d,%d; want the edit's grey", r>>8, g>>8, b>>8)
			}
		})
	}
	res := &Result{ContentType: TypeJSON, Data: []byte("{}")}
	if err := res.Replace(image.NewRGBA(image.Rect(0, 0, 1, 1))); err == nil {
		t.Fatal("Replace on JSON: no error")
	}
}
