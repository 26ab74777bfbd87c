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
//     template puts it, and there is one edge. A photo pasted over it is
//     cut a little larger or smaller and placed a little off: its edge is
//     elsewhere, the old portrait can show beside it (a second edge), and
//     a cut paper or an editing tool leaves a thin light rim.
//
// The thresholds were chosen on synthetic forgeries (synth.PastePortrait,
// synth.AlterMRZ), not on real ones; see docs/documents.md.

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
	signalPortraitSizeMM    = "portrait_size_dev_mm"
	signalPortraitShiftMM   = "portrait_shift_mm"
	signalPortraitSecond    = "portrait_second_edge"
	signalPortraitRim       = "portrait_rim"
	signalPortraitEdgeFound = "portrait_edge_sides"
)

// MRZMismatchMin is the number of kinds of field (number, name, birth
// date, expiry) on which a passport's valid MRZ and its visual zone must
// disagree for the MRZ to count as someone else's. One kind alone can be
// an OCR error on the visual zone; two independent errors that each go
// beyond the tolerance while the MRZ's check digits hold were not seen on
// genuine specimens (TestTamperMRZ).
const MRZMismatchMin = 2

// PortraitTamperThreshold is the portrait score at or above which the
// portrait counts as pasted over. The score is in millimetres-like units:
// see portraitScore.
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
	// "portrait".
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
		if p.sides < 3 {
			// The portrait's border is not where the outline puts it on
			// two sides or more: the outline is wrong, not the card.
			s = 0
		} else {
			out.Analysed = append(out.Analysed, "portrait")
		}
		out.Signals[signalPortraitScore] = s
		out.Signals[signalPortraitSizeMM] = p.sizeDev
		out.Signals[signalPortraitShiftMM] = p.shift
		out.Signals[signalPortraitSecond] = p.second
		out.Signals[signalPortraitRim] = p.rim
		out.Signals[signalPortraitEdgeFound] = float64(p.sides)
		out.Score = math.Max(out.Score, s/PortraitTamperThreshold)
		if s >= PortraitTamperThreshold {
			out.Reasons = append(out.Reasons, ReasonPortraitTampered)
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
	sizeDev float64 // |width change| or |height change| of the edge box, mm, the larger
	shift   float64 // the edge box's centre off the template's, mm, the larger axis
	second  float64 // strongest second edge within the band, relative to the first, the larger over sides
	rim     float64 // strongest thin light line in the band, grey levels, the larger over sides
	sides   int     // sides whose edge stands out of the band's noise; under 3, the outline is off and the rest means nothing
}

// portraitBand is how far the border search looks either side of the
// template's edge, mm: a forger's cut and placement are off by a
// millimetre or two, a rectified outline by well under one.
const portraitBand = 2.5

// measurePortrait reads, on each side of r, the median colour profile
// across the side (over its middle 60%, so the photo's content averages
// out and only structure parallel to the side stays), finds the strongest
// step and any second one, and a thin light line.
func measurePortrait(img *image.RGBA, r image.Rectangle) portraitBorder {
	S := int(math.Round(portraitBand * pxPerMM))
	b := img.Bounds()
	var off [4]float64 // outward offset of the main edge: left, right, top, bottom
	var second, rim [4]float64
	var p portraitBorder
	for side := range 4 {
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
		// Step strength between i-1 and i, smoothed [1 2 1].
		step := make([]float64, n)
		for i := 1; i < n; i++ {
			for c := range 3 {
				step[i] += math.Abs(prof[i][c] - prof[i-1][c])
			}
		}
		sm := make([]float64, n)
		for i := 1; i < n; i++ {
			sm[i] = 2 * step[i]
			if i > 1 {
				sm[i] += step[i-1]
			}
			if i+1 < n {
				sm[i] += step[i+1]
			}
			sm[i] /= 4
		}
		best := 1
		for i := 1; i < n; i++ {
			if sm[i] > sm[best] {
				best = i
			}
		}
		med := slices.Clone(sm[1:])
		slices.Sort(med)
		if sm[best] > 3*med[len(med)/2]+6 {
			p.sides++
		}
		off[side] = float64(best - S)
		// A second edge: the strongest local maximum at least 4 px from the first.
		sec := 0.0
		for i := 2; i+1 < n; i++ {
			if abs(i-best) >= 4 && sm[i] >= sm[i-1] && sm[i] >= sm[i+1] {
				sec = math.Max(sec, sm[i])
			}
		}
		if sm[best] > 0 {
			second[side] = sec / sm[best]
		}
		// A thin light line: grey brighter than both sides 3 px away.
		const k = 3
		for i := k; i+k < n; i++ {
			g := grey3(prof[i])
			rim[side] = math.Max(rim[side], math.Min(g-grey3(prof[i-k]), g-grey3(prof[i+k])))
		}
	}
	// The second strongest side: a pasted photo's rim and double edge go
	// all round it, while a rule or a tint band of the design runs along
	// one side only.
	p.second, p.rim = secondLargest(second), secondLargest(rim)
	w := (off[0] + off[1]) / pxPerMM
	h := (off[2] + off[3]) / pxPerMM
	p.sizeDev = math.Max(math.Abs(w), math.Abs(h))
	p.shift = math.Max(math.Abs(off[1]-off[0]), math.Abs(off[3]-off[2])) / 2 / pxPerMM
	return p
}

// score combines the border measures, each scaled so that it reaches 1
// alone: the edge box larger or smaller, or moved, by 0.75 mm (genuine
// cards, outlined a little off, reach 0.5 mm); a thin light rim 15 grey
// levels brighter than either side (genuine: ≤ 10); a second edge 0.7 as
// strong as the first (genuine: ≤ 0.5). The rim and second edge are the
// second strongest of the four sides. Measured in TestTamperPortrait.
func (p portraitBorder) score() float64 {
	return max(p.sizeDev/0.75, p.shift/0.75, p.rim/15, p.second/0.7)
}

func secondLargest(v [4]float64) float64 {
	s := v
	slices.Sort(s[:])
	return s[2]
}

func grey3(c [3]float64) float64 { return 0.299*c[0] + 0.587*c[1] + 0.114*c[2] }

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
