package liveness

import (
	"context"
	"crypto/sha256"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/kakunin-dev/kakunin/internal/face"
)

// Reason says why a liveness check failed. The codes are stable.
type Reason string

// The reasons.
const (
	ReasonWrongAction         Reason = "wrong_action"         // an asked action is missing, or an unasked head movement happened
	ReasonOutOfOrder          Reason = "out_of_order"         // all asked actions happened, not in the asked order
	ReasonTimeout             Reason = "timeout"              // frames outside the challenge's window, or sent after its deadline
	ReasonFaceChanged         Reason = "face_changed"         // another face (or a second face) appeared
	ReasonFramesDiscontinuous Reason = "frames_discontinuous" // timestamps not monotonic or implausible, or the face jumped
	ReasonNonceMismatch       Reason = "nonce_mismatch"       // a frame does not answer this challenge
	ReasonTooFewFrames        Reason = "too_few_frames"       // not enough frames with exactly one face
	ReasonFramesIdentical     Reason = "frames_identical"     // two consecutive frames with identical pixels (injected)
	ReasonReplayedMedia       Reason = "replayed_media"       // a frame seen in another verification
	ReasonPresentationAttack  Reason = "presentation_attack"  // passive PAD score below threshold
)

// Frame is one captured frame as the client sends it.
type Frame struct {
	Data      []byte    // JPEG or PNG
	Timestamp time.Time // capture time, client clock
	Nonce     string    // the challenge's nonce
}

// Observation is what one frame shows.
type Observation struct {
	Faces      int // faces found; the rest is about the best one
	Landmarks  face.Landmarks
	Embedding  face.Embedding
	Centre     face.Point // landmarks' centroid
	Size       float64    // outer-eye-corner distance, pixels
	EyeAspect  float64
	MouthOpen  float64
	MouthWidth float64
	Hash       Hash
	Pixels     [32]byte // SHA-256 of the decoded pixels
}

// Observe analyses one decoded frame.
func (a *Analyzer) Observe(ctx context.Context, img *face.Image) (Observation, error) {
	faces, err := a.engine.Analyze(ctx, img)
	if err != nil {
		return Observation{}, err
	}
	o := Observation{Faces: len(faces), Hash: PerceptualHash(img), Pixels: sha256.Sum256(img.RGB())}
	if len(faces) == 0 {
		return o, nil
	}
	fillGeometry(&o, &faces[0].Landmarks)
	o.Embedding = faces[0].Embedding
	return o, nil
}

func fillGeometry(o *Observation, lm *face.Landmarks) {
	o.Landmarks = *lm
	o.Centre = face.Point{}
	for _, p := range lm {
		o.Centre.X += p.X / 68
		o.Centre.Y += p.Y / 68
	}
	o.Size = dist(lm[36], lm[45])
	o.EyeAspect = EyeAspect(lm)
	o.MouthOpen, o.MouthWidth = MouthShape(lm)
}

// ActiveOptions are the decision's thresholds. The zero value is not
// useful; start from DefaultActiveOptions.
type ActiveOptions struct {
	MinFrames      int           // frames with exactly one face
	TurnDegrees    float64       // yaw change from the neutral pose for a turn
	NodDegrees     float64       // pitch change for look up / down
	BlinkRatio     float64       // eye aspect below this fraction of neutral is a closed eye
	SmileRatio     float64       // mouth width above this multiple of neutral is a smile
	MouthOpen      float64       // inner-lip opening over mouth width for an open mouth
	StillDegrees   float64       // expressions count only with the head within this of neutral
	FaceDistance   float64       // embedding distance from the first frame beyond which the face changed
	MaxGap         time.Duration // longest pause between frames
	MinGap         time.Duration // shortest plausible interval (30 fps ≈ 33 ms)
	MaxShift       float64       // largest face-centre move between frames, in eye distances
	MaxScaleChange float64       // largest ratio of face sizes between frames
	MaxPoseJump    float64       // largest yaw or pitch change between frames, degrees
}

// DefaultActiveOptions are starting values for 5–10 frames per second,
// chosen from the synthetic sequences and the geometry of the landmarks; they
// are not calibrated on real captures yet.
var DefaultActiveOptions = ActiveOptions{
	MinFrames:      8,
	TurnDegrees:    9,
	NodDegrees:     12,
	BlinkRatio:     0.6,
	SmileRatio:     1.12,
	MouthOpen:      0.3,
	StillDegrees:   10,
	FaceDistance:   face.DefaultEuclideanThreshold,
	MaxGap:         time.Second,
	MinGap:         25 * time.Millisecond,
	MaxShift:       1.0,
	MaxScaleChange: 1.4,
	MaxPoseJump:    30,
}

// TimedObservation is an observed frame with what the client sent with it.
type TimedObservation struct {
	Observation
	Timestamp time.Time
	Nonce     string
}

// FrameMeasure is the per-frame measurement the decision used; kept for the
// reviewer.
type FrameMeasure struct {
	Index     int       `json:"index"`
	Pose      Pose      `json:"pose"`
	EyeAspect float64   `json:"eye_aspect"`
	MouthOpen float64   `json:"mouth_open"`
	Smile     float64   `json:"mouth_width_ratio"`
	Distance  float64   `json:"face_distance"`
	Actions   []Action  `json:"actions,omitempty"`
	Time      time.Time `json:"time"`
}

// ActiveResult is the outcome of a challenge.
type ActiveResult struct {
	Passed   bool           `json:"passed"`
	Reasons  []Reason       `json:"reasons,omitempty"`
	Observed []Action       `json:"observed"` // actions seen, in order of onset
	Frames   []FrameMeasure `json:"frames"`
}

// DecideActive judges a challenge from its observed frames. now is when the
// server received the last frame.
func DecideActive(ch Challenge, obs []TimedObservation, now time.Time, opt ActiveOptions) ActiveResult {
	var res ActiveResult
	add := func(r Reason) {
		if !slices.Contains(res.Reasons, r) {
			res.Reasons = append(res.Reasons, r)
		}
	}
	if now.After(ch.Deadline) {
		add(ReasonTimeout)
	}
	var valid []int
	for i, o := range obs {
		if o.Nonce != ch.Nonce {
			add(ReasonNonceMismatch)
		}
		if o.Timestamp.Before(ch.IssuedAt) || o.Timestamp.After(ch.Deadline) {
			add(ReasonTimeout)
		}
		if i > 0 {
			dt := o.Timestamp.Sub(obs[i-1].Timestamp)
			if dt < opt.MinGap || dt > opt.MaxGap {
				add(ReasonFramesDiscontinuous)
			}
			if o.Pixels == obs[i-1].Pixels {
				add(ReasonFramesIdentical)
			}
		}
		switch {
		case o.Faces == 1:
			valid = append(valid, i)
		case o.Faces > 1:
			add(ReasonFaceChanged)
		}
	}
	if len(valid) < opt.MinFrames {
		add(ReasonTooFewFrames)
		res.Observed = []Action{}
		return res
	}

	// Neutral reference: the 3-D model is fitted to the first face frame,
	// the neutral pose and expression are medians over the first three.
	first := obs[valid[0]]
	model := FitFaceModel(&first.Landmarks)
	poses := make([]Pose, len(valid))
	for k, i := range valid {
		poses[k] = model.EstimatePose(&obs[i].Landmarks)
	}
	n0 := min(3, len(valid))
	var yaws, pitches, ears, widths, opens []float64
	for k := 0; k < n0; k++ {
		o := obs[valid[k]]
		yaws, pitches = append(yaws, poses[k].Yaw), append(pitches, poses[k].Pitch)
		ears, widths, opens = append(ears, o.EyeAspect), append(widths, o.MouthWidth), append(opens, o.MouthOpen)
	}
	baseYaw, basePitch, baseEAR, baseWidth, baseOpen := median(yaws), median(pitches), median(ears), median(widths), median(opens)

	active := map[Action][]bool{}
	for _, a := range AllActions {
		active[a] = make([]bool, len(valid))
	}
	for k, i := range valid {
		o := obs[i]
		dy, dp := poses[k].Yaw-baseYaw, poses[k].Pitch-basePitch
		m := FrameMeasure{Index: i, Pose: poses[k], EyeAspect: o.EyeAspect, MouthOpen: o.MouthOpen, Time: o.Timestamp}
		if baseWidth > 0 {
			m.Smile = o.MouthWidth / baseWidth
		}
		set := func(a Action, on bool) {
			if on {
				active[a][k] = true
				m.Actions = append(m.Actions, a)
			}
		}
		set(TurnLeft, dy > opt.TurnDegrees)
		set(TurnRight, dy < -opt.TurnDegrees)
		set(LookDown, dp > opt.NodDegrees)
		set(LookUp, dp < -opt.NodDegrees)
		still := math.Abs(dy) < opt.StillDegrees && math.Abs(dp) < opt.StillDegrees
		set(Blink, still && o.EyeAspect < opt.BlinkRatio*baseEAR)
		set(Smile, still && m.Smile > opt.SmileRatio)
		set(OpenMouth, still && o.MouthOpen > math.Max(opt.MouthOpen, baseOpen+opt.MouthOpen/2))

		// Identity is compared on near-neutral frames only: descriptors of
		// strongly turned faces drift even for the same person, and the
		// continuity check covers the frames in between.
		m.Distance = face.Distance(first.Embedding, o.Embedding, face.Euclidean)
		if still && m.Distance > opt.FaceDistance {
			add(ReasonFaceChanged)
		}
		if k > 0 {
			p := obs[valid[k-1]]
			ref := math.Max(p.Size, 1)
			if dist(p.Centre, o.Centre)/ref > opt.MaxShift ||
				math.Max(o.Size, 1)/ref > opt.MaxScaleChange || ref/math.Max(o.Size, 1) > opt.MaxScaleChange ||
				math.Abs(poses[k].Yaw-poses[k-1].Yaw) > opt.MaxPoseJump || math.Abs(poses[k].Pitch-poses[k-1].Pitch) > opt.MaxPoseJump {
				add(ReasonFramesDiscontinuous)
			}
		}
		res.Frames = append(res.Frames, m)
	}

	// Events: runs of frames where an action is on, ordered by onset.
	type event struct {
		a     Action
		start int
	}
	var events []event
	for _, a := range AllActions {
		for k, on := range active[a] {
			if on && (k == 0 || !active[a][k-1]) {
				events = append(events, event{a, k})
			}
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].start < events[j].start })
	res.Observed = []Action{}
	for _, e := range events {
		res.Observed = append(res.Observed, e.a)
	}

	asked := map[Action]bool{}
	for _, a := range ch.Actions {
		asked[a] = true
	}
	mouth := asked[Smile] || asked[OpenMouth]
	var relevant []Action
	for _, a := range res.Observed {
		switch {
		case asked[a]:
			relevant = append(relevant, a)
		case a == Blink:
			// People blink on their own.
		case (a == Smile || a == OpenMouth) && mouth:
			// A wide smile opens the mouth and an open mouth widens it.
		default:
			add(ReasonWrongAction) // an unasked movement: a generic video doing everything fails here
		}
	}
	missing := false
	for _, a := range ch.Actions {
		if !slices.Contains(relevant, a) {
			missing = true
		}
	}
	switch {
	case missing:
		add(ReasonWrongAction)
	case !isSubsequence(ch.Actions, relevant):
		add(ReasonOutOfOrder)
	}
	res.Passed = len(res.Reasons) == 0
	return res
}

// isSubsequence reports whether want occurs in got in order.
func isSubsequence(want, got []Action) bool {
	k := 0
	for _, a := range got {
		if k < len(want) && a == want[k] {
			k++
		}
	}
	return k == len(want)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// CheckReplay reports whether any hash was seen in another verification,
// then records them all for this one.
func CheckReplay(ctx context.Context, s SeenStore, verificationID string, hashes []Hash) (bool, error) {
	replayed := false
	for _, h := range hashes {
		seen, err := s.SeenElsewhere(ctx, verificationID, h)
		if err != nil {
			return false, err
		}
		replayed = replayed || seen
	}
	for _, h := range hashes {
		if err := s.Record(ctx, verificationID, h); err != nil {
			return false, err
		}
	}
	return replayed, nil
}
