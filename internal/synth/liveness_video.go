package synth

// Synthetic "videos" for liveness tests: a real photo warped, with its
// landmarks, into a head that turns, nods, blinks, smiles or opens its
// mouth. The result is clearly synthetic (no occlusion, no real motion
// blur, the inside of the mouth is painted); it is good enough to drive the
// action logic, not to measure anti-spoofing.

import (
	"image"
	"image/color"
	"math"

	"github.com/kakunin-dev/kakunin/internal/face"
)

// FaceState is one synthetic frame's head pose and expression.
type FaceState struct {
	Yaw, Pitch float64 // degrees; yaw > 0 moves the nose to the image's right, pitch > 0 down
	EyesClosed float64 // 0 open … 1 closed
	Smile      float64 // 0 … 1
	MouthOpen  float64 // 0 … 1
}

// Lerp interpolates between two states.
func (s FaceState) Lerp(t FaceState, f float64) FaceState {
	l := func(a, b float64) float64 { return a + (b-a)*f }
	return FaceState{l(s.Yaw, t.Yaw), l(s.Pitch, t.Pitch), l(s.EyesClosed, t.EyesClosed), l(s.Smile, t.Smile), l(s.MouthOpen, t.MouthOpen)}
}

// FaceClip renders a frame per state.
func FaceClip(src image.Image, lm face.Landmarks, states []FaceState) []*image.RGBA {
	out := make([]*image.RGBA, len(states))
	for i, s := range states {
		out[i] = WarpFace(src, lm, s)
	}
	return out
}

// Keyframes expands key states into a sequence, steps frames per move
// (each key is reached after steps frames, easing in and out).
func Keyframes(keys []FaceState, steps int) []FaceState {
	if len(keys) == 0 {
		return nil
	}
	out := []FaceState{keys[0]}
	for k := 1; k < len(keys); k++ {
		for i := 1; i <= steps; i++ {
			f := float64(i) / float64(steps)
			f = (1 - math.Cos(math.Pi*f)) / 2
			out = append(out, keys[k-1].Lerp(keys[k], f))
		}
	}
	return out
}

// WarpFace renders src with the face (given by its 68 landmarks) moved to
// state s. Head rotation uses an ellipsoid head (nose sticking out);
// expressions move the eyelid and lip landmarks; a Gaussian radial-basis
// field through those control points moves the pixels.
func WarpFace(src image.Image, lm face.Landmarks, s FaceState) *image.RGBA {
	var cx, cy float64
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range lm {
		cx, cy = cx+p.X/68, cy+p.Y/68
		minX, maxX = math.Min(minX, p.X), math.Max(maxX, p.X)
		minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
	}
	eye := math.Hypot(lm[45].X-lm[36].X, lm[45].Y-lm[36].Y)
	rx, ry := (maxX-minX)/2*1.05, (maxY-minY)/2*1.25
	R := rx // depth radius
	depth := func(x, y float64, nose float64) float64 {
		u, v := (x-cx)/rx, (y-cy)/ry
		q := math.Max(0, 1-u*u-v*v)
		return -R*math.Sqrt(q) - nose
	}
	yaw, pitch := -s.Yaw*math.Pi/180, s.Pitch*math.Pi/180
	rot := func(x, y, z float64) (float64, float64) {
		x, z = x*math.Cos(yaw)+z*math.Sin(yaw), -x*math.Sin(yaw)+z*math.Cos(yaw)
		y = y*math.Cos(pitch) - z*math.Sin(pitch)
		return x, y
	}
	// Expression: new positions of the landmarks before rotation.
	moved := lm
	mv := func(i int, dx, dy float64) { moved[i].X += dx; moved[i].Y += dy }
	for _, p := range [][2]int{{37, 41}, {38, 40}, {43, 47}, {44, 46}} {
		f := 0.9 * s.EyesClosed
		mv(p[0], (lm[p[1]].X-lm[p[0]].X)*f, (lm[p[1]].Y-lm[p[0]].Y)*f)
	}
	sm := s.Smile * eye
	for _, c := range []struct {
		i    int
		side float64
		w    float64
	}{{48, -1, 1}, {60, -1, 1}, {54, 1, 1}, {64, 1, 1}, {49, -1, .5}, {59, -1, .5}, {53, 1, .5}, {55, 1, .5}} {
		mv(c.i, c.side*0.22*sm*c.w, -0.08*sm*c.w)
	}
	op := s.MouthOpen * eye
	for _, i := range []int{56, 57, 58, 65, 66, 67} {
		mv(i, 0, 0.5*op)
	}
	for _, i := range []int{55, 59} {
		mv(i, 0, 0.25*op)
	}
	for _, i := range []int{6, 7, 8, 9, 10} {
		mv(i, 0, 0.3*op)
	}
	for _, i := range []int{5, 11} {
		mv(i, 0, 0.15*op)
	}
	// Control points: landmarks, face-interior fill points, a fixed ring.
	type ctrl struct{ tx, ty, dx, dy float64 }
	var cs []ctrl
	place := func(x0, y0, x1, y1, nose float64) {
		x, y := rot(x1-cx, y1-cy, depth(x0, y0, nose))
		tx, ty := cx+x, cy+y
		cs = append(cs, ctrl{tx, ty, x0 - tx, y0 - ty})
	}
	for i, p := range lm {
		nose := 0.0
		if i >= 27 && i <= 35 {
			nose = []float64{0.1, 0.18, 0.26, 0.34, 0.12, 0.18, 0.22, 0.18, 0.12}[i-27] * eye
		}
		place(p.X, p.Y, moved[i].X, moved[i].Y, nose)
	}
	for gy := -1.0; gy <= 1.0; gy += 0.25 {
		for gx := -1.0; gx <= 1.0; gx += 0.25 {
			x, y := cx+gx*rx, cy+gy*ry
			if gx*gx+gy*gy > 1 {
				continue
			}
			near := false
			for _, p := range lm {
				if math.Hypot(p.X-x, p.Y-y) < 0.2*eye {
					near = true
					break
				}
			}
			if !near {
				place(x, y, x, y, 0)
			}
		}
	}
	for a := 0.0; a < 2*math.Pi; a += math.Pi / 12 {
		x, y := cx+1.7*rx*math.Cos(a), cy+1.6*ry*math.Sin(a)
		cs = append(cs, ctrl{x, y, 0, 0})
	}
	// Gaussian RBF weights: K w = d, lightly regularised.
	n := len(cs)
	sigma := 0.3 * eye
	k := make([][]float64, n)
	for i := range k {
		k[i] = make([]float64, n)
		for j := range k[i] {
			d2 := (cs[i].tx-cs[j].tx)*(cs[i].tx-cs[j].tx) + (cs[i].ty-cs[j].ty)*(cs[i].ty-cs[j].ty)
			k[i][j] = math.Exp(-d2 / (2 * sigma * sigma))
		}
		k[i][i] += 1e-3
	}
	bx, by := make([]float64, n), make([]float64, n)
	for i, c := range cs {
		bx[i], by[i] = c.dx, c.dy
	}
	wx, wy := solveDense(k, bx), solveDense(k, by)
	field := func(x, y float64) (float64, float64) {
		var dx, dy float64
		for i, c := range cs {
			d2 := (x-c.tx)*(x-c.tx) + (y-c.ty)*(y-c.ty)
			if d2 > 20*sigma*sigma {
				continue
			}
			g := math.Exp(-d2 / (2 * sigma * sigma))
			dx += wx[i] * g
			dy += wy[i] * g
		}
		return dx, dy
	}
	b := src.Bounds()
	W, H := b.Dx(), b.Dy()
	// The field on a coarse grid, interpolated per pixel.
	const cell = 4
	gw, gh := W/cell+2, H/cell+2
	fx, fy := make([]float64, gw*gh), make([]float64, gw*gh)
	for j := 0; j < gh; j++ {
		for i := 0; i < gw; i++ {
			fx[j*gw+i], fy[j*gw+i] = field(float64(i*cell), float64(j*cell))
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, W, H))
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			gi, gj := x/cell, y/cell
			u, v := float64(x%cell)/cell, float64(y%cell)/cell
			at := func(f []float64) float64 {
				return (f[gj*gw+gi]*(1-u)+f[gj*gw+gi+1]*u)*(1-v) + (f[(gj+1)*gw+gi]*(1-u)+f[(gj+1)*gw+gi+1]*u)*v
			}
			dst.SetRGBA(x, y, sampleBilinear(src, float64(x)+at(fx), float64(y)+at(fy)))
		}
	}
	if s.EyesClosed > 0.5 {
		// Paint the closed lids: skin taken from below the eye, a dark lash line.
		for _, o := range []int{36, 42} {
			var poly []face.Point
			var ex, ey float64
			for i := o; i < o+6; i++ {
				x, y := rot(moved[i].X-cx, moved[i].Y-cy, depth(lm[i].X, lm[i].Y, 0))
				poly = append(poly, face.Point{X: cx + x, Y: cy + y})
				ex, ey = ex+(cx+x)/6, ey+(cy+y)/6
			}
			// Grow the polygon a little so no iris shows at its rim.
			for i := range poly {
				poly[i].X = ex + (poly[i].X-ex)*1.4
				poly[i].Y = ey + (poly[i].Y-ey)*2.2
			}
			skin := dst.RGBAAt(int(ex), int(ey+0.3*eye))
			fillPolygon(dst, poly, skin)
			for t := 0.0; t <= 1; t += 0.02 {
				a, b := poly[0], poly[3]
				x, y := a.X+(b.X-a.X)*t, a.Y+(b.Y-a.Y)*t+1
				dst.SetRGBA(int(x), int(y), color.RGBA{40, 30, 30, 255})
				dst.SetRGBA(int(x), int(y)+1, color.RGBA{60, 45, 45, 255})
			}
		}
	}
	if s.MouthOpen > 0.05 {
		var poly []face.Point
		for i := 60; i < 68; i++ {
			x, y := rot(moved[i].X-cx, moved[i].Y-cy, depth(lm[i].X, lm[i].Y, 0))
			poly = append(poly, face.Point{X: cx + x, Y: cy + y})
		}
		fillPolygon(dst, poly, color.RGBA{R: 70, G: 25, B: 30, A: 255})
	}
	return dst
}

func sampleBilinear(src image.Image, x, y float64) color.RGBA {
	b := src.Bounds()
	x = math.Max(0, math.Min(float64(b.Dx()-1), x))
	y = math.Max(0, math.Min(float64(b.Dy()-1), y))
	xi, yi := int(x), int(y)
	xj, yj := min(xi+1, b.Dx()-1), min(yi+1, b.Dy()-1)
	fx, fy := x-float64(xi), y-float64(yi)
	get := func(px, py int) [3]float64 {
		r, g, bb, _ := src.At(b.Min.X+px, b.Min.Y+py).RGBA()
		return [3]float64{float64(r >> 8), float64(g >> 8), float64(bb >> 8)}
	}
	p00, p10, p01, p11 := get(xi, yi), get(xj, yi), get(xi, yj), get(xj, yj)
	var c [3]uint8
	for k := 0; k < 3; k++ {
		v := (p00[k]*(1-fx)+p10[k]*fx)*(1-fy) + (p01[k]*(1-fx)+p11[k]*fx)*fy
		c[k] = uint8(math.Max(0, math.Min(255, v+0.5)))
	}
	return color.RGBA{c[0], c[1], c[2], 255}
}

// fillPolygon paints the inside of poly (even-odd rule).
func fillPolygon(dst *image.RGBA, poly []face.Point, c color.RGBA) {
	minY, maxY := math.Inf(1), math.Inf(-1)
	for _, p := range poly {
		minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
	}
	b := dst.Bounds()
	for y := max(int(minY), b.Min.Y); y <= min(int(maxY), b.Max.Y-1); y++ {
		fy := float64(y) + 0.5
		var xs []float64
		for i := range poly {
			a, q := poly[i], poly[(i+1)%len(poly)]
			if (a.Y <= fy) != (q.Y <= fy) {
				xs = append(xs, a.X+(fy-a.Y)/(q.Y-a.Y)*(q.X-a.X))
			}
		}
		for i := 1; i < len(xs); i++ {
			for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
				xs[j], xs[j-1] = xs[j-1], xs[j]
			}
		}
		for i := 0; i+1 < len(xs); i += 2 {
			for x := max(int(xs[i]+0.5), b.Min.X); x < min(int(xs[i+1]+0.5), b.Max.X); x++ {
				dst.SetRGBA(x, y, c)
			}
		}
	}
}

// solveDense solves a·x = b by Gaussian elimination with partial pivoting
// (a is modified on a copy).
func solveDense(a [][]float64, b []float64) []float64 {
	n := len(b)
	m := make([][]float64, n)
	for i := range m {
		m[i] = append(append([]float64(nil), a[i]...), b[i])
	}
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		m[c], m[p] = m[p], m[c]
		if m[c][c] == 0 {
			continue
		}
		for r := c + 1; r < n; r++ {
			f := m[r][c] / m[c][c]
			if f == 0 {
				continue
			}
			for k := c; k <= n; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for k := r + 1; k < n; k++ {
			s -= m[r][k] * x[k]
		}
		if m[r][r] != 0 {
			x[r] = s / m[r][r]
		}
	}
	return x
}
