package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/kakunin-dev/kakunin/internal/jpki"
)

var _ jpki.NonceStore = (*Store)(nil)

func nonceHash(nonce string) string {
	h := sha256.Sum256([]byte(nonce))
	return hex.EncodeToString(h[:])
}

// IssueNonce stores a single-use nonce for a verification (only its hash).
func (s *Store) IssueNonce(ctx context.Context, verificationID, nonce string, expires time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO jpki_nonces (verification_id, nonce_hash, expires_at) VALUES (?, ?, ?)`,
		verificationID, nonceHash(nonce), us(expires))
	return err
}

// Consume marks a nonce used, once: the conditional update is atomic, so
// two concurrent submissions of one nonce cannot both succeed.
func (s *Store) Consume(ctx context.Context, verificationID, nonce string, now time.Time) error {
	h := nonceHash(nonce)
	res, err := s.exec(ctx, `UPDATE jpki_nonces SET consumed_at = ? WHERE verification_id = ? AND nonce_hash = ?
		AND consumed_at IS NULL AND expires_at > ?`, us(now), verificationID, h, us(now))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var expires int64
	var consumed sql.NullInt64
	err = s.queryRow(ctx, `SELECT expires_at, consumed_at FROM jpki_nonces WHERE verification_id = ? AND nonce_hash = ?`,
		verificationID, h).Scan(&expires, &consumed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return jpki.ErrNonceUnknown
	case err != nil:
		return s.mapErr(err)
	case consumed.Valid:
		return jpki.ErrNonceReused
	default:
		return jpki.ErrNonceExpired
	}
}
