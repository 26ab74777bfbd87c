package store

import (
	"context"
	"database/sql"
	"github.com/kakunin-dev/kakunin/internal/audit"
)

var _ audit.Store = (*Store)(nil)

// AuditHead returns and locks the tenant's chain head.
func (s *Store) AuditHead(ctx context.Context, tenantID string) (int64, string, error) {
	if _, err := s.exec(ctx, `INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (?, 0, ?) ON CONFLICT (tenant_id) DO NOTHING`,
		tenantID, audit.Genesis); err != nil {
		return 0, "", err
	}
	var seq int64
	var hash string
	err := s.queryRow(ctx, `SELECT seq, hash FROM audit_heads WHERE tenant_id = ?`+s.forUpdate(), tenantID).Scan(&seq, &hash)
	return seq, hash, s.mapErr(err)
}

// AppendAudit inserts the entry and advances the head.
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) error {
	if _, err := s.exec(ctx, `INSERT INTO audit_events (tenant_id, seq, at, actor, action, object_id, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.TenantID, e.Seq, us(e.At), e.Actor, e.Action, e.ObjectID, e.Detail, e.PrevHash, e.Hash); err != nil {
		return err
	}
	_, err := s.exec(ctx, `UPDATE audit_heads SET seq = ?, hash = ? WHERE tenant_id = ?`, e.Seq, e.Hash, e.TenantID)
	return err
}

// AuditEntries pages through a tenant's chain in order.
func (s *Store) AuditEntries(ctx context.Context, tenantID string, after int64, limit int) ([]audit.Entry, error) {
	rows, err := s.query(ctx, `SELECT tenant_id, seq, at, actor, action, object_id, detail, prev_hash, hash
		FROM audit_events WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?`, tenantID, after, limit)
	return scanAuditEntries(rows, err)
}

// scanAuditEntries reads rows of (tenant_id, seq, at, actor, action,
// object_id, detail, prev_hash, hash).
func scanAuditEntries(rows *sql.Rows, err error) ([]audit.Entry, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var at int64
		if err := rows.Scan(&e.TenantID, &e.Seq, &at, &e.Actor, &e.Action, &e.ObjectID, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.At = fromUS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditTenants lists the tenants that have a chain.
func (s *Store) AuditTenants(ctx context.Context) ([]string, error) {
	rows, err := s.query(ctx, `SELECT tenant_id FROM audit_heads ORDER BY tenant_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
