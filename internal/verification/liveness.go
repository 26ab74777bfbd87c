package verification

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/liveness"
)

// challengeReuseMargin is the least time a current challenge must have left
// to be handed out again instead of a new one.
const challengeReuseMargin = 30 * time.Second

// LivenessChallenge returns the active liveness challenge: three random
// actions, a nonce every frame must carry, and a deadline. Unless renew is
// set, a challenge that still has challengeReuseMargin to run is returned
// again (a page reload does not change the actions under the person's
// eyes); otherwise a new one replaces it.
func (s *Service) LivenessChallenge(ctx context.Context, v *Verification, renew bool) (*liveness.Challenge, error) {
	if !v.Status.AcceptsInput() {
		return nil, errkind.New(errkind.ErrConflict, "not_accepting_input", "a verification in status %q accepts no evidence", v.Status)
	}
	now := s.d.Now().UTC()
	if !renew {
		if cur, ok := currentChallenge(v); ok && cur.Deadline.Sub(now) >= challengeReuseMargin && !cur.IssuedAt.After(now) {
			return &cur, nil
		}
	}
	ttl := s.d.ChallengeTTL
	if ttl <= 0 {
		ttl = liveness.DefaultChallengeTTL
	}
	ch, err := liveness.NewChallenge(nil, now, ttl)
	if err != nil {
		return nil, err
	}
	err = s.d.Store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.lock(ctx, v.TenantID, v.ID)
		if err != nil {
			return err
		}
		if cur.MethodResult == nil {
			cur.MethodResult = map[string]any{}
		}
		cur.MethodResult["liveness"] = map[string]any{"challenge": ch}
		cur.UpdatedAt = s.d.Now().UTC().Truncate(time.Microsecond)
		if err := s.d.Store.UpdateVerification(ctx, cur, cur.Status); err != nil {
			return err
		}
		*v = *cur
		return s.d.Audit.Record(ctx, v.TenantID, "system", "liveness.challenge_issued", v.ID, map[string]any{"actions": ch.Actions})
	})
	return &ch, err
}

// AddFrame stores one liveness frame with the capture time and challenge
// nonce the client sent with it.
func (s *Service) AddFrame(ctx context.Context, v *Verification, data []byte, capturedAt time.Time, nonce string, actor Actor) (*Evidence, error) {
	if len(nonce) > 128 {
		return nil, invalid("nonce_invalid", "nonce is at most 128 characters")
	}
	e, stored, err := s.addEvidenceStored(ctx, v, KindLivenessFrame, data, actor,
		map[string]string{"captured_at": capturedAt.UTC().Format(time.RFC3339Nano), "nonce": nonce})
	if err == nil && s.d.FrameStored != nil {
		s.d.FrameStored(stored)
	}
	return e, err
}

// LivenessCheck runs active challenge-response over the liveness frames and
// passive presentation-attack detection over frames and selfie, and flags
// media replayed from another verification.
type LivenessCheck struct {
	Analyzer    *liveness.Analyzer
	Calibration liveness.PADCalibration
	Seen        liveness.SeenStore
}

// Name implements Check.
func (LivenessCheck) Name() string { return "liveness" }

// Applies implements Check: every method with a live face.
func (LivenessCheck) Applies(v *Verification) bool { return v.Face }

// Run implements Check.
func (c LivenessCheck) Run(ctx context.Context, in *Input) CheckResult {
	v := in.Verification
	ch, ok := currentChallenge(v)
	if !ok {
		return CheckResult{Status: CheckFailed, Reasons: []string{"liveness_challenge_missing"}}
	}
	cin := liveness.CheckInput{VerificationID: v.ID, Challenge: ch, Seen: c.Seen}
	for _, e := range in.Evidence {
		switch e.Kind {
		case KindLivenessFrame:
			b, err := in.Load(ctx, e)
			if err != nil {
				return CheckResult{Status: CheckFailed, Reasons: []string{"evidence_unreadable"}}
			}
			at, _ := time.Parse(time.RFC3339Nano, e.Meta["captured_at"])
			cin.Frames = append(cin.Frames, liveness.Frame{Data: b, Timestamp: at, Nonce: e.Meta["nonce"]})
			cin.Now = e.CreatedAt
		case KindSelfie:
			b, err := in.Load(ctx, e)
			if err != nil {
				return CheckResult{Status: CheckFailed, Reasons: []string{"evidence_unreadable"}}
			}
			cin.Selfie = b
		}
	}
	if len(cin.Frames) == 0 {
		return CheckResult{Status: CheckFailed, Reasons: []string{string(liveness.ReasonTooFewFrames)}}
	}
	res, err := c.Analyzer.Check(ctx, cin, liveness.DefaultActiveOptions, c.Calibration)
	if err != nil {
		if r := errkind.Reason(err); r != "" {
			return CheckResult{Status: CheckFailed, Reasons: []string{"frame_" + r}}
		}
		return CheckResult{Status: CheckUnavailable, Reasons: []string{"liveness_engine_error"}}
	}
	out := CheckResult{Status: CheckPassed, Reasons: []string{}, Details: res}
	for _, r := range res.Reasons {
		out.Reasons = append(out.Reasons, string(r))
	}
	if !res.Passed {
		out.Status = CheckFailed
	}
	return out
}

// currentChallenge reads the verification's stored challenge.
func currentChallenge(v *Verification) (liveness.Challenge, bool) {
	var ch liveness.Challenge
	lr, _ := v.MethodResult["liveness"].(map[string]any)
	raw, ok := lr["challenge"]
	if !ok {
		return ch, false
	}
	b, _ := json.Marshal(raw)
	if json.Unmarshal(b, &ch) != nil || ch.Validate() != nil {
		return ch, false
	}
	return ch, true
}
