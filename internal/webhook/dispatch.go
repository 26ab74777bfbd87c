package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/ids"
)

// EventTypes are the events a tenant can subscribe to.
var EventTypes = []string{
	"verification.created", "verification.processing", "verification.approved", "verification.rejected",
	"verification.review", "verification.canceled", "verification.expired", "verification.redacted",
	"identity.changed",
}

// Endpoint is a tenant's webhook receiver.
type Endpoint struct {
	ID           string
	TenantID     string
	Mode         string
	URL          string
	Events       []string
	SealedSecret []byte
	CreatedAt    time.Time
	DisabledAt   *time.Time
}

// Event is one thing that happened, as delivered (Payload is the exact body).
type Event struct {
	ID        string
	TenantID  string
	Mode      string
	Type      string
	ObjectID  string
	Payload   []byte
	CreatedAt time.Time
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Delivery is one event's journey to one endpoint.
type Delivery struct {
	ID             string
	TenantID       string
	EventID        string
	EndpointID     string
	Status         string
	Attempts       int
	LastStatusCode int
	LastError      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeliveredAt    *time.Time
}

// Store is what webhooks need from persistence.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	InsertEndpoint(ctx context.Context, e *Endpoint) error
	Endpoint(ctx context.Context, tenantID, id string) (*Endpoint, error)
	ListEndpoints(ctx context.Context, tenantID string) ([]*Endpoint, error)
	InsertEvent(ctx context.Context, e *Event) error
	Event(ctx context.Context, tenantID, id string) (*Event, error)
	ListEvents(ctx context.Context, tenantID, afterID string, limit int) ([]*Event, error)
	InsertDelivery(ctx context.Context, d *Delivery) error
	Delivery(ctx context.Context, id string) (*Delivery, error)
	UpdateDelivery(ctx context.Context, d *Delivery) error
	DeliveriesForEvents(ctx context.Context, tenantID string, eventIDs []string) ([]*Delivery, error)
	DisableEndpoint(ctx context.Context, tenantID, id string, at time.Time) error
}

// Sealer keeps endpoint secrets encrypted at rest.
type Sealer interface {
	Seal(ctx context.Context, tenantID string, plaintext, aad []byte) ([]byte, error)
	Open(ctx context.Context, tenantID string, ciphertext, aad []byte) ([]byte, error)
}

// Inserter enqueues delivery jobs in the caller's transaction.
type Inserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// Dispatcher records events and delivers them.
type Dispatcher struct {
	Store  Store
	Sealer Sealer
	Jobs   Inserter
	Policy URLPolicy
	Client *http.Client
	Now    func() time.Time
	// Retry is the wait before retry number attempt; nil means Backoff.
	Retry func(attempt int) time.Duration
}

func (d *Dispatcher) now() time.Time {
	if d.Now == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return d.Now().UTC().Truncate(time.Microsecond)
}

func secretAAD(endpointID string) []byte { return []byte("webhook_endpoint/" + endpointID + "/secret") }

// CreateEndpoint registers a receiver and returns its signing secret, shown once.
func (d *Dispatcher) CreateEndpoint(ctx context.Context, tenantID, mode, rawURL string, events []string) (*Endpoint, string, error) {
	if len(events) == 0 {
		return nil, "", errkind.New(errkind.ErrInvalid, "events_required", "events must list at least one event type (or \"*\")")
	}
	for _, e := range events {
		if e != "*" && !slices.Contains(EventTypes, e) {
			return nil, "", errkind.New(errkind.ErrInvalid, "event_type_invalid", "unknown event type %q; known: %s", e, strings.Join(EventTypes, ", "))
		}
	}
	if len(rawURL) > 2048 {
		return nil, "", errkind.New(errkind.ErrInvalid, "webhook_url_invalid", "url is longer than 2048 bytes")
	}
	if err := d.Policy.Check(ctx, rawURL); err != nil {
		return nil, "", err
	}
	secret := NewSecret()
	ep := &Endpoint{ID: ids.New("whe"), TenantID: tenantID, Mode: mode, URL: rawURL, Events: events, CreatedAt: d.now()}
	sealed, err := d.Sealer.Seal(ctx, tenantID, []byte(secret), secretAAD(ep.ID))
	if err != nil {
		return nil, "", err
	}
	ep.SealedSecret = sealed
	if err := d.Store.InsertEndpoint(ctx, ep); err != nil {
		return nil, "", err
	}
	return ep, secret, nil
}

// Publish records an event and schedules its delivery to every subscribed
// endpoint of the tenant and mode, in the caller's transaction: the event
// exists if and only if the change that caused it committed.
func (d *Dispatcher) Publish(ctx context.Context, tenantID, mode, eventType, objectID string, data any) error {
	now := d.now()
	ev := &Event{ID: ids.New("evt"), TenantID: tenantID, Mode: mode, Type: eventType, ObjectID: objectID, CreatedAt: now}
	body, err := json.Marshal(map[string]any{
		"id": ev.ID, "object": "event", "type": eventType, "created_at": now.Format(time.RFC3339Nano),
		"livemode": mode == "live", "data": data,
	})
	if err != nil {
		return fmt.Errorf("webhook: payload: %w", err)
	}
	ev.Payload = body
	return d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := d.Store.InsertEvent(ctx, ev); err != nil {
			return err
		}
		eps, err := d.Store.ListEndpoints(ctx, tenantID)
		if err != nil {
			return err
		}
		for _, ep := range eps {
			if ep.DisabledAt != nil || ep.Mode != mode || !(slices.Contains(ep.Events, eventType) || slices.Contains(ep.Events, "*")) {
				continue
			}
			dl := &Delivery{ID: ids.New("whd"), TenantID: tenantID, EventID: ev.ID, EndpointID: ep.ID,
				Status: DeliveryPending, CreatedAt: now, UpdatedAt: now}
			if err := d.Store.InsertDelivery(ctx, dl); err != nil {
				return err
			}
			if err := d.Jobs.Insert(ctx, DeliverArgs{DeliveryID: dl.ID}, &river.InsertOpts{MaxAttempts: MaxAttempts}); err != nil {
				return err
			}
		}
		return nil
	})
}

// DisableEndpoint stops deliveries to an endpoint; pending ones fail at
// their next attempt.
func (d *Dispatcher) DisableEndpoint(ctx context.Context, tenantID, id string) error {
	return d.Store.DisableEndpoint(ctx, tenantID, id, d.now())
}

// Redeliver schedules a new delivery of an event to every enabled endpoint
// of its mode subscribed to its type: the same event ID and body, so a
// receiver that de-duplicates sees it once.
func (d *Dispatcher) Redeliver(ctx context.Context, tenantID, eventID string) (int, error) {
	n := 0
	err := d.Store.InTx(ctx, func(ctx context.Context) error {
		ev, err := d.Store.Event(ctx, tenantID, eventID)
		if err != nil {
			return err
		}
		eps, err := d.Store.ListEndpoints(ctx, tenantID)
		if err != nil {
			return err
		}
		now := d.now()
		for _, ep := range eps {
			if ep.DisabledAt != nil || ep.Mode != ev.Mode || !(slices.Contains(ep.Events, ev.Type) || slices.Contains(ep.Events, "*")) {
				continue
			}
			dl := &Delivery{ID: ids.New("whd"), TenantID: tenantID, EventID: ev.ID, EndpointID: ep.ID,
				Status: DeliveryPending, CreatedAt: now, UpdatedAt: now}
			if err := d.Store.InsertDelivery(ctx, dl); err != nil {
				return err
			}
			if err := d.Jobs.Insert(ctx, DeliverArgs{DeliveryID: dl.ID}, &river.InsertOpts{MaxAttempts: MaxAttempts}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// DeliverArgs is the durable job that delivers one event to one endpoint.
type DeliverArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (DeliverArgs) Kind() string { return "webhook.deliver" }

// DeliverWorker runs DeliverArgs jobs: at least once, with backoff over about
// three days; the receiver de-duplicates on Kakunin-Event-Id.
type DeliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	D *Dispatcher
}

// NextRetry implements river's per-worker retry schedule.
func (w *DeliverWorker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	if w.D.Retry != nil {
		return time.Now().Add(w.D.Retry(job.Attempt))
	}
	return time.Now().Add(Backoff(job.Attempt))
}

// Work implements river.Worker.
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	d := w.D
	dl, err := d.Store.Delivery(ctx, job.Args.DeliveryID)
	if errors.Is(err, errkind.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if dl.Status != DeliveryPending {
		return nil
	}
	ev, err := d.Store.Event(ctx, dl.TenantID, dl.EventID)
	if err != nil {
		return err
	}
	ep, err := d.Store.Endpoint(ctx, dl.TenantID, dl.EndpointID)
	if err != nil {
		return err
	}
	secret, err := d.Sealer.Open(ctx, dl.TenantID, ep.SealedSecret, secretAAD(ep.ID))
	if err != nil {
		return err
	}
	status, sendErr := Send(ctx, d.Client, ep.URL, string(secret), ev.ID, ev.Payload, time.Now())
	now := d.now()
	dl.Attempts++
	dl.LastStatusCode, dl.UpdatedAt, dl.LastError = status, now, ""
	switch {
	case sendErr == nil:
		dl.Status, dl.DeliveredAt = DeliveryDelivered, &now
	case ep.DisabledAt != nil || job.Attempt >= job.MaxAttempts:
		dl.Status, dl.LastError = DeliveryFailed, truncate(sendErr.Error(), 300)
	default:
		dl.LastError = truncate(sendErr.Error(), 300)
	}
	if err := d.Store.UpdateDelivery(ctx, dl); err != nil {
		return err
	}
	if dl.Status == DeliveryPending {
		return sendErr // River retries after NextRetry
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
