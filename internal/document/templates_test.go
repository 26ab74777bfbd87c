package document_test

import (
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

var updateTemplates = flag.Bool("update-templates", false, "rewrite templates/*.png from synthetic specimens")

// TestWriteTemplates averages the thumbnails of flat specimens into the
// classification templates. Without -update-templates it only checks that
// every side with a layout has one.
func TestWriteTemplates(t *testing.T) {
	if !*updateTemplates {
		for _, k := range document.TemplateKeys() {
			if _, err := os.Stat(filepath.Join("templates", k[0]+"_"+k[1]+".png")); err != nil {
				t.Errorf("no template for %s %s: run go test -run TestWriteTemplates -args -update-templates", k[0], k[1])
			}
		}
		return
	}
	fonts := loadFonts(t)
	const n = 12
	sums := map[string][]float64{}
	for _, k := range document.TemplateKeys() {
		typ, side := document.Type(k[0]), document.Side(k[1])
		key := k[0] + "_" + k[1]
		for i := range n {
			d := specimenData(t, typ, i)
			s, err := synth.RenderSpecimen(fonts, d, side, nil)
			if err != nil {
				t.Fatal(err)
			}
			th := document.Thumbnail(onWhite(s.Image))
			if sums[key] == nil {
				sums[key] = make([]float64, len(th.Pix))
			}
			for j, p := range th.Pix {
				sums[key][j] += float64(p) / n
			}
		}
		out := document.Thumbnail(image.NewGray(image.Rect(0, 0, 48, 32)))
		for j := range out.Pix {
			out.Pix[j] = uint8(sums[key][j] + 0.5)
		}
		f, err := os.Create(filepath.Join("templates", key+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, out); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
}
