package liveness

import (
	"bytes"
	"context"
	"image/jpeg"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/face"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

func TestReplayedSequenceIsCaught(t *testing.T) {
	c := clips(t)
	ctx := context.Background()
	store := NewMemorySeenStore()
	var hashes []Hash
	for _, s := range []synth.FaceState{{}, {Yaw: -10}, {Yaw: -20}} {
		hashes = append(hashes, PerceptualHash(face.FromImage(synth.WarpFace(c.src, c.lm, s))))
	}
	if replayed, err := CheckReplay(ctx, store, "ver-1", hashes); err != nil || replayed {
		t.Fatalf("first use: got replayed=%v err=%v; want false, nil", replayed, err)
	}
	if replayed, _ := CheckReplay(ctx, store, "ver-1", hashes); replayed {
		t.Errorf("same verification again: got replayed; want not (a retry is not a replay)")
	}
	// The same clip re-encoded as JPEG and sent to another verification.
	var again []Hash
	for _, s := range []synth.FaceState{{}, {Yaw: -10}, {Yaw: -20}} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, synth.WarpFace(c.src, c.lm, s), &jpeg.Options{Quality: 80}); err != nil {
			t.Fatal(err)
		}
		img, err := face.DecodeImage(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		h := PerceptualHash(img)
		if d := h.Distance(hashes[len(again)]); d > ReplayDistance {
			t.Errorf("re-encoded frame %d: hash distance %d; want ≤ %d", len(again), d, ReplayDistance)
		}
		again = append(again, h)
	}
	if replayed, err := CheckReplay(ctx, store, "ver-2", again); err != nil || !replayed {
		t.Errorf("replay in another verification: got replayed=%v err=%v; want true", replayed, err)
	}
	// A different capture (another head pose) is not a replay.
	other := PerceptualHash(face.FromImage(synth.WarpFace(c.src, c.lm, synth.FaceState{Pitch: 25})))
	if replayed, _ := CheckReplay(ctx, store, "ver-3", []Hash{other}); replayed {
		t.Errorf("a new pose: got replayed; want not")
	}
}

func TestChallengeDrawsDistinctActions(t *testing.T) {
	seen := map[Action]bool{}
	for i := 0; i < 50; i++ {
		ch, err := NewChallenge(nil, t0, DefaultChallengeTTL)
		if err != nil {
			t.Fatal(err)
		}
		if err := ch.Validate(); err != nil {
			t.Fatalf("challenge %+v: %v", ch, err)
		}
		if len(ch.Actions) != ChallengeActions {
			t.Fatalf("got %d actions; want %d", len(ch.Actions), ChallengeActions)
		}
		for _, a := range ch.Actions {
			seen[a] = true
		}
	}
	if len(seen) != len(AllActions) {
		t.Errorf("50 challenges used %d of %d actions; want all", len(seen), len(AllActions))
	}
}
