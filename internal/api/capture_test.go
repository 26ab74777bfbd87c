package api_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

// TestHandoff: the capture page mints a one-time token for the card client;
// it works on the card routes only, and a newer token retires an older one.
func TestHandoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newEnv(t, newDB(t))
		v := e.create(e.keyA, map[string]any{"method": "jpki", "face": true, "reference_id": "ho"})
		var ho struct {
			Token, Link, QR string
		}
		r := e.do(http.MethodPost, "/v1/verifications/"+v.ID+"/handoff", v.ClientToken, nil, "")
		if r.Status != 201 {
			t.Fatalf("handoff: %d %s", r.Status, r.Body)
		}
		r.json(t, &ho)
		u, err := url.Parse(ho.Link)
		if err != nil || u.Scheme != "kakunin-card" || u.Query().Get("token") != ho.Token || u.Query().Get("server") != e.srv.URL {
			t.Errorf("link %q: want kakunin-card://v1/handoff with the token and this server", ho.Link)
		}
		if !strings.HasPrefix(ho.QR, "data:image/png;base64,") || !strings.HasPrefix(ho.Token, "ht_") {
			t.Errorf("token %.6s…, qr %.30s…: want an ht_ token and a PNG data URL", ho.Token, ho.QR)
		}

		// The card client sees the verification and what to sign over.
		var cv struct {
			Method      string
			FaceBinding *struct {
				SelfieSHA256 string `json:"selfie_sha256"`
				FramesSHA256 string `json:"frames_sha256"`
				Selfie       bool
			} `json:"face_binding"`
		}
		r = e.do(http.MethodGet, "/v1/client/verification", ho.Token, nil, "")
		r.json(t, &cv)
		if r.Status != 200 || cv.Method != "jpki" || cv.FaceBinding == nil || cv.FaceBinding.Selfie {
			t.Fatalf("client view with the hand-off token: %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodPost, "/v1/verifications/"+v.ID+"/jpki/nonce", ho.Token, nil, ""); r.Status != 201 {
			t.Errorf("nonce with the hand-off token: %d %s", r.Status, r.Body)
		}
		// Not for anything else: evidence, submission, a new hand-off.
		for _, path := range []string{"/submit", "/handoff", "/challenge"} {
			if r := e.do(http.MethodPost, "/v1/verifications/"+v.ID+path, ho.Token, nil, ""); r.Status != 403 || !strings.Contains(string(r.Body), "handoff_token_scope") {
				t.Errorf("POST %s with the hand-off token: %d %s; want 403 handoff_token_scope", path, r.Status, r.Body)
			}
		}
		if r := e.upload(v.ID, ho.Token, "selfie", photo(t, 640, 480, 1)); r.Status != 403 {
			t.Errorf("upload with the hand-off token: %d; want 403", r.Status)
		}
		// Another verification's routes: not found.
		other := e.create(e.keyA, map[string]any{"method": "jpki", "reference_id": "other"})
		if r := e.do(http.MethodPost, "/v1/verifications/"+other.ID+"/jpki/nonce", ho.Token, nil, ""); r.Status != 404 {
			t.Errorf("another verification's nonce: %d; want 404", r.Status)
		}

		// A selfie uploaded by the page shows in the binding.
		if r := e.upload(v.ID, v.ClientToken, "selfie", photo(t, 640, 480, 2)); r.Status != 201 {
			t.Fatalf("selfie: %d %s", r.Status, r.Body)
		}
		e.do(http.MethodGet, "/v1/client/verification", ho.Token, nil, "").json(t, &cv)
		if !cv.FaceBinding.Selfie || len(cv.FaceBinding.SelfieSHA256) != 64 {
			t.Errorf("binding after the selfie: %+v", cv.FaceBinding)
		}

		// A new QR code retires the old token.
		var ho2 struct{ Token string }
		e.do(http.MethodPost, "/v1/verifications/"+v.ID+"/handoff", v.ClientToken, nil, "").json(t, &ho2)
		if r := e.do(http.MethodGet, "/v1/client/verification", ho.Token, nil, ""); r.Status != 401 || !strings.Contains(string(r.Body), "handoff_token_used") {
			t.Errorf("old token after a new one: %d %s; want 401 handoff_token_used", r.Status, r.Body)
		}
		if r := e.do(http.MethodGet, "/v1/client/verification", ho2.Token, nil, ""); r.Status != 200 {
			t.Errorf("new token: %d", r.Status)
		}
		if r := e.do(http.MethodGet, "/v1/client/verification", "ht_forged", nil, ""); r.Status != 401 {
			t.Errorf("forged token: %d; want 401", r.Status)
		}
		// Document verifications read no card.
		doc := e.create(e.keyA, map[string]any{"method": "document_image", "law": "none", "reference_id": "doc"})
		if r := e.do(http.MethodPost, "/v1/verifications/"+doc.ID+"/handoff", doc.ClientToken, nil, ""); r.Status != 409 {
			t.Errorf("hand-off for document_image: %d; want 409", r.Status)
		}
	})
}

// TestQualityEndpoint: instant feedback, nothing stored.
func TestQualityEndpoint(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	v := e.create(e.keyA, map[string]any{"method": "document_image", "law": "none", "reference_id": "q"})
	quality := func(kind string, body []byte, ct string) resp {
		return e.do(http.MethodPost, "/v1/verifications/"+v.ID+"/quality?kind="+kind, v.ClientToken, bytes.NewReader(body), ct)
	}
	var q struct {
		Pass    bool
		Reasons []string
		Width   int
	}
	r := quality("document_front", photo(t, 1280, 800, 1), "image/jpeg")
	r.json(t, &q)
	if r.Status != 200 || !q.Pass || q.Width != 1280 {
		t.Errorf("a sharp 1280x800 photo: %d %s; want a pass", r.Status, r.Body)
	}
	r = quality("document_front", photo(t, 640, 480, 2), "image/jpeg")
	q = struct {
		Pass    bool
		Reasons []string
		Width   int
	}{}
	r.json(t, &q)
	if r.Status != 200 || q.Pass || len(q.Reasons) != 1 || q.Reasons[0] != "resolution_too_low" {
		t.Errorf("a 640x480 document photo: %d %s; want resolution_too_low", r.Status, r.Body)
	}
	// The same 640x480 passes as a selfie, which has a lower minimum.
	if r := quality("selfie", photo(t, 640, 480, 2), "image/jpeg"); !strings.Contains(string(r.Body), `"pass":true`) {
		t.Errorf("640x480 selfie: %s; want a pass", r.Body)
	}
	for name, tc := range map[string]struct {
		kind, ct string
		body     []byte
		want     int
	}{
		"liveness frames are not assessed": {"liveness_frame", "image/jpeg", photo(t, 640, 480, 3), 422},
		"unknown kind":                     {"passport_page", "image/jpeg", photo(t, 640, 480, 3), 422},
		"not an image type":                {"selfie", "application/json", []byte(`{}`), 415},
		"garbage that claims to be JPEG":   {"selfie", "image/jpeg", []byte("not a jpeg at all"), 415},
		"a truncated JPEG":                 {"selfie", "image/jpeg", photo(t, 640, 480, 4)[:2000], 422},
	} {
		if r := quality(tc.kind, tc.body, tc.ct); r.Status != tc.want {
			t.Errorf("%s: %d %s; want %d", name, r.Status, r.Body, tc.want)
		}
	}
	if got := e.get(v.ID, e.keyA); len(got.Evidence) != 0 {
		t.Errorf("evidence after quality checks: %d; want none stored", len(got.Evidence))
	}
}

// TestChallengeReuse: GET returns the current challenge, POST renews it.
func TestChallengeReuse(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	v := e.create(e.keyA, map[string]any{"method": "ic_chip", "face": true, "reference_id": "ch"})
	var a, b, c struct{ Nonce string }
	e.do(http.MethodGet, "/v1/verifications/"+v.ID+"/challenge", v.ClientToken, nil, "").json(t, &a)
	e.do(http.MethodGet, "/v1/verifications/"+v.ID+"/challenge", v.ClientToken, nil, "").json(t, &b)
	e.do(http.MethodPost, "/v1/verifications/"+v.ID+"/challenge", v.ClientToken, nil, "").json(t, &c)
	if a.Nonce == "" || a.Nonce != b.Nonce || c.Nonce == a.Nonce {
		t.Errorf("nonces GET %q, GET %q, POST %q: want the first two equal and the renewal new", a.Nonce, b.Nonce, c.Nonce)
	}
}

// TestClientSeesResubmission: a reviewer's request to redo steps reaches the
// capture page through the client view, without reasons or personal data.
func TestClientSeesResubmission(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	v := e.create(e.keyA, map[string]any{"method": "document_image", "law": "none", "reference_id": "resub"})
	for _, kind := range []string{"document_front", "selfie"} {
		if r := e.upload(v.ID, e.keyA, kind, photo(t, 1280, 800, 5)); r.Status != 201 {
			t.Fatalf("%s: %d", kind, r.Status)
		}
	}
	if r := e.do(http.MethodPost, "/v1/verifications/"+v.ID+"/submit", e.keyA, nil, ""); r.Status != 200 {
		t.Fatalf("submit: %d", r.Status)
	}
	if got := e.waitDecided(v.ID, e.keyA); got.Status != "review" {
		t.Fatalf("got %s; want review (document checks do not exist yet)", got.Status)
	}
	ctx := context.Background()
	tid := mustTenant(t, e, "a")
	actor := verification.Actor("console:usr_test")
	if _, err := e.app.Verifications.Claim(ctx, tid, v.ID, actor); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Verifications.Review(ctx, tid, v.ID, verification.ReviewDecision{Outcome: verification.OutcomeResubmit,
		Reasons: []string{"image_unreadable"}, Steps: []string{"document", "selfie"}}, actor); err != nil {
		t.Fatal(err)
	}
	var cv struct {
		Status        string
		ResubmitSteps []string `json:"resubmit_steps"`
	}
	e.do(http.MethodGet, "/v1/client/verification", v.ClientToken, nil, "").json(t, &cv)
	if cv.Status != "rejected" || strings.Join(cv.ResubmitSteps, ",") != "document,selfie" {
		t.Errorf("client view: %+v; want rejected with steps document, selfie", cv)
	}
}
