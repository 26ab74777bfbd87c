package document

// Thickness: the ホ method asks for a photo that shows the document's
// thickness (厚み). The person photographs the card at an angle, so one
// long edge shows as a narrow strip of the card's core beside its face.
// This file finds the card in that photo, measures the strip across the
// long side facing the camera, compares its width with what a 0.76 mm
// ID-1 card would show at the view's angle, and checks that the card is
// the one in the front photo (same type and side by the layout templates,
// and a correlation of the two rectified faces).
//
// The thresholds were set on synthetic specimens (internal/synth), not on
// real photos; docs/documents.md gives the numbers.

import (
	"image"
	"math"
	"slices"
	"sync"
)

// ID1ThicknessMM is the nominal thickness of an ID-1 card (ISO/IEC 7810).
const ID1ThicknessMM = 0.76

// Thickness reason codes.
const (
	ReasonThicknessCardNotFound    = "thickness_card_not_found"    // no card outline in the angled photo
	ReasonThicknessNotAngled       = "thickness_not_angled"        // the photo looks straight down: no edge can show
	ReasonThicknessEdgeMissing     = "thickness_edge_missing"      // no edge strip along either long side
	ReasonThicknessEdgeThin        = "thickness_edge_thin"         // a strip far thinner than a card's: paper
	ReasonThicknessEdgeThick       = "thickness_edge_thick"        // a strip far thicker than a card's
	ReasonThicknessNotSameDocument = "thickness_not_same_document" // the angled photo shows another document
	ReasonThicknessFrontUnreadable = "thickness_front_unreadable"  // the front has no outline to compare with
)

// Thickness thresholds. The ratio is the measured strip over what a
// 0.76 mm card shows at the estimated angle: genuine synthetic cards
// measure 0.7–1.4 (the camera blur widens thin strips), a 0.1 mm printout
// about 0.25 or nothing.
const (
	ThicknessMinRatio = 0.5
	ThicknessMaxRatio = 2.2
	// SameDocumentMin is the least face similarity (see sameDocument) of
	// the angled photo and the front for the same card.
	SameDocumentMin = 0.45
)

// ThicknessResult is what Thickness measured. It holds no personal data.
type ThicknessResult struct {
	Pass    bool     `json:"pass"`
	Score   float64  `json:"score"` // 0..1: how much like the front's card, with a card's edge
	Reasons []string `json:"reasons"`

	EdgeFound    bool    `json:"edge_found"`
	EdgePx       float64 `json:"edge_px"`       // the strip's measured height
	ExpectedPx   float64 `json:"expected_px"`   // for 0.76 mm at the estimated angle
	Ratio        float64 `json:"ratio"`         // EdgePx / ExpectedPx
	EdgeContrast float64 `json:"edge_contrast"` // the weaker of the strip's two boundaries, 8-bit levels
	ElevationDeg float64 `json:"elevation_deg"` // estimated from the outline's foreshortening

	// The angled photo's layout class, and its similarity with the front.
	Type       Type    `json:"type,omitempty"`
	Side       Side    `json:"side,omitempty"`
	FrontType  Type    `json:"front_type,omitempty"`
	Similarity float64 `json:"similarity"`
	Compared   bool    `json:"compared"` // a front was given and read
}

var (
	classTplOnce sync.Once
	classTpls    []classTemplate
)

func sharedTemplates() []classTemplate {
	classTplOnce.Do(func() { classTpls = loadClassTemplates() })
	return classTpls
}

// Thickness judges an angled photo of a card against the photo of its
// front (front may be nil: then only the edge is judged).
func Thickness(angled, front image.Image) ThicknessResult {
	res := ThicknessResult{Reasons: []string{}}
	if angled == nil {
		res.Reasons = append(res.Reasons, ReasonThicknessCardNotFound)
		return res
	}
	rgba := toRGBA(angled)
	q, haveQuad := AngledQuad(rgba)
	m := measureEdge(rgba, q, haveQuad)
	res.EdgeFound, res.EdgePx, res.ExpectedPx, res.EdgeContrast, res.ElevationDeg = m.found, m.width, m.expected, m.contrast, m.elevation
	if m.expected > 0.5 {
		res.Ratio = m.width / m.expected
	}
	switch {
	case m.elevation > 75:
		res.Reasons = append(res.Reasons, ReasonThicknessNotAngled)
	case !m.found:
		res.Reasons = append(res.Reasons, ReasonThicknessEdgeMissing)
	case res.Ratio < ThicknessMinRatio:
		res.Reasons = append(res.Reasons, ReasonThicknessEdgeThin)
	case res.Ratio > ThicknessMaxRatio:
		res.Reasons = append(res.Reasons, ReasonThicknessEdgeThick)
	}
	edgeScore := 0.0
	if m.found {
		// 1 inside the plausible band, falling off outside it.
		r := res.Ratio
		edgeScore = math.Min(1, math.Min(r/ThicknessMinRatio, ThicknessMaxRatio/math.Max(r, 1e-9)))
		edgeScore *= math.Min(1, m.contrast/12)
	}
	sameScore := 1.0
	if front != nil && !haveQuad {
		res.Reasons = append(res.Reasons, ReasonThicknessCardNotFound)
		sameScore = 0
	}
	if front != nil && haveQuad {
		s := compareFaces(rgba, q, front)
		res.Type, res.Side, res.FrontType, res.Similarity, res.Compared = s.typ, s.side, s.frontType, s.similarity, s.ok
		switch {
		case !s.ok:
			res.Reasons = append(res.Reasons, ReasonThicknessFrontUnreadable)
			sameScore = 0
		case s.similarity < SameDocumentMin:
			res.Reasons = append(res.Reasons, ReasonThicknessNotSameDocument)
			sameScore = math.Max(0, s.similarity) / SameDocumentMin * 0.5
		default:
			sameScore = math.Min(1, 0.5+0.5*(s.similarity-SameDocumentMin)/(1-SameDocumentMin))
		}
	}
	res.Score = round3(math.Min(edgeScore, sameScore))
	for _, v := range []*float64{&res.EdgePx, &res.ExpectedPx, &res.Ratio, &res.EdgeContrast, &res.ElevationDeg, &res.Similarity} {
		*v = round3(*v)
	}
	res.Pass = len(res.Reasons) == 0
	return res
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// AngledQuad finds a card's face in an oblique photo. FindQuad expects
// opposite sides that are nearly parallel; at 30–45° above the card,
// perspective makes the short sides converge by up to 40°, so this search
// allows that, and a foreshortened aspect ratio up to 5.
func AngledQuad(img image.Image) (Quad, bool) {
	b := img.Bounds()
	if b.Dx() < 64 || b.Dy() < 64 {
		return Quad{}, false
	}
	p, f := downscale(img, workSide)
	g := gradients(p)
	lines := houghLines(g, 24)
	type pair struct{ a, b hline }
	var longs, shorts []pair
	for i := range lines {
		for j := i + 1; j < len(lines); j++ {
			d := angleDiff(lines[i].theta, lines[j].theta)
			if math.Abs(lines[i].rho-lines[j].rho) < 4 && d < 0.05 {
				continue
			}
			if d < 12*math.Pi/180 {
				longs = append(longs, pair{lines[i], lines[j]})
			}
			if d < 45*math.Pi/180 {
				shorts = append(shorts, pair{lines[i], lines[j]})
			}
		}
	}
	minArea := float64(g.w*g.h) / 30
	var best Quad
	bestScore := 0.0
	for _, p := range longs {
		for _, r := range shorts {
			if angleDiff(p.a.theta, r.a.theta) < 35*math.Pi/180 || angleDiff(p.a.theta, r.b.theta) < 35*math.Pi/180 {
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
			// The pair p are the long sides.
			long := dist(q[1], q[2]) + dist(q[3], q[0])
			short := dist(q[0], q[1]) + dist(q[2], q[3])
			if long < short || long/short > 5 {
				continue
			}
			minSup := 1.0
			for k := range 4 {
				minSup = math.Min(minSup, support(g, q[k], q[(k+1)%4]))
			}
			if minSup < 0.25 {
				continue
			}
			if score := area * minSup * minSup; score > bestScore {
				bestScore, best = score, q
			}
		}
	}
	if bestScore == 0 {
		return Quad{}, false
	}
	best = refineQuad(g, best)
	for i := range best {
		best[i] = Point{(best[i].X+0.5)*f - 0.5 + float64(b.Min.X), (best[i].Y+0.5)*f - 0.5 + float64(b.Min.Y)}
	}
	return orderQuad(best), true
}

// edgeMeasure is the strip found along one long side.
type edgeMeasure struct {
	found               bool
	width, expected     float64
	contrast, elevation float64
}

// Profile sampling across a side: offsets from −profIn to +profOut full
// resolution pixels, outward positive, in steps of profStep.
const (
	profIn   = 20.0
	profOut  = 20.0
	profStep = 0.5
)

// measureEdge looks for the strip along the strongest straight lines of
// the photo (the card's long sides among them). Across each line it takes
// the median colour profile over the line's supported segment (so only
// structure parallel to the line survives: print and surface texture at
// other angles average out) and finds a band between two steps, flat
// inside, whose two sides differ (card face on one, the surface or the
// card's shadow on the other; a printed rule has the card on both sides).
// The longest such band wins. Its height is compared with what 0.76 mm
// shows: thickness × cos(elevation) at the line's scale, the elevation
// estimated from the card's outline q (when found) and otherwise taken
// as 40°.
func measureEdge(img *image.RGBA, q Quad, haveQuad bool) edgeMeasure {
	b := img.Bounds()
	p, f := downscale(img, workSide)
	g := gradients(p)
	lines := houghLines(g, 16)
	el := 40.0
	if haveQuad {
		w := (dist(q[0], q[1]) + dist(q[3], q[2])) / 2
		h := (dist(q[1], q[2]) + dist(q[0], q[3])) / 2
		el = math.Asin(math.Min(1, (h/w)*85.6/53.98)) * 180 / math.Pi
	}
	best := edgeMeasure{elevation: el}
	bestLen := 0.0
	for _, ln := range lines {
		a, bb, ok := supportedSegment(g, ln)
		if !ok {
			continue
		}
		A := Point{(a.X+0.5)*f - 0.5 + float64(b.Min.X), (a.Y+0.5)*f - 0.5 + float64(b.Min.Y)}
		B := Point{(bb.X+0.5)*f - 0.5 + float64(b.Min.X), (bb.Y+0.5)*f - 0.5 + float64(b.Min.Y)}
		l := dist(A, B)
		if l < 0.3*float64(b.Dx()) {
			continue
		}
		m := stripAcross(img, A, B)
		if !m.found {
			continue
		}
		// A card's long side is about 85.6 mm; the segment excludes the
		// rounded corners, so it is a little shorter.
		m.expected = ID1ThicknessMM * math.Cos(el*math.Pi/180) * (l / 0.9) / 85.6
		m.elevation = el
		if score := l * math.Min(m.contrast, 40); score > bestLen {
			bestLen, best = score, m
		}
	}
	if !best.found {
		best.expected = ID1ThicknessMM * math.Cos(el*math.Pi/180) * 0.7 * float64(b.Dx()) / 85.6
	}
	return best
}

// supportedSegment is the longest run of line ln along which the
// gradient supports it (allowing gaps of a few pixels), in work pixels.
func supportedSegment(g grad, ln hline) (Point, Point, bool) {
	c, s := math.Cos(ln.theta), math.Sin(ln.theta)
	x0, y0 := c*ln.rho, s*ln.rho
	dx, dy := -s, c
	diag := math.Hypot(float64(g.w), float64(g.h))
	bestA, bestB, bestLen := 0.0, 0.0, 0.0
	runStart, gap := math.NaN(), 0
	for t := -diag; t <= diag; t++ {
		x, y := x0+dx*t, y0+dy*t
		on := false
		for _, o := range [...]float64{0, -1, 1} {
			xi, yi := int(math.Round(x+c*o)), int(math.Round(y+s*o))
			if xi < 1 || yi < 1 || xi >= g.w-1 || yi >= g.h-1 {
				continue
			}
			i := yi*g.w + xi
			m := float64(g.mag[i])
			if m >= float64(g.strong)*0.7 && math.Abs(float64(g.gx[i])*c+float64(g.gy[i])*s) >= 0.8*m {
				on = true
				break
			}
		}
		switch {
		case on && math.IsNaN(runStart):
			runStart, gap = t, 0
		case on:
			gap = 0
		case !math.IsNaN(runStart):
			gap++
			if gap > 6 {
				if e := t - float64(gap); e-runStart > bestLen {
					bestA, bestB, bestLen = runStart, e, e-runStart
				}
				runStart = math.NaN()
			}
		}
	}
	if !math.IsNaN(runStart) {
		if e := diag - float64(gap); e-runStart > bestLen {
			bestA, bestB, bestLen = runStart, e, e-runStart
		}
	}
	if bestLen < 20 {
		return Point{}, Point{}, false
	}
	return Point{x0 + dx*bestA, y0 + dy*bestA}, Point{x0 + dx*bestB, y0 + dy*bestB}, true
}

// stripAcross measures a strip along the segment a→b, on either side of it.
func stripAcross(img *image.RGBA, a, b Point) edgeMeasure {
	l := dist(a, b)
	ux, uy := (b.X-a.X)/l, (b.Y-a.Y)/l
	nx, ny := -uy, ux
	nt := int((profIn+profOut)/profStep) + 1
	const ns = 96
	prof := make([][3]float64, nt)
	col := make([][]float64, 3)
	for c := range col {
		col[c] = make([]float64, ns)
	}
	bnd := img.Bounds()
	for j := range nt {
		t := -profIn + float64(j)*profStep
		for i := range ns {
			s := 0.05 + 0.9*(float64(i)+0.5)/ns
			x := a.X + (b.X-a.X)*s + nx*t
			y := a.Y + (b.Y-a.Y)*s + ny*t
			px := bilinear(img, bnd, x, y)
			for c := range 3 {
				col[c][i] = px[c]
			}
		}
		for c := range 3 {
			slices.Sort(col[c])
			prof[j][c] = col[c][ns/2]
		}
	}
	// Gradient magnitude across (per pixel), over one pixel.
	g := make([]float64, nt)
	for j := 2; j < nt-2; j++ {
		var s float64
		for c := range 3 {
			d := (prof[j+2][c] - prof[j-2][c]) / 2
			s += d * d
		}
		g[j] = math.Sqrt(s)
	}
	// Steps: local maxima above a floor.
	const floor = 6.0
	var peaks []int
	for j := 3; j < nt-3; j++ {
		if g[j] >= floor && g[j] >= g[j-1] && g[j] > g[j+1] {
			peaks = append(peaks, j)
		}
	}
	luma := func(j int) float64 {
		j = min(max(j, 0), nt-1)
		return 0.299*prof[j][0] + 0.587*prof[j][1] + 0.114*prof[j][2]
	}
	m := edgeMeasure{}
	for k := len(peaks) - 1; k >= 1; k-- {
		o := peaks[k]
		for k2 := k - 1; k2 >= 0; k2-- {
			in := peaks[k2]
			wid := float64(o-in) * profStep
			if wid < 1 || wid > 24 {
				continue
			}
			// The line found must be one of the band's boundaries.
			tIn, tOut := -profIn+float64(in)*profStep, -profIn+float64(o)*profStep
			if math.Abs(tIn) > 3 && math.Abs(tOut) > 3 {
				continue
			}
			// Flat inside: no step between the two stronger than half the
			// weaker boundary.
			weak := math.Min(g[in], g[o])
			flat := true
			for _, j := range peaks[k2+1 : k] {
				if g[j] > weak/2 {
					flat = false
					break
				}
			}
			if !flat {
				continue
			}
			// The band differs from both neighbours.
			mid := (in + o) / 2
			cIn := math.Abs(luma(mid) - luma(in-4))
			cOut := math.Abs(luma(mid) - luma(o+4))
			c := math.Min(cIn, cOut)
			if c < 4 || colourDist(prof[max(in-6, 0)], prof[min(o+6, nt-1)]) < 12 {
				continue
			}
			if !m.found || c > m.contrast {
				m = edgeMeasure{found: true, width: wid, contrast: c}
			}
		}
	}
	return m
}

func colourDist(a, b [3]float64) float64 {
	return math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2]))
}

// MeasureStrip measures the edge strip along the segment a→b of a photo
// (full-resolution pixels): whether a strip was found, its height in
// pixels and the weaker of its two boundaries' contrast. Thickness runs it
// along the photo's strongest lines; tests run it along the true edge.
func MeasureStrip(img image.Image, a, b Point) (found bool, heightPx, contrast float64) {
	m := stripAcross(toRGBA(img), a, b)
	return m.found, m.width, m.contrast
}

// bilinear samples img at (x, y), pixel centres at integers, clamped.
func bilinear(img *image.RGBA, b image.Rectangle, x, y float64) [3]float64 {
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(x0), y-float64(y0)
	var out [3]float64
	for k, w := range [4]float64{(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy} {
		xx := min(max(x0+k%2, b.Min.X), b.Max.X-1)
		yy := min(max(y0+k/2, b.Min.Y), b.Max.Y-1)
		o := img.PixOffset(xx, yy)
		out[0] += w * float64(img.Pix[o])
		out[1] += w * float64(img.Pix[o+1])
		out[2] += w * float64(img.Pix[o+2])
	}
	return out
}

type faceComparison struct {
	ok         bool
	typ        Type
	side       Side
	frontType  Type
	similarity float64
}

// compareFaces rectifies the angled photo's card face and the front's and
// compares them: the correlation of high-passed grey thumbnails (96×60),
// the best over the angled face's two ways up. A different card of the
// same type shares the layout but not the portrait, the text or the
// background pattern's phase, so it scores lower than the same card;
// another type scores lower still.
func compareFaces(angled *image.RGBA, q Quad, front image.Image) faceComparison {
	var out faceComparison
	fq, err := FindQuad(front)
	if err != nil {
		return out
	}
	tpls := sharedTemplates()
	fc, ok := classify(front, fq, tpls)
	if !ok || fc.Score < minClassScore {
		return out
	}
	if fc.upsideDown {
		fq = fq.rotate180()
	}
	out.frontType = fc.Type
	fr, ok := rectify(front, fq, cmpW*2, cmpH*2)
	if !ok {
		return out
	}
	fv := highPass(fr)
	ac, ok := classify(angled, q, tpls)
	if ok {
		out.typ, out.side = ac.Type, ac.Side
	}
	best := -1.0
	for _, qq := range []Quad{q, q.rotate180()} {
		ar, ok := rectify(angled, qq, cmpW*2, cmpH*2)
		if !ok {
			continue
		}
		best = math.Max(best, shiftedCorr(fv, highPass(ar), 2))
	}
	out.ok = best > -1
	out.similarity = best
	return out
}

// The comparison thumbnails' size.
const cmpW, cmpH = 160, 100

// highPass reduces a 2×-size rectified face to cmpW×cmpH grey, subtracts
// a local mean (a 9×9 box) and normalises to unit energy: what remains is
// the print's detail, not the lighting.
func highPass(img *image.RGBA) []float64 {
	g := make([]float64, cmpW*cmpH)
	for y := range cmpH {
		for x := range cmpW {
			var s float64
			for dy := range 2 {
				for dx := range 2 {
					o := img.PixOffset(2*x+dx, 2*y+dy)
					s += 0.299*float64(img.Pix[o]) + 0.587*float64(img.Pix[o+1]) + 0.114*float64(img.Pix[o+2])
				}
			}
			g[y*cmpW+x] = s / 4
		}
	}
	out := make([]float64, len(g))
	const r = 3
	var ss float64
	for y := range cmpH {
		for x := range cmpW {
			var s, n float64
			for yy := max(y-r, 0); yy <= min(y+r, cmpH-1); yy++ {
				for xx := max(x-r, 0); xx <= min(x+r, cmpW-1); xx++ {
					s += g[yy*cmpW+xx]
					n++
				}
			}
			v := g[y*cmpW+x] - s/n
			out[y*cmpW+x] = v
			ss += v * v
		}
	}
	if ss > 0 {
		for i := range out {
			out[i] /= math.Sqrt(ss)
		}
	}
	return out
}

// shiftedCorr is the best correlation of a and b (cmpW×cmpH) over shifts
// of up to r pixels each way: outlines found a few pixels off should not
// make the same card look like another.
func shiftedCorr(a, b []float64, r int) float64 {
	best := -1.0
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			var s float64
			for y := max(0, -dy); y < min(cmpH, cmpH-dy); y++ {
				for x := max(0, -dx); x < min(cmpW, cmpW-dx); x++ {
					s += a[y*cmpW+x] * b[(y+dy)*cmpW+x+dx]
				}
			}
			best = math.Max(best, s)
		}
	}
	return best
}
