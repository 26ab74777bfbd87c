package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/tenant"
	"github.com/kakunin-dev/kakunin/internal/webhook"
)

// EndpointJSON is the wire form of a webhook endpoint.
type EndpointJSON struct {
	ID        string    `json:"id"`
	Object    string    `json:"object"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

type createEndpointRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

func (s *Server) createWebhookEndpoint(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	body, err := readBody(r, maxJSONBody)
	if err != nil {
		return err
	}
	return s.idempotent(w, r, p, body, func(ctx context.Context) (int, any, error) {
		var req createEndpointRequest
		if err := decodeJSON(body, &req); err != nil {
			return 0, nil, err
		}
		ep, secret, err := s.Webhooks.CreateEndpoint(ctx, p.TenantID, string(p.Mode), req.URL, req.Events)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, EndpointJSON{ID: ep.ID, Object: "webhook_endpoint", URL: ep.URL, Events: ep.Events,
			Secret: secret, CreatedAt: ep.CreatedAt}, nil
	})
}

func (s *Server) listWebhookEndpoints(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	eps, err := s.WebhookStore.ListEndpoints(r.Context(), p.TenantID)
	if err != nil {
		return err
	}
	out := ListJSON[EndpointJSON]{Object: "list", Data: []EndpointJSON{}}
	for _, ep := range eps {
		if ep.Mode == string(p.Mode) {
			out.Data = append(out.Data, EndpointJSON{ID: ep.ID, Object: "webhook_endpoint", URL: ep.URL, Events: ep.Events, CreatedAt: ep.CreatedAt})
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) disableWebhookEndpoint(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	ep, err := s.WebhookStore.Endpoint(r.Context(), p.TenantID, r.PathValue("id"))
	if err != nil || ep.Mode != string(p.Mode) {
		return errkind.New(errkind.ErrNotFound, "webhook_endpoint_not_found", "no such webhook endpoint")
	}
	if err := s.Webhooks.DisableEndpoint(r.Context(), p.TenantID, ep.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": ep.ID, "object": "webhook_endpoint", "disabled": true})
	return nil
}

func (s *Server) redeliverEvent(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	ev, err := s.WebhookStore.Event(r.Context(), p.TenantID, r.PathValue("id"))
	if err != nil || ev.Mode != string(p.Mode) {
		return errkind.New(errkind.ErrNotFound, "event_not_found", "no such event")
	}
	n, err := s.Webhooks.Redeliver(r.Context(), p.TenantID, ev.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"id": ev.ID, "object": "event", "deliveries_scheduled": n})
	return nil
}

// EventJSON is an event with its delivery log.
type EventJSON struct {
	ID         string          `json:"id"`
	Object     string          `json:"object"`
	Type       string          `json:"type"`
	ObjectID   string          `json:"object_id"`
	CreatedAt  time.Time       `json:"created_at"`
	Payload    json.RawMessage `json:"payload"`
	Deliveries []DeliveryJSON  `json:"deliveries"`
}

// DeliveryJSON is one endpoint's delivery state for an event.
type DeliveryJSON struct {
	EndpointID     string     `json:"endpoint_id"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	LastStatusCode int        `json:"last_status_code,omitempty"`
	LastError      string     `json:"last_error,omitempty"`
	DeliveredAt    *time.Time `json:"delivered_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	q, err := query(r)
	if err != nil {
		return err
	}
	size, err := pageSize(q)
	if err != nil {
		return err
	}
	after, err := decodeToken(q.Get("page_token"))
	if err != nil {
		return err
	}
	// Fetch one extra to know whether another page exists; events of the
	// other mode are filtered after the fetch, so a page may be short.
	evs, err := s.WebhookStore.ListEvents(r.Context(), p.TenantID, after, size+1)
	if err != nil {
		return err
	}
	next := ""
	if len(evs) > size {
		evs = evs[:size]
		next = encodeToken(evs[size-1].ID)
	}
	var eventIDs []string
	for _, e := range evs {
		eventIDs = append(eventIDs, e.ID)
	}
	ds, err := s.WebhookStore.DeliveriesForEvents(r.Context(), p.TenantID, eventIDs)
	if err != nil {
		return err
	}
	byEvent := map[string][]*webhook.Delivery{}
	for _, d := range ds {
		byEvent[d.EventID] = append(byEvent[d.EventID], d)
	}
	out := ListJSON[EventJSON]{Object: "list", Data: []EventJSON{}, NextPageToken: next}
	for _, e := range evs {
		if e.Mode != string(p.Mode) {
			continue
		}
		j := EventJSON{ID: e.ID, Object: "event", Type: e.Type, ObjectID: e.ObjectID, CreatedAt: e.CreatedAt,
			Payload: e.Payload, Deliveries: []DeliveryJSON{}}
		for _, d := range byEvent[e.ID] {
			j.Deliveries = append(j.Deliveries, DeliveryJSON{EndpointID: d.EndpointID, Status: d.Status, Attempts: d.Attempts,
				LastStatusCode: d.LastStatusCode, LastError: d.LastError, DeliveredAt: d.DeliveredAt, UpdatedAt: d.UpdatedAt})
		}
		out.Data = append(out.Data, j)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
