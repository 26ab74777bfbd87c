package store

import (
	"context"
	"time"

	"github.com/kakunin-dev/kakunin/internal/liveness"
)

var _ liveness.SeenStore = (*Store)(nil)

// SeenElsewhere reports whether a hash within liveness.ReplayDistance of h
// was recorded for another verification: candidates share a band exactly,
// the full distance is checked here.
func (s *Store) SeenElsewhere(ctx context.Context, verificationID string, h liveness.Hash) (bool, error) {
	b := h.Bands()
	rows, err := s.query(ctx, `SELECT hash FROM media_hashes WHERE verification_id <> ?
		AND (band0 = ? OR band1 = ? OR band2 = ? OR band3 = ?) LIMIT 10000`,
		verificationID, int(b[0]), int(b[1]), int(b[2]), int(b[3]))
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var x int64
		if err := rows.Scan(&x); err != nil {
			return false, err
		}
		if liveness.Hash(uint64(x)).Distance(h) <= liveness.ReplayDistance {
			return true, nil
		}
	}
	return false, rows.Err()
}

// Record remembers h as seen in a verification.
func (s *Store) Record(ctx context.Context, verificationID string, h liveness.Hash) error {
	b := h.Bands()
	_, err := s.exec(ctx, `INSERT INTO media_hashes (verification_id, hash, band0, band1, band2, band3, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, verificationID, int64(uint64(h)), int(b[0]), int(b[1]), int(b[2]), int(b[3]), us(time.Now()))
	return err
}
