package store

import (
	"context"

	"github.com/kakunin-dev/kakunin/internal/audit"
	"github.com/kakunin-dev/kakunin/internal/console"
)

// SearchAudit lists a tenant's audit entries matching q, in chain order,
// for the console's audit search and export.
func (s *Store) SearchAudit(ctx context.Context, q console.AuditQuery) ([]audit.Entry, error) {
	sql := `SELECT tenant_id, seq, at, actor, action, object_id, detail, prev_hash, hash
		FROM audit_events WHERE tenant_id = ? AND seq > ?`
	args := []any{q.TenantID, q.AfterSeq}
	if !q.From.IsZero() {
		sql += ` AND at >= ?`
		args = append(args, us(q.From))
	}
	if !q.To.IsZero() {
		sql += ` AND at < ?`
		args = append(args, us(q.To))
	}
	for col, v := range map[string]string{"actor": q.Actor, "action": q.Action, "object_id": q.ObjectID} {
		if v != "" {
			sql += ` AND ` + col + ` = ?`
			args = append(args, v)
		}
	}
	sql += ` ORDER BY seq LIMIT ?`
	args = append(args, q.Limit)
	return scanAuditEntries(s.query(ctx, sql, args...))
}
