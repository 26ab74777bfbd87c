package synth

// Document recapture attacks: a genuine document photo shown on a phone or
// monitor screen and photographed again. The screen is a grid of pixels,
// each three vertical R, G, B stripes with a dark matrix between rows, at
// a pitch of 3–6 camera pixels and turned by a degree or two, so the grid
// aliases against the camera's pixels into moiré. The display adds its
// gamma, a raised black level and a cool tint; a bezel frames it on a
// desk; the camera blurs mildly, adds noise and compresses as JPEG. As
// with the face attacks (attack.go), detectors tuned on these images must
// be checked on real recaptures too.

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// ScreenRecapture renders photo as shown on a screen and photographed
// again, at the photo's size. The same photo and seed give the same pixels.
func ScreenRecapture(photo image.Image, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 0x73637265656e))
	sb := photo.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, sb.Dx(), sb.Dy()))
	draw.Draw(src, src.Bounds(), photo, sb.Min, draw.Src)
	W, H := sb.Dx(), sb.Dy()

	pitch := uniform(rng, 3, 6)                      // camera pixels per screen pixel
	angle := uniform(rng, -2.5, 2.5) * math.Pi / 180 // the phone is never quite square to the camera
	sw := float64(W) * uniform(rng, 0.84, 0.94)      // the screen's active area, camera pixels
	sh := sw * float64(H) / float64(W)
	if sh > float64(H)*0.9 {
		sh = float64(H) * 0.9
		sw = sh * float64(W) / float64(H)
	}
	cx := float64(W)/2 + uniform(rng, -0.02, 0.02)*float64(W)
	cy := float64(H)/2 + uniform(rng, -0.02, 0.02)*float64(H)
	bezel := uniform(rng, 0.025, 0.05) * sw
	bezelGrey := uniform(rng, 12, 30)
	gamma := uniform(rng, 1.1, 1.35)     // display gamma on top of the photo's
	contrast := uniform(rng, 0.82, 0.95) // a screen's range within the camera's exposure
	black := uniform(rng, 8, 22)         // the backlight leaking through black
	tint := [3]float64{uniform(rng, 0.9, 0.96), uniform(rng, 0.98, 1.01), uniform(rng, 1.04, 1.1)}
	mix := uniform(rng, 0.3, 0.5) // how much of the stripes survives the optics
	matrix := uniform(rng, 0.12, 0.2)
	rx, ry, rs := rng.Float64(), rng.Float64(), uniform(rng, 15, 40) // a reflection across the glass
	bg := sceneBackground(rng)

	// Each screen pixel's colour: the photo box-averaged over its area.
	nx, ny := int(math.Ceil(sw/pitch)), int(math.Ceil(sh/pitch))
	screen := make([][3]float64, nx*ny)
	for j := range ny {
		y0 := min(int(float64(j)*float64(H)/float64(ny)), H-1)
		y1 := min(max(int(float64(j+1)*float64(H)/float64(ny)), y0+1), H)
		for i := range nx {
			x0 := min(int(float64(i)*float64(W)/float64(nx)), W-1)
			x1 := min(max(int(float64(i+1)*float64(W)/float64(nx)), x0+1), W)
			var c [3]float64
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					p := src.Pix[y*src.Stride+x*4:]
					c[0], c[1], c[2] = c[0]+float64(p[0]), c[1]+float64(p[1]), c[2]+float64(p[2])
				}
			}
			n := float64((y1 - y0) * (x1 - x0))
			for k := range 3 {
				e := 255 * math.Pow(c[k]/n/255, gamma)
				screen[j*nx+i][k] = black + contrast*e*tint[k]
			}
		}
	}

	cs, sn := math.Cos(angle), math.Sin(angle)
	buf := make([][3]float64, W*H)
	const sub = 2 // samples per camera pixel and axis
	for y := range H {
		for x := range W {
			var acc [3]float64
			for sj := range sub {
				for si := range sub {
					fx := float64(x) + (float64(si)+0.5)/sub - cx
					fy := float64(y) + (float64(sj)+0.5)/sub - cy
					u, v := fx*cs+fy*sn+sw/2, -fx*sn+fy*cs+sh/2 // screen coordinates, camera pixels
					var c [3]float64
					switch {
					case u >= 0 && u < sw && v >= 0 && v < sh:
						px, py := u/pitch, v/pitch
						i, j := min(int(px), nx-1), min(int(py), ny-1)
						e := screen[j*nx+i]
						stripe := int((px - math.Floor(px)) * 3)
						lit := py-math.Floor(py) >= matrix
						for k := range 3 {
							s := 0.0
							if k == stripe && lit {
								s = 3 / (1 - matrix)
							}
							c[k] = e[k] * ((1 - mix) + mix*s)
						}
						d := (u/sw-rx)*0.8 + (v/sh-ry)*0.6
						c = addAll(c, rs*math.Exp(-d*d/0.03))
					case u >= -bezel && u < sw+bezel && v >= -bezel && v < sh+bezel:
						c = [3]float64{bezelGrey, bezelGrey, bezelGrey * 1.05}
					default:
						c = bg(float64(x)/float64(W), float64(y)/float64(H))
					}
					acc[0], acc[1], acc[2] = acc[0]+c[0], acc[1]+c[1], acc[2]+c[2]
				}
			}
			buf[y*W+x] = scale3(acc, 1.0/(sub*sub))
		}
	}
	gaussianBlur(buf, W, H, uniform(rng, 0.35, 0.7))
	noise := uniform(rng, 1, 3)
	out := image.NewRGBA(image.Rect(0, 0, W, H))
	for i, p := range buf {
		n := rng.NormFloat64() * noise
		for k := range 3 {
			out.Pix[i*4+k] = clamp8(p[k] + n)
		}
		out.Pix[i*4+3] = 255
	}
	return reJPEG(out, int(math.Round(uniform(rng, 72, 92))))
}

// reJPEG passes img through JPEG at quality q, as the camera stores it.
func reJPEG(img *image.RGBA, q int) *image.RGBA {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		return img
	}
	dec, err := jpeg.Decode(&b)
	if err != nil {
		return img
	}
	out := image.NewRGBA(dec.Bounds())
	draw.Draw(out, out.Bounds(), dec, dec.Bounds().Min, draw.Src)
	return out
}
