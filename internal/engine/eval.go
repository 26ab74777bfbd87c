package engine

import (
	"math"
	"slices"
)

// Probe is one search of an evaluation: Mate is the id of its enrolled
// template, or "" for a non-mated probe.
type Probe struct {
	Vec  []float32
	Mate string
}

// Loss is the index loss measured NIST-style (FRTE 1:N threshold mode): the
// threshold is set on exhaustive search so that FPIRTarget of the non-mated
// probes return a candidate, then indexed and exhaustive search are scored
// at that same threshold.
type Loss struct {
	Mated          int     `json:"mated"`
	NonMated       int     `json:"non_mated"`
	K              int     `json:"k"`
	FPIRTarget     float64 `json:"fpir_target"`
	Threshold      float64 `json:"threshold"`
	FNIRExhaustive float64 `json:"fnir_exhaustive"`
	FNIRIndexed    float64 `json:"fnir_indexed"`
	// FNIRRatio is FNIRIndexed / FNIRExhaustive: 1 when both are 0, -1
	// when only the exhaustive one is.
	FNIRRatio      float64 `json:"fnir_ratio"`
	FPIRExhaustive float64 `json:"fpir_exhaustive"`
	FPIRIndexed    float64 `json:"fpir_indexed"`
	// Rank1Agreement is the share of mated probes whose indexed top
	// candidate is the exhaustive one (without threshold).
	Rank1Agreement float64 `json:"rank1_agreement"`
}

// Reference holds the exhaustive results of a probe set, computed once and
// reused for every index setting measured against it.
type Reference struct {
	Probes []Probe
	K      int
	Exact  [][]Candidate // per probe, no threshold
}

// NewReference runs SearchExhaustive for every probe.
func NewReference(ix *Index, probes []Probe, k int) (*Reference, error) {
	ref := &Reference{Probes: probes, K: k, Exact: make([][]Candidate, len(probes))}
	for i, p := range probes {
		c, err := ix.SearchExhaustive(p.Vec, k, math.Inf(1))
		if err != nil {
			return nil, err
		}
		ref.Exact[i] = c
	}
	return ref, nil
}

// Threshold returns the largest distance threshold at which at most
// fpir of the non-mated probes get a candidate from exhaustive search.
func (r *Reference) Threshold(fpir float64) float64 {
	var top []float64
	for i, p := range r.Probes {
		if p.Mate == "" && len(r.Exact[i]) > 0 {
			top = append(top, r.Exact[i][0].Distance)
		}
	}
	if len(top) == 0 {
		return math.Inf(1)
	}
	slices.Sort(top)
	allowed := int(math.Floor(fpir * float64(len(top))))
	if allowed >= len(top) {
		return math.Inf(1)
	}
	return math.Nextafter(top[allowed], math.Inf(-1))
}

// Measure scores indexed results (one list per probe, searched without a
// threshold, as many candidates as the reference) against the reference.
func (r *Reference) Measure(indexed [][]Candidate, fpir float64) Loss {
	l := Loss{K: r.K, FPIRTarget: fpir, Threshold: r.Threshold(fpir)}
	var missE, missI, fpE, fpI, agree int
	for i, p := range r.Probes {
		e, x := r.Exact[i], indexed[i]
		if p.Mate == "" {
			l.NonMated++
			if len(e) > 0 && e[0].Distance <= l.Threshold {
				fpE++
			}
			if len(x) > 0 && x[0].Distance <= l.Threshold {
				fpI++
			}
			continue
		}
		l.Mated++
		if !hit(e, p.Mate, l.Threshold) {
			missE++
		}
		if !hit(x, p.Mate, l.Threshold) {
			missI++
		}
		if len(e) > 0 && len(x) > 0 && e[0].ID == x[0].ID {
			agree++
		}
	}
	if l.Mated > 0 {
		l.FNIRExhaustive = float64(missE) / float64(l.Mated)
		l.FNIRIndexed = float64(missI) / float64(l.Mated)
		l.Rank1Agreement = float64(agree) / float64(l.Mated)
	}
	if l.NonMated > 0 {
		l.FPIRExhaustive = float64(fpE) / float64(l.NonMated)
		l.FPIRIndexed = float64(fpI) / float64(l.NonMated)
	}
	switch {
	case missE > 0:
		l.FNIRRatio = float64(missI) / float64(missE)
	case missI == 0:
		l.FNIRRatio = 1
	default:
		l.FNIRRatio = -1 // the index missed mates exhaustive search found: no finite ratio
	}
	return l
}

func hit(c []Candidate, mate string, threshold float64) bool {
	for _, x := range c {
		if x.ID == mate && x.Distance <= threshold {
			return true
		}
	}
	return false
}
