package verification

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"sort"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/imagequality"
	"github.com/kakunin-dev/kakunin/internal/upload"
)

// Input is what a check sees: the verification, its evidence and a loader
// for the decrypted bytes.
type Input struct {
	Verification *Verification
	Evidence     []*Evidence
	Load         func(ctx context.Context, e *Evidence) ([]byte, error)
}

// Check is one named step of the pipeline.
type Check interface {
	Name() string
	// Applies reports whether the check is part of this verification's
	// method; a check that applies is required.
	Applies(v *Verification) bool
	Run(ctx context.Context, in *Input) CheckResult
}

// requiredChecks names, per method, the checks the law needs. A name with no
// Check implementation yet is recorded as unavailable, never skipped.
func requiredChecks(v *Verification) []string {
	switch v.Method {
	case MethodJPKI:
		if v.Face {
			return []string{"jpki_signature", "image_quality", "jpki_face_binding", "liveness"}
		}
		return []string{"jpki_signature"}
	case MethodICChip:
		return []string{"chip_authenticity", "image_quality", "face_match", "liveness"}
	default:
		return []string{"image_quality", "document_read", "document_recapture", "document_thickness", "document_authenticity", "face_match", "liveness"}
	}
}

// RunChecks runs the pipeline for v and returns every check's result, in
// the order of the method's required checks.
func (s *Service) RunChecks(ctx context.Context, v *Verification, evidence []*Evidence) []CheckResult {
	in := &Input{Verification: v, Evidence: evidence, Load: s.LoadEvidence}
	byName := map[string]Check{}
	for _, c := range s.d.Checks {
		byName[c.Name()] = c
	}
	var out []CheckResult
	for _, name := range requiredChecks(v) {
		c, ok := byName[name]
		if !ok || !c.Applies(v) {
			out = append(out, CheckResult{Name: name, Status: CheckUnavailable, Required: true,
				Reasons: []string{"checks_unavailable"}, StartedAt: s.d.Now().UTC()})
			continue
		}
		start := time.Now()
		r := c.Run(ctx, in)
		r.Name, r.Required, r.StartedAt = name, true, start.UTC()
		r.DurationMS = float64(time.Since(start).Microseconds()) / 1000
		if r.Reasons == nil {
			r.Reasons = []string{}
		}
		if s.d.ObserveCheck != nil {
			s.d.ObserveCheck(name, r.Status, time.Since(start))
		}
		out = append(out, r)
	}
	return out
}

// Process runs the checks of a submitted verification and decides it. It is
// what the processing job calls, and it is safe to call more than once (a
// job retried after a crash): only the call that moves the verification out
// of processing records anything.
func (s *Service) Process(ctx context.Context, tenantID, id string) (*Verification, error) {
	v, err := s.d.Store.Verification(ctx, tenantID, id, false)
	if err != nil {
		return nil, err
	}
	if v.Status != StatusProcessing {
		return v, nil // already decided by an earlier run
	}
	evidence, err := s.d.Store.ListEvidence(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	checks := s.RunChecks(ctx, v, evidence)
	err = s.d.Store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.lock(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if cur.Status != StatusProcessing {
			v = cur
			return nil
		}
		in := JudgeInput{Verification: cur, Checks: checks}
		if cur.SealedIdentity == nil {
			// A check that read the person's data (a document) provides the
			// identity the decision compares; sealed like the chip's.
			for _, c := range checks {
				if c.identity == nil {
					continue
				}
				b, _ := json.Marshal(c.identity)
				if cur.SealedIdentity, err = s.d.Sealer.Seal(ctx, cur.TenantID, b, identityAAD(cur.ID)); err != nil {
					return err
				}
				if cur.MethodResult == nil {
					cur.MethodResult = map[string]any{}
				}
				// 犯収法施行規則 6条1項1号ホ: photographs of the document and the person.
				cur.MethodResult["document_image"] = map[string]any{"ordinance_method": "ホ", "document_type": strings.TrimPrefix(c.identity.Source, "document_image:")}
				break
			}
		}
		personal, err := s.openPersonalData(ctx, cur, "worker", "decision")
		if err != nil {
			return err
		}
		in.Applicant, in.Identity = personal.Applicant, personal.Identity
		if in.Policy, err = s.policyFor(ctx, cur); err != nil {
			return err
		}
		d := s.d.Judge(in)
		now := s.d.Now().UTC().Truncate(time.Microsecond)
		d.DecidedAt = now
		summary := make([]map[string]any, len(checks))
		for i, c := range checks {
			summary[i] = map[string]any{"name": c.Name, "status": c.Status}
		}
		err = s.transition(ctx, cur, d.Status, "worker", map[string]any{"checks": summary, "reasons": d.Reasons}, func() {
			cur.Checks, cur.Decision, cur.DecidedAt = checks, &d, &now
		})
		v = cur
		if err != nil {
			return err
		}
		return s.appendRecord(ctx, cur, in, evidence, nil)
	})
	if errors.Is(err, errkind.ErrConflict) {
		// Another run decided it between our read and our lock.
		return s.d.Store.Verification(ctx, tenantID, id, false)
	}
	return v, err
}

// openPersonalData decrypts what the decision and the identity record
// compare (the applicant data the tenant sent, the identity the evidence
// proved) and records the read in the audit chain. Sealed data that does
// not open is an error, never silently left out of a decision.
func (s *Service) openPersonalData(ctx context.Context, v *Verification, actor Actor, purpose string) (JudgeInput, error) {
	in := JudgeInput{Verification: v}
	var read []string
	if v.SealedApplicant != nil {
		var a Applicant
		b, err := s.d.Sealer.Open(ctx, v.TenantID, v.SealedApplicant, applicantAAD(v.ID))
		if err != nil {
			return in, err
		}
		if err := json.Unmarshal(b, &a); err != nil {
			return in, err
		}
		in.Applicant, read = &a, append(read, "applicant")
	}
	if v.SealedIdentity != nil {
		var idn Identity
		b, err := s.d.Sealer.Open(ctx, v.TenantID, v.SealedIdentity, identityAAD(v.ID))
		if err != nil {
			return in, err
		}
		if err := json.Unmarshal(b, &idn); err != nil {
			return in, err
		}
		in.Identity, read = &idn, append(read, "identity")
	}
	if len(read) == 0 {
		return in, nil
	}
	return in, s.d.Audit.Record(ctx, v.TenantID, string(actor), "personal_data.read", v.ID,
		map[string]any{"fields": read, "purpose": purpose})
}

// ImageQualityCheck assesses every photo of the verification: resolution,
// blur and exposure. The check passes only if every photo does.
type ImageQualityCheck struct {
	Thresholds imagequality.Thresholds
	Limits     upload.Limits
	// MaxFrames bounds how many liveness frames are assessed.
	MaxFrames int
}

// Name implements Check.
func (ImageQualityCheck) Name() string { return "image_quality" }

// Applies implements Check: every method with photos.
func (ImageQualityCheck) Applies(v *Verification) bool {
	return v.Face || v.Method == MethodDocumentImage
}

// Run implements Check.
func (c ImageQualityCheck) Run(ctx context.Context, in *Input) CheckResult {
	type photo struct {
		EvidenceID string   `json:"evidence_id"`
		Kind       string   `json:"kind"`
		Score      float64  `json:"score"`
		Sharpness  float64  `json:"sharpness"`
		MeanLuma   float64  `json:"mean_luma"`
		Width      int      `json:"width"`
		Height     int      `json:"height"`
		Reasons    []string `json:"reasons"`
	}
	var photos []photo
	reasons := map[string]bool{}
	minScore := 1.0
	frames := 0
	for _, e := range in.Evidence {
		if !e.Kind.IsImage() || e.Kind == KindChipFace {
			continue // the chip photo is the issuer's, not a capture to grade
		}
		if e.Kind == KindLivenessFrame {
			if frames >= c.MaxFrames {
				continue
			}
			frames++
		}
		b, err := in.Load(ctx, e)
		if err != nil {
			return CheckResult{Status: CheckFailed, Reasons: []string{"evidence_unreadable"}, Details: map[string]string{"error": errkind.Reason(err)}}
		}
		res, err := upload.Sanitize(b, []string{e.ContentType}, c.Limits)
		if err != nil || res.Image == nil {
			return CheckResult{Status: CheckFailed, Reasons: []string{"evidence_unreadable"}}
		}
		r := imagequality.Assess(res.Image, c.Thresholds)
		photos = append(photos, photo{EvidenceID: e.ID, Kind: string(e.Kind), Score: r.Score, Sharpness: r.Sharpness,
			MeanLuma: r.MeanLuma, Width: r.Width, Height: r.Height, Reasons: nonNil(r.Reasons)})
		for _, reason := range r.Reasons {
			reasons[string(e.Kind)+"_"+reason] = true
		}
		minScore = min(minScore, r.Score)
	}
	if len(photos) == 0 {
		return CheckResult{Status: CheckFailed, Reasons: []string{"no_photos"}}
	}
	out := CheckResult{Status: CheckPassed, Score: &minScore, Details: map[string]any{"photos": photos}, Reasons: []string{}}
	for r := range reasons {
		out.Reasons = append(out.Reasons, r)
	}
	sort.Strings(out.Reasons)
	if len(out.Reasons) > 0 {
		out.Status = CheckFailed
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
