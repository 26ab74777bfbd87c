package liveness

import (
	"context"
	"image"
	"sync"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/face"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// clipCache observes each synthetic head state once; sequences reuse them.
type clipCache struct {
	mu   sync.Mutex
	src  image.Image
	lm   face.Landmarks
	a    *Analyzer
	seen map[synth.FaceState]Observation
}

var (
	clipOnce sync.Once
	clipVal  *clipCache
)

func clips(t *testing.T) *clipCache {
	a := openAnalyzer(t)
	src, img := livePhoto(t)
	clipOnce.Do(func() {
		fs, err := a.engine.Analyze(context.Background(), img)
		if err != nil || len(fs) != 1 {
			t.Fatalf("live photo: %d faces, %v; want 1", len(fs), err)
		}
		clipVal = &clipCache{src: src, lm: fs[0].Landmarks, a: a, seen: map[synth.FaceState]Observation{}}
	})
	return clipVal
}

// observe renders and observes a state. Expressions are applied to the
// observed landmarks as well as to the pixels: the landmark net does not
// follow the painted lids and mouth of the synthetic warp (measured), so the
// expression cases exercise the decision logic, not the landmark net.
func (c *clipCache) observe(t *testing.T, s synth.FaceState) Observation {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o, ok := c.seen[s]; ok {
		return o
	}
	pose := synth.FaceState{Yaw: s.Yaw, Pitch: s.Pitch}
	o, ok := c.seen[pose]
	if !ok {
		var err error
		o, err = c.a.Observe(context.Background(), face.FromImage(synth.WarpFace(c.src, c.lm, pose)))
		if err != nil || o.Faces != 1 {
			t.Fatalf("state %+v: %d faces, %v; want 1", pose, o.Faces, err)
		}
		c.seen[pose] = o
	}
	lm := o.Landmarks
	eye := dist(lm[36], lm[45])
	for _, p := range [][2]int{{37, 41}, {38, 40}, {43, 47}, {44, 46}} {
		f := 0.85 * s.EyesClosed
		lm[p[0]].X += (lm[p[1]].X - lm[p[0]].X) * f
		lm[p[0]].Y += (lm[p[1]].Y - lm[p[0]].Y) * f
	}
	for _, i := range []int{48, 60} {
		lm[i].X -= 0.12 * s.Smile * eye
	}
	for _, i := range []int{54, 64} {
		lm[i].X += 0.12 * s.Smile * eye
	}
	for _, i := range []int{56, 57, 58, 65, 66, 67} {
		lm[i].Y += 0.35 * s.MouthOpen * eye
	}
	o.Hash ^= Hash(len(c.seen)) << 1 // distinct frames stay distinct
	o.Pixels[0] ^= byte(s.EyesClosed*10 + s.Smile*20 + s.MouthOpen*40)
	fillGeometry(&o, &lm)
	c.seen[s] = o
	return o
}

var (
	neutral = synth.FaceState{}
	poseOf  = map[Action]synth.FaceState{
		TurnLeft: {Yaw: 20}, TurnRight: {Yaw: -20}, LookUp: {Pitch: -25}, LookDown: {Pitch: 20},
		Blink: {EyesClosed: 1}, Smile: {Smile: 1}, OpenMouth: {MouthOpen: 1},
	}
	t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
)

// performance is a synthetic clip: neutral, then each action and back.
func performance(acts ...Action) []synth.FaceState {
	keys := []synth.FaceState{neutral, neutral}
	for _, a := range acts {
		keys = append(keys, poseOf[a], neutral)
	}
	return synth.Keyframes(keys, 2)
}

func timed(t *testing.T, c *clipCache, states []synth.FaceState, nonce string, start time.Time, step time.Duration) []TimedObservation {
	out := make([]TimedObservation, len(states))
	for i, s := range states {
		// Quantise so the cache is hit across cases.
		q := func(v float64) float64 { return float64(int(v*4+0.5*sign(v))) / 4 }
		s = synth.FaceState{Yaw: q(s.Yaw), Pitch: q(s.Pitch), EyesClosed: q(s.EyesClosed), Smile: q(s.Smile), MouthOpen: q(s.MouthOpen)}
		out[i] = TimedObservation{Observation: c.observe(t, s), Timestamp: start.Add(time.Duration(i) * step), Nonce: nonce}
		// Real frames never repeat pixels exactly (sensor noise); cached
		// observations of one state would.
		out[i].Pixels[1] ^= byte(i + 1)
	}
	return out
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

func TestDecideActive(t *testing.T) {
	c := clips(t)
	ch := Challenge{Nonce: "nonce-0123456789abcdef", Actions: []Action{TurnLeft, Blink, LookUp}, IssuedAt: t0, Deadline: t0.Add(time.Minute)}
	step := 150 * time.Millisecond
	start := t0.Add(2 * time.Second)
	good := func() []TimedObservation {
		return timed(t, c, performance(TurnLeft, Blink, LookUp), ch.Nonce, start, step)
	}
	cases := map[string]struct {
		ch     Challenge
		frames func() []TimedObservation
		now    time.Time
		want   Reason // "" means pass
	}{
		"asked actions in order": {ch, good, start.Add(5 * time.Second), ""},
		"smile and open mouth": {
			Challenge{Nonce: ch.Nonce, Actions: []Action{Smile, TurnRight, OpenMouth}, IssuedAt: t0, Deadline: t0.Add(time.Minute)},
			func() []TimedObservation {
				return timed(t, c, performance(Smile, TurnRight, OpenMouth), ch.Nonce, start, step)
			}, start.Add(5 * time.Second), ""},
		"look down instead of up": {ch, func() []TimedObservation {
			return timed(t, c, performance(TurnLeft, Blink, LookDown), ch.Nonce, start, step)
		}, start.Add(5 * time.Second), ReasonWrongAction},
		"a clip doing every action": {ch, func() []TimedObservation {
			return timed(t, c, performance(TurnLeft, TurnRight, Blink, LookUp, LookDown, Smile), ch.Nonce, start, step)
		}, start.Add(9 * time.Second), ReasonWrongAction},
		"right actions, wrong order": {ch, func() []TimedObservation {
			return timed(t, c, performance(LookUp, Blink, TurnLeft), ch.Nonce, start, step)
		}, start.Add(5 * time.Second), ReasonOutOfOrder},
		"frames after the deadline": {ch, func() []TimedObservation {
			return timed(t, c, performance(TurnLeft, Blink, LookUp), ch.Nonce, t0.Add(58*time.Second), step)
		}, t0.Add(64 * time.Second), ReasonTimeout},
		"sent after the deadline": {ch, good, t0.Add(61 * time.Second), ReasonTimeout},
		"another face midway": {ch, func() []TimedObservation {
			f := good()
			other := f[len(f)/2]
			emb := append(face.Embedding(nil), other.Embedding...)
			for i := range emb {
				emb[i] += 0.1 // moves the descriptor about 1.1 away, well past 0.6
			}
			for i := len(f) / 2; i < len(f); i++ {
				f[i].Embedding = emb
			}
			return f
		}, start.Add(5 * time.Second), ReasonFaceChanged},
		"timestamps go backwards": {ch, func() []TimedObservation {
			f := good()
			f[5].Timestamp, f[6].Timestamp = f[6].Timestamp, f[5].Timestamp
			return f
		}, start.Add(5 * time.Second), ReasonFramesDiscontinuous},
		"frames spliced from another position": {ch, func() []TimedObservation {
			f := good()
			for i := 7; i < len(f); i++ {
				for j := range f[i].Landmarks {
					f[i].Landmarks[j].X += 300
				}
				fillGeometry(&f[i].Observation, &f[i].Landmarks)
			}
			return f
		}, start.Add(5 * time.Second), ReasonFramesDiscontinuous},
		"wrong nonce": {ch, func() []TimedObservation {
			f := good()
			f[3].Nonce = "nonce-of-another-challenge"
			return f
		}, start.Add(5 * time.Second), ReasonNonceMismatch},
		"three frames": {ch, func() []TimedObservation { return good()[:3] }, start.Add(time.Second), ReasonTooFewFrames},
		"a frame sent twice": {ch, func() []TimedObservation {
			f := good()
			f[4].Observation = f[3].Observation
			return f
		}, start.Add(5 * time.Second), ReasonFramesIdentical},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res := DecideActive(tc.ch, tc.frames(), tc.now, DefaultActiveOptions)
			if tc.want == "" {
				if !res.Passed {
					t.Errorf("got reasons %v (observed %v); want a pass", res.Reasons, res.Observed)
				}
				return
			}
			if res.Passed || !contains(res.Reasons, tc.want) {
				t.Errorf("got passed=%v reasons %v (observed %v); want %s", res.Passed, res.Reasons, res.Observed, tc.want)
			}
		})
	}
}

func contains(rs []Reason, r Reason) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}
