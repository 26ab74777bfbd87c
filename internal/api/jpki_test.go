package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/jpki"
	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

var (
	pkiOnce sync.Once
	testPKI *synth.JPKI
	pkiErr  error
)

// serverTestPKI is the test PKI a server trusts in test mode.
func serverTestPKI(t *testing.T) *synth.JPKI {
	pkiOnce.Do(func() { testPKI, pkiErr = synth.NewJPKI(synth.JPKIConfig{Seed: synth.JPKITestSeed}) })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return testPKI
}

type challenge struct {
	Nonce, Origin string
}

func (e *env) nonce(id, key string) challenge {
	e.t.Helper()
	r := e.do(http.MethodPost, "/v1/verifications/"+id+"/jpki/nonce", key, nil, "")
	if r.Status != 201 {
		e.t.Fatalf("nonce: %d %s", r.Status, r.Body)
	}
	var c challenge
	r.json(e.t, &c)
	return c
}

func payloadFor(t *testing.T, id string, c challenge, selfie []byte) []byte {
	sum := sha256.Sum256(selfie)
	p := jpki.FacePayload{Purpose: "kakunin/jpki-face/v1", VerificationID: id, Nonce: c.Nonce, Origin: c.Origin,
		CapturedAt: time.Now().UTC().Add(-time.Second).Format("2006-01-02T15:04:05Z"), SelfieSHA256: hex.EncodeToString(sum[:]),
		FramesSHA256: jpki.FramesDigest(nil)}
	b, err := p.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestJPKISubmission(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	pki := serverTestPKI(t)
	cred := func(v synth.JPKIVariant) *synth.JPKICredential {
		c, err := pki.Issue(v, synth.JPKIHolderFor(synth.JPKITestSeed, 1))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	submit := func(id, key string, c *synth.JPKICredential, payload []byte) resp {
		sig, err := c.SignRaw(payload)
		if err != nil {
			t.Fatal(err)
		}
		return e.postJSON("/v1/verifications/"+id+"/jpki", key, map[string][]byte{"certificate": c.CertDER, "signature": sig, "payload": payload})
	}
	newVer := func(key string, face bool) string {
		return e.create(key, map[string]any{"method": "jpki", "face": face, "reference_id": "r"}).ID
	}
	good := cred(synth.JPKIGood)
	tests := map[string]struct {
		run        func() resp
		wantReason string
	}{
		"expired certificate": {func() resp {
			id := newVer(e.keyA, false)
			return submit(id, e.keyA, cred(synth.JPKIExpired), payloadFor(t, id, e.nonce(id, e.keyA), nil))
		}, "expired"},
		"wrong key usage": {func() resp {
			id := newVer(e.keyA, false)
			return submit(id, e.keyA, cred(synth.JPKIWrongKeyUsage), payloadFor(t, id, e.nonce(id, e.keyA), nil))
		}, "wrong_key_usage"},
		"missing attributes": {func() resp {
			id := newVer(e.keyA, false)
			return submit(id, e.keyA, cred(synth.JPKIMissingAttributes), payloadFor(t, id, e.nonce(id, e.keyA), nil))
		}, "missing_attributes"},
		"unknown birth date form": {func() resp {
			id := newVer(e.keyA, false)
			return submit(id, e.keyA, cred(synth.JPKIUnknownBirthDate), payloadFor(t, id, e.nonce(id, e.keyA), nil))
		}, "unknown_birth_date_form"},
		"wrong issuer": {func() resp {
			id := newVer(e.keyA, false)
			return submit(id, e.keyA, cred(synth.JPKIWrongIssuer), payloadFor(t, id, e.nonce(id, e.keyA), nil))
		}, "untrusted_chain"},
		"test card in live mode": {func() resp {
			id := newVer(e.keyALive, false)
			return submit(id, e.keyALive, good, payloadFor(t, id, e.nonce(id, e.keyALive), nil))
		}, "untrusted_chain"},
		"altered payload": {func() resp {
			id := newVer(e.keyA, false)
			p := payloadFor(t, id, e.nonce(id, e.keyA), nil)
			sig, _ := good.SignRaw(p)
			p2 := payloadFor(t, id, e.nonce(id, e.keyA), nil)
			return e.postJSON("/v1/verifications/"+id+"/jpki", e.keyA, map[string][]byte{"certificate": good.CertDER, "signature": sig, "payload": p2})
		}, "bad_signature"},
		"payload for another verification": {func() resp {
			id, other := newVer(e.keyA, false), newVer(e.keyA, false)
			return submit(id, e.keyA, good, payloadFor(t, other, e.nonce(other, e.keyA), nil))
		}, "payload_mismatch"},
		"nonce never issued": {func() resp {
			id := newVer(e.keyA, false)
			return submit(id, e.keyA, good, payloadFor(t, id, challenge{Nonce: "bm9uY2Vub3Rpc3N1ZWRieXRoZXNlcnZlcg", Origin: e.nonce(id, e.keyA).Origin}, nil))
		}, "nonce_unknown"},
		"swapped selfie": {func() resp {
			id := newVer(e.keyA, true)
			e.upload(id, e.keyA, "selfie", photo(t, 640, 480, 21))
			return submit(id, e.keyA, good, payloadFor(t, id, e.nonce(id, e.keyA), photo(t, 640, 480, 22)))
		}, "payload_mismatch"},
		"replayed nonce": {func() resp {
			id := newVer(e.keyA, false)
			p := payloadFor(t, id, e.nonce(id, e.keyA), nil)
			if r := submit(id, e.keyA, good, p); r.Status != 200 {
				t.Fatalf("first submission: %d %s", r.Status, r.Body)
			}
			return submit(id, e.keyA, good, p)
		}, "nonce_reused"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := tc.run()
			if r.Status != http.StatusUnprocessableEntity || r.reason(t) != tc.wantReason {
				t.Fatalf("got %d %s; want 422 %s", r.Status, r.Body, tc.wantReason)
			}
		})
	}
	// A refused submission records nothing: no identity, no jpki evidence.
	id := newVer(e.keyA, false)
	submit(id, e.keyA, cred(synth.JPKIExpired), payloadFor(t, id, e.nonce(id, e.keyA), nil))
	var v struct {
		HasIdentity  bool           `json:"has_identity"`
		MethodResult map[string]any `json:"method_result"`
		Evidence     []any          `json:"evidence"`
	}
	e.do(http.MethodGet, "/v1/verifications/"+id, e.keyA, nil, "").json(t, &v)
	if v.HasIdentity || len(v.MethodResult) != 0 || len(v.Evidence) != 0 {
		t.Fatalf("after a refused signature: got %+v; want nothing recorded", v)
	}
}

// 現況確認: after approval the certificate is revoked (the holder moved);
// the re-check records it and emits identity.changed exactly once.
func TestJPKIRecheck(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	pki := serverTestPKI(t)
	c, err := pki.Issue(synth.JPKIGood, synth.JPKIHolderFor(synth.JPKITestSeed, 2))
	if err != nil {
		t.Fatal(err)
	}
	id := e.create(e.keyA, map[string]any{"method": "jpki", "reference_id": "r"}).ID
	p := payloadFor(t, id, e.nonce(id, e.keyA), nil)
	sig, _ := c.SignRaw(p)
	if r := e.postJSON("/v1/verifications/"+id+"/jpki", e.keyA, map[string][]byte{"certificate": c.CertDER, "signature": sig, "payload": p}); r.Status != 200 {
		t.Fatalf("jpki: %d %s", r.Status, r.Body)
	}
	e.do(http.MethodPost, "/v1/verifications/"+id+"/submit", e.keyA, nil, "")
	if v := e.waitDecided(id, e.keyA); v.Status != "approved" {
		t.Fatalf("got %s; want approved", v.Status)
	}
	ctx := context.Background()
	rep, err := e.app.Verifications.RecheckJPKI(ctx)
	if err != nil || rep.Checked != 1 || rep.Good != 1 {
		t.Fatalf("first re-check: got %+v, %v; want 1 good", rep, err)
	}
	e.app.TestPKI.Revoke(c.Cert.SerialNumber, time.Now().Add(-time.Minute))
	for i := 0; i < 2; i++ {
		rep, err = e.app.Verifications.RecheckJPKI(ctx)
		if err != nil || rep.Revoked != 1 {
			t.Fatalf("re-check after revocation: got %+v, %v; want 1 revoked", rep, err)
		}
	}
	var v struct {
		Status       string                    `json:"status"`
		MethodResult map[string]map[string]any `json:"method_result"`
	}
	e.do(http.MethodGet, "/v1/verifications/"+id, e.keyA, nil, "").json(t, &v)
	recheck, _ := v.MethodResult["jpki"]["recheck"].(map[string]any)
	if v.Status != "approved" || recheck["revocation"] != "revoked" {
		t.Fatalf("got status %s, recheck %v; want approved with recheck revoked", v.Status, recheck)
	}
	var events struct{ Data []struct{ Type string } }
	e.do(http.MethodGet, "/v1/events?page_size=100", e.keyA, nil, "").json(t, &events)
	n := 0
	for _, ev := range events.Data {
		if ev.Type == "identity.changed" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("identity.changed events: got %d; want exactly 1", n)
	}
}
