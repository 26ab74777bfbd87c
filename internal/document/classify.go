package document

import (
	"bytes"
	"embed"
	"image"
	"image/png"
	"math"
	"slices"
)

// The classification templates: for each side kakunin has a layout for,
// the mean grey thumbnail of flat specimens (written by
// `go test ./internal/document -run TestWriteTemplates -args -update-templates`).
// Random names and numbers average out; the fixed layout (portrait, bands,
// labels, QR code, MRZ) remains.
//
//go:embed templates/*.png
var templateFS embed.FS

// Thumbnail size: enough for the layout, too coarse for any text.
const thumbW, thumbH = 48, 32

// Thumbnail is the normalised grey thumbnail of a rectified document
// image, the input of classification and the content of a template.
func Thumbnail(img image.Image) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, thumbW, thumbH))
	for ty := range thumbH {
		for tx := range thumbW {
			x0, x1 := b.Min.X+tx*b.Dx()/thumbW, b.Min.X+(tx+1)*b.Dx()/thumbW
			y0, y1 := b.Min.Y+ty*b.Dy()/thumbH, b.Min.Y+(ty+1)*b.Dy()/thumbH
			var s, n float64
			for y := y0; y < y1; y += 2 {
				for x := x0; x < x1; x += 2 {
					r, g, bb, _ := img.At(x, y).RGBA()
					s += (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bb)) / 257
					n++
				}
			}
			out.Pix[ty*thumbW+tx] = uint8(s/math.Max(n, 1) + 0.5)
		}
	}
	return out
}

func zeroMean(g *image.Gray) []float64 {
	v := make([]float64, len(g.Pix))
	var m float64
	for i, p := range g.Pix {
		v[i] = float64(p)
		m += v[i]
	}
	m /= float64(len(v))
	var ss float64
	for i := range v {
		v[i] -= m
		ss += v[i] * v[i]
	}
	if ss > 0 {
		for i := range v {
			v[i] /= math.Sqrt(ss)
		}
	}
	return v
}

type classTemplate struct {
	tpl template
	vec []float64
}

func loadClassTemplates() []classTemplate {
	var out []classTemplate
	for _, t := range templates {
		b, err := templateFS.ReadFile("templates/" + t.key() + ".png")
		if err != nil {
			continue
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			continue
		}
		g, ok := img.(*image.Gray)
		if !ok || g.Bounds().Dx() != thumbW || g.Bounds().Dy() != thumbH {
			continue
		}
		out = append(out, classTemplate{t, zeroMean(g)})
	}
	return out
}

// Classification is the side a photographed document was taken for.
type Classification struct {
	Type       Type
	Side       Side
	Score      float64 // normalised correlation with the template, -1..1
	Margin     float64 // over the best other type or side
	upsideDown bool
}

// classify compares the document in q, both ways up, with every template.
func classify(img image.Image, q Quad, tpls []classTemplate) (Classification, bool) {
	var best, second Classification
	best.Score, second.Score = -2, -2
	r, ok := rectify(img, q, thumbW*4, thumbH*4)
	if !ok {
		return Classification{}, false
	}
	up := zeroMean(Thumbnail(r))
	// Upside down, the thumbnail is the same read backwards.
	down := slices.Clone(up)
	slices.Reverse(down)
	for _, flip := range []bool{false, true} {
		v := up
		if flip {
			v = down
		}
		for _, ct := range tpls {
			var s float64
			for i := range v {
				s += v[i] * ct.vec[i]
			}
			// The aspect ratio is blurred by perspective but still tells a
			// passport page from a card.
			a := aspect(q)
			want := ct.tpl.sizeMM[0] / ct.tpl.sizeMM[1]
			s -= 2 * math.Max(0, math.Abs(a-want)/want-0.08)
			c := Classification{Type: ct.tpl.typ, Side: ct.tpl.side, Score: s, upsideDown: flip}
			switch {
			case s > best.Score:
				if best.Type != c.Type || best.Side != c.Side {
					second = best
				}
				best = c
			case s > second.Score && (c.Type != best.Type || c.Side != best.Side):
				second = c
			}
		}
	}
	best.Margin = best.Score - second.Score
	return best, best.Score > -2
}

func aspect(q Quad) float64 {
	w := (dist(q[0], q[1]) + dist(q[3], q[2])) / 2
	h := (dist(q[1], q[2]) + dist(q[0], q[3])) / 2
	return w / math.Max(h, 1)
}
