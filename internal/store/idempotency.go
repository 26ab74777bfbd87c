package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// IdempotencyRecord is a stored response to a creating POST.
type IdempotencyRecord struct {
	TenantID    string
	Key         string
	RequestHash string
	Status      int
	SealedBody  []byte
	CreatedAt   time.Time
}

// Idempotency loads a stored response; nil when the key is new.
func (s *Store) Idempotency(ctx context.Context, tenantID, key string) (*IdempotencyRecord, error) {
	r := IdempotencyRecord{TenantID: tenantID, Key: key}
	var created int64
	err := s.queryRow(ctx, `SELECT request_hash, status, sealed_body, created_at FROM idempotency_keys WHERE tenant_id = ? AND key = ?`,
		tenantID, key).Scan(&r.RequestHash, &r.Status, &r.SealedBody, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	r.CreatedAt = fromUS(created)
	return &r, s.mapErr(err)
}

// PutIdempotency stores a response; a key stored meanwhile is a conflict.
func (s *Store) PutIdempotency(ctx context.Context, r IdempotencyRecord) error {
	_, err := s.exec(ctx, `INSERT INTO idempotency_keys (tenant_id, key, request_hash, status, sealed_body, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		r.TenantID, r.Key, r.RequestHash, r.Status, r.SealedBody, us(r.CreatedAt))
	return err
}
