package liveness

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/kakunin-dev/kakunin/internal/face"
)

// CheckInput is everything the `liveness` pipeline check reads for one
// verification.
type CheckInput struct {
	VerificationID string
	Challenge      Challenge
	Frames         []Frame   // the liveness_frame evidence, in capture order
	Selfie         []byte    // optional: the verification's selfie (passive PAD and replay)
	Now            time.Time // when the server received the last frame
	Seen           SeenStore // optional: replay detection across verifications
}

// CheckResult is the outcome of the liveness check.
type CheckResult struct {
	Passed  bool           `json:"passed"`
	Reasons []Reason       `json:"reasons,omitempty"`
	Active  ActiveResult   `json:"active"`
	Passive []PassiveScore `json:"passive,omitempty"`
}

// PassiveScore is the passive PAD result on one image of the check.
type PassiveScore struct {
	Source string `json:"source"` // "frame:<index>" or "selfie"
	PassiveResult
}

// Check runs the whole liveness check: it observes every frame, decides the
// challenge, runs passive PAD (calibration cal) on the first frame with one
// face and on the selfie, and checks every frame and the selfie against
// Seen for replays (recording them under this verification).
func (a *Analyzer) Check(ctx context.Context, in CheckInput, opt ActiveOptions, cal PADCalibration) (CheckResult, error) {
	if err := a.ready(); err != nil {
		return CheckResult{}, err
	}
	obs := make([]TimedObservation, 0, len(in.Frames))
	var hashes []Hash
	firstFace := -1
	var firstImg *face.Image
	for i, f := range in.Frames {
		o, img, err := a.observeFrame(ctx, f.Data)
		if err != nil {
			return CheckResult{}, err
		}
		if firstFace < 0 && o.Faces == 1 {
			if img == nil { // observed ahead: decode only the frame PAD needs
				if img, err = face.DecodeImage(f.Data); err != nil {
					return CheckResult{}, err
				}
			}
			firstFace, firstImg = i, img
		}
		obs = append(obs, TimedObservation{Observation: o, Timestamp: f.Timestamp, Nonce: f.Nonce})
		hashes = append(hashes, o.Hash)
	}
	res := CheckResult{Active: DecideActive(in.Challenge, obs, in.Now, opt)}
	res.Reasons = append(res.Reasons, res.Active.Reasons...)
	add := func(r Reason) {
		if !slices.Contains(res.Reasons, r) {
			res.Reasons = append(res.Reasons, r)
		}
	}
	if firstFace >= 0 {
		f := face.Face{Landmarks: obs[firstFace].Landmarks}
		p, err := a.AssessPassive(ctx, firstImg, &f, cal)
		if err != nil {
			return CheckResult{}, err
		}
		res.Passive = append(res.Passive, PassiveScore{Source: "frame:" + strconv.Itoa(firstFace), PassiveResult: p})
	}
	if len(in.Selfie) > 0 {
		img, err := face.DecodeImage(in.Selfie)
		if err != nil {
			return CheckResult{}, err
		}
		hashes = append(hashes, PerceptualHash(img))
		faces, err := a.engine.Analyze(ctx, img)
		if err != nil {
			return CheckResult{}, err
		}
		if len(faces) > 0 {
			p, err := a.AssessPassive(ctx, img, &faces[0], cal)
			if err != nil {
				return CheckResult{}, err
			}
			res.Passive = append(res.Passive, PassiveScore{Source: "selfie", PassiveResult: p})
		}
	}
	for _, p := range res.Passive {
		if !p.Passed {
			add(ReasonPresentationAttack)
		}
	}
	if in.Seen != nil {
		replayed, err := CheckReplay(ctx, in.Seen, in.VerificationID, hashes)
		if err != nil {
			return CheckResult{}, err
		}
		if replayed {
			add(ReasonReplayedMedia)
		}
	}
	res.Passed = len(res.Reasons) == 0
	return res, nil
}
