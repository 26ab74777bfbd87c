package api_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/webhook"
)

func TestWalkthrough(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newEnv(t, newDB(t))
		// A receiver that checks every delivery's signature.
		var mu sync.Mutex
		var got []string
		var secret string
		rc := &webhook.Receiver{OnEvent: func(id string, body []byte) {
			var ev struct{ Type string }
			_ = json.Unmarshal(body, &ev)
			mu.Lock()
			got = append(got, ev.Type)
			mu.Unlock()
		}, OnReject: func(err error) { t.Errorf("receiver rejected a delivery: %v", err) }}
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			rc.Secret = secret
			mu.Unlock()
			rc.ServeHTTP(w, r)
		}))
		defer hook.Close()
		r := e.postJSON("/v1/webhook_endpoints", e.keyA, map[string]any{"url": hook.URL + "/hook", "events": []string{"*"}})
		if r.Status != http.StatusCreated {
			t.Fatalf("create endpoint: got %d %s", r.Status, r.Body)
		}
		var ep struct{ Secret string }
		r.json(t, &ep)
		mu.Lock()
		secret = ep.Secret
		mu.Unlock()

		v := e.create(e.keyA, map[string]any{"method": "document_image", "law": "none", "reference_id": "c-42",
			"applicant": map[string]string{"name": "山田 太郎", "birth_date": "1990-04-01"}})
		if v.Status != "created" || !strings.HasPrefix(v.ClientToken, "ct_") || !strings.Contains(v.CaptureURL, "/c/ct_") {
			t.Fatalf("created: got %+v", v)
		}
		if v.Applicant != nil {
			t.Fatalf("create response echoes personal data: %v", v.Applicant)
		}
		if r := e.upload(v.ID, e.keyA, "selfie", photo(t, 640, 480, 1)); r.Status != http.StatusCreated {
			t.Fatalf("upload selfie: got %d %s", r.Status, r.Body)
		}
		r = e.do(http.MethodPost, "/v1/verifications/"+v.ID+"/submit", e.keyA, nil, "")
		if r.Status != http.StatusConflict || r.reason(t) != "evidence_missing" || !strings.Contains(string(r.Body), "document_front") {
			t.Fatalf("submit without document: got %d %s; want 409 naming document_front", r.Status, r.Body)
		}
		if r := e.upload(v.ID, e.keyA, "document_front", photo(t, 800, 500, 2)); r.Status != http.StatusCreated {
			t.Fatalf("upload document: got %d %s", r.Status, r.Body)
		}
		if r := e.do(http.MethodPost, "/v1/verifications/"+v.ID+"/submit", e.keyA, nil, ""); r.Status != http.StatusOK {
			t.Fatalf("submit: got %d %s", r.Status, r.Body)
		}
		done := e.waitDecided(v.ID, e.keyA)
		if done.Status != "review" || done.Decision == nil || !slices.Contains(done.Decision.Reasons, "document_read_failed") {
			t.Fatalf("decided: got %+v; want review with document_read_failed", done)
		}
		if len(done.Checks) == 0 || done.Checks[0].Name != "image_quality" || done.Checks[0].Status != "passed" {
			t.Fatalf("checks: got %+v; want image_quality passed first", done.Checks)
		}
		for _, c := range done.Checks[1:] {
			want := "unavailable" // the check does not exist yet
			switch c.Name {
			case "face_match":
				want = "failed" // it runs: the test photos are noise, with no face
				if !slices.Contains(c.Reasons, "selfie_no_face") {
					t.Errorf("face_match reasons: got %v; want selfie_no_face", c.Reasons)
				}
			case "liveness":
				want = "failed" // it runs: no challenge was asked for
				if !slices.Contains(c.Reasons, "liveness_challenge_missing") {
					t.Errorf("liveness reasons: got %v; want liveness_challenge_missing", c.Reasons)
				}
			case "document_read":
				want = "failed" // it runs (tesseract is installed): a noise photo holds no readable document
			case "document_recapture":
				want = "passed" // it runs: noise has no screen lattice
			case "document_thickness":
				want = "passed" // law none: the thickness photo is optional and absent
			case "document_authenticity":
				want = "failed" // it runs: a noise photo holds no document to analyse
				if !slices.Contains(c.Reasons, "document_unreadable") {
					t.Errorf("document_authenticity reasons: got %v; want document_unreadable", c.Reasons)
				}
			}
			if c.Status != want {
				t.Errorf("check %s: got %s; want %s", c.Name, c.Status, want)
			}
		}
		// Personal data only when asked, and the read is audited.
		r = e.do(http.MethodGet, "/v1/verifications/"+v.ID+"?expand=applicant", e.keyA, nil, "")
		var withApplicant verificationJSON
		r.json(t, &withApplicant)
		if withApplicant.Applicant["name"] != "山田 太郎" {
			t.Fatalf("expand=applicant: got %v", withApplicant.Applicant)
		}
		ctx := context.Background()
		reports, err := e.app.Audit.VerifyAll(ctx)
		if err != nil || len(reports) != 1 || !reports[0].OK {
			t.Fatalf("audit: got %+v, %v", reports, err)
		}
		// Webhooks: created, processing, review, all delivered and signed.
		want := []string{"verification.created", "verification.processing", "verification.review"}
		deadline := time.Now().Add(waitLimit)
		for {
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n >= len(want) || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		mu.Lock()
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("webhooks received: got %v; want %v", got, want)
		}
		mu.Unlock()
		// The receiver has answered; the dispatcher records the delivery just
		// after, so poll the event log until every delivery is settled.
		type eventsJSON struct {
			Data []struct {
				Type       string
				Deliveries []struct{ Status string }
			}
		}
		settled := func(ev eventsJSON) bool {
			for _, x := range ev.Data {
				if len(x.Deliveries) != 1 || x.Deliveries[0].Status == "pending" {
					return false
				}
			}
			return true
		}
		var events eventsJSON
		for deadline := time.Now().Add(waitLimit); ; {
			r = e.do(http.MethodGet, "/v1/events", e.keyA, nil, "")
			events = eventsJSON{}
			r.json(t, &events)
			if settled(events) || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if len(events.Data) != 3 {
			t.Fatalf("events: got %d; want 3", len(events.Data))
		}
		for _, ev := range events.Data {
			if len(ev.Deliveries) != 1 || ev.Deliveries[0].Status != "delivered" {
				t.Errorf("event %s deliveries: got %+v; want one delivered", ev.Type, ev.Deliveries)
			}
		}
	})
}

func TestTenantIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newEnv(t, newDB(t))
		v := e.create(e.keyA, map[string]any{"method": "document_image", "law": "none", "reference_id": "x"})
		if r := e.upload(v.ID, e.keyA, "selfie", photo(t, 640, 480, 3)); r.Status != http.StatusCreated {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		routes := []struct{ method, path string }{
			{http.MethodGet, "/v1/verifications/" + v.ID},
			{http.MethodGet, "/v1/verifications/" + v.ID + "?expand=applicant"},
			{http.MethodPost, "/v1/verifications/" + v.ID + "/cancel"},
			{http.MethodPost, "/v1/verifications/" + v.ID + "/submit"},
			{http.MethodDelete, "/v1/verifications/" + v.ID},
		}
		// Another tenant's key, and the same tenant's live key, see nothing.
		for _, key := range map[string]string{"tenant b": e.keyB, "tenant a live mode": e.keyALive} {
			for _, rt := range routes {
				if r := e.do(rt.method, rt.path, key, nil, ""); r.Status != http.StatusNotFound {
					t.Errorf("%s %s: got %d %s; want 404", rt.method, rt.path, r.Status, r.Body)
				}
			}
			if r := e.upload(v.ID, key, "selfie", photo(t, 640, 480, 4)); r.Status != http.StatusNotFound {
				t.Errorf("upload with another key: got %d; want 404", r.Status)
			}
			var list struct{ Data []json.RawMessage }
			e.do(http.MethodGet, "/v1/verifications", key, nil, "").json(t, &list)
			if len(list.Data) != 0 {
				t.Errorf("list with another key: got %d verifications; want 0", len(list.Data))
			}
			var events struct{ Data []json.RawMessage }
			e.do(http.MethodGet, "/v1/events", key, nil, "").json(t, &events)
			if len(events.Data) != 0 {
				t.Errorf("events with another key: got %d; want 0", len(events.Data))
			}
		}
		// Tenant A still sees it, untouched.
		if got := e.get(v.ID, e.keyA); got.Status != "awaiting_input" || len(got.Evidence) != 1 {
			t.Fatalf("after the other tenant's attempts: got %+v", got)
		}
	})
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	body := map[string]any{"method": "jpki", "reference_id": "r1"}
	first := e.postJSON("/v1/verifications", e.keyA, body, "Idempotency-Key", "k1")
	again := e.postJSON("/v1/verifications", e.keyA, body, "Idempotency-Key", "k1")
	if first.Status != 201 || again.Status != 201 || !bytes.Equal(bytes.TrimSpace(first.Body), bytes.TrimSpace(again.Body)) {
		t.Fatalf("replay: got %d %s then %d %s; want the same response", first.Status, first.Body, again.Status, again.Body)
	}
	if again.Header.Get("Idempotent-Replayed") != "true" {
		t.Error("replayed response lacks Idempotent-Replayed: true")
	}
	other := e.postJSON("/v1/verifications", e.keyA, map[string]any{"method": "jpki", "reference_id": "r2"}, "Idempotency-Key", "k1")
	if other.Status != http.StatusUnprocessableEntity || other.reason(t) != "idempotency_key_reused" {
		t.Fatalf("same key, different body: got %d %s; want 422 idempotency_key_reused", other.Status, other.Body)
	}
	// The same key under another tenant is independent.
	if r := e.postJSON("/v1/verifications", e.keyB, body, "Idempotency-Key", "k1"); r.Status != 201 {
		t.Fatalf("tenant b, same key: got %d", r.Status)
	}
	var list struct{ Data []json.RawMessage }
	e.do(http.MethodGet, "/v1/verifications", e.keyA, nil, "").json(t, &list)
	if len(list.Data) != 1 {
		t.Fatalf("tenant a has %d verifications; want exactly 1", len(list.Data))
	}
	// Concurrent retries with one key create one verification.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := e.postJSON("/v1/verifications", e.keyA, map[string]any{"method": "jpki", "reference_id": "c"}, "Idempotency-Key", "k-conc"); r.Status != 201 {
				t.Errorf("concurrent: got %d %s", r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	e.do(http.MethodGet, "/v1/verifications", e.keyA, nil, "").json(t, &list)
	if len(list.Data) != 2 {
		t.Fatalf("after concurrent retries: %d verifications; want 2", len(list.Data))
	}
}

// jpegClaiming is a tiny JPEG whose frame header claims w×h pixels.
func jpegClaiming(t *testing.T, w, h uint16) []byte {
	b := photo(t, 8, 8, 9)
	for i := 2; i+9 < len(b); {
		if b[i] != 0xFF {
			t.Fatal("malformed test JPEG")
		}
		marker, size := b[i+1], int(binary.BigEndian.Uint16(b[i+2:]))
		if marker == 0xC0 {
			binary.BigEndian.PutUint16(b[i+5:], h)
			binary.BigEndian.PutUint16(b[i+7:], w)
			return b
		}
		i += 2 + size
	}
	t.Fatal("no SOF0 in test JPEG")
	return nil
}

func TestUploadRefusals(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	v := e.create(e.keyA, map[string]any{"method": "document_image", "law": "none", "reference_id": "x"})
	tests := map[string]struct {
		kind       string
		file       []byte
		wantStatus int
		wantReason string
	}{
		"60000x60000 pixel bomb": {"selfie", jpegClaiming(t, 60000, 60000), 413, "image_too_many_pixels"},
		"20 MB body":             {"selfie", bytes.Repeat([]byte{0xFF}, 20<<20), 413, "file_too_large"},
		"text file":              {"selfie", []byte("hello, this is not an image\n"), 415, "unsupported_type"},
		"empty file":             {"selfie", []byte{}, 422, "file_empty"},
		"JSON as a selfie":       {"selfie", []byte(`{"a":1}`), 415, "type_not_allowed"},
		"unknown kind":           {"passport_scan", photo(t, 640, 480, 5), 422, "evidence_kind_invalid"},
		"truncated JPEG":         {"selfie", photo(t, 640, 480, 6)[:3000], 422, "image_corrupt"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := e.upload(v.ID, e.keyA, tc.kind, tc.file)
			if r.Status != tc.wantStatus || r.reason(t) != tc.wantReason {
				t.Fatalf("got %d %s; want %d %s", r.Status, r.Body, tc.wantStatus, tc.wantReason)
			}
		})
	}
	// Nothing was stored: no evidence rows, no objects, status unchanged.
	got := e.get(v.ID, e.keyA)
	if len(got.Evidence) != 0 || got.Status != "created" {
		t.Fatalf("after refusals: got %d evidence, status %s; want none, created", len(got.Evidence), got.Status)
	}
	if n := countFiles(t, filepath.Join(e.dataDir, "evidence")); n != 0 {
		t.Fatalf("after refusals: %d evidence objects on disk; want 0", n)
	}
}

func countFiles(t *testing.T, dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestErrors(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	raw := func(method, path, key, body string) resp {
		return e.do(method, path, key, strings.NewReader(body), "application/json")
	}
	v := e.create(e.keyA, map[string]any{"method": "jpki", "reference_id": "x"})
	tests := map[string]struct {
		r          func() resp
		wantStatus int
		wantReason string
	}{
		"no key":         {func() resp { return raw("GET", "/v1/verifications", "", "") }, 401, "api_key_invalid"},
		"wrong key":      {func() resp { return raw("GET", "/v1/verifications", "kk_test_nope", "") }, 401, "api_key_invalid"},
		"malformed JSON": {func() resp { return raw("POST", "/v1/verifications", e.keyA, `{"method":`) }, 400, "json_malformed"},
		"unknown field": {func() resp {
			return raw("POST", "/v1/verifications", e.keyA, `{"method":"jpki","reference_id":"x","colour":1}`)
		}, 400, "json_unknown_field"},
		"wrong type": {func() resp { return raw("POST", "/v1/verifications", e.keyA, `{"method":"jpki","reference_id":7}`) }, 400, "json_type_mismatch"},
		"trailing data": {func() resp {
			return raw("POST", "/v1/verifications", e.keyA, `{"method":"jpki","reference_id":"x"} {}`)
		}, 400, "json_malformed"},
		"deep nesting": {func() resp { return raw("POST", "/v1/verifications", e.keyA, strings.Repeat("[", 100)) }, 400, "json_too_deep"},
		"method the law abolished": {func() resp {
			return raw("POST", "/v1/verifications", e.keyA, `{"method":"document_image","law":"mobile_phone","reference_id":"x"}`)
		}, 422, "method_not_accepted_by_law"},
		"missing method": {func() resp { return raw("POST", "/v1/verifications", e.keyA, `{"reference_id":"x"}`) }, 422, "method_required"},
		"bad law": {func() resp {
			return raw("POST", "/v1/verifications", e.keyA, `{"method":"jpki","reference_id":"x","law":"gdpr"}`)
		}, 422, "law_invalid"},
		"bad birth date": {func() resp {
			return raw("POST", "/v1/verifications", e.keyA, `{"method":"jpki","reference_id":"x","applicant":{"birth_date":"H2.4.1"}}`)
		}, 422, "applicant_invalid"},
		"unknown id":             {func() resp { return raw("GET", "/v1/verifications/ver_01m88d1s4k24sgertbjnbxanz6", e.keyA, "") }, 404, "verification_not_found"},
		"malformed id":           {func() resp { return raw("GET", "/v1/verifications/../../etc", e.keyA, "") }, 404, ""},
		"bad page size":          {func() resp { return raw("GET", "/v1/verifications?page_size=1000", e.keyA, "") }, 422, "page_size_invalid"},
		"bad status filter":      {func() resp { return raw("GET", "/v1/verifications?status=done", e.keyA, "") }, 422, "status_invalid"},
		"bad page token":         {func() resp { return raw("GET", "/v1/verifications?page_token=bm9wZQ", e.keyA, "") }, 422, "page_token_invalid"},
		"malformed query":        {func() resp { return raw("GET", "/v1/verifications?page_token=%%%", e.keyA, "") }, 400, "query_malformed"},
		"bad expand":             {func() resp { return raw("GET", "/v1/verifications/"+v.ID+"?expand=all", e.keyA, "") }, 422, "expand_invalid"},
		"evidence not multipart": {func() resp { return raw("POST", "/v1/verifications/"+v.ID+"/evidence", e.keyA, `{}`) }, 415, "multipart_required"},
		"private webhook url":    {func() resp { return raw("POST", "/v1/webhook_endpoints", e.keyA, `{"url":"https://","events":["*"]}`) }, 422, "webhook_url_invalid"},
		"unknown event type": {func() resp {
			return raw("POST", "/v1/webhook_endpoints", e.keyA, `{"url":"https://example.com/h","events":["user.created"]}`)
		}, 422, "event_type_invalid"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := tc.r()
			if r.Status != tc.wantStatus {
				t.Fatalf("got %d %s; want %d", r.Status, r.Body, tc.wantStatus)
			}
			var p struct {
				Type, Reason string
				RequestID    string `json:"request_id"`
			}
			r.json(t, &p)
			if tc.wantReason != "" && p.Reason != tc.wantReason {
				t.Errorf("reason: got %q; want %q", p.Reason, tc.wantReason)
			}
			if !strings.HasPrefix(p.RequestID, "req_") || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("got request_id %q content-type %q; want a problem+json with a request id", p.RequestID, r.Header.Get("Content-Type"))
			}
		})
	}
	// The state machine: cancel twice is a conflict, revoked key is 401.
	if r := e.do("POST", "/v1/verifications/"+v.ID+"/cancel", e.keyA, nil, ""); r.Status != 200 {
		t.Fatalf("cancel: got %d", r.Status)
	}
	if r := e.do("POST", "/v1/verifications/"+v.ID+"/cancel", e.keyA, nil, ""); r.Status != 409 || r.reason(t) != "invalid_transition" {
		t.Fatalf("cancel again: got %d %s; want 409 invalid_transition", r.Status, r.Body)
	}
	if r := e.upload(v.ID, e.keyA, "selfie", photo(t, 640, 480, 7)); r.Status != 409 || r.reason(t) != "not_accepting_input" {
		t.Fatalf("upload to a canceled verification: got %d %s; want 409", r.Status, r.Body)
	}
	keys, _ := e.app.Tenants.ListAPIKeys(context.Background(), "b")
	if err := e.app.Tenants.RevokeAPIKey(context.Background(), keys[0].ID); err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", "/v1/verifications", e.keyB, nil, ""); r.Status != 401 {
		t.Fatalf("revoked key: got %d; want 401", r.Status)
	}
}

func TestRedact(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	v := e.create(e.keyA, map[string]any{"method": "document_image", "law": "none", "reference_id": "x", "applicant": map[string]string{"name": "佐藤 花子"}})
	e.upload(v.ID, e.keyA, "selfie", photo(t, 640, 480, 8))
	e.upload(v.ID, e.keyA, "document_front", photo(t, 640, 480, 9))
	if n := countFiles(t, filepath.Join(e.dataDir, "evidence")); n != 2 {
		t.Fatalf("before: %d objects; want 2", n)
	}
	r := e.do(http.MethodDelete, "/v1/verifications/"+v.ID, e.keyA, nil, "")
	if r.Status != 200 {
		t.Fatalf("redact: got %d %s", r.Status, r.Body)
	}
	got := e.get(v.ID, e.keyA)
	if got.RedactedAt == nil || got.Status != "canceled" || len(got.Evidence) != 2 || !got.Evidence[0].Deleted || !got.Evidence[1].Deleted {
		t.Fatalf("after redaction: got %+v", got)
	}
	r = e.do(http.MethodGet, "/v1/verifications/"+v.ID+"?expand=applicant", e.keyA, nil, "")
	var a verificationJSON
	r.json(t, &a)
	if a.Applicant != nil {
		t.Fatalf("applicant survived redaction: %v", a.Applicant)
	}
	if n := countFiles(t, filepath.Join(e.dataDir, "evidence")); n != 0 {
		t.Fatalf("after redaction: %d evidence objects on disk; want 0", n)
	}
	// Redaction is repeatable.
	if r := e.do(http.MethodDelete, "/v1/verifications/"+v.ID, e.keyA, nil, ""); r.Status != 200 {
		t.Fatalf("second redact: got %d", r.Status)
	}
}

func TestClientToken(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	v := e.create(e.keyA, map[string]any{"method": "document_image", "law": "none", "reference_id": "x"})
	other := e.create(e.keyA, map[string]any{"method": "document_image", "law": "none", "reference_id": "y"})
	if r := e.upload(v.ID, v.ClientToken, "selfie", photo(t, 640, 480, 10)); r.Status != 201 {
		t.Fatalf("upload with its client token: got %d %s", r.Status, r.Body)
	}
	if r := e.upload(other.ID, v.ClientToken, "selfie", photo(t, 640, 480, 11)); r.Status != 404 {
		t.Fatalf("client token on another verification: got %d; want 404", r.Status)
	}
	if r := e.do(http.MethodGet, "/v1/verifications/"+v.ID, v.ClientToken, nil, ""); r.Status != 401 {
		t.Fatalf("client token on a tenant route: got %d; want 401", r.Status)
	}
	if r := e.upload(v.ID, "ct_unknown", "selfie", photo(t, 640, 480, 12)); r.Status != 401 {
		t.Fatalf("unknown client token: got %d; want 401", r.Status)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := e.do(http.MethodGet, p, "", nil, ""); r.Status != 200 {
			t.Fatalf("%s: got %d", p, r.Status)
		}
	}
	e.do(http.MethodGet, "/v1/verifications", e.keyA, nil, "")
	r := e.do(http.MethodGet, "/metrics", "", nil, "")
	if !strings.Contains(string(r.Body), `kakunin_http_requests_total{code="200",method="GET",route="GET /v1/verifications"}`) {
		t.Fatalf("metrics lack the request counter:\n%.2000s", r.Body)
	}
}

func TestExpiry(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	old := e.create(e.keyA, map[string]any{"method": "jpki", "reference_id": "old"})
	fresh := e.create(e.keyA, map[string]any{"method": "jpki", "reference_id": "fresh"})
	ctx := context.Background()
	if _, err := e.app.Store.DB().ExecContext(ctx, `UPDATE verifications SET expires_at = ? WHERE id = ?`,
		time.Now().Add(-time.Minute).UnixMicro(), old.ID); err != nil {
		t.Fatal(err)
	}
	n, err := e.app.Verifications.ExpireDue(ctx)
	if err != nil || n != 1 {
		t.Fatalf("ExpireDue: got %d, %v; want 1", n, err)
	}
	if got := e.get(old.ID, e.keyA).Status; got != "expired" {
		t.Errorf("past deadline: got %s; want expired", got)
	}
	if got := e.get(fresh.ID, e.keyA).Status; got != "created" {
		t.Errorf("before deadline: got %s; want created", got)
	}
	if r := e.upload(old.ID, e.keyA, "selfie", photo(t, 640, 480, 1)); r.Status != 409 {
		t.Errorf("upload to an expired verification: got %d; want 409", r.Status)
	}
}

func TestFaceMatch(t *testing.T) {
	faces, _ := filepath.Abs("../../../shared/data/faces/identities")
	if _, err := os.Stat(faces); err != nil {
		t.Skipf("%s is absent: the face photos for development are not on this machine", faces)
	}
	e := newEnv(t, storetest.SQLite(t))
	if e.app.Faces == nil {
		t.Fatal("face engine did not open: run `make models`")
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join(faces, p))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := map[string]struct {
		portrait, selfie string
		wantStatus       string
		wantReason       string
	}{
		"same person":      {"obama/obama1.jpg", "obama/obama2.jpg", "passed", ""},
		"different person": {"obama/obama1.jpg", "biden/biden1.jpg", "failed", "face_mismatch"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := e.create(e.keyA, map[string]any{"method": "document_image", "law": "none", "reference_id": "f"})
			e.upload(v.ID, e.keyA, "document_front", read(tc.portrait))
			e.upload(v.ID, e.keyA, "selfie", read(tc.selfie))
			e.do(http.MethodPost, "/v1/verifications/"+v.ID+"/submit", e.keyA, nil, "")
			done := e.waitDecided(v.ID, e.keyA)
			for _, c := range done.Checks {
				if c.Name != "face_match" {
					continue
				}
				if c.Status != tc.wantStatus || (tc.wantReason != "" && !slices.Contains(c.Reasons, tc.wantReason)) {
					t.Fatalf("face_match: got %s %v; want %s %s", c.Status, c.Reasons, tc.wantStatus, tc.wantReason)
				}
				return
			}
			t.Fatalf("no face_match check in %+v", done.Checks)
		})
	}
}
