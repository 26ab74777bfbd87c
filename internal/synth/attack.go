package synth

// Presentation attacks rendered from genuine face photos, for testing
// passive liveness: the photo shown on a phone screen, printed on paper, or
// printed and cut out around the face, each "recaptured" by a camera as a
// 480×640 frame. The physics is simplified (see the comments at each step);
// detectors tuned on these images must be checked on real attacks too.

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
)

// AttackKind names a rendered presentation attack.
type AttackKind string

// The attack kinds.
const (
	AttackScreen AttackKind = "synthetic_screen"
	AttackPrint  AttackKind = "synthetic_print"
	AttackCutout AttackKind = "synthetic_cutout"
)

// AttackKinds lists every kind RenderAttack draws.
var AttackKinds = []AttackKind{AttackScreen, AttackPrint, AttackCutout}

// Attack frames are this size (portrait, like a phone selfie).
const attackW, attackH = 480, 640

// ss is the supersampling factor: the scene is drawn at ss× and
// box-filtered down, as a camera's pixels integrate light. The pixel grid
// and halftone then alias into moiré as they do in real recaptures.
const ss = 2

// RenderAttack renders kind from src. face is the face's box in src (used
// to place the cut-out); seed makes the randomness (tilt, sizes, reflection,
// noise) repeatable.
func RenderAttack(src image.Image, face image.Rectangle, kind AttackKind, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, uint64(len(kind))))
	W, H := attackW*ss, attackH*ss
	sb := src.Bounds()
	aspect := float64(sb.Dy()) / float64(sb.Dx())
	// The presented medium's rectangle in scene pixels, tilted by a few degrees.
	mw := float64(W) * (0.62 + 0.12*rng.Float64())
	mh := mw * aspect
	if mh > float64(H)*0.8 {
		mh = float64(H) * 0.8
		mw = mh / aspect
	}
	cx := float64(W)/2 + (rng.Float64()-0.5)*0.1*float64(W)
	cy := float64(H)/2 + (rng.Float64()-0.5)*0.1*float64(H)
	tilt := (rng.Float64() - 0.5) * 8 * math.Pi / 180
	cs, sn := math.Cos(tilt), math.Sin(tilt)
	// toMedium maps a scene point to medium coordinates in [0,1]².
	toMedium := func(x, y float64) (float64, float64) {
		dx, dy := x-cx, y-cy
		u, v := dx*cs+dy*sn, -dx*sn+dy*cs
		return u/mw + 0.5, v/mh + 0.5
	}
	bg := sceneBackground(rng)
	scene := make([][3]float64, W*H)

	switch kind {
	case AttackScreen:
		pitch := 2.3 + 1.2*rng.Float64() // scene pixels per screen pixel: non-integer, so it aliases
		bezel := 0.05
		rx, ry := rng.Float64(), rng.Float64() // reflection band position
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				u, v := toMedium(float64(x), float64(y))
				bu, bv := (u-0.5)/(1+2*bezel)+0.5, (v-0.5)/(1+2*bezel*mw/mh)+0.5
				var c [3]float64
				switch {
				case u >= 0 && u < 1 && v >= 0 && v < 1:
					// Screen pixel containing the point, and which stripe of it.
					px, py := u*mw/pitch, v*mh/pitch
					sub := int(math.Mod(px, 1) * 3)
					row := math.Mod(py, 1)
					p := samplePhoto(src, math.Floor(px)*pitch/mw, math.Floor(py)*pitch/mh)
					// Emission through the display gamma. The camera's optics
					// blur the sub-pixel stripes and the black matrix between
					// rows, so only part of their contrast survives.
					for k := range c {
						e := 255 * math.Pow(p[k]/255, 1.15)
						stripe := 0.0
						if k == sub && row < 0.85 {
							stripe = 3 / 0.85
						}
						c[k] = e * (0.8 + 0.2*stripe)
					}
					c[0], c[1], c[2] = c[0]*0.93+10, c[1]+10, c[2]*1.06+12
					// A soft reflection of a window across the glass.
					d := (u-rx)*0.8 + (v-ry)*0.6
					c = addAll(c, 55*math.Exp(-d*d/0.02))
				case bu >= 0 && bu < 1 && bv >= 0 && bv < 1:
					c = [3]float64{18, 18, 20} // bezel
				default:
					c = bg(float64(x)/float64(W), float64(y)/float64(H))
				}
				scene[y*W+x] = c
			}
		}
	case AttackPrint, AttackCutout:
		cell := 5.0 + 2*rng.Float64() // halftone period in scene pixels
		margin := 0.04
		fx0, fy0 := float64(face.Min.X-sb.Min.X)/float64(sb.Dx()), float64(face.Min.Y-sb.Min.Y)/float64(sb.Dy())
		fx1, fy1 := float64(face.Max.X-sb.Min.X)/float64(sb.Dx()), float64(face.Max.Y-sb.Min.Y)/float64(sb.Dy())
		ecx, ecy := (fx0+fx1)/2, (fy0+fy1)/2-0.05*(fy1-fy0)
		erx, ery := 0.75*(fx1-fx0), 0.85*(fy1-fy0)
		paper := [3]float64{244, 240, 229}
		grain := valueNoise(rng, 64)
		inside := func(u, v float64) bool {
			if kind == AttackCutout {
				pu, pv := (u-margin)/(1-2*margin), (v-margin)/(1-2*margin)
				du, dv := (pu-ecx)/erx, (pv-ecy)/ery
				return du*du+dv*dv <= 1
			}
			return u >= 0 && u < 1 && v >= 0 && v < 1
		}
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				u, v := toMedium(float64(x), float64(y))
				if !inside(u, v) {
					c := bg(float64(x)/float64(W), float64(y)/float64(H))
					// The medium's shadow just outside its edge.
					if inside(toMedium(float64(x)-6, float64(y)-8)) {
						c = scale3(c, 0.7)
					}
					scene[y*W+x] = c
					continue
				}
				pu, pv := (u-margin)/(1-2*margin), (v-margin)/(1-2*margin)
				c := paper
				if pu >= 0 && pu < 1 && pv >= 0 && pv < 1 {
					p := samplePhoto(src, pu, pv)
					cmyk := toCMYK(p)
					// The camera resolves the dots only partly: 55% of the
					// light is the continuous tone on paper, the rest the dots.
					tone := [3]float64{paper[0] * (0.15 + 0.85*p[0]/255), paper[1] * (0.15 + 0.85*p[1]/255), paper[2] * (0.15 + 0.85*p[2]/255)}
					// One screen per ink at the classic angles; a cell's dot
					// covers the ink's fraction of the cell.
					for k, ang := range []float64{15, 75, 0, 45} {
						a := ang * math.Pi / 180
						su := (float64(x)*math.Cos(a) + float64(y)*math.Sin(a)) / cell
						sv := (-float64(x)*math.Sin(a) + float64(y)*math.Cos(a)) / cell
						du, dv := su-math.Floor(su)-0.5, sv-math.Floor(sv)-0.5
						r := math.Sqrt(cmyk[k] / math.Pi)
						if du*du+dv*dv < r*r {
							c = inkOver(c, k)
						}
					}
					c = [3]float64{0.55*tone[0] + 0.45*c[0], 0.55*tone[1] + 0.45*c[1], 0.55*tone[2] + 0.45*c[2]}
				}
				g := 1 + 0.04*(grain(float64(x)/float64(W), float64(y)/float64(H))-0.5) + 0.03*(rng.Float64()-0.5)
				scene[y*W+x] = scale3(c, g)
			}
		}
	}
	// Camera: box filter ss×ss, mild sensor noise.
	out := image.NewRGBA(image.Rect(0, 0, attackW, attackH))
	for y := 0; y < attackH; y++ {
		for x := 0; x < attackW; x++ {
			var c [3]float64
			for j := 0; j < ss; j++ {
				for i := 0; i < ss; i++ {
					p := scene[(y*ss+j)*W+x*ss+i]
					c[0], c[1], c[2] = c[0]+p[0], c[1]+p[1], c[2]+p[2]
				}
			}
			n := rng.NormFloat64() * 2
			out.SetRGBA(x, y, color.RGBA{clamp8(c[0]/(ss*ss) + n), clamp8(c[1]/(ss*ss) + n), clamp8(c[2]/(ss*ss) + n), 255})
		}
	}
	return out
}

// sceneBackground is a smooth random room tone behind the medium.
func sceneBackground(rng *rand.Rand) func(u, v float64) [3]float64 {
	base := [3]float64{60 + 120*rng.Float64(), 60 + 110*rng.Float64(), 60 + 100*rng.Float64()}
	gx, gy := (rng.Float64()-0.5)*80, (rng.Float64()-0.5)*80
	return func(u, v float64) [3]float64 {
		d := gx*(u-0.5) + gy*(v-0.5)
		return [3]float64{base[0] + d, base[1] + d, base[2] + d}
	}
}

// valueNoise is smooth noise in [0,1] on an n×n lattice over [0,1]².
func valueNoise(rng *rand.Rand, n int) func(u, v float64) float64 {
	lat := make([]float64, (n+1)*(n+1))
	for i := range lat {
		lat[i] = rng.Float64()
	}
	return func(u, v float64) float64 {
		x, y := u*float64(n), v*float64(n)
		xi, yi := min(int(x), n-1), min(int(y), n-1)
		fx, fy := x-float64(xi), y-float64(yi)
		a, b := lat[yi*(n+1)+xi], lat[yi*(n+1)+xi+1]
		c, d := lat[(yi+1)*(n+1)+xi], lat[(yi+1)*(n+1)+xi+1]
		return (a*(1-fx)+b*fx)*(1-fy) + (c*(1-fx)+d*fx)*fy
	}
}

// samplePhoto reads src at relative coordinates (nearest pixel: the
// medium's own pixels or dots are what the camera sees).
func samplePhoto(src image.Image, u, v float64) [3]float64 {
	b := src.Bounds()
	x := b.Min.X + min(max(int(u*float64(b.Dx())), 0), b.Dx()-1)
	y := b.Min.Y + min(max(int(v*float64(b.Dy())), 0), b.Dy()-1)
	r, g, bl, _ := src.At(x, y).RGBA()
	return [3]float64{float64(r >> 8), float64(g >> 8), float64(bl >> 8)}
}

func toCMYK(p [3]float64) [4]float64 {
	r, g, b := p[0]/255, p[1]/255, p[2]/255
	k := 1 - math.Max(r, math.Max(g, b))
	if k >= 1 {
		return [4]float64{0, 0, 0, 1}
	}
	return [4]float64{(1 - r - k) / (1 - k), (1 - g - k) / (1 - k), (1 - b - k) / (1 - k), k}
}

// inkOver darkens c by ink k (cyan, magenta, yellow, black); printed inks
// never reach full absorption.
func inkOver(c [3]float64, k int) [3]float64 {
	switch k {
	case 0:
		c[0] *= 0.2
	case 1:
		c[1] *= 0.25
	case 2:
		c[2] *= 0.2
	default:
		c = scale3(c, 0.18)
	}
	return c
}

func scale3(c [3]float64, f float64) [3]float64 { return [3]float64{c[0] * f, c[1] * f, c[2] * f} }

func addAll(c [3]float64, v float64) [3]float64 { return [3]float64{c[0] + v, c[1] + v, c[2] + v} }

func clamp8(v float64) uint8 { return uint8(math.Max(0, math.Min(255, v+0.5))) }
