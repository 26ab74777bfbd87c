// Package liveness decides whether a face in front of the camera belongs to
// a live person: active challenge-response (the person performs randomly
// chosen head and face actions, checked frame by frame), passive
// presentation-attack detection on one image, and replay and injection
// checks. Terms follow ISO/IEC 30107-3 (APCER, BPCER).
package liveness

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"math/big"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Action is one thing the person is asked to do.
type Action string

// The actions. Directions are the person's own: turn_left means the person
// turns to their left, which in an unmirrored front-camera frame moves the
// nose to the image's right. Clients must send frames unmirrored.
const (
	TurnLeft  Action = "turn_left"
	TurnRight Action = "turn_right"
	LookUp    Action = "look_up"
	LookDown  Action = "look_down"
	Blink     Action = "blink"
	Smile     Action = "smile"
	OpenMouth Action = "open_mouth"
)

// AllActions lists every action a challenge may draw.
var AllActions = []Action{TurnLeft, TurnRight, LookUp, LookDown, Blink, Smile, OpenMouth}

// ChallengeActions is how many actions a challenge asks for.
const ChallengeActions = 3

// DefaultChallengeTTL is how long a client has to send its frames.
const DefaultChallengeTTL = 60 * time.Second

// Challenge is what the server asks one verification's client to do.
type Challenge struct {
	Nonce    string    `json:"nonce"` // 128 random bits, base64url; frames must carry it
	Actions  []Action  `json:"actions"`
	IssuedAt time.Time `json:"issued_at"`
	Deadline time.Time `json:"deadline"`
}

// NewChallenge draws ChallengeActions distinct actions and a nonce from
// random (crypto/rand.Reader when nil). now is the issuing time.
func NewChallenge(random io.Reader, now time.Time, ttl time.Duration) (Challenge, error) {
	if random == nil {
		random = rand.Reader
	}
	if ttl <= 0 {
		return Challenge{}, errkind.New(errkind.ErrInvalid, "bad_ttl", "challenge lifetime %v is not positive", ttl)
	}
	nonce := make([]byte, 16)
	if _, err := io.ReadFull(random, nonce); err != nil {
		return Challenge{}, err
	}
	pool := append([]Action(nil), AllActions...)
	acts := make([]Action, 0, ChallengeActions)
	for len(acts) < ChallengeActions {
		k, err := rand.Int(random, big.NewInt(int64(len(pool))))
		if err != nil {
			return Challenge{}, err
		}
		i := int(k.Int64())
		acts = append(acts, pool[i])
		pool = append(pool[:i], pool[i+1:]...)
	}
	return Challenge{
		Nonce:    base64.RawURLEncoding.EncodeToString(nonce),
		Actions:  acts,
		IssuedAt: now,
		Deadline: now.Add(ttl),
	}, nil
}

// Validate reports whether the challenge is well formed (for one read back
// from storage).
func (c Challenge) Validate() error {
	if len(c.Nonce) < 16 {
		return errkind.New(errkind.ErrInvalid, "bad_challenge", "nonce too short")
	}
	if len(c.Actions) == 0 {
		return errkind.New(errkind.ErrInvalid, "bad_challenge", "no actions")
	}
	seen := map[Action]bool{}
	for _, a := range c.Actions {
		if !isAction(a) || seen[a] {
			return errkind.New(errkind.ErrInvalid, "bad_challenge", "action %q unknown or repeated", a)
		}
		seen[a] = true
	}
	if !c.Deadline.After(c.IssuedAt) {
		return errkind.New(errkind.ErrInvalid, "bad_challenge", "deadline not after issue time")
	}
	return nil
}

func isAction(a Action) bool {
	for _, b := range AllActions {
		if a == b {
			return true
		}
	}
	return false
}
