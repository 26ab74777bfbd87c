package document

// The presentation-attack part of Evaluate: the recapture, thickness and
// tampering checks run over the attack samples of a `kakunin synth
// documents --attacks` directory and over the genuine photographs (the
// bona fide presentations), with the error rates of ISO/IEC 30107-3:
//
//   - APCER, per attack kind: attacks the check accepted / attacks;
//   - BPCER: bona fide presentations the check rejected / bona fide.
//
// A photo the check cannot read counts as rejected, as the verification
// pipeline treats it (the check fails), and is counted apart too.

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The checks the report measures.
const (
	PADCheckRecapture = "recapture"
	PADCheckThickness = "thickness"
	PADCheckTampering = "tampering"
)

// PADChecks lists them in report order.
var PADChecks = []string{PADCheckRecapture, PADCheckThickness, PADCheckTampering}

// PADRate is an error rate with its counts: for APCER the attacks the
// check accepted (Errors) of those presented (Total), for BPCER the bona
// fide presentations it rejected.
type PADRate struct {
	Errors int     `json:"errors"`
	Total  int     `json:"total"`
	Rate   float64 `json:"rate"`
	// Unreadable counts the photos, of Total, that the check could not
	// read (no document found): they are counted as rejected.
	Unreadable int `json:"unreadable,omitempty"`
}

func (r *PADRate) add(isError, unreadable bool) {
	r.Total++
	if isError {
		r.Errors++
	}
	if unreadable {
		r.Unreadable++
	}
	r.Rate = float64(r.Errors) / float64(r.Total)
}

// PADRates are one check's BPCER and its APCER by attack kind.
type PADRates struct {
	BPCER PADRate             `json:"bpcer"`
	APCER map[string]*PADRate `json:"apcer"`
}

func (r *PADRates) add(s padSample, accepted, unreadable bool) {
	if s.attack == "" {
		r.BPCER.add(!accepted, unreadable)
		return
	}
	if r.APCER == nil {
		r.APCER = map[string]*PADRate{}
	}
	if r.APCER[s.attack] == nil {
		r.APCER[s.attack] = &PADRate{}
	}
	r.APCER[s.attack].add(accepted, unreadable)
}

// PADCheck is one check's result over the set.
type PADCheck struct {
	PADRates
	// MaxAPCER is the highest APCER over the attack kinds (ISO/IEC
	// 30107-3's APCER of the check), MaxAPCERKind its kind.
	MaxAPCER     float64 `json:"max_apcer"`
	MaxAPCERKind string  `json:"max_apcer_kind"`
	// ByLevel and ByType split the rates by augmentation level and by
	// document type.
	ByLevel map[string]*PADRates `json:"by_level"`
	ByType  map[string]*PADRates `json:"by_type"`
	// BonaFideReasons counts the reason codes given for the bona fide
	// photos the check rejected; AcceptedAttacks lists the attack samples
	// it accepted (file names: the samples are synthetic).
	BonaFideReasons map[string]int `json:"bona_fide_reasons,omitempty"`
	AcceptedAttacks []string       `json:"accepted_attacks,omitempty"`
	// AttackReasons counts, per attack kind, the reason codes given for
	// the attacks the check rejected.
	AttackReasons map[string]map[string]int `json:"attack_reasons,omitempty"`
	MsPerSample   float64                   `json:"ms_per_sample"`
}

// padSample is one presentation to one check.
type padSample struct {
	t      truthFile
	attack string // "" for bona fide
	front  string // thickness: the front photo judged with it
}

// padSet is the samples of each check.
type padSet map[string][]padSample

func (p padSet) count() int {
	n := 0
	for _, s := range p {
		n += len(s)
	}
	return n
}

// padSamples picks each check's samples from the ground truths: the
// attack samples that name it, and as bona fide the genuine photos the
// check runs on in the verification pipeline (the flat front for
// recapture and tampering, the thickness view with its front), of the
// types that have attacks on that check in the set. Without attack
// samples it returns none. limit > 0 keeps the first limit of each check.
func padSamples(all []truthFile, limit int) padSet {
	set := padSet{}
	attacked := map[string]map[Type]bool{}
	fronts := map[string]string{} // type/index → genuine front file
	for _, t := range all {
		if t.Attack != "" && slices.Contains(PADChecks, t.Check) {
			if attacked[t.Check] == nil {
				attacked[t.Check] = map[Type]bool{}
			}
			attacked[t.Check][t.Type] = true
		}
		if t.Attack == "" && t.View == "flat" && (t.Side == SideFront || t.Side == SideDataPage) {
			fronts[fmt.Sprintf("%s/%d", t.Type, t.Index)] = t.File
		}
	}
	if len(attacked) == 0 {
		return set
	}
	for _, t := range all {
		switch {
		case t.Attack != "":
			if slices.Contains(PADChecks, t.Check) {
				set[t.Check] = append(set[t.Check], padSample{t: t, attack: t.Attack, front: t.Front})
			}
		case t.View == "flat" && (t.Side == SideFront || t.Side == SideDataPage):
			for _, c := range []string{PADCheckRecapture, PADCheckTampering} {
				if attacked[c][t.Type] {
					set[c] = append(set[c], padSample{t: t})
				}
			}
		case t.View == "thickness":
			if f, ok := fronts[fmt.Sprintf("%s/%d", t.Type, t.Index)]; ok && attacked[PADCheckThickness][t.Type] {
				set[PADCheckThickness] = append(set[PADCheckThickness], padSample{t: t, front: f})
			}
		}
	}
	if limit > 0 {
		for c, s := range set {
			if len(s) > limit {
				set[c] = s[:limit]
			}
		}
	}
	return set
}

// padVerdict runs one check on one sample: whether it accepted the photo,
// whether it could not read it, and the reasons it gave.
func padVerdict(ctx context.Context, e *Extractor, dir, check string, s padSample, o EvalOptions) (accepted, unreadable bool, reasons []string, err error) {
	img, err := DecodeFile(filepath.Join(dir, s.t.File))
	if err != nil {
		return false, false, nil, err
	}
	switch check {
	case PADCheckRecapture:
		r := Recapture(img)
		if r.Kind != "" {
			return false, false, []string{"document_recaptured_" + r.Kind}, nil
		}
		return true, false, nil, nil
	case PADCheckThickness:
		if s.front == "" {
			return false, false, nil, fmt.Errorf("document: %s names no front photo", s.t.File)
		}
		front, err := DecodeFile(filepath.Join(dir, s.front))
		if err != nil {
			return false, false, nil, err
		}
		r := Thickness(img, front)
		return r.Pass, false, r.Reasons, nil
	case PADCheckTampering:
		// As the pipeline reads it: as the type the person declared.
		opts := o.Options
		opts.Type = s.t.Type
		res, err := e.Extract(ctx, img, opts)
		if err != nil {
			if ctx.Err() != nil {
				return false, false, nil, ctx.Err()
			}
			return false, true, []string{"document_unreadable"}, nil
		}
		r := Tamper(res, o.CurrentTime)
		return !r.Tampered, false, r.Reasons, nil
	}
	return false, false, nil, fmt.Errorf("document: unknown check %q", check)
}

// evaluatePAD runs each check over its samples. done and total are for
// the progress callback.
func evaluatePAD(ctx context.Context, e *Extractor, dir string, set padSet, o EvalOptions, done, total int) (map[string]*PADCheck, error) {
	out := map[string]*PADCheck{}
	for _, check := range PADChecks {
		samples := set[check]
		if len(samples) == 0 {
			continue
		}
		c := &PADCheck{ByLevel: map[string]*PADRates{}, ByType: map[string]*PADRates{}, BonaFideReasons: map[string]int{}, AttackReasons: map[string]map[string]int{}}
		var elapsed time.Duration
		for _, s := range samples {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			start := time.Now()
			accepted, unreadable, reasons, err := padVerdict(ctx, e, dir, check, s, o)
			elapsed += time.Since(start)
			if err != nil {
				return out, err
			}
			c.add(s, accepted, unreadable)
			for _, k := range []struct {
				m   map[string]*PADRates
				key string
			}{{c.ByLevel, s.t.Augmentation.Level}, {c.ByType, string(s.t.Type)}} {
				if k.m[k.key] == nil {
					k.m[k.key] = &PADRates{}
				}
				k.m[k.key].add(s, accepted, unreadable)
			}
			switch {
			case s.attack == "" && !accepted:
				for _, r := range reasons {
					c.BonaFideReasons[r]++
				}
			case s.attack != "" && accepted:
				c.AcceptedAttacks = append(c.AcceptedAttacks, s.t.File)
			case s.attack != "":
				if c.AttackReasons[s.attack] == nil {
					c.AttackReasons[s.attack] = map[string]int{}
				}
				for _, r := range reasons {
					c.AttackReasons[s.attack][r]++
				}
			}
			done++
			if o.Progress != nil {
				o.Progress(done, total)
			}
		}
		for _, k := range sortedKeys(c.APCER) {
			if a := c.APCER[k]; c.MaxAPCERKind == "" || a.Rate > c.MaxAPCER {
				c.MaxAPCER, c.MaxAPCERKind = a.Rate, k
			}
		}
		c.MsPerSample = float64(elapsed.Milliseconds()) / float64(len(samples))
		out[check] = c
	}
	return out, nil
}

// padSummary prints the checks' rates as plain lines.
func padSummary(pad map[string]*PADCheck) string {
	var b strings.Builder
	for _, check := range PADChecks {
		c := pad[check]
		if c == nil {
			continue
		}
		fmt.Fprintf(&b, "%-10s BPCER %5.1f%% (%d/%d)", check, 100*c.BPCER.Rate, c.BPCER.Errors, c.BPCER.Total)
		for _, k := range sortedKeys(c.APCER) {
			a := c.APCER[k]
			fmt.Fprintf(&b, "  APCER %s %5.1f%% (%d/%d)", k, 100*a.Rate, a.Errors, a.Total)
		}
		b.WriteString("\n")
	}
	return b.String()
}
