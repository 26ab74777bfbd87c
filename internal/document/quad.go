package document

// Finding the document in a photograph: straight edges make candidate
// quadrilaterals, the candidates are judged by how well their content
// matches a layout, and the four sides of the winner are refitted as
// straight lines so that rounded corners do not pull the corners inwards.

import (
	"image"
	"image/draw"
	"math"
	"slices"
	"sync"

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
// Lines are found with a Hough transform of the image gradient, and every
// four of them that make a quadrilateral with continuous edge support
// along its sides is a candidate. A card's own printed rules and frames
// make such quadrilaterals too (the driver's licence has several), so the
// candidates are then judged by their content: each is rectified and
// correlated with the layout templates, and the card's true outline is
// the one whose content lines up with a layout. When no candidate looks
// like any layout, the largest well-supported one wins. Each side of the
// winner is refitted to its edge pixels. Colour segmentation was tried
// first and failed on the white and paper surfaces, whose colour is the
// card's.
func FindQuad(img image.Image) (Quad, error) {
	return findQuadFor(img, defaultTemplates())
}

// defaultTemplates are the embedded classification templates, loaded once.
var defaultTemplates = sync.OnceValue(loadClassTemplates)

// findQuadFor is FindQuad judging the candidates against tpls.
func findQuadFor(img image.Image, tpls []classTemplate) (Quad, error) {
	b := img.Bounds()
	if b.Dx() < 64 || b.Dy() < 64 {
		return Quad{}, errkind.New(errkind.ErrInvalid, "document_image_too_small", "document: image is %dx%d, below 64x64", b.Dx(), b.Dy())
	}
	p, f := downscale(img, workSide)
	g := gradients(p)
	lines := houghLines(g, 24)
	cands := quadCandidates(g, lines)
	if len(cands) == 0 {
		return Quad{}, errkind.New(errkind.ErrInvalid, "document_not_found", "document: no document outline found in the image")
	}
	toFull := func(q Quad) Quad {
		for i := range q {
			// Back to full-resolution pixel centres.
			q[i] = Point{(q[i].X+0.5)*f - 0.5 + float64(b.Min.X), (q[i].Y+0.5)*f - 0.5 + float64(b.Min.Y)}
		}
		return orderQuad(q)
	}
	q := pickByContent(toRGBA(img), cands, tpls, g, toFull)
	if area := quadArea(q); area < float64(b.Dx()*b.Dy())/25 {
		return Quad{}, errkind.New(errkind.ErrInvalid, "document_too_small_in_image", "document: the document covers under 4%% of the image")
	}
	return q, nil
}

// pickByContent returns the candidate (refined, in full-image pixels)
// whose rectified content best matches a template. Candidates far weaker
// on the edges than the best one are not considered. Then each side of
// the winner is tried at the stronger parallel edges outside it, and
// moved there when the content matches the templates better. With no
// template, or no candidate that looks like a document, the best
// geometric candidate wins.
func pickByContent(img *image.RGBA, cands []quadCandidate, tpls []classTemplate, g grad, toFull func(Quad) Quad) Quad {
	first := toFull(refineQuad(g, cands[0].q))
	if len(tpls) == 0 {
		return first
	}
	score := func(raw Quad) (Quad, float64) {
		q := toFull(refineQuad(g, raw))
		cl, ok := classify(img, q, tpls)
		if !ok {
			return q, math.Inf(-1)
		}
		return q, cl.Score
	}
	// Geometry first: another candidate wins only when its content
	// matches a layout clearly better. Near-identical candidates (the
	// card edge and its shadow) differ by noise.
	bestRaw := cands[0].q
	_, bestScore := score(bestRaw)
	for _, c := range cands[1:] {
		if c.score < 0.15*cands[0].score {
			continue
		}
		if _, s := score(c.q); s > bestScore+betterLayout {
			bestRaw, bestScore = c.q, s
		}
	}
	if bestScore < minClassScore {
		return first
	}
	// Two rounds: the card's edge on one side may only pay off once the
	// side next to it has moved out too.
	for s := range 8 {
		s %= 4
		base := bestRaw
		for _, k := range edgeOffsets(g, base, s) {
			m, ok := moveSide(base, s, k[0], k[1])
			if !ok {
				continue
			}
			// Outer edges must earn their place: the layout must match
			// clearly better, not by the noise of a few pixels.
			if _, sc := score(m); sc > bestScore+outerGain {
				bestRaw, bestScore = m, sc
			}
		}
	}
	q, _ := score(bestRaw)
	return q
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
	// The lines across the strongest one: a card's printed rules run
	// mostly one way, and they must not crowd the card's other two edges
	// out of the list.
	across, wantAcross := 0, n/3
	for len(out) < n+wantAcross {
		onlyAcross := len(out) >= n
		if onlyAcross && across >= wantAcross {
			break
		}
		best, bi := 0.0, -1
		for i, v := range acc {
			if v > best && (!onlyAcross || angleDiff(float64(i/nr)*math.Pi/thetaBins, out[0].theta) > 50*math.Pi/180) {
				best, bi = v, i
			}
		}
		if bi < 0 {
			break
		}
		t, r := bi/nr, bi%nr
		out = append(out, hline{float64(t) * math.Pi / thetaBins, float64(r) - diag, best})
		if angleDiff(out[len(out)-1].theta, out[0].theta) > 50*math.Pi/180 {
			across++
		}
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

// quadCandidate is a quadrilateral made of four Hough lines, with its
// geometric score: its area times the weakest edge support of its sides.
type quadCandidate struct {
	q     Quad
	score float64
}

// maxCandidates is how many quads the search hands on to be judged by
// their content. The card edge is nearly always among the first few; the
// others are the printed rules and frames inside the card, the shadow and
// the edges of the surface.
const maxCandidates = 8

// quadCandidates tries pairs of roughly parallel lines crossed by another
// pair and returns the well-supported quads, best geometric score first,
// dropping near-duplicates of a better one.
func quadCandidates(g grad, lines []hline) []quadCandidate {
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
	var all []quadCandidate
	// top holds the best scores so far (enough to survive dropping
	// near-duplicates): a quad whose area, the most it can score, is
	// below the last of them need not have its sides measured.
	const keep = 4 * maxCandidates
	top := make([]float64, 0, keep+1)
	bar := func() float64 {
		if len(top) < keep {
			return 0
		}
		return top[keep-1]
	}
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
			if area <= bar() {
				continue
			}
			minSup := 1.0
			for k := range 4 {
				minSup = math.Min(minSup, support(g, q[k], q[(k+1)%4]))
				if minSup < 0.2 || area*minSup <= bar() {
					break
				}
			}
			if minSup < 0.2 || area*minSup <= bar() {
				continue
			}
			all = append(all, quadCandidate{q, area * minSup})
			k, _ := slices.BinarySearchFunc(top, area*minSup, func(a, b float64) int { return cmpF(b, a) })
			top = slices.Insert(top, k, area*minSup)
			top = top[:min(len(top), keep)]
		}
	}
	slices.SortFunc(all, func(a, b quadCandidate) int { return cmpF(b.score, a.score) })
	var out []quadCandidate
	for _, c := range all {
		dup := false
		for _, o := range out {
			if sameQuad(c.q, o.q, 4) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, c)
			if len(out) == maxCandidates {
				break
			}
		}
	}
	return out
}

// sameQuad says whether every corner of a lies within tol of a corner of b.
func sameQuad(a, b Quad, tol float64) bool {
	for _, p := range a {
		near := false
		for _, r := range b {
			if dist(p, r) <= tol {
				near = true
				break
			}
		}
		if !near {
			return false
		}
	}
	return true
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
	m, ok := homographyMatrix(q, w, h)
	if !ok {
		return nil, false
	}
	return func(x, y float64) (float64, float64) {
		d := m[6]*x + m[7]*y + 1
		return (m[0]*x + m[1]*y + m[2]) / d, (m[3]*x + m[4]*y + m[5]) / d
	}, true
}

// homographyMatrix solves for the eight free entries of the homography
// (the ninth is 1), row by row.
func homographyMatrix(q Quad, w, h float64) ([8]float64, bool) {
	src := [4]Point{{0, 0}, {w, 0}, {w, h}, {0, h}}
	var a [8][9]float64
	for i := range 4 {
		x, y, u, v := src[i].X, src[i].Y, q[i].X, q[i].Y
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	return solve8(&a)
}

// solve8 solves the 8×8 linear system whose augmented rows are a (the
// right-hand side in column 8) by Gauss-Jordan elimination with partial
// pivoting; false when it is singular. a is overwritten.
func solve8(a *[8][9]float64) ([8]float64, bool) {
	for c := range 8 {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return [8]float64{}, false
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
	return m, true
}

func rectify(img image.Image, q Quad, w, h int) (*image.RGBA, bool) {
	// Pixel centres map to pixel centres: the rectangle's corners are the
	// outer edges of the printed document.
	m, ok := homographyMatrix(Quad{{q[0].X + 0.5, q[0].Y + 0.5}, {q[1].X + 0.5, q[1].Y + 0.5}, {q[2].X + 0.5, q[2].Y + 0.5}, {q[3].X + 0.5, q[3].Y + 0.5}}, float64(w), float64(h))
	if !ok {
		return nil, false
	}
	src := toRGBA(img)
	b := src.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	sp, ss := src.Pix, src.Stride
	for y := range h {
		fy := float64(y) + 0.5
		for x := range w {
			fx := float64(x) + 0.5
			d := m[6]*fx + m[7]*fy + 1
			u := (m[0]*fx+m[1]*fy+m[2])/d - 0.5
			v := (m[3]*fx+m[4]*fy+m[5])/d - 0.5
			x0, y0 := int(math.Floor(u)), int(math.Floor(v))
			ax, ay := u-float64(x0), v-float64(y0)
			o := y*out.Stride + 4*x
			if x0 >= b.Min.X && y0 >= b.Min.Y && x0+1 < b.Max.X && y0+1 < b.Max.Y {
				i00 := (y0-b.Min.Y)*ss + 4*(x0-b.Min.X)
				i10, i01 := i00+4, i00+ss
				i11 := i01 + 4
				w00, w10, w01, w11 := (1-ax)*(1-ay), ax*(1-ay), (1-ax)*ay, ax*ay
				for c := range 3 {
					s := w00*float64(sp[i00+c]) + w10*float64(sp[i10+c]) + w01*float64(sp[i01+c]) + w11*float64(sp[i11+c])
					out.Pix[o+c] = uint8(min(255, s+0.5))
				}
			} else {
				for c := range 3 {
					var s float64
					for k, wgt := range [4]float64{(1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay} {
						xx, yy := min(max(x0+k%2, b.Min.X), b.Max.X-1), min(max(y0+k/2, b.Min.Y), b.Max.Y-1)
						s += wgt * float64(sp[src.PixOffset(xx, yy)+c])
					}
					out.Pix[o+c] = uint8(min(255, s+0.5))
				}
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
	draw.Draw(out, b, img, b.Min, draw.Src) // fast paths for JPEG's YCbCr and for Gray
	if o, ok := img.(interface{ Opaque() bool }); !ok || !o.Opaque() {
		for i := 3; i < len(out.Pix); i += 4 {
			out.Pix[i] = 255 // premultiplied colour, shown as opaque
		}
	}
	return out
}

// outwardNormal is the unit normal of side s of q pointing away from the
// quad's centre.
func outwardNormal(q Quad, s int) Point {
	a, b := q[s], q[(s+1)%4]
	l := math.Max(dist(a, b), 1e-9)
	nx, ny := -(b.Y-a.Y)/l, (b.X-a.X)/l
	var cx, cy float64
	for _, p := range q {
		cx, cy = cx+p.X/4, cy+p.Y/4
	}
	if (a.X-cx)*nx+(a.Y-cy)*ny < 0 {
		nx, ny = -nx, -ny
	}
	return Point{nx, ny}
}

// moveSide moves side s of q outwards, its first end by ka and its second
// by kb (distances across the side), each end sliding along the
// neighbouring side so that the quad stays closed.
func moveSide(q Quad, s int, ka, kb float64) (Quad, bool) {
	n := outwardNormal(q, s)
	a, b := q[s], q[(s+1)%4]
	ua, ub := unit(q[(s+3)%4], a), unit(q[(s+2)%4], b) // along the neighbours, outwards
	da, db := ua.X*n.X+ua.Y*n.Y, ub.X*n.X+ub.Y*n.Y
	if da < 0.3 || db < 0.3 {
		return q, false
	}
	q[s] = Point{a.X + ua.X*ka/da, a.Y + ua.Y*ka/da}
	q[(s+1)%4] = Point{b.X + ub.X*kb/db, b.Y + ub.Y*kb/db}
	return q, true
}

// edgeOffsets lists, for side s of q, the distances outwards (up to a
// third of the quad's extent across the side) at which a straight edge
// nearly parallel to the side has good support: the local maxima of
// support. A card's printed rules are parallel to its edges and often
// stronger than the edge itself (a white card on a white desk), so the
// Hough search can take a rule for the edge; the card's outline is then
// one of these outer edges.
func edgeOffsets(g grad, q Quad, s int) [][2]float64 {
	n := outwardNormal(q, s)
	a := q[s]
	c, d := q[(s+2)%4], q[(s+3)%4]
	across := math.Abs(((c.X+d.X)/2-a.X)*n.X + ((c.Y+d.Y)/2-a.Y)*n.Y)
	maxOff := int(across / 3)
	at := func(ka, kb float64) float64 {
		m, ok := moveSide(q, s, ka, kb)
		if !ok || !inside(g, m[s]) || !inside(g, m[(s+1)%4]) {
			return 0
		}
		return support(g, m[s], m[(s+1)%4])
	}
	// The profile straight out; each peak is then tried a little turned
	// (perspective makes the edge and the rules not quite parallel).
	prof := make([]float64, maxOff+2)
	for off := 2; off <= maxOff; off++ {
		prof[off] = at(float64(off), float64(off))
	}
	var out [][2]float64
	for off := 3; off <= maxOff; off++ {
		p := prof[off]
		if p < 0.25 || p < prof[off-1] || p <= prof[off+1] {
			continue
		}
		best, bk := p, [2]float64{float64(off), float64(off)}
		for _, tilt := range [...]float64{-2, 2} {
			ka, kb := float64(off)+tilt, float64(off)-tilt
			if sp := at(ka, kb); sp > best {
				best, bk = sp, [2]float64{ka, kb}
			}
		}
		if best >= 0.3 {
			out = append(out, bk)
		}
	}
	return out
}

// How much better (in template correlation) another candidate, or an
// outer edge, must match a layout to replace the best-supported quad.
var (
	betterLayout = 0.05
	outerGain    = 0.02
)

func inside(g grad, p Point) bool {
	return p.X >= 0 && p.Y >= 0 && p.X <= float64(g.w-1) && p.Y <= float64(g.h-1)
}

func unit(from, to Point) Point {
	l := math.Max(dist(from, to), 1e-9)
	return Point{(to.X - from.X) / l, (to.Y - from.Y) / l}
}
