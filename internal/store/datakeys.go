package store

import (
	"context"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/vault"
)

var _ vault.KeyStore = (*Store)(nil)

func (s *Store) scanDataKeys(ctx context.Context, q string, args ...any) ([]vault.WrappedKey, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vault.WrappedKey
	for rows.Next() {
		var k vault.WrappedKey
		var created int64
		if err := rows.Scan(&k.TenantID, &k.Version, &k.MasterKeyID, &k.Wrapped, &created); err != nil {
			return nil, err
		}
		k.CreatedAt = fromUS(created)
		out = append(out, k)
	}
	return out, rows.Err()
}

// DataKeys returns every version of a tenant's wrapped data key.
func (s *Store) DataKeys(ctx context.Context, tenantID string) ([]vault.WrappedKey, error) {
	return s.scanDataKeys(ctx, `SELECT tenant_id, version, master_key_id, wrapped, created_at FROM data_keys WHERE tenant_id = ? ORDER BY version`, tenantID)
}

// AllDataKeys returns every tenant's wrapped data keys.
func (s *Store) AllDataKeys(ctx context.Context) ([]vault.WrappedKey, error) {
	return s.scanDataKeys(ctx, `SELECT tenant_id, version, master_key_id, wrapped, created_at FROM data_keys ORDER BY tenant_id, version`)
}

// InsertDataKey stores a new version; an existing version is a conflict. It
// uses ON CONFLICT DO NOTHING so that, inside a PostgreSQL transaction, losing
// the race does not abort the caller's transaction.
func (s *Store) InsertDataKey(ctx context.Context, k vault.WrappedKey) error {
	res, err := s.exec(ctx, `INSERT INTO data_keys (tenant_id, version, master_key_id, wrapped, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, version) DO NOTHING`, k.TenantID, k.Version, k.MasterKeyID, k.Wrapped, us(k.CreatedAt))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errkind.New(errkind.ErrConflict, "data_key_exists", "the tenant already has this data key version")
	}
	return nil
}

// RewrapDataKey swaps the wrapping of one data key version if it is still
// wrapped under oldMasterKeyID.
func (s *Store) RewrapDataKey(ctx context.Context, tenantID string, version int, oldMasterKeyID, newMasterKeyID string, wrapped []byte) (bool, error) {
	res, err := s.exec(ctx, `UPDATE data_keys SET master_key_id = ?, wrapped = ? WHERE tenant_id = ? AND version = ? AND master_key_id = ?`,
		newMasterKeyID, wrapped, tenantID, version, oldMasterKeyID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
