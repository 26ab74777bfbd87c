package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

// PutHandoff stores a new hand-off token and retires every earlier unused
// one of the same verification: only the latest QR code works.
func (s *Store) PutHandoff(ctx context.Context, h verification.Handoff) error {
	if _, err := s.exec(ctx, `UPDATE handoff_tokens SET used_at = ? WHERE verification_id = ? AND used_at IS NULL`,
		us(h.CreatedAt), h.VerificationID); err != nil {
		return s.mapErr(err)
	}
	_, err := s.exec(ctx, `INSERT INTO handoff_tokens (token_hash, tenant_id, verification_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		h.TokenHash, h.TenantID, h.VerificationID, us(h.CreatedAt), us(h.ExpiresAt))
	return s.mapErr(err)
}

// HandoffByHash finds a hand-off token by its hash.
func (s *Store) HandoffByHash(ctx context.Context, hash string) (*verification.Handoff, error) {
	var h verification.Handoff
	var created, expires int64
	var used sql.NullInt64
	err := s.queryRow(ctx, `SELECT token_hash, tenant_id, verification_id, created_at, expires_at, used_at
		FROM handoff_tokens WHERE token_hash = ?`, hash).Scan(&h.TokenHash, &h.TenantID, &h.VerificationID, &created, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errkind.New(errkind.ErrNotFound, "handoff_not_found", "no such hand-off token")
	}
	if err != nil {
		return nil, s.mapErr(err)
	}
	h.CreatedAt, h.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC()
	if used.Valid {
		t := time.UnixMicro(used.Int64).UTC()
		h.UsedAt = &t
	}
	return &h, nil
}

// UseHandoff marks a hand-off token used; using it twice is harmless.
func (s *Store) UseHandoff(ctx context.Context, hash string, now time.Time) error {
	_, err := s.exec(ctx, `UPDATE handoff_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`, us(now), hash)
	return s.mapErr(err)
}
