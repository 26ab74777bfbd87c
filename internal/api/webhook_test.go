package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/webhook"
)

// A receiver that fails twice gets the same event (same ID, same body,
// valid signature each time) until it accepts it; the log shows the attempts.
func TestWebhookRetries(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	e.app.Webhooks.Retry = func(int) time.Duration { return 100 * time.Millisecond }
	var mu sync.Mutex
	var ids []string
	var bodies []string
	var secret string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		rc := webhook.Receiver{Secret: secret, OnEvent: func(id string, body []byte) {
			ids, bodies = append(ids, id), append(bodies, string(body))
		}}
		if len(ids) < 2 {
			// Record the attempt, then fail it.
			rec := httptest.NewRecorder()
			rc.ServeHTTP(rec, r)
			if rec.Code != http.StatusNoContent {
				t.Errorf("attempt %d: signature rejected (%d)", len(ids)+1, rec.Code)
			}
			http.Error(w, "try later", http.StatusInternalServerError)
			return
		}
		rc.ServeHTTP(w, r)
	}))
	defer hook.Close()
	r := e.postJSON("/v1/webhook_endpoints", e.keyA, map[string]any{"url": hook.URL, "events": []string{"verification.created"}})
	var ep struct{ Secret string }
	r.json(t, &ep)
	mu.Lock()
	secret = ep.Secret
	mu.Unlock()
	e.create(e.keyA, map[string]any{"method": "jpki", "reference_id": "x"})

	deadline := time.Now().Add(waitLimit)
	for {
		var events struct {
			Data []struct {
				ID         string
				Deliveries []struct {
					Status         string
					Attempts       int
					LastStatusCode int `json:"last_status_code"`
				}
			}
		}
		e.do(http.MethodGet, "/v1/events", e.keyA, nil, "").json(t, &events)
		if len(events.Data) != 1 || len(events.Data[0].Deliveries) != 1 {
			t.Fatalf("events: got %+v; want one event with one delivery", events)
		}
		d := events.Data[0].Deliveries[0]
		if d.Status == "delivered" {
			if d.Attempts != 3 || d.LastStatusCode != 204 {
				t.Fatalf("delivery: got %+v; want delivered on attempt 3", d)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(ids) != 3 || ids[0] != events.Data[0].ID || ids[1] != ids[0] || ids[2] != ids[0] || bodies[1] != bodies[0] || bodies[2] != bodies[0] {
				t.Fatalf("the three attempts differ: ids %v", ids)
			}
			var body struct{ Type string }
			_ = json.Unmarshal([]byte(bodies[0]), &body)
			if body.Type != "verification.created" {
				t.Fatalf("body type: got %q", body.Type)
			}
			return
		}
		if d.Status == "pending" && d.Attempts > 0 && d.LastStatusCode != 500 {
			t.Fatalf("after a failed attempt: got %+v; want last_status_code 500", d)
		}
		if time.Now().After(deadline) {
			t.Fatalf("not delivered after 30s: %+v", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Delivery re-checks the address at dial time: an endpoint accepted under a
// permissive policy is refused once the policy forbids private addresses.
func TestWebhookRefusesPrivateAtDelivery(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer hook.Close()
	e.postJSON("/v1/webhook_endpoints", e.keyA, map[string]any{"url": hook.URL, "events": []string{"*"}})
	strict := webhook.URLPolicy{AllowHTTP: true}
	e.app.Webhooks.Client = webhook.NewClient(strict, 2*time.Second)
	e.app.Webhooks.Retry = func(int) time.Duration { return time.Hour }
	e.create(e.keyA, map[string]any{"method": "jpki", "reference_id": "x"})
	deadline := time.Now().Add(waitLimit)
	for {
		evs, err := e.app.Store.ListEvents(context.Background(), mustTenant(t, e, "a"), "", 10)
		if err != nil {
			t.Fatal(err)
		}
		ds, _ := e.app.Store.DeliveriesForEvents(context.Background(), mustTenant(t, e, "a"), []string{evs[0].ID})
		if len(ds) == 1 && ds[0].Attempts == 1 {
			if ds[0].Status != webhook.DeliveryPending || ds[0].LastError == "" || hits.Load() != 0 {
				t.Fatalf("got %+v, %d hits; want a refused attempt that never reached the server", ds[0], hits.Load())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivery attempt within %v", waitLimit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustTenant(t *testing.T, e *env, name string) string {
	tn, err := e.app.Tenants.TenantByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

func TestWebhookRedeliverAndDisable(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	var mu sync.Mutex
	var got []string
	var secret string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		(&webhook.Receiver{Secret: secret, OnEvent: func(id string, _ []byte) { got = append(got, id) }}).ServeHTTP(w, r)
	}))
	defer hook.Close()
	r := e.postJSON("/v1/webhook_endpoints", e.keyA, map[string]any{"url": hook.URL, "events": []string{"verification.created"}})
	var ep struct{ ID, Secret string }
	r.json(t, &ep)
	mu.Lock()
	secret = ep.Secret
	mu.Unlock()
	e.create(e.keyA, map[string]any{"method": "jpki", "reference_id": "x"})
	waitFor := func(n int) []string {
		deadline := time.Now().Add(waitLimit)
		for {
			mu.Lock()
			c := append([]string(nil), got...)
			mu.Unlock()
			if len(c) >= n || time.Now().After(deadline) {
				return c
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	first := waitFor(1)
	if len(first) != 1 {
		t.Fatalf("first delivery: got %v", first)
	}
	r = e.do(http.MethodPost, "/v1/events/"+first[0]+"/redeliver", e.keyA, nil, "")
	if r.Status != 202 || !strings.Contains(string(r.Body), `"deliveries_scheduled":1`) {
		t.Fatalf("redeliver: got %d %s", r.Status, r.Body)
	}
	if both := waitFor(2); len(both) != 2 || both[1] != both[0] {
		t.Fatalf("redelivered: got %v; want the same event ID twice", both)
	}
	if r := e.do(http.MethodPost, "/v1/events/"+first[0]+"/redeliver", e.keyB, nil, ""); r.Status != 404 {
		t.Fatalf("another tenant's redeliver: got %d; want 404", r.Status)
	}
	if r := e.do(http.MethodDelete, "/v1/webhook_endpoints/"+ep.ID, e.keyB, nil, ""); r.Status != 404 {
		t.Fatalf("another tenant's delete: got %d; want 404", r.Status)
	}
	if r := e.do(http.MethodDelete, "/v1/webhook_endpoints/"+ep.ID, e.keyA, nil, ""); r.Status != 200 {
		t.Fatalf("disable: got %d %s", r.Status, r.Body)
	}
	r = e.do(http.MethodPost, "/v1/events/"+first[0]+"/redeliver", e.keyA, nil, "")
	if !strings.Contains(string(r.Body), `"deliveries_scheduled":0`) {
		t.Fatalf("redeliver after disabling: got %s; want 0 scheduled", r.Body)
	}
}
