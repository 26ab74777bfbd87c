package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/webhook"
)

var _ webhook.Store = (*Store)(nil)

const endpointCols = `id, tenant_id, mode, url, events, sealed_secret, created_at, disabled_at`

func scanEndpoint(sc interface{ Scan(...any) error }) (*webhook.Endpoint, error) {
	var e webhook.Endpoint
	var events string
	var created int64
	var disabled sql.NullInt64
	if err := sc.Scan(&e.ID, &e.TenantID, &e.Mode, &e.URL, &events, &e.SealedSecret, &created, &disabled); err != nil {
		return nil, err
	}
	e.CreatedAt, e.DisabledAt = fromUS(created), fromNullUS(disabled)
	return &e, json.Unmarshal([]byte(events), &e.Events)
}

// InsertEndpoint stores a webhook endpoint.
func (s *Store) InsertEndpoint(ctx context.Context, e *webhook.Endpoint) error {
	events, _ := json.Marshal(e.Events)
	_, err := s.exec(ctx, `INSERT INTO webhook_endpoints (`+endpointCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.TenantID, e.Mode, e.URL, string(events), e.SealedSecret, us(e.CreatedAt), usPtr(e.DisabledAt))
	return err
}

// Endpoint loads one of a tenant's endpoints.
func (s *Store) Endpoint(ctx context.Context, tenantID, id string) (*webhook.Endpoint, error) {
	e, err := scanEndpoint(s.queryRow(ctx, `SELECT `+endpointCols+` FROM webhook_endpoints WHERE tenant_id = ? AND id = ?`, tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("webhook_endpoint")
	}
	return e, s.mapErr(err)
}

// ListEndpoints lists a tenant's endpoints, newest first.
func (s *Store) ListEndpoints(ctx context.Context, tenantID string) ([]*webhook.Endpoint, error) {
	rows, err := s.query(ctx, `SELECT `+endpointCols+` FROM webhook_endpoints WHERE tenant_id = ? ORDER BY id DESC`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*webhook.Endpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

const eventCols = `id, tenant_id, mode, type, object_id, payload, created_at`

func scanEvent(sc interface{ Scan(...any) error }) (*webhook.Event, error) {
	var e webhook.Event
	var payload string
	var created int64
	if err := sc.Scan(&e.ID, &e.TenantID, &e.Mode, &e.Type, &e.ObjectID, &payload, &created); err != nil {
		return nil, err
	}
	e.Payload, e.CreatedAt = []byte(payload), fromUS(created)
	return &e, nil
}

// InsertEvent stores an event.
func (s *Store) InsertEvent(ctx context.Context, e *webhook.Event) error {
	_, err := s.exec(ctx, `INSERT INTO events (`+eventCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.TenantID, e.Mode, e.Type, e.ObjectID, string(e.Payload), us(e.CreatedAt))
	return err
}

// Event loads one of a tenant's events.
func (s *Store) Event(ctx context.Context, tenantID, id string) (*webhook.Event, error) {
	e, err := scanEvent(s.queryRow(ctx, `SELECT `+eventCols+` FROM events WHERE tenant_id = ? AND id = ?`, tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("event")
	}
	return e, s.mapErr(err)
}

// ListEvents pages through a tenant's events, newest first.
func (s *Store) ListEvents(ctx context.Context, tenantID, afterID string, limit int) ([]*webhook.Event, error) {
	q, args := `SELECT `+eventCols+` FROM events WHERE tenant_id = ?`, []any{tenantID}
	if afterID != "" {
		q += ` AND id < ?`
		args = append(args, afterID)
	}
	rows, err := s.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*webhook.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

const deliveryCols = `id, tenant_id, event_id, endpoint_id, status, attempts, last_status_code, last_error, created_at, updated_at, delivered_at`

func scanDelivery(sc interface{ Scan(...any) error }) (*webhook.Delivery, error) {
	var d webhook.Delivery
	var code sql.NullInt64
	var created, updated int64
	var delivered sql.NullInt64
	if err := sc.Scan(&d.ID, &d.TenantID, &d.EventID, &d.EndpointID, &d.Status, &d.Attempts, &code, &d.LastError,
		&created, &updated, &delivered); err != nil {
		return nil, err
	}
	d.LastStatusCode = int(code.Int64)
	d.CreatedAt, d.UpdatedAt, d.DeliveredAt = fromUS(created), fromUS(updated), fromNullUS(delivered)
	return &d, nil
}

// InsertDelivery stores a pending delivery.
func (s *Store) InsertDelivery(ctx context.Context, d *webhook.Delivery) error {
	_, err := s.exec(ctx, `INSERT INTO webhook_deliveries (`+deliveryCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.TenantID, d.EventID, d.EndpointID, d.Status, d.Attempts, nullCode(d.LastStatusCode), d.LastError,
		us(d.CreatedAt), us(d.UpdatedAt), usPtr(d.DeliveredAt))
	return err
}

func nullCode(c int) any {
	if c == 0 {
		return nil
	}
	return c
}

// Delivery loads a delivery by ID (job workers act across tenants).
func (s *Store) Delivery(ctx context.Context, id string) (*webhook.Delivery, error) {
	d, err := scanDelivery(s.queryRow(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("delivery")
	}
	return d, s.mapErr(err)
}

// UpdateDelivery records an attempt's outcome.
func (s *Store) UpdateDelivery(ctx context.Context, d *webhook.Delivery) error {
	_, err := s.exec(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = ?, last_status_code = ?, last_error = ?,
		updated_at = ?, delivered_at = ? WHERE id = ?`, d.Status, d.Attempts, nullCode(d.LastStatusCode), d.LastError,
		us(d.UpdatedAt), usPtr(d.DeliveredAt), d.ID)
	return err
}

// DeliveriesForEvents lists the deliveries of the given events.
func (s *Store) DeliveriesForEvents(ctx context.Context, tenantID string, eventIDs []string) ([]*webhook.Delivery, error) {
	if len(eventIDs) == 0 {
		return nil, nil
	}
	args := []any{tenantID}
	for _, id := range eventIDs {
		args = append(args, id)
	}
	rows, err := s.query(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE tenant_id = ? AND event_id IN (?`+
		strings.Repeat(", ?", len(eventIDs)-1)+`) ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*webhook.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DisableEndpoint marks an endpoint disabled (idempotent).
func (s *Store) DisableEndpoint(ctx context.Context, tenantID, id string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE webhook_endpoints SET disabled_at = COALESCE(disabled_at, ?) WHERE tenant_id = ? AND id = ?`,
		us(at), tenantID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("webhook_endpoint")
	}
	return nil
}
