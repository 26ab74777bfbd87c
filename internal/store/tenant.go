package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/tenant"
)

var _ tenant.Store = (*Store)(nil)

// InsertTenant stores a new tenant; a taken name is a conflict.
func (s *Store) InsertTenant(ctx context.Context, t tenant.Tenant) error {
	_, err := s.exec(ctx, `INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)`, t.ID, t.Name, us(t.CreatedAt))
	if errors.Is(err, errkind.ErrConflict) {
		return errkind.Wrap(err, errkind.ErrConflict, "tenant_exists", "a tenant with this name exists")
	}
	return err
}

// TenantByName finds a tenant by its name.
func (s *Store) TenantByName(ctx context.Context, name string) (tenant.Tenant, error) {
	var t tenant.Tenant
	var created int64
	err := s.queryRow(ctx, `SELECT id, name, created_at FROM tenants WHERE name = ?`, name).Scan(&t.ID, &t.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound("tenant")
	}
	t.CreatedAt = fromUS(created)
	return t, s.mapErr(err)
}

// InsertAPIKey stores a key by its hash.
func (s *Store) InsertAPIKey(ctx context.Context, k tenant.APIKey, hash []byte) error {
	_, err := s.exec(ctx, `INSERT INTO api_keys (id, tenant_id, mode, hint, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		k.ID, k.TenantID, string(k.Mode), k.Hint, hash, us(k.CreatedAt))
	return err
}

const apiKeyCols = `id, tenant_id, mode, hint, created_at, revoked_at`

func scanAPIKey(sc interface{ Scan(...any) error }) (tenant.APIKey, error) {
	var k tenant.APIKey
	var mode string
	var created int64
	var revoked sql.NullInt64
	err := sc.Scan(&k.ID, &k.TenantID, &mode, &k.Hint, &created, &revoked)
	k.Mode, k.CreatedAt, k.RevokedAt = tenant.Mode(mode), fromUS(created), fromNullUS(revoked)
	return k, err
}

// APIKeyByHash finds a key by the hash of its secret.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (tenant.APIKey, error) {
	k, err := scanAPIKey(s.queryRow(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return k, notFound("api_key")
	}
	return k, s.mapErr(err)
}

// RevokeAPIKey marks a key revoked; revoking twice keeps the first time.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, us(at), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("api_key")
	}
	return nil
}

// ListAPIKeys lists a tenant's keys, newest first.
func (s *Store) ListAPIKeys(ctx context.Context, tenantID string) ([]tenant.APIKey, error) {
	rows, err := s.query(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE tenant_id = ? ORDER BY id DESC`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tenant.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
