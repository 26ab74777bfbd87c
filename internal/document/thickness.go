package document

// Thickness: the ホ method asks for a photo that shows the document's
// thickness (厚み). The person photographs the card at an angle, so one
// long edge shows as a narrow strip of the card's core beside its face.
// This file finds the card in that photo (Hough outlines judged by how
// well their content matches the front), measures the strip along the
// outline's long sides, compares its height with what a 0.76 mm ID-1 card
// shows from the pose the outline gives, and checks that the card is the
// one in the front photo: the two faces are aligned block by block, then
// the variable content (fields, portrait) and the layout around it are
// compared apart, so that another card of the type, whose layout matches,
// is told by its content.
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
	ReasonThicknessNotSameDocument = "thickness_not_same_document" // the angled photo shows another document (the layout matches, the content does not)
	// The angled photo may show another document: its content is neither
	// close to the front's nor far from it, or its layout does not match
	// the front's either (the outline may be wrong). A person looks.
	ReasonThicknessSameDocumentUnsure = "thickness_same_document_unsure"
	ReasonThicknessFrontUnreadable    = "thickness_front_unreadable" // the front has no outline to compare with
)

// Thickness thresholds, set on synthetic photos (docs/documents.md,
// Thickness). The ratio is the measured strip over what a 0.76 mm card
// shows at the estimated angle: genuine cards measure 0.9–1.15, a 0.1 mm
// printout at most 0.6 (its edge blurred to 2–4 px) or nothing.
const (
	ThicknessMinRatio = 0.7
	ThicknessMaxRatio = 1.8
	// SameDocumentMin is the least content similarity (see
	// contentAndLayout) of the angled photo and the front for the same
	// card. OtherDocumentMax is the most for a confident "another card",
	// which also needs the layout to match (LayoutMatchMin), so that the
	// photo's outline is known to be right. Set on seed 77 (docs/documents.md).
	SameDocumentMin  = 0.75
	OtherDocumentMax = 0.65
	LayoutMatchMin   = 0.5
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
	Similarity float64 `json:"similarity"` // of the variable content (fields, portrait)
	// LayoutSimilarity is that of the rest of the face: high when the
	// outline is right, for the same card or another of the type.
	LayoutSimilarity float64 `json:"layout_similarity"`
	Compared         bool    `json:"compared"` // a front was given and read
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
	var ref *frontFace
	if front != nil {
		ref = readFront(front)
		res.Compared = ref != nil
		if ref != nil {
			res.FrontType = ref.typ
		}
	}
	q, ok, _ := pickAngled(rgba, angledCandidates(rgba, 28, 0.25), ref)
	if !ok {
		res.Reasons = append(res.Reasons, ReasonThicknessCardNotFound)
		if front != nil && ref == nil {
			res.Reasons = append(res.Reasons, ReasonThicknessFrontUnreadable)
		}
		return res
	}
	if c, ok := classify(rgba, q, sharedTemplates()); ok {
		res.Type, res.Side = c.Type, c.Side
	}
	m, q, side := edgeOnOutline(rgba, q)
	sameScore := 1.0
	switch {
	case front != nil && ref == nil:
		res.Reasons = append(res.Reasons, ReasonThicknessFrontUnreadable)
		sameScore = 0
	case ref != nil:
		s, layout := sameCard(rgba, q, ref)
		res.Similarity, res.LayoutSimilarity = s, layout
		switch {
		case s >= SameDocumentMin:
		case s <= OtherDocumentMax && layout >= LayoutMatchMin:
			res.Reasons = append(res.Reasons, ReasonThicknessNotSameDocument)
		default:
			res.Reasons = append(res.Reasons, ReasonThicknessSameDocumentUnsure)
		}
		if s < SameDocumentMin {
			sameScore = math.Max(0, s) / SameDocumentMin * 0.5
		} else {
			sameScore = math.Min(1, 0.5+0.5*(s-SameDocumentMin)/(1-SameDocumentMin))
		}
	}
	m.elevation, m.expected = stripGeometry(q, side, rgba.Bounds())
	res.EdgeFound, res.EdgePx, res.ExpectedPx, res.EdgeContrast, res.ElevationDeg = m.found, m.width, m.expected, m.contrast, m.elevation
	if m.expected > 0.5 {
		res.Ratio = m.width / m.expected
	}
	edge := []string{}
	switch {
	case m.elevation > 75:
		edge = append(edge, ReasonThicknessNotAngled)
	case !m.found:
		edge = append(edge, ReasonThicknessEdgeMissing)
	case res.Ratio < ThicknessMinRatio:
		edge = append(edge, ReasonThicknessEdgeThin)
	case res.Ratio > ThicknessMaxRatio:
		edge = append(edge, ReasonThicknessEdgeThick)
	}
	res.Reasons = append(edge, res.Reasons...)
	edgeScore := 0.0
	if m.found {
		// 1 inside the plausible band, falling off outside it.
		r := res.Ratio
		edgeScore = math.Min(1, math.Min(r/ThicknessMinRatio, ThicknessMaxRatio/math.Max(r, 1e-9)))
		edgeScore *= math.Min(1, m.contrast/12)
	}
	res.Score = round3(math.Min(edgeScore, sameScore))
	for _, v := range []*float64{&res.EdgePx, &res.ExpectedPx, &res.Ratio, &res.EdgeContrast, &res.ElevationDeg, &res.Similarity, &res.LayoutSimilarity} {
		*v = round3(*v)
	}
	res.Pass = len(res.Reasons) == 0
	return res
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// edgeMeasure is the strip found along one long side.
type edgeMeasure struct {
	found               bool
	width, expected     float64
	contrast, elevation float64
	band                band // the band, offsets outward from the outline
}

// Profile sampling across a side: offsets from −profIn to +profOut full
// resolution pixels, outward positive, in steps of profStep.
const (
	profIn   = 20.0
	profOut  = 20.0
	profStep = 0.5
)

// band is a strip between two colour steps across a line: its two
// boundaries as offsets along the profile's normal (tIn < tOut), the
// weaker of its contrasts with its two neighbours, and the colours of the
// band and of its two sides.
type band struct {
	tIn, tOut    float64
	contrast     float64
	steps        float64 // the weaker boundary's step
	in, mid, out [3]float64
	sidesDiffer  float64
}

// bandsAcross takes the median colour profile across the segment a→b
// (between fractions s0 and s1 of it), offsets t along the normal
// (−uy, ux) from −profIn to +profOut, and returns every band 1–24 px high
// between two steps, flat inside, that differs from both neighbours.
func bandsAcross(img *image.RGBA, a, b Point, s0, s1 float64) []band {
	l := dist(a, b)
	if l < 8 {
		return nil
	}
	ux, uy := (b.X-a.X)/l, (b.Y-a.Y)/l
	nx, ny := -uy, ux
	nt := int((profIn+profOut)/profStep) + 1
	ns := min(96, max(16, int(l*(s1-s0)/4)))
	prof := make([][3]float64, nt)
	col := make([][]float64, 3)
	for c := range col {
		col[c] = make([]float64, ns)
	}
	bnd := img.Bounds()
	for j := range nt {
		t := -profIn + float64(j)*profStep
		for i := range ns {
			s := s0 + (s1-s0)*(float64(i)+0.5)/float64(ns)
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
	at := func(j int) [3]float64 { return prof[min(max(j, 0), nt-1)] }
	luma := func(j int) float64 {
		p := at(j)
		return 0.299*p[0] + 0.587*p[1] + 0.114*p[2]
	}
	var out []band
	for k := len(peaks) - 1; k >= 1; k-- {
		o := peaks[k]
		for k2 := k - 1; k2 >= 0; k2-- {
			in := peaks[k2]
			wid := float64(o-in) * profStep
			if wid < 1 || wid > 24 {
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
			if c < 4 {
				continue
			}
			out = append(out, band{
				tIn: -profIn + float64(in)*profStep, tOut: -profIn + float64(o)*profStep,
				contrast: c, steps: weak, in: at(in - 6), mid: at(mid), out: at(o + 6),
				sidesDiffer: colourDist(at(in-6), at(o+6)),
			})
		}
	}
	return out
}

// stripAcross measures a strip along the segment a→b, on either side of
// it: the most contrasted band with a boundary within 3 px of the line
// and different colours on its two sides.
func stripAcross(img *image.RGBA, a, b Point) edgeMeasure {
	m := edgeMeasure{}
	for _, bd := range bandsAcross(img, a, b, 0.05, 0.95) {
		if math.Abs(bd.tIn) > 3 && math.Abs(bd.tOut) > 3 || bd.sidesDiffer < 12 {
			continue
		}
		if !m.found || bd.contrast > m.contrast {
			m = edgeMeasure{found: true, width: bd.tOut - bd.tIn, contrast: bd.contrast}
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

// frontFace is the front photo's card, read once: its layout class, and
// its face rectified to grey at two sizes (a small one to pick the angled
// photo's outline, a larger one to compare the print).
type frontFace struct {
	typ    Type
	small  []float64 // selW×selH, high-passed, unit energy
	fineHP []float64 // fineW×fineH grey, high-passed
	// variable are the parts of the fine face that differ between two
	// cards of the type (fields and portrait), in fine pixels.
	variable []image.Rectangle
}

// The sizes of the rectified faces: small to judge outline candidates,
// fine to compare the print block by block.
const (
	selW, selH   = 80, 50
	fineW, fineH = 256, 160
)

func readFront(front image.Image) *frontFace {
	fq, err := FindQuad(front)
	if err != nil {
		return nil
	}
	fc, ok := classify(front, fq, sharedTemplates())
	if !ok || fc.Score < minClassScore {
		return nil
	}
	if fc.upsideDown {
		fq = fq.rotate180()
	}
	img := toRGBA(front)
	small, ok1 := greyFace(img, fq, selW, selH)
	fine, ok2 := greyFace(img, fq, fineW, fineH)
	if !ok1 || !ok2 {
		return nil
	}
	return &frontFace{typ: fc.Type, small: highPassN(small, selW, selH, 2), fineHP: highPassN(fine, fineW, fineH, 4),
		variable: variableRegions(fc.Type, fc.Side)}
}

// greyFace rectifies the quad q of img to a w×h grey image, averaging a
// 2×2 grid of samples per output pixel.
func greyFace(img *image.RGBA, q Quad, w, h int) ([]float64, bool) {
	hm, ok := homography(Quad{{q[0].X + 0.5, q[0].Y + 0.5}, {q[1].X + 0.5, q[1].Y + 0.5}, {q[2].X + 0.5, q[2].Y + 0.5}, {q[3].X + 0.5, q[3].Y + 0.5}}, float64(w), float64(h))
	if !ok {
		return nil, false
	}
	b := img.Bounds()
	out := make([]float64, w*h)
	for y := range h {
		for x := range w {
			var s float64
			for _, d := range [4][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}} {
				u, v := hm(float64(x)+d[0], float64(y)+d[1])
				p := bilinear(img, b, u-0.5, v-0.5)
				s += 0.299*p[0] + 0.587*p[1] + 0.114*p[2]
			}
			out[y*w+x] = s / 4
		}
	}
	return out, true
}

// highPassN subtracts a (2r+1)² box mean from the w×h image g and scales
// the result to unit energy.
func highPassN(g []float64, w, h, r int) []float64 {
	// Integral image for the box sums.
	ii := make([]float64, (w+1)*(h+1))
	for y := range h {
		var row float64
		for x := range w {
			row += g[y*w+x]
			ii[(y+1)*(w+1)+x+1] = ii[y*(w+1)+x+1] + row
		}
	}
	out := make([]float64, w*h)
	var ss float64
	for y := range h {
		y0, y1 := max(y-r, 0), min(y+r, h-1)+1
		for x := range w {
			x0, x1 := max(x-r, 0), min(x+r, w-1)+1
			s := ii[y1*(w+1)+x1] - ii[y0*(w+1)+x1] - ii[y1*(w+1)+x0] + ii[y0*(w+1)+x0]
			v := g[y*w+x] - s/float64((y1-y0)*(x1-x0))
			out[y*w+x] = v
			ss += v * v
		}
	}
	if ss > 0 {
		k := 1 / math.Sqrt(ss)
		for i := range out {
			out[i] *= k
		}
	}
	return out
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// angledCandidates returns card outlines in an oblique photo, best
// geometric score first, in full-resolution pixels. FindQuad expects
// opposite sides that are nearly parallel; at 30–45° above the card,
// perspective makes the short sides converge by up to 70°, so this search
// allows that, and a foreshortened aspect ratio up to 5. Every pair of
// roughly parallel lines crossed by two other lines makes a quadrilateral;
// its score is its area times the square of its weakest side's support.
func angledCandidates(img *image.RGBA, nLines int, minSupport float64) []Quad {
	b := img.Bounds()
	if b.Dx() < 64 || b.Dy() < 64 {
		return nil
	}
	p, f := downscale(img, workSide)
	g := gradients(p)
	lines := houghLines(g, nLines)
	type pair struct{ a, b hline }
	var longs, shorts []pair
	for i := range lines {
		for j := i + 1; j < len(lines); j++ {
			d := angleDiff(lines[i].theta, lines[j].theta)
			if d < 25*math.Pi/180 {
				longs = append(longs, pair{lines[i], lines[j]})
			}
			if d < 75*math.Pi/180 {
				shorts = append(shorts, pair{lines[i], lines[j]})
			}
		}
	}
	minArea := float64(g.w*g.h) / 30
	var all []quadCandidate
	for _, p := range longs {
		for _, r := range shorts {
			if angleDiff(p.a.theta, r.a.theta) < 25*math.Pi/180 || angleDiff(p.a.theta, r.b.theta) < 25*math.Pi/180 ||
				angleDiff(p.b.theta, r.a.theta) < 25*math.Pi/180 || angleDiff(p.b.theta, r.b.theta) < 25*math.Pi/180 {
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
			if long < 1.1*short || long/short > 5 {
				continue
			}
			minSup := 1.0
			for k := range 4 {
				minSup = math.Min(minSup, support(g, q[k], q[(k+1)%4]))
				if minSup < minSupport {
					break
				}
			}
			if minSup < minSupport {
				continue
			}
			all = append(all, quadCandidate{q, area * minSup * minSup})
		}
	}
	slices.SortFunc(all, func(a, b quadCandidate) int { return cmpF(b.score, a.score) })
	var out []Quad
	var kept []Quad
	for _, c := range all {
		dup := false
		for _, o := range kept {
			if sameQuad(c.q, o, 3) {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		kept = append(kept, c.q)
		q := refineQuad(g, c.q)
		for i := range q {
			q[i] = Point{(q[i].X+0.5)*f - 0.5 + float64(b.Min.X), (q[i].Y+0.5)*f - 0.5 + float64(b.Min.Y)}
		}
		out = append(out, orderQuad(q))
		if len(out) == maxAngledCandidates {
			break
		}
	}
	return out
}

// maxAngledCandidates is how many outlines are judged by their content.
const maxAngledCandidates = 40

// pickAngled picks the candidate whose rectified face looks most like the
// front (or, without a front, like a layout template), and turns it the
// way up that matches. It returns the match's score too.
func pickAngled(img *image.RGBA, cands []Quad, ref *frontFace) (Quad, bool, float64) {
	best, bestScore := Quad{}, math.Inf(-1)
	tpls := sharedTemplates()
	for _, q := range cands {
		if ref == nil {
			c, ok := classify(img, q, tpls)
			if !ok {
				continue
			}
			if c.upsideDown {
				q = q.rotate180()
			}
			if c.Score > bestScore {
				best, bestScore = q, c.Score
			}
			continue
		}
		g, ok := greyFace(img, q, selW, selH)
		if !ok {
			continue
		}
		v := highPassN(g, selW, selH, 2)
		up := dot(v, ref.small)
		slices.Reverse(v)
		down := dot(v, ref.small)
		s := up
		if down > up {
			s, q = down, q.rotate180()
		}
		if s > bestScore {
			best, bestScore = q, s
		}
	}
	if ref != nil && bestScore > math.Inf(-1) && bestScore < slideBelow {
		best, bestScore = slideSides(img, best, bestScore, ref)
	}
	return best, bestScore > math.Inf(-1), bestScore
}

// slideBelow is the pick score under which the outline's sides are slid
// (slideSides). Outlines on the card score 0.6–0.95 against the
// front; those on a printed rule inside it 0.06–0.3 (seed 77).
const slideBelow = 0.5

// slideSides moves each side of the outline q (already the way up of the
// front), the long ones first, along its two neighbours, outward or
// inward, to where the face correlates best with the front's. The far
// edge of a white card on a pale desk is often too faint for a Hough line,
// and the best candidate then has a printed rule (or a portrait's border)
// for that side. Each corner of the side moves by a fraction of its
// neighbouring side, on a coarse grid and then a finer one around the
// best. A move is kept only when it raises the score clearly.
func slideSides(img *image.RGBA, q Quad, score float64, ref *frontFace) (Quad, float64) {
	corr := func(c Quad) float64 {
		if !convex(c) {
			return math.Inf(-1)
		}
		g, ok := greyFace(img, c, selW, selH)
		if !ok {
			return math.Inf(-1)
		}
		return dot(highPassN(g, selW, selH, 2), ref.small)
	}
	for _, s := range []int{0, 2, 1, 3} {
		// Side s runs from q[s] to q[s+1]; its corners slide along the
		// neighbouring sides, away from the opposite corners q[s+3] and
		// q[s+2].
		a, b := s, (s+1)%4
		oa, ob := (s+3)%4, (s+2)%4
		at := func(fa, fb float64) Quad {
			c := q
			c[a] = Point{q[a].X + fa*(q[a].X-q[oa].X), q[a].Y + fa*(q[a].Y-q[oa].Y)}
			c[b] = Point{q[b].X + fb*(q[b].X-q[ob].X), q[b].Y + fb*(q[b].Y-q[ob].Y)}
			return c
		}
		bestF, bestS := [2]float64{}, score
		for _, grid := range []struct{ lo, hi, step float64 }{{-0.2, 1.0, 0.2}, {-0.1, 0.1, 0.05}} {
			c0 := bestF
			for fa := grid.lo; fa <= grid.hi+1e-9; fa += grid.step {
				for fb := grid.lo; fb <= grid.hi+1e-9; fb += grid.step {
					f := [2]float64{fa, fb}
					if grid.step < 0.2 {
						f = [2]float64{c0[0] + fa, c0[1] + fb}
					}
					if v := corr(at(f[0], f[1])); v > bestS {
						bestF, bestS = f, v
					}
				}
			}
		}
		if bestS > score+0.05 {
			q, score = at(bestF[0], bestF[1]), bestS
		}
	}
	return q, score
}

// edgeOnOutline looks for the edge strip along each long side of the
// card outline q, just outside it or just inside it (when the outline was
// found on the strip's outer boundary). A side found from the Hough lines
// at reduced resolution can be tilted by several pixels against the true
// edge, which smears a strip 5–9 px high, so each side is first refitted
// at full resolution (refitSide). The more contrasted strip of the two
// sides wins, and that side is moved onto the strip's inner boundary: the
// face's true edge. Its expected height comes from the outline's
// perspective (stripGeometry).
func edgeOnOutline(img *image.RGBA, q Quad) (edgeMeasure, Quad, int) {
	var best edgeMeasure
	bestSide, bestScore := -1, 0.0
	var bestA, bestB Point
	for _, s := range []int{0, 2} {
		a, b := refitSide(img, q[s], q[(s+1)%4], outward(q, s))
		n := outward(Quad{a, b, q[(s+2)%4], q[(s+3)%4]}, 0)
		l := dist(a, b)
		// From b to a, the profile's positive offsets point out of the card.
		for _, bd := range bandsAcross(img, b, a, 0.12, 0.88) {
			if !stripLike(bd) {
				continue
			}
			if sc := bd.contrast * l; sc > bestScore {
				bestScore, bestSide = sc, s
				best = edgeMeasure{found: true, width: bd.tOut - bd.tIn, contrast: bd.contrast, band: bd}
				bestA = Point{a.X + n.X*bd.tIn, a.Y + n.Y*bd.tIn}
				bestB = Point{b.X + n.X*bd.tIn, b.Y + n.Y*bd.tIn}
			}
		}
	}
	side := bestSide
	if side < 0 {
		// No strip: judge the near side, the longer one.
		side = 2
		if dist(q[0], q[1]) > dist(q[2], q[3]) {
			side = 0
		}
	} else {
		// The new side meets the two short sides.
		prev, next := (side+3)%4, (side+1)%4
		a, okA := lineMeet(bestA, bestB, q[prev], q[side])
		b, okB := lineMeet(bestA, bestB, q[next], q[(next+1)%4])
		if !okA || !okB || dist(a, q[side]) > 30 || dist(b, q[next]) > 30 {
			a, b = bestA, bestB
		}
		q[side], q[next] = a, b
	}
	return best, q, side
}

// refitSide refits the side a→b (outward normal n) at full resolution:
// across the side at 32 places, the two strongest colour steps within
// 16 px vote for lines offset and tilted against it, and the line with
// the most votes wins. On a card's edge that is the face's boundary or
// the strip's outer one, both parallel to the edge.
func refitSide(img *image.RGBA, a, b, n Point) (Point, Point) {
	const (
		places = 32
		reach  = 16.0
		step   = 0.5
		nt     = int(2*reach/step) + 1
		nOff   = int(2*reach/step) + 1
		maxRun = 24.0 // the largest change of offset along the side
		nTilt  = int(2*maxRun/step) + 1
	)
	l := dist(a, b)
	if l < 20 {
		return a, b
	}
	ux, uy := (b.X-a.X)/l, (b.Y-a.Y)/l
	bnd := img.Bounds()
	votes := make([]float64, nOff*nTilt)
	prof := make([][3]float64, nt)
	for i := range places {
		s := 0.12 + 0.76*float64(i)/float64(places-1)
		px, py := a.X+(b.X-a.X)*s, a.Y+(b.Y-a.Y)*s
		for j := range nt {
			t := -reach + float64(j)*step
			var c [3]float64
			for _, d := range [3]float64{-2, 0, 2} {
				v := bilinear(img, bnd, px+n.X*t+ux*d, py+n.Y*t+uy*d)
				c[0], c[1], c[2] = c[0]+v[0]/3, c[1]+v[1]/3, c[2]+v[2]/3
			}
			prof[j] = c
		}
		g := make([]float64, nt)
		for j := 2; j < nt-2; j++ {
			g[j] = colourDist(prof[j+2], prof[j-2]) / 2
		}
		// The two strongest local maxima.
		p1, p2 := -1, -1
		for j := 3; j < nt-3; j++ {
			if g[j] < 6 || g[j] < g[j-1] || g[j] <= g[j+1] {
				continue
			}
			switch {
			case p1 < 0 || g[j] > g[p1]:
				p1, p2 = j, p1
			case p2 < 0 || g[j] > g[p2]:
				p2 = j
			}
		}
		for _, p := range []int{p1, p2} {
			if p < 0 {
				continue
			}
			t := -reach + float64(p)*step
			w := math.Min(g[p], 60)
			// Offset at s: off + tilt·(s − 0.5), so off is the offset at
			// the middle and tilt the change from a to b.
			for k := range nTilt {
				tilt := -maxRun + float64(k)*step
				off := t - tilt*(s-0.5)
				o := int(math.Round((off + reach) / step))
				if o >= 0 && o < nOff {
					votes[o*nTilt+k] += w
				}
			}
		}
	}
	bi, bv := -1, 0.0
	for i, v := range votes {
		// Smooth over the neighbouring offsets: a step is a pixel wide.
		o := i / nTilt
		if o > 0 {
			v += 0.5 * votes[i-nTilt]
		}
		if o < nOff-1 {
			v += 0.5 * votes[i+nTilt]
		}
		if v > bv {
			bi, bv = i, v
		}
	}
	if bi < 0 {
		return a, b
	}
	off := -reach + float64(bi/nTilt)*step
	tilt := -maxRun + float64(bi%nTilt)*step
	oa, ob := off-tilt/2, off+tilt/2
	return Point{a.X + n.X*oa, a.Y + n.Y*oa}, Point{b.X + n.X*ob, b.Y + n.Y*ob}
}

// lineMeet is where the line through a and b meets the line through c
// and d.
func lineMeet(a, b, c, d Point) (Point, bool) {
	den := (b.X-a.X)*(d.Y-c.Y) - (b.Y-a.Y)*(d.X-c.X)
	if math.Abs(den) < 1e-9 {
		return Point{}, false
	}
	t := ((c.X-a.X)*(d.Y-c.Y) - (c.Y-a.Y)*(d.X-c.X)) / den
	return Point{a.X + t*(b.X-a.X), a.Y + t*(b.Y-a.Y)}, true
}

// stripLike says whether a band across a side of the outline can be the
// card's edge: it touches the outline (one boundary within 4 px of it,
// the band no more than 14 px inside), the face and the background
// differ, and the band differs from the face (a band of the face's own
// colour is print, or the face's margin).
func stripLike(bd band) bool {
	adj := (math.Abs(bd.tIn) <= 2.5 && bd.tOut > 0) || (math.Abs(bd.tOut) <= 2.5 && bd.tIn >= -14)
	return adj && bd.sidesDiffer >= 12 && colourDist(bd.in, bd.mid) >= 20
}

// outward is the unit normal of side s of the clockwise quad q, pointing
// out of it.
func outward(q Quad, s int) Point {
	a, b := q[s], q[(s+1)%4]
	l := math.Max(dist(a, b), 1e-9)
	return Point{(b.Y - a.Y) / l, -(b.X - a.X) / l}
}

// stripGeometry estimates the camera's pose from the card outline q
// (an 85.6 × 53.98 mm rectangle seen through a pinhole camera whose
// principal point is the image centre; the focal length is solved from
// the outline's perspective) and returns the elevation of the line of
// sight above the card at the middle of side s, and the height in pixels
// that a 0.76 mm edge shows there.
func stripGeometry(q Quad, s int, b image.Rectangle) (elevDeg, px float64) {
	cx, cy := float64(b.Min.X)+float64(b.Dx()-1)/2, float64(b.Min.Y)+float64(b.Dy()-1)/2
	W, H := 85.6, 53.98
	var c Quad
	for i := range q {
		c[i] = Point{q[i].X - cx, q[i].Y - cy}
	}
	h, ok := rectHomography(c, W, H)
	size := float64(max(b.Dx(), b.Dy()))
	fallback := func() (float64, float64) {
		// 40° and the side's own scale.
		l := dist(q[s], q[(s+1)%4])
		return 40, ID1ThicknessMM * math.Cos(40*math.Pi/180) * l / W
	}
	if !ok {
		return fallback()
	}
	// The columns of K⁻¹H are orthogonal and of equal length: two
	// equations in w = 1/f², solved together by least squares (either
	// alone is degenerate when the card's edges do not converge).
	a1, b1 := h[0]*h[1]+h[3]*h[4], h[6]*h[7]
	a2, b2 := h[0]*h[0]+h[3]*h[3]-h[1]*h[1]-h[4]*h[4], h[6]*h[6]-h[7]*h[7]
	n1, n2 := math.Hypot(a1, b1), math.Hypot(a2, b2)
	f := 0.9 * size
	if n1 > 0 && n2 > 0 {
		a1, b1, a2, b2 = a1/n1, b1/n1, a2/n2, b2/n2
		if w := -(a1*b1 + a2*b2) / (a1*a1 + a2*a2); w > 0 {
			f = min(max(1/math.Sqrt(w), 0.5*size), 2*size)
		}
	}
	m1 := [3]float64{h[0] / f, h[3] / f, h[6]}
	m2 := [3]float64{h[1] / f, h[4] / f, h[7]}
	m3 := [3]float64{h[2] / f, h[5] / f, h[8]}
	lam := 2 / (norm3(m1) + norm3(m2))
	if m3[2] < 0 {
		lam = -lam
	}
	r1, r2, t := scale3(m1, lam), scale3(m2, lam), scale3(m3, lam)
	n := cross3(r1, r2)
	nl := norm3(n)
	if nl == 0 {
		return fallback()
	}
	n = scale3(n, 1/nl)
	if n[0]*t[0]+n[1]*t[1]+n[2]*t[2] < 0 {
		n = scale3(n, -1)
	}
	y := 0.0
	if s == 2 {
		y = H
	}
	at := func(x, y, z float64) [3]float64 {
		return [3]float64{r1[0]*x + r2[0]*y + t[0] + n[0]*z, r1[1]*x + r2[1]*y + t[1] + n[1]*z, r1[2]*x + r2[2]*y + t[2] + n[2]*z}
	}
	proj := func(p [3]float64) Point { return Point{f * p[0] / p[2], f * p[1] / p[2]} }
	X := at(W/2, y, 0)
	if X[2] <= 0 {
		return fallback()
	}
	p0, p1, pb := proj(X), proj(at(W/2+1, y, 0)), proj(at(W/2, y, ID1ThicknessMM))
	ux, uy := p1.X-p0.X, p1.Y-p0.Y
	ul := math.Hypot(ux, uy)
	if ul == 0 {
		return fallback()
	}
	px = math.Abs((pb.X-p0.X)*uy-(pb.Y-p0.Y)*ux) / ul
	elevDeg = math.Asin(math.Min(1, math.Abs(n[0]*X[0]+n[1]*X[1]+n[2]*X[2])/norm3(X))) * 180 / math.Pi
	return elevDeg, px
}

func norm3(a [3]float64) float64                { return math.Sqrt(a[0]*a[0] + a[1]*a[1] + a[2]*a[2]) }
func scale3(a [3]float64, k float64) [3]float64 { return [3]float64{a[0] * k, a[1] * k, a[2] * k} }
func cross3(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

// rectHomography is the matrix (row-major, last element 1) taking the
// rectangle [0,w]×[0,h] (corners TL, TR, BR, BL) to q.
func rectHomography(q Quad, w, h float64) ([9]float64, bool) {
	h8, ok := homographyMatrix(q, w, h)
	if !ok {
		return [9]float64{}, false
	}
	var m [9]float64
	copy(m[:], h8[:])
	m[8] = 1
	return m, true
}

// Block comparison of the two faces: blocks of blk×blk pixels of the
// fineW×fineH faces, each moved up to shiftMax pixels to its best match.
const (
	blk      = 32
	shiftMax = 5
)

// sameCard compares the angled photo's face (outline q, the way up of
// the front) with the front's. First block by block: each block of the
// high-passed front is matched to the angled face within a few pixels,
// which absorbs an outline a little off and the lens's blur of
// perspective, and the matches refit the outline. Then, on the faces so
// aligned, the variable content and the layout apart (contentAndLayout).
// Without the front type's regions, content is the mean block
// correlation, weighted by how much print the front's block holds.
func sameCard(img *image.RGBA, q Quad, ref *frontFace) (content, layout float64) {
	vals, wts, ha := sameCardBlocks(img, q, ref)
	if ha == nil {
		return 0, 0
	}
	if len(ref.variable) > 0 {
		return contentAndLayout(ha, ref.fineHP, ref.variable)
	}
	var s, w float64
	for i := range vals {
		s += vals[i] * wts[i]
		w += wts[i]
	}
	if w == 0 {
		return 0, 0
	}
	return s / w, s / w
}

func sameCardBlocks(img *image.RGBA, q Quad, ref *frontFace) (vals, wts, ha []float64) {
	const refits = 4
	for iter := 0; iter <= refits; iter++ {
		a, ok := greyFace(img, q, fineW, fineH)
		if !ok {
			return nil, nil, nil
		}
		var shifts, centres [][2]float64
		ha = highPassN(a, fineW, fineH, 4)
		vals, wts, shifts, centres = matchBlocks(ha, ref.fineHP)
		if iter == refits {
			break
		}
		// Refit the outline to the blocks that matched: each block's
		// centre on the front lies at its matched place in the photo.
		hm, ok := homography(Quad{{q[0].X + 0.5, q[0].Y + 0.5}, {q[1].X + 0.5, q[1].Y + 0.5}, {q[2].X + 0.5, q[2].Y + 0.5}, {q[3].X + 0.5, q[3].Y + 0.5}}, fineW, fineH)
		if !ok {
			break
		}
		var src, dst []Point
		var w []float64
		for i, v := range vals {
			if v < 0.4 {
				continue
			}
			x, y := hm(centres[i][0]+shifts[i][0], centres[i][1]+shifts[i][1])
			src = append(src, Point{centres[i][0], centres[i][1]})
			dst = append(dst, Point{x, y})
			w = append(w, v*wts[i])
		}
		g, ok := fitHomography(src, dst, w)
		if !ok {
			break
		}
		var nq Quad
		for k, c := range [4]Point{{0, 0}, {fineW, 0}, {fineW, fineH}, {0, fineH}} {
			d := g[6]*c.X + g[7]*c.Y + g[8]
			nq[k] = Point{(g[0]*c.X+g[1]*c.Y+g[2])/d - 0.5, (g[3]*c.X+g[4]*c.Y+g[5])/d - 0.5}
		}
		moved := 0.0
		for k := range 4 {
			moved = math.Max(moved, dist(nq[k], q[k]))
		}
		if moved > 0.1*dist(q[0], q[1]) || !convex(nq) {
			break
		}
		q = nq
		if moved < 0.3 {
			// Converged: one more match on the final outline.
			iter = refits - 1
		}
	}
	return vals, wts, ha
}

// matchBlocks cuts the high-passed front face hf into blocks and finds
// each one's best normalised correlation in the photo's face ha within
// shiftMax pixels; it returns the correlations, the front blocks' print
// energy (as weights), the shifts and the blocks' centres.
func matchBlocks(ha, hf []float64) (vals, wts []float64, shifts [][2]float64, centres [][2]float64) {
	for by := 0; by+blk <= fineH; by += blk {
		for bx := 0; bx+blk <= fineW; bx += blk {
			var ef float64
			for y := by; y < by+blk; y++ {
				for x := bx; x < bx+blk; x++ {
					ef += hf[y*fineW+x] * hf[y*fineW+x]
				}
			}
			if ef == 0 {
				continue
			}
			const side = 2*shiftMax + 1
			var grid [side * side]float64
			for i := range grid {
				grid[i] = math.NaN()
			}
			best, bs := -1.0, [2]int{}
			for dy := -shiftMax; dy <= shiftMax; dy++ {
				if by+dy < 0 || by+dy+blk > fineH {
					continue
				}
				for dx := -shiftMax; dx <= shiftMax; dx++ {
					if bx+dx < 0 || bx+dx+blk > fineW {
						continue
					}
					var sab, saa float64
					for y := by; y < by+blk; y++ {
						fo, ao := y*fineW, (y+dy)*fineW+dx
						for x := bx; x < bx+blk; x++ {
							v := ha[ao+x]
							sab += hf[fo+x] * v
							saa += v * v
						}
					}
					if saa > 0 {
						c := sab / math.Sqrt(saa*ef)
						grid[(dy+shiftMax)*side+dx+shiftMax] = c
						if c > best {
							best, bs = c, [2]int{dx, dy}
						}
					}
				}
			}
			// The peak to a fraction of a pixel: a parabola through it and
			// its two neighbours on each axis.
			sub := [2]float64{float64(bs[0]), float64(bs[1])}
			at := func(dx, dy int) float64 {
				if dx < -shiftMax || dx > shiftMax || dy < -shiftMax || dy > shiftMax {
					return math.NaN()
				}
				return grid[(dy+shiftMax)*side+dx+shiftMax]
			}
			for k, d := range [2][2]int{{1, 0}, {0, 1}} {
				l, r := at(bs[0]-d[0], bs[1]-d[1]), at(bs[0]+d[0], bs[1]+d[1])
				if den := l - 2*best + r; !math.IsNaN(l) && !math.IsNaN(r) && den < 0 {
					sub[k] += math.Max(-0.5, math.Min(0.5, 0.5*(l-r)/den))
				}
			}
			vals = append(vals, best)
			wts = append(wts, math.Sqrt(ef))
			shifts = append(shifts, sub)
			centres = append(centres, [2]float64{float64(bx) + blk/2, float64(by) + blk/2})
		}
	}
	return vals, wts, shifts, centres
}

// fitHomography is the weighted least-squares homography (row-major, last
// element 1) taking src to dst; it needs six points or more.
func fitHomography(src, dst []Point, w []float64) ([9]float64, bool) {
	if len(src) < 6 {
		return [9]float64{}, false
	}
	var ata [8][9]float64
	for i := range src {
		x, y, u, v := src[i].X, src[i].Y, dst[i].X, dst[i].Y
		for _, r := range [2][9]float64{{x, y, 1, 0, 0, 0, -u * x, -u * y, u}, {0, 0, 0, x, y, 1, -v * x, -v * y, v}} {
			for j := range 8 {
				for k := range 9 {
					ata[j][k] += w[i] * r[j] * r[k]
				}
			}
		}
	}
	h, ok := solve8(&ata)
	if !ok {
		return [9]float64{}, false
	}
	var m [9]float64
	copy(m[:8], h[:])
	m[8] = 1
	return m, true
}

// variableRegions are the parts of a side's face that another card of the
// same type prints differently: the OCR zones (which stop short of the
// labels) and the portrait, in fineW×fineH pixels.
func variableRegions(t Type, s Side) []image.Rectangle {
	tpl, ok := lookupTemplate(t, s)
	if !ok {
		return nil
	}
	kx, ky := fineW/tpl.sizeMM[0], fineH/tpl.sizeMM[1]
	px := func(x0, y0, x1, y1 float64) image.Rectangle {
		return image.Rect(int(math.Floor(x0*kx)), int(math.Floor(y0*ky)), int(math.Ceil(x1*kx)), int(math.Ceil(y1*ky))).Intersect(image.Rect(0, 0, fineW, fineH))
	}
	var out []image.Rectangle
	for _, z := range tpl.zones {
		out = append(out, px(z.x0, z.y0, z.x1, z.y1))
	}
	if r, ok := portraitRegions[tpl.key()]; ok {
		out = append(out, px(r[0], r[1], r[2], r[3]))
	}
	return out
}

// Region comparison: each region is cut into pieces at most pieceW
// wide and high, and each piece is matched within regionShift pixels of
// its place (the block matches have already aligned the two faces).
const (
	pieceW      = 32
	regionShift = 3
)

// regionPieces cuts r into pieces at most pieceW on a side.
func regionPieces(r image.Rectangle) []image.Rectangle {
	var out []image.Rectangle
	n := max(1, (r.Dx()+pieceW-1)/pieceW)
	m := max(1, (r.Dy()+pieceW-1)/pieceW)
	for j := range m {
		for i := range n {
			out = append(out, image.Rect(r.Min.X+r.Dx()*i/n, r.Min.Y+r.Dy()*j/m, r.Min.X+r.Dx()*(i+1)/n, r.Min.Y+r.Dy()*(j+1)/m))
		}
	}
	return out
}

// pieceCorr is the best normalised correlation, within regionShift
// pixels, of the front's high-passed face hf over the rectangle r with
// the aligned photo's face ha, counting only the front's pixels that skip
// does not mark (skip may be nil), and the front's energy there.
func pieceCorr(ha, hf []float64, skip []bool, r image.Rectangle) (best, energy float64) {
	use := func(i int) bool { return skip == nil || !skip[i] }
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if i := y*fineW + x; use(i) {
				energy += hf[i] * hf[i]
			}
		}
	}
	if energy == 0 {
		return 0, 0
	}
	best = -1
	for dy := -regionShift; dy <= regionShift; dy++ {
		if r.Min.Y+dy < 0 || r.Max.Y+dy > fineH {
			continue
		}
		for dx := -regionShift; dx <= regionShift; dx++ {
			if r.Min.X+dx < 0 || r.Max.X+dx > fineW {
				continue
			}
			var sab, saa float64
			for y := r.Min.Y; y < r.Max.Y; y++ {
				fo, ao := y*fineW, (y+dy)*fineW+dx
				for x := r.Min.X; x < r.Max.X; x++ {
					if !use(fo + x) {
						continue
					}
					v := ha[ao+x]
					sab += hf[fo+x] * v
					saa += v * v
				}
			}
			if saa > 0 {
				best = math.Max(best, sab/math.Sqrt(saa*energy))
			}
		}
	}
	return best, energy
}

// regionCorr is the correlation of the two faces over the rectangle r
// (skip as for pieceCorr): its pieces' correlations weighted by the
// front's print (the root of its energy) in each. ok is false when the
// front prints nothing there.
func regionCorr(ha, hf []float64, skip []bool, r image.Rectangle) (c float64, ok bool) {
	var s, w float64
	for _, p := range regionPieces(r) {
		v, e := pieceCorr(ha, hf, skip, p)
		s += v * math.Sqrt(e)
		w += math.Sqrt(e)
	}
	if w == 0 {
		return 0, false
	}
	return s / w, true
}

// contentAndLayout compares the aligned faces (high-passed, fineW×fineH)
// apart in the two parts of a card: the variable content and the layout
// around it. content is the mean of the lower half of the variable
// regions' correlations: another card of the type shares some of them
// (the era and 年月日 of a date, an expiry a year apart, a short insurer
// symbol) but not its name, number and portrait. layout is the
// correlation outside the variable regions, over 32×32 pieces: it is
// high when the photo's outline is the card's, whichever card it is.
func contentAndLayout(ha, hf []float64, regions []image.Rectangle) (content, layout float64) {
	var cs []float64
	skip := make([]bool, fineW*fineH)
	for _, r := range regions {
		if c, ok := regionCorr(ha, hf, nil, r); ok {
			cs = append(cs, c)
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				skip[y*fineW+x] = true
			}
		}
	}
	if len(cs) > 0 {
		slices.Sort(cs)
		n := (len(cs) + 1) / 2
		for _, c := range cs[:n] {
			content += c
		}
		content /= float64(n)
	}
	layout, _ = regionCorr(ha, hf, skip, image.Rect(0, 0, fineW, fineH))
	return content, layout
}
