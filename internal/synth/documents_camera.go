package synth

// A phone camera photographing a specimen lying on a surface: a pinhole
// camera at an elevation and azimuth around the document, the card as a
// slab with rounded corners and real thickness (so an oblique view shows
// its edge), a procedural background, lighting, a specular glare spot,
// lens blur, sensor noise; JPEG compression is applied when the image is
// written. The physics is simple on purpose; what matters is that every
// parameter is drawn from a seed and recorded in the ground truth.

import (
	"image"
	"math"
	"math/rand/v2"

	xdraw "golang.org/x/image/draw"
)

// Level is an augmentation strength.
type Level string

// The levels, from a careful photo on a desk to a hurried one.
const (
	LevelClean  Level = "clean"
	LevelMedium Level = "medium"
	LevelHard   Level = "hard"
)

// Levels lists them in order.
var Levels = []Level{LevelClean, LevelMedium, LevelHard}

// View is how the camera sees the document.
type View string

// The views: from above (front, back, data page), or obliquely to show the
// card's thickness (厚み) as the ホ method asks.
const (
	ViewFlat      View = "flat"
	ViewThickness View = "thickness"
)

// Backgrounds are the surfaces a document is photographed on.
var Backgrounds = []string{"wood", "white_desk", "grey_desk", "blue_fabric", "paper", "dark_cloth"}

// Camera holds one photograph's parameters.
type Camera struct {
	Level        Level   `json:"level"`
	View         View    `json:"view"`
	Width        int     `json:"width"`
	Height       int     `json:"height"`
	FocalPx      float64 `json:"focal_px"`
	ElevationDeg float64 `json:"elevation_deg"` // between the line of sight and the document plane; 90 looks straight down
	AzimuthDeg   float64 `json:"azimuth_deg"`   // where the camera stands; 0 is beyond the document's bottom edge
	RollDeg      float64 `json:"roll_deg"`      // rotation of the image
	Fill         float64 `json:"fill"`          // document width over image width, roughly
	ShiftX       float64 `json:"shift_x"`       // document centre offset, fraction of the width
	ShiftY       float64 `json:"shift_y"`       // and of the height
	ThicknessMM  float64 `json:"thickness_mm"`  // 0.76 for ID-1 cards; 0 draws no edge
	Background   string  `json:"background"`
	Brightness   float64 `json:"brightness"` // gain on the whole image
	Warmth       float64 `json:"warmth"`     // > 0 warmer (red up, blue down)
	Shadow       float64 `json:"shadow"`     // darkness of the document's cast shadow, 0..1
	Glare        *Glare  `json:"glare,omitempty"`
	BlurSigmaPx  float64 `json:"blur_sigma_px"`
	NoiseSigma   float64 `json:"noise_sigma"` // in 8-bit levels
	JPEGQuality  int     `json:"jpeg_quality"`
}

// Glare is a specular reflection on the document's laminate.
type Glare struct {
	X        float64 `json:"x"` // centre, fraction of the document's width
	Y        float64 `json:"y"` // and height
	RadiusPx float64 `json:"radius_px"`
	Strength float64 `json:"strength"` // 0..1 of full white at the centre
}

// The photographs' size: a 4:3 frame as phone cameras take, scaled down.
const photoW, photoH = 1280, 960

func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }

// DrawCamera draws a camera for a document of physical size sizeMM at the
// given level and view. Thickness views tilt the camera 30–45° above the
// document plane.
func DrawCamera(rng *rand.Rand, level Level, view View, sizeMM [2]float64) Camera {
	c := Camera{Level: level, View: view, Width: photoW, Height: photoH, FocalPx: 0.9 * photoW,
		Background: pick(rng, Backgrounds), ThicknessMM: 0.76}
	if sizeMM != sizeID1 {
		c.ThicknessMM = 0 // a passport page lies on the booklet
	}
	type rangeSet struct{ elev, roll, fill, shift, bright, warm, blur, glareP, glareS, noise, q [2]float64 }
	r := map[Level]rangeSet{
		LevelClean:  {elev: [2]float64{84, 90}, roll: [2]float64{-3, 3}, fill: [2]float64{0.78, 0.88}, shift: [2]float64{-0.02, 0.02}, bright: [2]float64{0.97, 1.03}, warm: [2]float64{-0.02, 0.02}, blur: [2]float64{0, 0.3}, glareP: [2]float64{0, 0}, noise: [2]float64{0.5, 1.5}, q: [2]float64{92, 96}},
		LevelMedium: {elev: [2]float64{70, 84}, roll: [2]float64{-15, 15}, fill: [2]float64{0.65, 0.82}, shift: [2]float64{-0.05, 0.05}, bright: [2]float64{0.85, 1.1}, warm: [2]float64{-0.06, 0.06}, blur: [2]float64{0.4, 1.1}, glareP: [2]float64{0.5, 0.5}, glareS: [2]float64{0.25, 0.55}, noise: [2]float64{2, 5}, q: [2]float64{75, 90}},
		LevelHard:   {elev: [2]float64{58, 72}, roll: [2]float64{-35, 35}, fill: [2]float64{0.55, 0.75}, shift: [2]float64{-0.08, 0.08}, bright: [2]float64{0.7, 1.2}, warm: [2]float64{-0.1, 0.1}, blur: [2]float64{1.1, 2.0}, glareP: [2]float64{0.8, 0.8}, glareS: [2]float64{0.5, 0.85}, noise: [2]float64{5, 10}, q: [2]float64{45, 70}},
	}[level]
	c.ElevationDeg = uniform(rng, r.elev[0], r.elev[1])
	c.AzimuthDeg = uniform(rng, -180, 180)
	c.RollDeg = uniform(rng, r.roll[0], r.roll[1])
	if view == ViewThickness {
		// Oblique, from roughly beyond the bottom edge so the long edge shows.
		c.ElevationDeg = uniform(rng, 30, 45)
		c.AzimuthDeg = uniform(rng, -25, 25)
		c.RollDeg /= 2
	} else if level != LevelHard {
		// Capture screens frame the document upright; only hard shots
		// come sideways or upside down.
		c.AzimuthDeg = uniform(rng, -10, 10)
		if level == LevelMedium {
			c.AzimuthDeg = uniform(rng, -20, 20)
		}
	}
	c.Fill = uniform(rng, r.fill[0], r.fill[1])
	c.ShiftX, c.ShiftY = uniform(rng, r.shift[0], r.shift[1]), uniform(rng, r.shift[0], r.shift[1])
	c.Brightness = uniform(rng, r.bright[0], r.bright[1])
	c.Warmth = uniform(rng, r.warm[0], r.warm[1])
	c.Shadow = uniform(rng, 0.15, 0.4)
	c.BlurSigmaPx = uniform(rng, r.blur[0], r.blur[1])
	c.NoiseSigma = uniform(rng, r.noise[0], r.noise[1])
	c.JPEGQuality = int(math.Round(uniform(rng, r.q[0], r.q[1])))
	if rng.Float64() < r.glareP[0] {
		c.Glare = &Glare{X: uniform(rng, 0.1, 0.9), Y: uniform(rng, 0.1, 0.9),
			RadiusPx: uniform(rng, 50, 160), Strength: uniform(rng, r.glareS[0], r.glareS[1])}
	}
	// Shrink until the whole document (and its edge) is inside the frame.
	for range 40 {
		g := c.geometry(sizeMM)
		if g.inside(c, 0.03) {
			break
		}
		c.Fill *= 0.95
		c.ShiftX *= 0.8
		c.ShiftY *= 0.8
	}
	// Record what is used: round once, here, so the ground truth's
	// numbers are the ones Photograph works with.
	for _, v := range []*float64{&c.ElevationDeg, &c.AzimuthDeg, &c.RollDeg, &c.Fill, &c.ShiftX, &c.ShiftY,
		&c.Brightness, &c.Warmth, &c.Shadow, &c.BlurSigmaPx, &c.NoiseSigma} {
		*v = math.Round(*v*1000) / 1000
	}
	if c.Glare != nil {
		for _, v := range []*float64{&c.Glare.X, &c.Glare.Y, &c.Glare.RadiusPx, &c.Glare.Strength} {
			*v = math.Round(*v*1000) / 1000
		}
	}
	return c
}

// geometry is a camera posed over a document: it maps document
// millimetres (x right, y down from the centre, z up out of the front) to
// image pixels.
type geometry struct {
	w, h, t             float64 // document size and thickness, mm
	right, down, fwd, C [3]float64
	f, cx, cy, cr, sr   float64
}

func dot3(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func (c Camera) geometry(sizeMM [2]float64) geometry {
	el, az := c.ElevationDeg*math.Pi/180, c.AzimuthDeg*math.Pi/180
	g := geometry{w: sizeMM[0], h: sizeMM[1], t: c.ThicknessMM, f: c.FocalPx}
	g.right = [3]float64{math.Cos(az), -math.Sin(az), 0}
	g.down = [3]float64{math.Sin(el) * math.Sin(az), math.Sin(el) * math.Cos(az), -math.Cos(el)}
	g.fwd = [3]float64{-math.Cos(el) * math.Sin(az), -math.Cos(el) * math.Cos(az), -math.Sin(el)}
	D := c.FocalPx * sizeMM[0] / (c.Fill * float64(c.Width))
	g.C = [3]float64{-g.fwd[0] * D, -g.fwd[1] * D, -g.fwd[2] * D}
	g.cx = float64(c.Width)*(0.5+c.ShiftX) - 0.5
	g.cy = float64(c.Height)*(0.5+c.ShiftY) - 0.5
	g.cr, g.sr = math.Cos(c.RollDeg*math.Pi/180), math.Sin(c.RollDeg*math.Pi/180)
	return g
}

// project maps a document point (mm) to image pixel coordinates.
func (g geometry) project(p [3]float64) (float64, float64) {
	q := [3]float64{p[0] - g.C[0], p[1] - g.C[1], p[2] - g.C[2]}
	z := dot3(q, g.fwd)
	u, v := g.f*dot3(q, g.right)/z, g.f*dot3(q, g.down)/z
	return g.cx + u*g.cr - v*g.sr, g.cy + u*g.sr + v*g.cr
}

// corners are the document's front corners TL, TR, BR, BL in the image.
func (g geometry) corners() [4][2]float64 {
	var out [4][2]float64
	for i, p := range [4][2]float64{{-g.w / 2, -g.h / 2}, {g.w / 2, -g.h / 2}, {g.w / 2, g.h / 2}, {-g.w / 2, g.h / 2}} {
		out[i][0], out[i][1] = g.project([3]float64{p[0], p[1], 0})
	}
	return out
}

func (g geometry) inside(c Camera, margin float64) bool {
	for _, z := range []float64{0, -g.t} {
		for _, p := range [4][2]float64{{-g.w / 2, -g.h / 2}, {g.w / 2, -g.h / 2}, {g.w / 2, g.h / 2}, {-g.w / 2, g.h / 2}} {
			x, y := g.project([3]float64{p[0], p[1], z})
			if x < margin*float64(c.Width) || x > (1-margin)*float64(c.Width) || y < margin*float64(c.Height) || y > (1-margin)*float64(c.Height) {
				return false
			}
		}
	}
	return true
}

// homography returns the 3×3 matrix taking the coordinates (x, y, 1) of a
// tw × th specimen raster to homogeneous image coordinates; its inverse
// samples the specimen.
func (g geometry) homography(tw, th int) [9]float64 {
	// The raster's edges are the document's edges.
	T := [9]float64{g.w / float64(tw), 0, -g.w / 2, 0, g.h / float64(th), -g.h / 2, 0, 0, 1}
	// camera coordinates from (X, Y, 1), the point on the z = 0 plane.
	M := [9]float64{
		g.right[0], g.right[1], -dot3(g.right, g.C),
		g.down[0], g.down[1], -dot3(g.down, g.C),
		g.fwd[0], g.fwd[1], -dot3(g.fwd, g.C),
	}
	A := [9]float64{g.f * g.cr, -g.f * g.sr, g.cx, g.f * g.sr, g.f * g.cr, g.cy, 0, 0, 1}
	return mul3(A, mul3(M, T))
}

func mul3(a, b [9]float64) [9]float64 {
	var out [9]float64
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				out[i*3+j] += a[i*3+k] * b[k*3+j]
			}
		}
	}
	return out
}

func inv3(m [9]float64) [9]float64 {
	a, b, c, d, e, f, g, h, i := m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	A, B, C := e*i-f*h, -(d*i - f*g), d*h-e*g
	det := a*A + b*B + c*C
	return [9]float64{
		A / det, -(b*i - c*h) / det, (b*f - c*e) / det,
		B / det, (a*i - c*g) / det, -(a*f - c*d) / det,
		C / det, -(a*h - b*g) / det, (a*e - b*d) / det,
	}
}

// Photo is a rendered photograph and its geometry.
type Photo struct {
	Image   *image.RGBA
	Corners [4][2]float64 // the document's corners TL, TR, BR, BL as printed, in Image pixels
	Edge    *EdgeTruth    // the visible card edge; nil when none shows
}

// EdgeTruth describes the card edge a thickness view shows.
type EdgeTruth struct {
	Side   string        `json:"side"`    // which edge: "bottom", "top", "left" or "right" as printed
	Quad   [4][2]float64 `json:"quad"`    // its outline in the image: front edge, then back edge reversed
	MeanPx float64       `json:"mean_px"` // its apparent height in pixels, averaged along it
}

// Photograph renders s as cam sees it. seed drives the background's
// texture and the sensor noise, so the same inputs give the same pixels.
func Photograph(s *Specimen, cam Camera, seed uint64) *Photo {
	rng := rand.New(rand.NewPCG(seed, 0x70686f746f))
	W, H := cam.Width, cam.Height
	g := cam.geometry(s.SizeMM)
	out := image.NewRGBA(image.Rect(0, 0, W, H))
	buf := make([][3]float64, W*H)
	bg := backgroundFunc(rng, cam.Background)
	for y := range H {
		for x := range W {
			buf[y*W+x] = bg(float64(x)/float64(W), float64(y)/float64(H))
		}
	}
	outline := cardOutline(g.w, g.h, s.SizeMM == sizeID1)
	corners := g.corners()
	drawShadow(buf, W, H, g, cam.Shadow)
	edge := drawEdges(buf, W, H, g, outline)
	cover := drawFront(buf, W, H, s, g)

	// Light: gain, colour temperature, a soft gradient across the frame.
	gx, gy := uniform(rng, -0.12, 0.12), uniform(rng, -0.12, 0.12)
	for y := range H {
		for x := range W {
			l := cam.Brightness * (1 + gx*(float64(x)/float64(W)-0.5) + gy*(float64(y)/float64(H)-0.5))
			p := &buf[y*W+x]
			p[0] *= l * (1 + cam.Warmth)
			p[1] *= l
			p[2] *= l * (1 - cam.Warmth)
		}
	}
	if gl := cam.Glare; gl != nil {
		// Centre on the document, then a Gaussian spot that washes out the print.
		H3 := g.homography(s.Image.Bounds().Dx(), s.Image.Bounds().Dy())
		sx, sy := gl.X*float64(s.Image.Bounds().Dx()), gl.Y*float64(s.Image.Bounds().Dy())
		den := H3[6]*sx + H3[7]*sy + H3[8]
		cx, cy := (H3[0]*sx+H3[1]*sy+H3[2])/den, (H3[3]*sx+H3[4]*sy+H3[5])/den
		for y := range H {
			for x := range W {
				a := cover[y*W+x]
				if a == 0 {
					continue
				}
				d2 := (float64(x)-cx)*(float64(x)-cx) + (float64(y)-cy)*(float64(y)-cy)
				k := a * gl.Strength * math.Exp(-d2/(2*gl.RadiusPx*gl.RadiusPx))
				p := &buf[y*W+x]
				for i := range 3 {
					p[i] = p[i]*(1-k) + 255*k*1.1
				}
			}
		}
	}
	if cam.BlurSigmaPx > 0.05 {
		gaussianBlur(buf, W, H, cam.BlurSigmaPx)
	}
	for i, p := range buf {
		n := rng.NormFloat64() * cam.NoiseSigma * 0.8
		for k := range 3 {
			v := p[k] + n + rng.NormFloat64()*cam.NoiseSigma*0.45
			out.Pix[i*4+k] = clamp8(v - 0.5)
		}
		out.Pix[i*4+3] = 255
	}
	ph := &Photo{Image: out, Corners: roundCorners(corners)}
	if edge != nil {
		ph.Edge = edge
	}
	return ph
}

func roundCorners(c [4][2]float64) [4][2]float64 {
	for i := range c {
		for k := range 2 {
			c[i][k] = math.Round(c[i][k]*10) / 10
		}
	}
	return c
}

// backgroundFunc returns the surface's colour at relative image position.
func backgroundFunc(rng *rand.Rand, name string) func(u, v float64) [3]float64 {
	n1, n2 := valueNoise(rng, 8), valueNoise(rng, 48)
	jitter := func(c [3]float64, amt float64) [3]float64 {
		for i := range c {
			c[i] *= 1 + (rng.Float64()-0.5)*amt
		}
		return c
	}
	switch name {
	case "wood":
		base := jitter([3]float64{150, 104, 64}, 0.2)
		period := uniform(rng, 0.006, 0.014)
		angle := uniform(rng, -0.3, 0.3)
		return func(u, v float64) [3]float64 {
			t := u*math.Cos(angle) + v*math.Sin(angle)*0.75
			grain := 0.5 + 0.5*math.Sin((t+0.04*n1(u, v))/period)
			f := 0.82 + 0.14*grain + 0.08*n2(u, v)
			return [3]float64{base[0] * f, base[1] * f, base[2] * f}
		}
	case "blue_fabric":
		base := jitter([3]float64{55, 75, 115}, 0.2)
		return func(u, v float64) [3]float64 {
			weave := 0.5 + 0.25*math.Sin(u*2400)*math.Sin(v*1800)
			f := 0.85 + 0.2*weave*0.5 + 0.1*n1(u, v)
			return [3]float64{base[0] * f, base[1] * f, base[2] * f}
		}
	case "dark_cloth":
		base := jitter([3]float64{38, 36, 40}, 0.2)
		return func(u, v float64) [3]float64 {
			f := 0.85 + 0.3*n2(u, v)
			return [3]float64{base[0] * f, base[1] * f, base[2] * f}
		}
	default: // white_desk, grey_desk, paper: smooth tone with a little texture
		base := map[string][3]float64{"white_desk": {226, 226, 220}, "grey_desk": {122, 124, 128}, "paper": {238, 233, 222}}[name]
		if base == ([3]float64{}) {
			base = [3]float64{200, 200, 200}
		}
		base = jitter(base, 0.08)
		return func(u, v float64) [3]float64 {
			f := 0.93 + 0.08*n1(u, v) + 0.03*n2(u, v)
			return [3]float64{base[0] * f, base[1] * f, base[2] * f}
		}
	}
}

// cardOutline is the document's outline in mm around its centre,
// clockwise from the top left, with rounded corners for cards.
func cardOutline(w, h float64, card bool) [][2]float64 {
	r := 1.5
	if card {
		r = 3.18
	}
	var pts [][2]float64
	centres := [4][2]float64{{-w/2 + r, -h/2 + r}, {w/2 - r, -h/2 + r}, {w/2 - r, h/2 - r}, {-w/2 + r, h/2 - r}}
	for i, c := range centres {
		start := math.Pi + float64(i)*math.Pi/2
		for k := 0; k <= 6; k++ {
			a := start + float64(k)/6*math.Pi/2
			pts = append(pts, [2]float64{c[0] + r*math.Cos(a), c[1] + r*math.Sin(a)})
		}
	}
	return pts
}

// edgeLines turns a convex polygon into lines a·x + b·y + c whose value
// is the signed distance to the edge, positive inside.
func edgeLines(q [][2]float64) [][3]float64 {
	area := 0.0
	for i := range q {
		j := (i + 1) % len(q)
		area += q[i][0]*q[j][1] - q[j][0]*q[i][1]
	}
	sign := math.Copysign(1, area)
	var out [][3]float64
	for i := range q {
		j := (i + 1) % len(q)
		ex, ey := q[j][0]-q[i][0], q[j][1]-q[i][1]
		l := math.Hypot(ex, ey)
		if l == 0 {
			continue
		}
		a, b := -sign*ey/l, sign*ex/l
		out = append(out, [3]float64{a, b, -(a*q[i][0] + b*q[i][1])})
	}
	return out
}

// fillConvex paints col over the convex polygon q (image pixels) with
// anti-aliased edges, at opacity alpha. With a soft margin m > 0 the
// opacity ramps from 0 at m pixels outside the polygon to alpha at m
// inside (a penumbra).
func fillConvex(buf [][3]float64, W, H int, q [][2]float64, col [3]float64, alpha, m float64) {
	lines := edgeLines(q)
	if len(lines) < 3 {
		return
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range q {
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
	}
	grow := m + 1
	for y := max(int(minY-grow), 0); y <= min(int(maxY+grow), H-1); y++ {
		for x := max(int(minX-grow), 0); x <= min(int(maxX+grow), W-1); x++ {
			fx, fy := float64(x), float64(y)
			d := math.Inf(1)
			for _, l := range lines {
				if v := l[0]*fx + l[1]*fy + l[2]; v < d {
					d = v
				}
			}
			var a float64
			if m > 0 {
				a = (d + m) / (2 * m)
			} else {
				a = d + 0.5
			}
			if a <= 0 {
				continue
			}
			if a > 1 {
				a = 1
			}
			a *= alpha
			p := &buf[y*W+x]
			p[0] = p[0]*(1-a) + col[0]*a
			p[1] = p[1]*(1-a) + col[1]*a
			p[2] = p[2]*(1-a) + col[2]*a
		}
	}
}

// drawShadow darkens the surface around and below the document, as a
// diffuse light from above casts a soft shadow.
func drawShadow(buf [][3]float64, W, H int, g geometry, strength float64) {
	if g.t == 0 || strength == 0 {
		return
	}
	var quad [][2]float64
	for _, p := range [4][2]float64{{-g.w / 2, -g.h / 2}, {g.w / 2, -g.h / 2}, {g.w / 2, g.h / 2}, {-g.w / 2, g.h / 2}} {
		x, y := g.project([3]float64{p[0], p[1] + 0.8, -g.t})
		quad = append(quad, [2]float64{x, y})
	}
	fillConvex(buf, W, H, quad, [3]float64{0, 0, 0}, strength, 12)
}

// drawEdges paints the slab's visible side faces and returns the longest
// straight one for the ground truth.
func drawEdges(buf [][3]float64, W, H int, g geometry, outline [][2]float64) *EdgeTruth {
	if g.t == 0 {
		return nil
	}
	light := [3]float64{0.2, 0.3, 0.93} // mostly from above: side faces are darker than the front
	var best *EdgeTruth
	bestLen := 0.0
	n := len(outline)
	for i := range n {
		a, b := outline[i], outline[(i+1)%n]
		// Outward normal of the clockwise (in y-down coordinates) outline.
		nx, ny := b[1]-a[1], -(b[0] - a[0])
		l := math.Hypot(nx, ny)
		if l == 0 {
			continue
		}
		nrm := [3]float64{nx / l, ny / l, 0}
		mid := [3]float64{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, -g.t / 2}
		toCam := [3]float64{g.C[0] - mid[0], g.C[1] - mid[1], g.C[2] - mid[2]}
		if dot3(nrm, toCam) <= 0 {
			continue
		}
		var q [][2]float64
		for _, p := range [4][3]float64{{a[0], a[1], 0}, {b[0], b[1], 0}, {b[0], b[1], -g.t}, {a[0], a[1], -g.t}} {
			x, y := g.project(p)
			q = append(q, [2]float64{x, y})
		}
		shade := 0.5 + 0.35*math.Max(0, dot3(nrm, light))
		fillConvex(buf, W, H, q, [3]float64{225 * shade, 222 * shade, 214 * shade}, 1, 0)
		if length := math.Hypot(b[0]-a[0], b[1]-a[1]); length > bestLen && length > 10 {
			bestLen = length
			h1 := math.Hypot(q[3][0]-q[0][0], q[3][1]-q[0][1])
			h2 := math.Hypot(q[2][0]-q[1][0], q[2][1]-q[1][1])
			side := "bottom"
			switch {
			case nrm[1] < -0.9:
				side = "top"
			case nrm[0] > 0.9:
				side = "right"
			case nrm[0] < -0.9:
				side = "left"
			}
			best = &EdgeTruth{Side: side, Quad: roundCorners([4][2]float64{q[0], q[1], q[2], q[3]}), MeanPx: math.Round((h1+h2)/2*100) / 100}
		}
	}
	return best
}

// drawFront samples the specimen through the homography onto buf and
// returns the per-pixel coverage of the document.
func drawFront(buf [][3]float64, W, H int, s *Specimen, g geometry) []float64 {
	tex := s.Image
	Hm := g.homography(tex.Bounds().Dx(), tex.Bounds().Dy())
	// Minify the texture first where the document appears smaller than
	// printed, as a camera's pixels average the print.
	c := g.corners()
	top := math.Hypot(c[1][0]-c[0][0], c[1][1]-c[0][1])
	bottom := math.Hypot(c[2][0]-c[3][0], c[2][1]-c[3][1])
	scale := math.Max(top, bottom) / float64(tex.Bounds().Dx())
	if scale < 0.9 {
		w := max(1, int(float64(tex.Bounds().Dx())*scale))
		h := max(1, int(float64(tex.Bounds().Dy())*scale))
		small := image.NewRGBA(image.Rect(0, 0, w, h))
		xdraw.CatmullRom.Scale(small, small.Bounds(), tex, tex.Bounds(), xdraw.Src, nil)
		sx, sy := float64(w)/float64(tex.Bounds().Dx()), float64(h)/float64(tex.Bounds().Dy())
		Hm = mul3(Hm, [9]float64{1 / sx, 0, 0, 0, 1 / sy, 0, 0, 0, 1})
		tex = small
	}
	inv := inv3(Hm)
	cover := make([]float64, W*H)
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range c {
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
	}
	tw, th := tex.Bounds().Dx(), tex.Bounds().Dy()
	for y := max(int(minY)-2, 0); y <= min(int(maxY)+2, H-1); y++ {
		for x := max(int(minX)-2, 0); x <= min(int(maxX)+2, W-1); x++ {
			fx, fy := float64(x), float64(y)
			den := inv[6]*fx + inv[7]*fy + inv[8]
			u, v := (inv[0]*fx+inv[1]*fy+inv[2])/den-0.5, (inv[3]*fx+inv[4]*fy+inv[5])/den-0.5
			if u < -1 || v < -1 || u > float64(tw) || v > float64(th) {
				continue
			}
			p, a := bilinearRGBA(tex, u, v)
			if a <= 0 {
				continue
			}
			q := &buf[y*W+x]
			for k := range 3 {
				q[k] = q[k]*(1-a) + p[k] // premultiplied source
			}
			cover[y*W+x] = a
		}
	}
	return cover
}

// bilinearRGBA samples premultiplied img at (u, v) pixel centres;
// outside the image counts as transparent.
func bilinearRGBA(img *image.RGBA, u, v float64) ([3]float64, float64) {
	x0, y0 := int(math.Floor(u)), int(math.Floor(v))
	fx, fy := u-float64(x0), v-float64(y0)
	var c [3]float64
	var a float64
	b := img.Bounds()
	for _, s := range [4]struct {
		x, y int
		w    float64
	}{{x0, y0, (1 - fx) * (1 - fy)}, {x0 + 1, y0, fx * (1 - fy)}, {x0, y0 + 1, (1 - fx) * fy}, {x0 + 1, y0 + 1, fx * fy}} {
		if s.w == 0 || s.x < b.Min.X || s.y < b.Min.Y || s.x >= b.Max.X || s.y >= b.Max.Y {
			continue
		}
		i := img.PixOffset(s.x, s.y)
		c[0] += float64(img.Pix[i]) * s.w
		c[1] += float64(img.Pix[i+1]) * s.w
		c[2] += float64(img.Pix[i+2]) * s.w
		a += float64(img.Pix[i+3]) / 255 * s.w
	}
	return c, a
}

// gaussianBlur blurs buf in place with a separable kernel.
func gaussianBlur(buf [][3]float64, W, H int, sigma float64) {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	sum := 0.0
	for i := range k {
		d := float64(i - r)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([][3]float64, len(buf))
	for y := range H {
		for x := range W {
			var acc [3]float64
			for i, w := range k {
				xx := min(max(x+i-r, 0), W-1)
				p := buf[y*W+xx]
				acc[0], acc[1], acc[2] = acc[0]+p[0]*w, acc[1]+p[1]*w, acc[2]+p[2]*w
			}
			tmp[y*W+x] = acc
		}
	}
	for y := range H {
		for x := range W {
			var acc [3]float64
			for i, w := range k {
				yy := min(max(y+i-r, 0), H-1)
				p := tmp[yy*W+x]
				acc[0], acc[1], acc[2] = acc[0]+p[0]*w, acc[1]+p[1]*w, acc[2]+p[2]*w
			}
			buf[y*W+x] = acc
		}
	}
}
