package api_test

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// ヘ end to end: a virtual passport's bundle answers the server's challenge,
// the chip photo (a real face) becomes the face match reference.
func TestChipPassport(t *testing.T) {
	faces, _ := filepath.Abs("../../../shared/data/faces/identities")
	if _, err := os.Stat(faces); err != nil {
		t.Skipf("%s is absent: the face photos for development are not on this machine", faces)
	}
	e := newEnv(t, storetest.SQLite(t))
	icao, err := synth.NewICAO(synth.ChipTestSeed, synth.ChipReferenceTime())
	if err != nil {
		t.Fatal(err)
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join(faces, p))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	photo, err := synth.ChipPhoto(read("obama/obama1.jpg"), 20000)
	if err != nil {
		t.Fatal(err)
	}
	type chall struct {
		Challenge []byte `json:"challenge"`
	}
	challenge := func(id string) []byte {
		r := e.do(http.MethodPost, "/v1/verifications/"+id+"/chip/challenge", e.keyA, nil, "")
		if r.Status != 201 {
			t.Fatalf("challenge: %d %s", r.Status, r.Body)
		}
		var c chall
		r.json(t, &c)
		return c.Challenge
	}
	bundle := func(v synth.PassportVariant, c []byte) []byte {
		p, err := icao.Passport(synth.PassportOptions{Face: photo, Variant: v})
		if err != nil {
			t.Fatal(err)
		}
		b, err := p.Bundle(v, c)
		if err != nil {
			t.Fatal(err)
		}
		out, err := b.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	send := func(id string, body []byte) resp {
		return e.do(http.MethodPost, "/v1/verifications/"+id+"/chip", e.keyA, bytesReader(body), "application/json")
	}
	run := func(variant synth.PassportVariant, selfie string) verificationJSON {
		v := e.create(e.keyA, map[string]any{"method": "ic_chip", "reference_id": "p"})
		if r := send(v.ID, bundle(variant, challenge(v.ID))); r.Status != 200 {
			t.Fatalf("chip: %d %s", r.Status, r.Body)
		}
		e.upload(v.ID, e.keyA, "selfie", read(selfie))
		if r := e.do(http.MethodPost, "/v1/verifications/"+v.ID+"/submit", e.keyA, nil, ""); r.Status != 200 {
			t.Fatalf("submit: %d %s", r.Status, r.Body)
		}
		return e.waitDecided(v.ID, e.keyA)
	}
	checks := func(v verificationJSON) map[string]string {
		m := map[string]string{}
		for _, c := range v.Checks {
			m[c.Name] = c.Status
			if c.Status == "failed" {
				m[c.Name] += ":" + c.Reasons[0]
			}
		}
		return m
	}

	t.Run("same person: chip verified, face matched, no liveness frames", func(t *testing.T) {
		got := checks(run(synth.PassportGood, "obama/obama2.jpg"))
		want := map[string]string{"chip_authenticity": "passed", "face_match": "passed", "liveness": "failed:liveness_challenge_missing"}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: got %q; want %q (all: %v)", k, got[k], w, got)
			}
		}
	})
	t.Run("different person", func(t *testing.T) {
		if got := checks(run(synth.PassportGood, "biden/biden1.jpg")); got["face_match"] != "failed:face_mismatch" {
			t.Fatalf("face_match: got %q", got["face_match"])
		}
	})
	t.Run("chip without active authentication is passive only", func(t *testing.T) {
		if got := checks(run(synth.PassportNoAA, "obama/obama2.jpg")); got["chip_authenticity"] != "failed:chip_passive_only" {
			t.Fatalf("chip_authenticity: got %q", got["chip_authenticity"])
		}
	})
	refusals := map[string]struct {
		variant synth.PassportVariant
		reason  string
	}{
		"cloned chip":  {synth.PassportClonedChip, "aa_failed"},
		"altered data": {synth.PassportAlteredDG, "dg_hash_mismatch"},
		"rogue signer": {synth.PassportWrongSigner, "untrusted_signer"},
		// The bundle carries an earlier challenge, which the server never
		// issued for this verification: the nonce check refuses it first.
		"replayed answer": {synth.PassportReplayedChallenge, "challenge_unknown"},
		"expired signer":  {synth.PassportExpiredDSC, "signer_expired"},
	}
	for name, tc := range refusals {
		t.Run(name, func(t *testing.T) {
			v := e.create(e.keyA, map[string]any{"method": "ic_chip", "reference_id": "p"})
			r := send(v.ID, bundle(tc.variant, challenge(v.ID)))
			if r.Status != 422 || r.reason(t) != tc.reason {
				t.Fatalf("got %d %s; want 422 %s", r.Status, r.Body, tc.reason)
			}
			if got := e.get(v.ID, e.keyA); len(got.Evidence) != 0 {
				t.Fatalf("a refused bundle left evidence: %+v", got.Evidence)
			}
		})
	}
	t.Run("a challenge answers once", func(t *testing.T) {
		v := e.create(e.keyA, map[string]any{"method": "ic_chip", "reference_id": "p"})
		b := bundle(synth.PassportGood, challenge(v.ID))
		if r := send(v.ID, b); r.Status != 200 {
			t.Fatalf("first: %d %s", r.Status, r.Body)
		}
		if r := send(v.ID, b); r.Status != 422 || r.reason(t) != "challenge_reused" {
			t.Fatalf("again: got %d %s; want 422 challenge_reused", r.Status, r.Body)
		}
	})
	t.Run("clients cannot upload a chip photo", func(t *testing.T) {
		v := e.create(e.keyA, map[string]any{"method": "ic_chip", "reference_id": "p"})
		if r := e.upload(v.ID, e.keyA, "chip_face", photo); r.Status != 422 || !slices.Contains([]string{"evidence_kind_invalid"}, r.reason(t)) {
			t.Fatalf("got %d %s; want 422 evidence_kind_invalid", r.Status, r.Body)
		}
	})
}
