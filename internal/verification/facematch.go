package verification

import (
	"context"
	"errors"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// FaceMatcher compares the face in a probe (the live selfie) with the face
// in a reference (an ID's portrait).
type FaceMatcher interface {
	MatchFaces(ctx context.Context, probe, reference []byte) (FaceMatch, error)
}

// FaceMatch is one comparison's outcome.
type FaceMatch struct {
	Score     float64 `json:"score"`     // similarity in [0, 1]; larger is more alike
	Threshold float64 `json:"threshold"` // on the same scale
	Distance  float64 `json:"distance"`
	FARTarget float64 `json:"far_target"`
	Match     bool    `json:"match"`
}

// Errors a FaceMatcher returns wrapped, to say which image failed.
var (
	ErrProbeFace     = errors.New("probe face")
	ErrReferenceFace = errors.New("reference face")
)

// FaceMatchCheck compares the latest selfie with the reference portrait:
// for document_image the document front's portrait; for ic_chip the chip
// photo (once the chip verifier supplies it).
type FaceMatchCheck struct {
	Matcher FaceMatcher
}

// Name implements Check.
func (FaceMatchCheck) Name() string { return "face_match" }

// Applies implements Check.
func (FaceMatchCheck) Applies(v *Verification) bool {
	return v.Method == MethodDocumentImage || v.Method == MethodICChip
}

func latest(evidence []*Evidence, kind EvidenceKind) *Evidence {
	var out *Evidence
	for _, e := range evidence {
		if e.Kind == kind {
			out = e
		}
	}
	return out
}

// Run implements Check.
func (c FaceMatchCheck) Run(ctx context.Context, in *Input) CheckResult {
	refKind, refName := KindDocumentFront, "document_"
	if in.Verification.Method == MethodICChip {
		refKind, refName = KindChipFace, "chip_photo_"
	}
	selfie, ref := latest(in.Evidence, KindSelfie), latest(in.Evidence, refKind)
	if selfie == nil {
		return CheckResult{Status: CheckFailed, Reasons: []string{"evidence_missing"}}
	}
	if ref == nil {
		return CheckResult{Status: CheckFailed, Reasons: []string{refName + "missing"}}
	}
	probe, err := in.Load(ctx, selfie)
	if err != nil {
		return CheckResult{Status: CheckFailed, Reasons: []string{"evidence_unreadable"}}
	}
	reference, err := in.Load(ctx, ref)
	if err != nil {
		return CheckResult{Status: CheckFailed, Reasons: []string{"evidence_unreadable"}}
	}
	m, err := c.Matcher.MatchFaces(ctx, probe, reference)
	if err != nil {
		prefix := "selfie_"
		if errors.Is(err, ErrReferenceFace) {
			prefix = refName
		}
		reason := errkind.Reason(err)
		if reason == "" {
			return CheckResult{Status: CheckUnavailable, Reasons: []string{"face_engine_error"}}
		}
		return CheckResult{Status: CheckFailed, Reasons: []string{prefix + reason}}
	}
	score := m.Score
	res := CheckResult{Status: CheckPassed, Score: &score, Details: m, Reasons: []string{}}
	if !m.Match {
		res.Status, res.Reasons = CheckFailed, []string{"face_mismatch"}
	}
	return res
}
