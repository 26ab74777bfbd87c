package document

import (
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// NameFontPaths are Gothic fonts Debian's fonts-noto-cjk installs, the
// first found is used. Document names are printed in Gothic faces; the
// comparison is coarse enough that the weight does not matter (on the
// tuning set either weight alone made the same choices).
var NameFontPaths = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
}

// ErrNoNameFont is returned by LoadNameFonts when no font file is there.
var ErrNoNameFont = errors.New("document: no Japanese font for checking names (Debian: fonts-noto-cjk)")

// NameFonts draws the alternatives of a kanji name, so that the one whose
// shape matches the printed ink can be told from a confusion: tesseract
// reads 蓮 as 夢, and both are names. Safe for concurrent use.
type NameFonts struct {
	font *opentype.Font
}

// LoadNameFonts reads the Japanese face of the first font file of paths
// (NameFontPaths when none are given) that exists. A font collection
// (.ttc) holds one face per language; the Japanese one is taken.
func LoadNameFonts(paths ...string) (*NameFonts, error) {
	if len(paths) == 0 {
		paths = NameFontPaths
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("document: %w", err)
		}
		c, err := opentype.ParseCollection(b)
		if err != nil {
			return nil, fmt.Errorf("document: %s: %w", p, err)
		}
		var pick *opentype.Font
		for i := range c.NumFonts() {
			f, err := c.Font(i)
			if err != nil {
				continue
			}
			name, _ := f.Name(nil, sfnt.NameIDFamily)
			if pick == nil || strings.HasSuffix(name, " JP") {
				pick = f
			}
			if strings.HasSuffix(name, " JP") {
				break
			}
		}
		if pick != nil {
			return &NameFonts{font: pick}, nil
		}
	}
	return nil, ErrNoNameFont
}

// glyphGrid is the size, per character, that ink and drawings are
// compared at: coarse enough that the font's own details (and a different
// font's) wash out, fine enough to tell 蓮 from 夢.
const glyphGrid = 16

// match is how well s, drawn in the font, matches the ink of
// the box of zone: the correlation of both, each scaled from its ink's
// bounding box to glyphGrid per character.
func (nf *NameFonts) match(zone *image.Gray, box image.Rectangle, s string) float64 {
	n := len([]rune(s))
	if n == 0 || box.Empty() {
		return -1
	}
	img := drawText(nf.font, s, 64)
	if img == nil {
		return -1
	}
	b := inkBounds(img, img.Bounds())
	if b.Empty() {
		return -1
	}
	return correlation(sampleInk(zone, box, n*glyphGrid, glyphGrid), sampleInk(img, b, n*glyphGrid, glyphGrid))
}

// drawText draws s in black on white at size px.
func drawText(f *opentype.Font, s string, size float64) *image.Gray {
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil
	}
	defer face.Close()
	n := len([]rune(s))
	w, h := int(size*float64(n+1)), int(size*1.6)
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	d := font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P(int(size/2), int(size*1.2))}
	d.DrawString(s)
	return img
}

// inkThreshold is the grey level below which a pixel of a prepared zone
// is ink (as in splitJapaneseName).
const inkThreshold = 110

// inkBounds is the bounding box of the ink in r of g.
func inkBounds(g *image.Gray, r image.Rectangle) image.Rectangle {
	out := image.Rectangle{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if g.GrayAt(x, y).Y < inkThreshold {
				out = out.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return out
}

// sampleInk averages the darkness of box of g into w×h cells.
func sampleInk(g *image.Gray, box image.Rectangle, w, h int) []float64 {
	out := make([]float64, w*h)
	cnt := make([]float64, w*h)
	bw, bh := box.Dx(), box.Dy()
	for y := box.Min.Y; y < box.Max.Y; y++ {
		cy := (y - box.Min.Y) * h / bh
		for x := box.Min.X; x < box.Max.X; x++ {
			cx := (x - box.Min.X) * w / bw
			out[cy*w+cx] += float64(255 - g.GrayAt(x, y).Y)
			cnt[cy*w+cx]++
		}
	}
	for i := range out {
		if cnt[i] > 0 {
			out[i] /= cnt[i]
		}
	}
	return out
}

// correlation is the Pearson correlation of a and b (0 when either is flat).
func correlation(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

// nameBoxes finds the ink boxes of the family and the given name in a
// prepared name zone: the widest gap in the ink's columns parts them, as
// in splitJapaneseName.
func nameBoxes(zone *image.Gray) (family, given image.Rectangle, ok bool) {
	first, last, bestAt, bestGap, found := nameGap(zone)
	if !found {
		return family, given, false
	}
	b := zone.Bounds()
	family = inkBounds(zone, image.Rect(b.Min.X+first, b.Min.Y, b.Min.X+bestAt, b.Max.Y))
	given = inkBounds(zone, image.Rect(b.Min.X+bestAt+bestGap, b.Min.Y, b.Min.X+last+1, b.Max.Y))
	return family, given, !family.Empty() && !given.Empty()
}

// nameMargin is how much better a variant's drawing must match the ink
// than the reading's own before it replaces the reading.
const nameMargin = 0.05

// picker returns the namePicker for a prepared name zone: the variant
// whose drawing matches the part's ink best, by nameMargin over the
// reading; the reading otherwise. nil when the zone's parts cannot be
// found.
func (nf *NameFonts) picker(zone *image.Gray) namePicker {
	fam, giv, ok := nameBoxes(zone)
	if !ok {
		return nil
	}
	return func(part int, read string, cands []string) string {
		box := fam
		if part == 1 {
			box = giv
		}
		best, bestScore := read, nf.match(zone, box, read)+nameMargin
		for _, c := range cands {
			if s := nf.match(zone, box, c); s > bestScore {
				best, bestScore = c, s
			}
		}
		return best
	}
}
