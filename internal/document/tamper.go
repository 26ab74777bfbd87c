package document

// Tampering: signs that a genuine document was altered before it was
// photographed, measured on what Extract read and rectified.
//
//   - MRZ against the visual zone (passports). The issuer prints both from
//     the same record, so a machine-readable zone whose check digits are
//     valid but which names someone else, or another birth date or number,
//     was made or edited by someone else. The visual zone is compared as
//     OCR read it, before the MRZ corrected it, with tolerance for OCR
//     noise.
//   - The portrait's border. A printed portrait's edge lies where the
//     template puts it. A photo pasted over it is cut a little larger or
//     smaller and placed a little off, and a cut paper or an editing tool
//     leaves a thin light rim. Only positive evidence counts: the edge is
//     placed only on sides where the photo and the card differ in colour
//     (a light, plain photo background on a light card has no measurable
//     edge, and such a side says nothing), and a rim must be there.
//   - The key fields' layout (layout.go): a field painted over and typed
//     again starts elsewhere, sits on another baseline or is printed in
//     another size than the issuer's.
//
// The thresholds were chosen on synthetic forgeries (synth.PastePortrait,
// synth.AlterMRZ, synth.TamperField), not on real ones; see
// docs/documents.md.

import (
	"image"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/mrz"
)

// Tampering reason codes.
const (
	ReasonMRZMismatch       = "document_mrz_mismatch"
	ReasonPortraitTampered  = "document_portrait_tampered"
	ReasonLayoutMismatch    = "document_layout_mismatch"
	ReasonTamperReviewOnly  = "document_review_only"
	ReasonMRZUnverified     = "document_mrz_unverified"
	signalMRZDisagreements  = "mrz_viz_disagreements"
	signalMRZCompared       = "mrz_viz_compared"
	signalPortraitScore     = "portrait_score"
	signalPortraitMovedMM   = "portrait_moved_mm"
	signalPortraitRim       = "portrait_rim"
	signalPortraitRimMax    = "portrait_rim_max"
	signalPortraitEdgeFound = "portrait_edge_sides"
	signalLayoutScore       = "layout_score"
	signalLayoutDX          = "layout_dx_mm"
	signalLayoutDY          = "layout_dy_mm"
	signalLayoutHeight      = "layout_height"
	signalLayoutFields      = "layout_fields"
)

// MRZMismatchMin is the number of kinds of field (number, name, birth
// date, expiry) on which a passport's valid MRZ and its visual zone must
// disagree for the MRZ to count as someone else's. One kind alone can be
// an OCR error on the visual zone; two independent errors that each go
// beyond the tolerance while the MRZ's check digits hold were not seen on
// genuine specimens (TestTamperMRZ).
const MRZMismatchMin = 2

// PortraitTamperThreshold is the portrait score at or above which the
// portrait counts as pasted over; see portraitBorder.score.
const PortraitTamperThreshold = 1.0

// TamperResult is what Tamper found. It holds numbers, never what the
// document says.
type TamperResult struct {
	// Tampered is true when any signal reached its threshold; Reasons say
	// which.
	Tampered bool
	Reasons  []string
	// Score is the strongest signal over its threshold (1 at the
	// threshold).
	Score float64
	// Signals are the measurements by name.
	Signals map[string]float64
	// Analysed lists the signals that could be measured: "mrz_viz",
	// "portrait", "layout" (at least two key fields' lines found).
	Analysed []string
}

// Tamper looks for signs of tampering in what Extract read. now is the
// day two-digit MRZ birth years are resolved against.
func Tamper(res *Result, now time.Time) TamperResult {
	out := TamperResult{Signals: map[string]float64{}, Reasons: []string{}}
	if res == nil || res.Rectified == nil {
		return out
	}
	if now.IsZero() {
		now = time.Now()
	}
	if res.Type == Passport {
		if d, n, ok := mrzDisagreements(res, now); ok {
			out.Analysed = append(out.Analysed, "mrz_viz")
			out.Signals[signalMRZDisagreements] = float64(d)
			out.Signals[signalMRZCompared] = float64(n)
			out.Score = math.Max(out.Score, float64(d)/MRZMismatchMin)
			if d >= MRZMismatchMin {
				out.Reasons = append(out.Reasons, ReasonMRZMismatch)
			}
		}
	}
	tpl, ok := lookupTemplate(res.Type, res.Side)
	if r, has := portraitRegions[tpl.key()]; ok && has {
		p := measurePortrait(res.Rectified, mmRect(r[0], r[1], r[2], r[3]))
		s := p.score()
		out.Analysed = append(out.Analysed, "portrait")
		out.Signals[signalPortraitScore] = s
		out.Signals[signalPortraitMovedMM] = p.moved
		out.Signals[signalPortraitRim] = p.rim
		out.Signals[signalPortraitRimMax] = p.rimMax
		out.Signals[signalPortraitEdgeFound] = float64(p.sides)
		out.Score = math.Max(out.Score, s/PortraitTamperThreshold)
		if s >= PortraitTamperThreshold {
			out.Reasons = append(out.Reasons, ReasonPortraitTampered)
		}
	}
	if l, measured := measureLayout(res.Rectified, tpl.key()); ok && measured {
		s := l.score()
		out.Analysed = append(out.Analysed, "layout")
		out.Signals[signalLayoutScore] = s
		out.Signals[signalLayoutDX] = l.DX
		out.Signals[signalLayoutDY] = l.DY
		out.Signals[signalLayoutHeight] = l.Height
		out.Signals[signalLayoutFields] = float64(l.Fields)
		out.Score = math.Max(out.Score, s)
		if s >= 1 {
			out.Reasons = append(out.Reasons, ReasonLayoutMismatch)
		}
	}
	for k, v := range out.Signals {
		out.Signals[k] = math.Round(v*1000) / 1000
	}
	out.Score = math.Round(out.Score*1000) / 1000
	out.Tampered = len(out.Reasons) > 0
	return out
}

// mrzDisagreements compares a passport's MRZ with the visual zone as OCR
// read it. The MRZ is taken field by field from the two raw lines, so a
// misread filler or name letter does not hide the rest: the number, birth
// date and expiry count only when their own check digits hold (then they
// were read exactly), the name when the first line reads as a passport's.
// It returns how many kinds of field disagree beyond OCR noise, how many
// kinds could be compared, and false when no MRZ field could be used.
func mrzDisagreements(res *Result, now time.Time) (disagree, compared int, ok bool) {
	mz, has := res.Fields[FieldMRZ]
	if !has {
		return 0, 0, false
	}
	l1, l2, good := mrzLines(mz.Raw)
	if !good {
		return 0, 0, false
	}
	differ := func(bad bool) {
		compared++
		if bad {
			disagree++
		}
	}
	// Number: one OCR slip allowed on the visual side.
	if num, good := mrzField(l2[0:9], l2[9], false); good {
		if v := vizAlnum(res.Fields[FieldDocumentNumber].Raw); len(v) >= 5 {
			differ(editDistance(v, num) > 1)
		}
	}
	// Dates: exact when the visual zone's date parsed.
	if b, good := mrzField(l2[13:19], l2[19], true); good {
		if v, parsed := ParsePassportDate(res.Fields[FieldBirthDate].Raw); parsed {
			differ(v != (&mrz.MRZ{BirthDate: b}).BirthDateISO(now))
		}
	}
	if e, good := mrzField(l2[21:27], l2[27], true); good {
		if fr, has := res.Fields[FieldExpiryDate]; has {
			if v, parsed := ParsePassportDate(fr.Raw); parsed {
				differ(v != (&mrz.MRZ{ExpiryDate: e}).ExpiryDateISO())
			}
		}
	}
	// Name: surname and given names as one kind; a quarter of the letters
	// may differ (OCR on either side, the MRZ's truncation of long names).
	if l1[0] == 'P' {
		name := strings.Map(func(r rune) rune {
			if d, isDigit := digitToLetter[byte(r)]; isDigit {
				return rune(d)
			}
			if r == '<' {
				return -1
			}
			return r
		}, l1[5:])
		viz := strings.ReplaceAll(latinName(res.Fields[FieldSurname].Raw)+latinName(res.Fields[FieldGivenNames].Raw), " ", "")
		if len(name) >= 3 && len(viz) >= 3 {
			n := min(len(viz), len(name))
			differ(float64(editDistance(viz[:n], name[:n])) > 0.25*float64(n))
		}
	}
	return disagree, compared, compared > 0
}

var (
	digitToLetter = map[byte]byte{'0': 'O', '1': 'I', '5': 'S', '8': 'B', '2': 'Z', '6': 'G'}
	letterToDigit = map[byte]byte{'O': '0', 'D': '0', 'Q': '0', 'I': '1', 'L': '1', 'S': '5', 'B': '8', 'Z': '2', 'G': '6'}
)

// mrzLines splits the MRZ zones' raw OCR into two 44-character lines.
func mrzLines(raw string) (l1, l2 string, ok bool) {
	var lines []string
	for _, l := range strings.Split(raw, "\n") {
		if l = strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(l)), " ", ""); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		return "", "", false
	}
	fixed := strings.Split(fixMRZ(lines[0]+"\n"+lines[1]), "\n")
	if len(fixed) != 2 || len(fixed[0]) != 44 || len(fixed[1]) != 44 {
		return "", "", false
	}
	return fixed[0], fixed[1], true
}

// mrzField returns an MRZ field without its fillers when its check digit
// holds; digits says the field is all digits (a date), so look-alike
// letters OCR put there are read as digits first.
func mrzField(f string, check byte, digits bool) (string, bool) {
	b := []byte(f)
	if digits {
		for i, c := range b {
			if d, ok := letterToDigit[c]; ok {
				b[i] = d
			}
		}
	}
	if d, ok := letterToDigit[check]; ok {
		check = d
	}
	if check < '0' || check > '9' || mrz.CheckDigit(string(b)) != int(check-'0') {
		return "", false
	}
	return strings.TrimRight(string(b), "<"), true
}

// vizAlnum is a passport number as readZones normalises it.
func vizAlnum(raw string) string {
	return repairNumber(Passport, strings.Map(func(r rune) rune {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, strings.ToUpper(raw)))
}

// editDistance is the Levenshtein distance between two ASCII strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// portraitBorder holds what measurePortrait found along the four sides of
// the template's portrait box.
type portraitBorder struct {
	// Per side (left, right, top, bottom): the colour contrast across the
	// template's edge (RGB distance between the inside's median colour and
	// that of the band's outer end), and where the colour changes from the
	// inside's to the outside's, mm outward of the template's edge. A side
	// has no measurable edge (Known false) when the contrast is under
	// portraitMinContrast (a light, plain photo background on a light
	// card) or when the inside or the outside is not one colour (hair
	// against a light wall).
	Contrast [4]float64
	Offset   [4]float64
	Known    [4]bool
	// Rims is the strongest thin light line in each side's band, grey
	// levels brighter than either side.
	Rims [4]float64

	moved  float64 // the largest |Offset| over the known sides, mm
	rim    float64 // Rims' second largest: a paste's rim goes all round it, a rule of the design along one side
	rimMax float64 // Rims' largest
	sides  int     // known sides
}

// portraitBand is how far the border search looks either side of the
// template's edge, mm: a forger's cut and placement are off by a
// millimetre or two, a rectified outline by well under one.
const portraitBand = 3.5

// portraitFar is the width of the outer end of the band where the card's
// own colour is read, mm.
const portraitFar = 1.0

// portraitInner is the margin either side of the template's edge left out
// of the inside and outside colours, mm: the outline's error and blur.
const portraitInner = 0.6

// portraitMinContrast is the least RGB distance between a side's inside
// and outside colours for the edge's place to be measured.
const portraitMinContrast = 100.0

// measurePortrait reads, on each side of r, the median colour profile
// across the side (over its middle 60%, so the photo's content averages
// out and only structure parallel to the side stays), the colours inside
// and outside and where one turns into the other, and a thin light line.
func measurePortrait(img *image.RGBA, r image.Rectangle) portraitBorder {
	W := int(math.Round(portraitInner * pxPerMM))
	F := int(math.Round(portraitFar * pxPerMM))
	b := img.Bounds()
	var p portraitBorder
	for side := range 4 {
		// The band stops short of the card's edge.
		room := [4]int{r.Min.X - b.Min.X, b.Max.X - r.Max.X, r.Min.Y - b.Min.Y, b.Max.Y - r.Max.Y}[side]
		S := min(int(math.Round(portraitBand*pxPerMM)), room-int(math.Round(0.4*pxPerMM)))
		if S < W+F+2 {
			continue
		}
		vertical := side < 2 // left and right sides run vertically
		var a0, a1 int
		if vertical {
			a0, a1 = r.Min.Y+r.Dy()/5, r.Max.Y-r.Dy()/5
		} else {
			a0, a1 = r.Min.X+r.Dx()/5, r.Max.X-r.Dx()/5
		}
		// at maps (t, along) to a pixel; t is outward, the border between
		// t = -1 (inside) and t = 0 (outside).
		at := func(t, s int) (int, int) {
			switch side {
			case 0:
				return r.Min.X - 1 - t, s
			case 1:
				return r.Max.X + t, s
			case 2:
				return s, r.Min.Y - 1 - t
			}
			return s, r.Max.Y + t
		}
		n := 2*S + 1
		prof := make([][3]float64, n)
		vals := [3][]float64{}
		for i := range n {
			t := i - S
			for c := range 3 {
				vals[c] = vals[c][:0]
			}
			for s := a0; s < a1; s += 2 {
				x, y := at(t, s)
				if !(image.Point{x, y}).In(b) {
					continue
				}
				o := img.PixOffset(x, y)
				for c := range 3 {
					vals[c] = append(vals[c], float64(img.Pix[o+c]))
				}
			}
			for c := range 3 {
				if len(vals[c]) > 0 {
					slices.Sort(vals[c])
					prof[i][c] = vals[c][len(vals[c])/2]
				}
			}
		}
		// The inside's colour, away from the edge, and the outside's at
		// the far end of the band (a paste cut larger covers the card
		// near the edge).
		var in, out [3]float64
		for c := range 3 {
			var vi, vo []float64
			for i := range n {
				switch {
				case i < S-W:
					vi = append(vi, prof[i][c])
				case i >= n-F:
					vo = append(vo, prof[i][c])
				}
			}
			slices.Sort(vi)
			slices.Sort(vo)
			in[c], out[c] = vi[len(vi)/2], vo[len(vo)/2]
		}
		var c2 float64
		for c := range 3 {
			c2 += (out[c] - in[c]) * (out[c] - in[c])
		}
		p.Contrast[side] = math.Sqrt(c2)
		if p.Contrast[side] >= portraitMinContrast {
			// d runs from 0 (the inside's colour) to 1 (the outside's).
			d := make([]float64, n)
			for i := range n {
				for c := range 3 {
					d[i] += (prof[i][c] - in[c]) * (out[c] - in[c])
				}
				d[i] /= c2
			}
			// Both must be plain: photo content that changes across the
			// band (hair against a light wall) has no one colour, and
			// its changes are not the border.
			var inOK, outOK, ni, no int
			for i := range n {
				switch {
				case i < S-W:
					ni++
					if d[i] < 0.3 {
						inOK++
					}
				case i >= n-F:
					no++
					if d[i] > 0.7 {
						outOK++
					}
				}
			}
			// The edge is where d crosses one half, the crossing nearest
			// the template's edge.
			best := math.Inf(1)
			for i := 1; i < n; i++ {
				if (d[i-1] < 0.5) != (d[i] < 0.5) {
					x := float64(i-1) + (0.5-d[i-1])/(d[i]-d[i-1]) - float64(S) + 0.5
					if math.Abs(x) < math.Abs(best) {
						best = x
					}
				}
			}
			if 10*inOK >= 9*ni && 10*outOK >= 9*no && !math.IsInf(best, 0) {
				p.Known[side] = true
				p.Offset[side] = best / pxPerMM
				p.sides++
				p.moved = math.Max(p.moved, math.Abs(p.Offset[side]))
			}
		}
		// A thin light line: grey brighter than both sides 3 px away.
		const k = 3
		for i := k; i+k < n; i++ {
			g := grey3(prof[i])
			p.Rims[side] = math.Max(p.Rims[side], math.Min(g-grey3(prof[i-k]), g-grey3(prof[i+k])))
		}
	}
	p.rim = secondLargest(p.Rims)
	p.rimMax = slices.Max(p.Rims[:])
	return p
}

// score combines the border measures, each scaled so that it reaches 1
// alone: an edge 1 mm off the template's on a side where it can be
// measured (genuine clean and medium photos: up to 0.8 mm, where the
// outline was found a little off); a thin light rim 15 grey levels
// brighter than either side on two sides (genuine: up to 7), or 35 on one
// (genuine: up to 23, where a rule of the design runs beside the photo).
// Chosen on seed 7 (10 documents per type); TestTamperPortrait and
// TestTamperPlainPortrait check them.
func (p portraitBorder) score() float64 {
	return max(p.moved/1.0, p.rim/15, p.rimMax/35)
}

func secondLargest(v [4]float64) float64 {
	s := v
	slices.Sort(s[:])
	return s[2]
}

func grey3(c [3]float64) float64 { return 0.299*c[0] + 0.587*c[1] + 0.114*c[2] }
