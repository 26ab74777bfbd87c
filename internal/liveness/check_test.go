package liveness

import (
	"bytes"
	"context"
	"image/jpeg"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/synth"
)

// TestCheckCatchesReplayedClip runs the whole check on JPEG frames of a
// synthetic clip (pose actions only, so the landmark net reads every
// action), then sends the same clip for another verification.
func TestCheckCatchesReplayedClip(t *testing.T) {
	c := clips(t)
	cal, err := DefaultPADCalibration()
	if err != nil {
		t.Fatal(err)
	}
	ch := Challenge{Nonce: "nonce-0123456789abcdef", Actions: []Action{TurnRight, LookDown, LookUp}, IssuedAt: t0, Deadline: t0.Add(time.Minute)}
	var frames []Frame
	for i, s := range performance(ch.Actions...) {
		img := synth.WarpFace(c.src, c.lm, s)
		// Stands in for sensor noise: no two real frames are identical.
		for y := 0; y < 8; y++ {
			for x := 0; x < 8; x++ {
				img.Pix[y*img.Stride+4*x] = uint8(20 * i)
			}
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		frames = append(frames, Frame{Data: buf.Bytes(), Timestamp: t0.Add(time.Second + time.Duration(i)*150*time.Millisecond), Nonce: ch.Nonce})
	}
	store := NewMemorySeenStore()
	now := t0.Add(10 * time.Second)
	first, err := c.a.Check(context.Background(), CheckInput{VerificationID: "ver-1", Challenge: ch, Frames: frames, Now: now, Seen: store}, DefaultActiveOptions, cal)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Active.Passed || contains(first.Reasons, ReasonReplayedMedia) {
		t.Fatalf("first use: got active passed=%v reasons %v (observed %v); want the challenge passed, no replay", first.Active.Passed, first.Reasons, first.Active.Observed)
	}
	if len(first.Passive) != 1 {
		t.Errorf("passive results: got %d; want 1 (first frame)", len(first.Passive))
	}
	ch2 := ch
	ch2.Nonce = "nonce-of-verification-2"
	second, err := c.a.Check(context.Background(), CheckInput{VerificationID: "ver-2", Challenge: ch2, Frames: frames, Now: now, Seen: store}, DefaultActiveOptions, cal)
	if err != nil {
		t.Fatal(err)
	}
	if second.Passed || !contains(second.Reasons, ReasonReplayedMedia) || !contains(second.Reasons, ReasonNonceMismatch) {
		t.Errorf("replayed clip: got passed=%v reasons %v; want replayed_media and nonce_mismatch", second.Passed, second.Reasons)
	}
}
