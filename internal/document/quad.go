package document

// Finding the document in a photograph: the card (or passport page) is
// told from the surface it lies on by colour, its outline is reduced to a
// quadrilateral, and the four sides are refitted as straight lines so that
// rounded corners do not pull the corners inwards.

import (
	"image"
	"math"
	"slices"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Point is a position in image pixels; the centre of the top-left pixel is (0, 0).
type Point struct{ X, Y float64 }

// Quad is a document outline: top-left, top-right, bottom-right,
// bottom-left as the document is printed.
type Quad [4]Point

// workSide is the longest side of the image the outline is searched in:
// enough for corners within a pixel or two, small enough to be fast.
const workSide = 640

// plane is one float channel set of a downscaled image.
type plane struct {
	w, h    int
	r, g, b []float32
}

func downscale(img image.Image, maxSide int) (plane, float64) {
	b := img.Bounds()
	f := 1
	for max(b.Dx(), b.Dy())/f > maxSide {
		f++
	}
	w, h := b.Dx()/f, b.Dy()/f
	p := plane{w: w, h: h, r: make([]float32, w*h), g: make([]float32, w*h), b: make([]float32, w*h)}
	n := float32(f * f)
	rgba, _ := img.(*image.RGBA)
	ycc, _ := img.(*image.YCbCr)
	for y := range h {
		for x := range w {
			var sr, sg, sb float32
			for dy := range f {
				for dx := range f {
					px, py := b.Min.X+x*f+dx, b.Min.Y+y*f+dy
					var cr, cg, cb uint32
					switch {
					case rgba != nil:
						i := rgba.PixOffset(px, py)
						cr, cg, cb = uint32(rgba.Pix[i])<<8, uint32(rgba.Pix[i+1])<<8, uint32(rgba.Pix[i+2])<<8
					case ycc != nil:
						cr, cg, cb, _ = ycc.YCbCrAt(px, py).RGBA()
					default:
						cr, cg, cb, _ = img.At(px, py).RGBA()
					}
					sr += float32(cr >> 8)
					sg += float32(cg >> 8)
					sb += float32(cb >> 8)
				}
			}
			i := y*w + x
			p.r[i], p.g[i], p.b[i] = sr/n, sg/n, sb/n
		}
	}
	return p, float64(f)
}

// FindQuad finds the document's outline in a photograph of it lying on a
// surface. The corners are returned clockwise from the one nearest the
// image's top-left along a long side; which printed corner that is (the
// photo may be upside down) is for the caller to decide.
//
// The outline is the best-supported quadrilateral made of four straight
// edges: lines are found with a Hough transform of the image gradient, the
// four that enclose the largest area with continuous edge support along
// their sides win, and each side is then refitted to its edge pixels.
// Colour segmentation was tried first and failed on the white and paper
// surfaces, whose colour is the card's.
func FindQuad(img image.Image) (Quad, error) {
	b := img.Bounds()
	if b.Dx() < 64 || b.Dy() < 64 {
		return Quad{}, errkind.New(errkind.ErrInvalid, "document_image_too_small", "document: image is %dx%d, below 64x64", b.Dx(), b.Dy())
	}
	p, f := downscale(img, workSide)
	g := gradients(p)
	lines := houghLines(g, 24)
	q, ok := bestQuad(g, lines)
	if !ok {
		return Quad{}, errkind.New(errkind.ErrInvalid, "document_not_found", "document: no document outline found in the image")
	}
	q = refineQuad(g, q)
	for i := range q {
		// Back to full-resolution pixel centres.
		q[i] = Point{(q[i].X+0.5)*f - 0.5 + float64(b.Min.X), (q[i].Y+0.5)*f - 0.5 + float64(b.Min.Y)}
	}
	q = orderQuad(q)
	if area := quadArea(q); area < float64(b.Dx()*b.Dy())/25 {
		return Quad{}, errkind.New(errkind.ErrInvalid, "document_too_small_in_image", "document: the document covers under 4%% of the image")
	}
	return q, nil
}

// grad holds the gradient of a downscaled image.
type grad struct {
	w, h   int
	gx, gy []float32
	mag    []float32
	strong float32 // magnitude above which a pixel counts as an edge
}

func gradients(p plane) grad {
	w, h := p.w, p.h
	// Colour matters: a pink card on a grey desk can have the desk's
	// brightness. Take each channel's gradient and keep the strongest.
	blur := func(c []float32) []float32 {
		t := make([]float32, len(c))
		o := make([]float32, len(c))
		for y := range h {
			for x := range w {
				x0, x1 := max(x-1, 0), min(x+1, w-1)
				t[y*w+x] = (c[y*w+x0] + 2*c[y*w+x] + c[y*w+x1]) / 4
			}
		}
		for y := range h {
			y0, y1 := max(y-1, 0), min(y+1, h-1)
			for x := range w {
				o[y*w+x] = (t[y0*w+x] + 2*t[y*w+x] + t[y1*w+x]) / 4
			}
		}
		return o
	}
	g := grad{w: w, h: h, gx: make([]float32, w*h), gy: make([]float32, w*h), mag: make([]float32, w*h)}
	for _, c := range [][]float32{blur(p.r), blur(p.g), blur(p.b)} {
		for y := 1; y < h-1; y++ {
			for x := 1; x < w-1; x++ {
				i := y*w + x
				gx := (c[i-w+1] + 2*c[i+1] + c[i+w+1] - c[i-w-1] - 2*c[i-1] - c[i+w-1]) / 8
				gy := (c[i+w-1] + 2*c[i+w] + c[i+w+1] - c[i-w-1] - 2*c[i-w] - c[i-w+1]) / 8
				if m := gx*gx + gy*gy; m > g.mag[i] {
					g.mag[i], g.gx[i], g.gy[i] = m, gx, gy
				}
			}
		}
	}
	var all []float32
	for i := range g.mag {
		g.mag[i] = float32(math.Sqrt(float64(g.mag[i])))
		if i%7 == 0 {
			all = append(all, g.mag[i])
		}
	}
	slices.Sort(all)
	g.strong = max(all[len(all)*80/100], 2.5)
	return g
}

// hline is a line x·cos θ + y·sin θ = ρ, θ the direction of its normal.
type hline struct{ theta, rho, votes float64 }

const thetaBins = 180

func houghLines(g grad, n int) []hline {
	diag := math.Hypot(float64(g.w), float64(g.h))
	nr := int(2*diag) + 1
	acc := make([]float64, thetaBins*nr)
	var cs, sn [thetaBins]float64
	for t := range thetaBins {
		th := float64(t) * math.Pi / thetaBins
		cs[t], sn[t] = math.Cos(th), math.Sin(th)
	}
	for y := 1; y < g.h-1; y++ {
		for x := 1; x < g.w-1; x++ {
			i := y*g.w + x
			m := g.mag[i]
			if m < g.strong {
				continue
			}
			th := math.Atan2(float64(g.gy[i]), float64(g.gx[i]))
			if th < 0 {
				th += math.Pi
			}
			tc := int(math.Round(th / math.Pi * thetaBins))
			wgt := math.Min(float64(m), 4*float64(g.strong))
			for dt := -3; dt <= 3; dt++ {
				t := ((tc+dt)%thetaBins + thetaBins) % thetaBins
				r := int(math.Round(float64(x)*cs[t] + float64(y)*sn[t] + diag))
				if r >= 0 && r < nr {
					acc[t*nr+r] += wgt
				}
			}
		}
	}
	var out []hline
	for len(out) < n {
		best, bi := 0.0, -1
		for i, v := range acc {
			if v > best {
				best, bi = v, i
			}
		}
		if bi < 0 {
			break
		}
		t, r := bi/nr, bi%nr
		out = append(out, hline{float64(t) * math.Pi / thetaBins, float64(r) - diag, best})
		// Suppress the neighbourhood, θ wrapping with ρ's sign flipped.
		for dt := -6; dt <= 6; dt++ {
			tt, flip := t+dt, false
			if tt < 0 {
				tt, flip = tt+thetaBins, true
			} else if tt >= thetaBins {
				tt, flip = tt-thetaBins, true
			}
			rc := r
			if flip {
				rc = nr - 1 - r
			}
			for dr := -8; dr <= 8; dr++ {
				if rr := rc + dr; rr >= 0 && rr < nr {
					acc[tt*nr+rr] = 0
				}
			}
		}
	}
	return out
}

func intersect(a, b hline) (Point, bool) {
	ca, sa, cb, sb := math.Cos(a.theta), math.Sin(a.theta), math.Cos(b.theta), math.Sin(b.theta)
	d := ca*sb - sa*cb
	if math.Abs(d) < 1e-6 {
		return Point{}, false
	}
	return Point{(a.rho*sb - b.rho*sa) / d, (b.rho*ca - a.rho*cb) / d}, true
}

func angleDiff(a, b float64) float64 {
	d := math.Mod(math.Abs(a-b), math.Pi)
	return math.Min(d, math.Pi-d)
}

// support rates the edge along the segment a→b, in [0, 1]: at each
// sample, the strongest gradient across the segment within two pixels of
// it, capped at three times the edge threshold. A sharp card edge scores
// high; the soft edge of its shadow and a line of print that stops short
// score lower.
func support(g grad, a, b Point) float64 {
	l := dist(a, b)
	if l < 4 {
		return 0
	}
	nx, ny := -(b.Y-a.Y)/l, (b.X-a.X)/l
	steps := int(l / 2)
	var sum float64
	for s := range steps {
		t := 0.08 + 0.84*(float64(s)+0.5)/float64(steps) // the rounded corners are not edges
		x, y := a.X+(b.X-a.X)*t, a.Y+(b.Y-a.Y)*t
		best := 0.0
		for _, o := range [...]float64{0, -1, 1, -2, 2} {
			xi, yi := int(math.Round(x+nx*o)), int(math.Round(y+ny*o))
			if xi < 1 || yi < 1 || xi >= g.w-1 || yi >= g.h-1 {
				continue
			}
			i := yi*g.w + xi
			m := float64(g.mag[i])
			if m >= float64(g.strong)*0.7 && math.Abs(float64(g.gx[i])*nx+float64(g.gy[i])*ny) >= 0.85*m {
				best = math.Max(best, math.Min(m/float64(g.strong), 3)/3)
			}
		}
		sum += best
	}
	return sum / float64(steps)
}

// bestQuad tries pairs of roughly parallel lines crossed by another pair
// and keeps the quad with the most area among the well-supported ones.
func bestQuad(g grad, lines []hline) (Quad, bool) {
	type pair struct{ a, b hline }
	var pairs []pair
	for i := range lines {
		for j := i + 1; j < len(lines); j++ {
			if angleDiff(lines[i].theta, lines[j].theta) < 25*math.Pi/180 {
				pairs = append(pairs, pair{lines[i], lines[j]})
			}
		}
	}
	minArea := float64(g.w*g.h) / 20
	var best Quad
	bestScore := 0.0
	for i := range pairs {
		for j := i + 1; j < len(pairs); j++ {
			p, r := pairs[i], pairs[j]
			if angleDiff(p.a.theta, r.a.theta) < 50*math.Pi/180 {
				continue
			}
			var q Quad
			ok := true
			for k, ls := range [4][2]hline{{p.a, r.a}, {r.a, p.b}, {p.b, r.b}, {r.b, p.a}} {
				pt, good := intersect(ls[0], ls[1])
				if !good || pt.X < -2 || pt.Y < -2 || pt.X > float64(g.w)+1 || pt.Y > float64(g.h)+1 {
					ok = false
					break
				}
				q[k] = pt
			}
			if !ok {
				continue
			}
			area := quadArea(q)
			if area < minArea || !convex(q) {
				continue
			}
			s1, s2 := dist(q[0], q[1])+dist(q[2], q[3]), dist(q[1], q[2])+dist(q[3], q[0])
			if aspect := math.Max(s1, s2) / math.Min(s1, s2); aspect > 2.4 {
				continue
			}
			minSup := 1.0
			for k := range 4 {
				minSup = math.Min(minSup, support(g, q[k], q[(k+1)%4]))
			}
			if minSup < 0.2 {
				continue
			}
			if score := area * minSup; score > bestScore {
				bestScore, best = score, q
			}
		}
	}
	return best, bestScore > 0
}

func convex(q Quad) bool {
	sign := 0.0
	for i := range 4 {
		c := cross(q[i], q[(i+1)%4], q[(i+2)%4])
		if c == 0 || (sign != 0 && (c > 0) != (sign > 0)) {
			return false
		}
		sign = c
	}
	return true
}

func cross(o, a, b Point) float64 { return (a.X-o.X)*(b.Y-o.Y) - (a.Y-o.Y)*(b.X-o.X) }

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// refineQuad refits each side as the magnitude-weighted least-squares
// line through the edge pixels along its middle, and intersects
// neighbouring sides.
func refineQuad(g grad, q Quad) Quad {
	type line struct{ px, py, dx, dy float64 }
	var lines [4]line
	for s := range 4 {
		a, b := q[s], q[(s+1)%4]
		l := dist(a, b)
		ux, uy := (b.X-a.X)/l, (b.Y-a.Y)/l
		var sw, sx, sy, sxx, syy, sxy float64
		x0, x1 := int(math.Min(a.X, b.X))-4, int(math.Max(a.X, b.X))+4
		y0, y1 := int(math.Min(a.Y, b.Y))-4, int(math.Max(a.Y, b.Y))+4
		for y := max(y0, 1); y <= min(y1, g.h-2); y++ {
			for x := max(x0, 1); x <= min(x1, g.w-2); x++ {
				px, py := float64(x), float64(y)
				t := ((px-a.X)*ux + (py-a.Y)*uy) / l
				d := math.Abs((px-a.X)*uy - (py-a.Y)*ux)
				if t < 0.1 || t > 0.9 || d > 2.5 {
					continue
				}
				i := y*g.w + x
				m := float64(g.mag[i])
				if m < float64(g.strong) || math.Abs(float64(g.gx[i])*uy-float64(g.gy[i])*ux) < 0.85*m {
					continue
				}
				m *= m
				sw, sx, sy = sw+m, sx+m*px, sy+m*py
				sxx, syy, sxy = sxx+m*px*px, syy+m*py*py, sxy+m*px*py
			}
		}
		if sw == 0 {
			lines[s] = line{a.X, a.Y, ux, uy}
			continue
		}
		mx, my := sx/sw, sy/sw
		cxx, cyy, cxy := sxx/sw-mx*mx, syy/sw-my*my, sxy/sw-mx*my
		th := 0.5 * math.Atan2(2*cxy, cxx-cyy)
		lines[s] = line{mx, my, math.Cos(th), math.Sin(th)}
	}
	var out Quad
	for s := range 4 {
		l1, l2 := lines[(s+3)%4], lines[s]
		den := l1.dx*l2.dy - l1.dy*l2.dx
		if math.Abs(den) < 1e-6 {
			return q
		}
		t := ((l2.px-l1.px)*l2.dy - (l2.py-l1.py)*l2.dx) / den
		out[s] = Point{l1.px + t*l1.dx, l1.py + t*l1.dy}
	}
	for i := range out {
		if dist(out[i], q[i]) > 6 {
			return q
		}
	}
	return out
}

// orderQuad orders q clockwise on screen, starting so that the first side
// is a long side pointing as nearly rightwards as possible.
func orderQuad(q Quad) Quad {
	var cx, cy float64
	for _, p := range q {
		cx, cy = cx+p.X/4, cy+p.Y/4
	}
	slices.SortFunc(q[:], func(a, b Point) int {
		return cmpF(math.Atan2(a.Y-cy, a.X-cx), math.Atan2(b.Y-cy, b.X-cx))
	}) // screen-clockwise from the left
	side := func(i int) float64 { return dist(q[i], q[(i+1)%4]) }
	long := 0
	if side(1)+side(3) > side(0)+side(2) {
		long = 1
	}
	best, start := math.Inf(-1), 0
	for _, s := range []int{long, long + 2} {
		a, b := q[s], q[(s+1)%4]
		if c := (b.X - a.X) / dist(a, b); c > best {
			best, start = c, s
		}
	}
	var out Quad
	for i := range 4 {
		out[i] = q[(start+i)%4]
	}
	return out
}

// rotate180 turns the quad's labels half a turn: the document is upside down.
func (q Quad) rotate180() Quad { return Quad{q[2], q[3], q[0], q[1]} }

func dist(a, b Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

func quadArea(q Quad) float64 {
	var a float64
	for i := range 4 {
		j := (i + 1) % 4
		a += q[i].X*q[j].Y - q[j].X*q[i].Y
	}
	return math.Abs(a) / 2
}

// homography maps the rectangle [0,w]×[0,h] onto q (corner centres to
// corners): the returned function takes rectangle coordinates to image
// coordinates.
func homography(q Quad, w, h float64) (func(x, y float64) (float64, float64), bool) {
	src := [4]Point{{0, 0}, {w, 0}, {w, h}, {0, h}}
	var a [8][9]float64
	for i := range 4 {
		x, y, u, v := src[i].X, src[i].Y, q[i].X, q[i].Y
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	for c := range 8 { // Gauss-Jordan with partial pivoting
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return nil, false
		}
		a[c], a[p] = a[p], a[c]
		for r := range 8 {
			if r == c {
				continue
			}
			f := a[r][c] / a[c][c]
			for k := c; k < 9; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	var m [8]float64
	for i := range 8 {
		m[i] = a[i][8] / a[i][i]
	}
	return func(x, y float64) (float64, float64) {
		d := m[6]*x + m[7]*y + 1
		return (m[0]*x + m[1]*y + m[2]) / d, (m[3]*x + m[4]*y + m[5]) / d
	}, true
}

// rectify samples the quad of img into a w×h image (bilinear).
func rectify(img image.Image, q Quad, w, h int) (*image.RGBA, bool) {
	// Pixel centres map to pixel centres: the rectangle's corners are the
	// outer edges of the printed document.
	hm, ok := homography(Quad{{q[0].X + 0.5, q[0].Y + 0.5}, {q[1].X + 0.5, q[1].Y + 0.5}, {q[2].X + 0.5, q[2].Y + 0.5}, {q[3].X + 0.5, q[3].Y + 0.5}}, float64(w), float64(h))
	if !ok {
		return nil, false
	}
	src := toRGBA(img)
	b := src.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			u, v := hm(float64(x)+0.5, float64(y)+0.5)
			u, v = u-0.5, v-0.5
			x0, y0 := int(math.Floor(u)), int(math.Floor(v))
			fx, fy := u-float64(x0), v-float64(y0)
			o := out.PixOffset(x, y)
			for c := range 3 {
				var s float64
				for k, wgt := range [4]float64{(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy} {
					xx, yy := min(max(x0+k%2, b.Min.X), b.Max.X-1), min(max(y0+k/2, b.Min.Y), b.Max.Y-1)
					s += wgt * float64(src.Pix[src.PixOffset(xx, yy)+c])
				}
				out.Pix[o+c] = uint8(min(255, s+0.5))
			}
			out.Pix[o+3] = 255
		}
	}
	return out, true
}

func toRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok {
		return r
	}
	b := img.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			o := out.PixOffset(x, y)
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = uint8(r>>8), uint8(g>>8), uint8(bb>>8), 255
		}
	}
	return out
}
