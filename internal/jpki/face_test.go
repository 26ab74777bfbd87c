package jpki_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/jpki"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

const testOrigin = "https://kyc.example.test"

// faceSubmission is what a client sends for JPKI+face.
type faceSubmission struct {
	payload []byte
	sig     []byte
	cms     []byte
}

func buildFace(t *testing.T, f *fixture, c *synth.JPKICredential, p jpki.FacePayload) faceSubmission {
	t.Helper()
	payload, err := p.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := c.SignRaw(payload)
	if err != nil {
		t.Fatal(err)
	}
	cms, err := c.SignCMS(payload, synth.JPKICMSOptions{Detached: true})
	if err != nil {
		t.Fatal(err)
	}
	return faceSubmission{payload: payload, sig: sig, cms: cms}
}

func TestFacePayloadCanonicalForm(t *testing.T) {
	p := jpki.FacePayload{
		Purpose: jpki.FacePurpose, VerificationID: "ver_01J0ABC", Nonce: strings.Repeat("A", 43),
		Origin: testOrigin, CapturedAt: "2026-06-01T08:59:30Z",
		SelfieSHA256: jpki.SelfieDigest([]byte("selfie")), FramesSHA256: jpki.FramesDigest(nil),
	}
	got, err := p.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	// The example of docs/jpki-face.md §4, verbatim.
	want := `{"purpose":"kakunin/jpki-face/v1","verification_id":"ver_01J0ABC","nonce":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","origin":"https://kyc.example.test","captured_at":"2026-06-01T08:59:30Z","selfie_sha256":"e1395a78ab32be3c4d539e45552b19a94549a8369f1b293ef3d3ccd2a68181a3","frames_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`
	if string(got) != want {
		t.Errorf("got %s; want %s", got, want)
	}
	if _, err := jpki.ParseFacePayload(got); err != nil {
		t.Errorf("canonical payload does not parse: %v", err)
	}
	for name, bad := range map[string]string{
		"spaces":             strings.Replace(want, `","origin"`, `", "origin"`, 1),
		"members reordered":  strings.Replace(want, `"purpose":"kakunin/jpki-face/v1","verification_id":"ver_01J0ABC"`, `"verification_id":"ver_01J0ABC","purpose":"kakunin/jpki-face/v1"`, 1),
		"escaped slash":      strings.Replace(want, `kakunin/jpki`, `kakunin\/jpki`, 1),
		"duplicate member":   strings.Replace(want, `{"purpose"`, `{"nonce":"x","purpose"`, 1),
		"extra member":       strings.Replace(want, `}`, `,"extra":"1"}`, 1),
		"trailing newline":   want + "\n",
		"uppercase hex":      strings.Replace(want, p.SelfieSHA256, strings.ToUpper(p.SelfieSHA256), 1),
		"fractional seconds": strings.Replace(want, "08:59:30Z", "08:59:30.5Z", 1),
		"offset time":        strings.Replace(want, "08:59:30Z", "17:59:30+09:00", 1),
		"origin with path":   strings.Replace(want, testOrigin, testOrigin+"/kyc", 1),
		"old purpose":        strings.Replace(want, "jpki-face/v1", "jpki-face/v0", 1),
		"short nonce":        strings.Replace(want, strings.Repeat("A", 43), "AAAA", 1),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := jpki.ParseFacePayload([]byte(bad)); jpki.ReasonOf(err) != jpki.ReasonPayloadMismatch {
				t.Errorf("got %v; want payload_mismatch", err)
			}
		})
	}
}

func TestVerifyFace(t *testing.T) {
	f := newFixture(t)
	good := f.creds[synth.JPKIGood]
	selfie := []byte("\xff\xd8 synthetic selfie bytes")
	frames := [][]byte{[]byte("frame-1"), []byte("frame-2")}
	now := f.pki.Now()

	type setup struct {
		store  *jpki.MemoryNonceStore
		nonce  string
		expect jpki.FaceExpectation
		p      jpki.FacePayload
	}
	newSetup := func(t *testing.T) setup {
		store := jpki.NewMemoryNonceStore()
		nonce, _, err := store.Issue("ver_A", now.Add(-time.Minute), 5*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return setup{
			store: store, nonce: nonce,
			expect: jpki.FaceExpectation{VerificationID: "ver_A", Origin: testOrigin,
				SelfieSHA256: jpki.SelfieDigest(selfie), FramesSHA256: jpki.FramesDigest(frames)},
			p: jpki.FacePayload{Purpose: jpki.FacePurpose, VerificationID: "ver_A", Nonce: nonce, Origin: testOrigin,
				CapturedAt:   now.Add(-30 * time.Second).Format("2006-01-02T15:04:05Z"),
				SelfieSHA256: jpki.SelfieDigest(selfie), FramesSHA256: jpki.FramesDigest(frames)},
		}
	}

	for _, path := range []string{"raw", "cms"} {
		verify := func(opts jpki.VerifyOptions, s faceSubmission, st setup) (*jpki.FaceResult, error) {
			if path == "cms" {
				return jpki.VerifyFaceCMS(context.Background(), opts, s.cms, s.payload, st.expect, st.store)
			}
			return jpki.VerifyFace(context.Background(), opts, good.CertDER, s.sig, s.payload, st.expect, st.store)
		}

		t.Run(path+"/good", func(t *testing.T) {
			st := newSetup(t)
			res, err := verify(f.opts(), buildFace(t, f, good, st.p), st)
			if err != nil {
				t.Fatalf("got %v; want success", err)
			}
			if res.Subject.Name != goodHolder.Name || res.Payload.Nonce != st.nonce {
				t.Errorf("got subject %q nonce %q; want %q and the issued nonce", res.Subject.Name, res.Payload.Nonce, goodHolder.Name)
			}
		})

		t.Run(path+"/replayed nonce", func(t *testing.T) {
			st := newSetup(t)
			sub := buildFace(t, f, good, st.p)
			if _, err := verify(f.opts(), sub, st); err != nil {
				t.Fatalf("first submission: %v", err)
			}
			_, err := verify(f.opts(), sub, st)
			if got := jpki.ReasonOf(err); got != jpki.ReasonNonceReused {
				t.Errorf("got %q (%v); want nonce_reused", got, err)
			}
		})

		t.Run(path+"/swapped selfie", func(t *testing.T) {
			st := newSetup(t)
			sub := buildFace(t, f, good, st.p)
			st.expect.SelfieSHA256 = jpki.SelfieDigest([]byte("someone else's face"))
			_, err := verify(f.opts(), sub, st)
			if got := jpki.ReasonOf(err); got != jpki.ReasonPayloadMismatch {
				t.Errorf("got %q (%v); want payload_mismatch", got, err)
			}
			// The nonce survives a rejected submission.
			st.expect.SelfieSHA256 = jpki.SelfieDigest(selfie)
			if _, err := verify(f.opts(), sub, st); err != nil {
				t.Errorf("honest retry after a rejected one: got %v; want success", err)
			}
		})

		t.Run(path+"/payload for another verification", func(t *testing.T) {
			st := newSetup(t)
			st.p.VerificationID = "ver_B"
			_, err := verify(f.opts(), buildFace(t, f, good, st.p), st)
			if got := jpki.ReasonOf(err); got != jpki.ReasonPayloadMismatch {
				t.Errorf("got %q (%v); want payload_mismatch", got, err)
			}
		})

		t.Run(path+"/expired nonce", func(t *testing.T) {
			st := newSetup(t)
			opts := f.opts()
			opts.CurrentTime = now.Add(10 * time.Minute)
			_, err := verify(opts, buildFace(t, f, good, st.p), st)
			if got := jpki.ReasonOf(err); got != jpki.ReasonNonceExpired {
				t.Errorf("got %q (%v); want nonce_expired", got, err)
			}
		})

		t.Run(path+"/nonce never issued", func(t *testing.T) {
			st := newSetup(t)
			st.p.Nonce = strings.Repeat("Z", 43)
			_, err := verify(f.opts(), buildFace(t, f, good, st.p), st)
			if got := jpki.ReasonOf(err); got != jpki.ReasonNonceUnknown {
				t.Errorf("got %q (%v); want nonce_unknown", got, err)
			}
		})

		t.Run(path+"/captured in the future", func(t *testing.T) {
			st := newSetup(t)
			st.p.CapturedAt = now.Add(time.Hour).Format("2006-01-02T15:04:05Z")
			_, err := verify(f.opts(), buildFace(t, f, good, st.p), st)
			if got := jpki.ReasonOf(err); got != jpki.ReasonPayloadMismatch {
				t.Errorf("got %q (%v); want payload_mismatch", got, err)
			}
		})
	}

	t.Run("bad signature does not burn the nonce", func(t *testing.T) {
		st := newSetup(t)
		sub := buildFace(t, f, good, st.p)
		forged := buildFace(t, f, f.other, st.p)
		_, err := jpki.VerifyFace(context.Background(), f.opts(), good.CertDER, forged.sig, sub.payload, st.expect, st.store)
		if got := jpki.ReasonOf(err); got != jpki.ReasonBadSignature {
			t.Fatalf("got %q (%v); want bad_signature", got, err)
		}
		if _, err := jpki.VerifyFace(context.Background(), f.opts(), good.CertDER, sub.sig, sub.payload, st.expect, st.store); err != nil {
			t.Errorf("got %v; want the honest submission to pass", err)
		}
	})

	t.Run("store failure is not an InvalidError", func(t *testing.T) {
		st := newSetup(t)
		sub := buildFace(t, f, good, st.p)
		broken := nonceStoreFunc(func(context.Context, string, string, time.Time) error { return errors.New("db down") })
		_, err := jpki.VerifyFace(context.Background(), f.opts(), good.CertDER, sub.sig, sub.payload, st.expect, broken)
		if err == nil || jpki.ReasonOf(err) != "" {
			t.Errorf("got %v; want a plain error", err)
		}
	})
}

// nonceStoreFunc is a hand-written fake NonceStore.
type nonceStoreFunc func(ctx context.Context, verificationID, nonce string, now time.Time) error

func (f nonceStoreFunc) Consume(ctx context.Context, v, n string, now time.Time) error {
	return f(ctx, v, n, now)
}
