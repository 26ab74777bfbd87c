package synth

// Print recapture attacks: a genuine document photo printed on paper and
// photographed again. A colour print lays cyan, magenta and yellow dots on
// screens turned to different angles (a halftone); a photocopy lays one
// toner screen and loses most of the colour. Paper adds its own texture
// and a white that is not the card's. As with the screen attacks, detectors
// tuned on these must be checked on real prints too.

import (
	"image"
	"image/draw"
	"math"
	"math/rand/v2"
)

// PrintRecapture renders photo as printed on paper and photographed again,
// at the photo's size: a colour halftone print, or a photocopy when
// photocopy is set. The same photo, kind and seed give the same pixels.
func PrintRecapture(photo image.Image, photocopy bool, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 0x7072696e74))
	sb := photo.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, sb.Dx(), sb.Dy()))
	draw.Draw(src, src.Bounds(), photo, sb.Min, draw.Src)
	W, H := sb.Dx(), sb.Dy()

	pitch := uniform(rng, 2.6, 4.5) // camera pixels per halftone cell
	base := uniform(rng, 0, math.Pi/2)
	// Screen angles of C, M, Y (colour) or the one toner screen (copy).
	angles := [3]float64{base + 15*math.Pi/180, base + 75*math.Pi/180, base}
	paper := [3]float64{uniform(rng, 236, 248), uniform(rng, 234, 246), uniform(rng, 222, 238)}
	contrast := uniform(rng, 0.8, 0.92)
	keep := 1.0 // how much colour survives
	if photocopy {
		keep = uniform(rng, 0, 0.25)
	}
	fibre := newValueNoise(rng, 6)
	light := uniform(rng, 0.9, 1.05)
	gx, gy := uniform(rng, -0.1, 0.1), uniform(rng, -0.1, 0.1)
	toner := uniform(rng, 2, 6)

	buf := make([][3]float64, W*H)
	for y := range H {
		for x := range W {
			p := src.Pix[y*src.Stride+x*4:]
			c := [3]float64{float64(p[0]), float64(p[1]), float64(p[2])}
			g := 0.299*c[0] + 0.587*c[1] + 0.114*c[2]
			for k := range 3 {
				c[k] = g + keep*(c[k]-g)
			}
			var ink [3]float64 // coverage of each ink in [0, 1]
			for k := range 3 {
				a := angles[k]
				if photocopy {
					a = angles[0]
				}
				u := (float64(x)*math.Cos(a) + float64(y)*math.Sin(a)) / pitch
				v := (-float64(x)*math.Sin(a) + float64(y)*math.Cos(a)) / pitch
				// Distance from the cell's centre, 0 at the dot's centre.
				du, dv := u-math.Floor(u)-0.5, v-math.Floor(v)-0.5
				r := math.Sqrt(du*du+dv*dv) / 0.7071 // 1 at the cell's corner
				want := 1 - contrast*c[k]/255 - (1-contrast)*0.1
				if photocopy {
					want = 1 - contrast*g/255
				}
				// A dot covers the cell's fraction want: its radius grows with √want.
				ink[k] = smoothStep(math.Sqrt(max(want, 0))*1.05-r, 0.12)
			}
			if photocopy {
				for k := range 3 {
					buf[y*W+x][k] = paper[k] * (1 - ink[0]) * (1 + keep*(c[k]-g)/255)
				}
			} else {
				for k := range 3 {
					buf[y*W+x][k] = paper[k] * (1 - ink[k])
				}
			}
			f := 1 + 0.03*(fibre(float64(x)/float64(W)*40, float64(y)/float64(H)*30)-0.5)
			l := light * f * (1 + gx*(float64(x)/float64(W)-0.5) + gy*(float64(y)/float64(H)-0.5))
			for k := range 3 {
				buf[y*W+x][k] *= l
			}
		}
	}
	gaussianBlur(buf, W, H, uniform(rng, 0.4, 0.8))
	noise := uniform(rng, 1, 3)
	out := image.NewRGBA(image.Rect(0, 0, W, H))
	for i, p := range buf {
		n := rng.NormFloat64() * noise
		t := 0.0
		if photocopy && rng.Float64() < 0.02 {
			t = -rng.Float64() * toner * 8 // stray toner specks
		}
		for k := range 3 {
			out.Pix[i*4+k] = clamp8(p[k] + n + t)
		}
		out.Pix[i*4+3] = 255
	}
	return reJPEG(out, int(math.Round(uniform(rng, 75, 92))))
}

// smoothStep is 0 below -w, 1 above w, and a ramp between: an anti-aliased
// dot edge.
func smoothStep(d, w float64) float64 {
	return math.Min(1, math.Max(0, (d+w)/(2*w)))
}

// newValueNoise is a smooth random field on a grid of n×n cells, tiled, in
// [0, 1]: paper fibre at the scale it is called with.
func newValueNoise(rng *rand.Rand, n int) func(x, y float64) float64 {
	g := make([]float64, n*n)
	for i := range g {
		g[i] = rng.Float64()
	}
	at := func(i, j int) float64 { return g[((j%n+n)%n)*n+(i%n+n)%n] }
	return func(x, y float64) float64 {
		i, j := int(math.Floor(x)), int(math.Floor(y))
		fx, fy := x-math.Floor(x), y-math.Floor(y)
		fx, fy = fx*fx*(3-2*fx), fy*fy*(3-2*fy)
		a := at(i, j)*(1-fx) + at(i+1, j)*fx
		b := at(i, j+1)*(1-fx) + at(i+1, j+1)*fx
		return a*(1-fy) + b*fy
	}
}
