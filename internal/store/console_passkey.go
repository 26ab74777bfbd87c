package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kakunin-dev/kakunin/internal/console"
	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// InsertConsolePasskey stores a user's new passkey; a credential ID that is
// already registered is a conflict.
func (s *Store) InsertConsolePasskey(ctx context.Context, p console.Passkey) error {
	_, err := s.exec(ctx, `INSERT INTO console_passkeys (id, user_id, name, credential, created_at) VALUES (?, ?, ?, ?, ?)`,
		p.ID, p.UserID, p.Name, string(p.Credential), us(p.CreatedAt))
	if errors.Is(err, errkind.ErrConflict) {
		return errkind.Wrap(err, errkind.ErrConflict, "passkey_registered", "this passkey is already registered")
	}
	return err
}

// ConsolePasskeys lists a user's passkeys, oldest first.
func (s *Store) ConsolePasskeys(ctx context.Context, userID string) ([]console.Passkey, error) {
	rows, err := s.query(ctx, `SELECT id, user_id, name, credential, created_at, last_used_at
		FROM console_passkeys WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []console.Passkey
	for rows.Next() {
		var p console.Passkey
		var cred string
		var created int64
		var used sql.NullInt64
		if err := rows.Scan(&p.ID, &p.UserID, &p.Name, &cred, &created, &used); err != nil {
			return nil, err
		}
		p.Credential, p.CreatedAt = []byte(cred), fromUS(created)
		if used.Valid {
			t := fromUS(used.Int64)
			p.LastUsedAt = &t
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// UseConsolePasskey records a sign-in with the passkey: its updated
// credential (signature counter) and the time.
func (s *Store) UseConsolePasskey(ctx context.Context, userID, id string, credential []byte, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE console_passkeys SET credential = ?, last_used_at = ? WHERE id = ? AND user_id = ?`,
		string(credential), us(at), id, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("console_passkey")
	}
	return nil
}

// DeleteConsolePasskey removes one of the user's passkeys.
func (s *Store) DeleteConsolePasskey(ctx context.Context, userID, id string) error {
	res, err := s.exec(ctx, `DELETE FROM console_passkeys WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("console_passkey")
	}
	return nil
}

// SetConsoleWebAuthnState keeps the ceremony a session started (nil clears it).
func (s *Store) SetConsoleWebAuthnState(ctx context.Context, hash []byte, state []byte) error {
	var v any
	if state != nil {
		v = string(state)
	}
	_, err := s.exec(ctx, `UPDATE console_sessions SET webauthn_state = ? WHERE token_hash = ?`, v, hash)
	return err
}

// TakeConsoleWebAuthnState returns the ceremony the session started and
// clears it, so one response can answer it once; nil when there is none.
func (s *Store) TakeConsoleWebAuthnState(ctx context.Context, hash []byte) ([]byte, error) {
	var state sql.NullString
	err := s.InTx(ctx, func(ctx context.Context) error {
		err := s.queryRow(ctx, `SELECT webauthn_state FROM console_sessions WHERE token_hash = ?`, hash).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, `UPDATE console_sessions SET webauthn_state = NULL WHERE token_hash = ?`, hash)
		return err
	})
	if err != nil || !state.Valid {
		return nil, err
	}
	return []byte(state.String), nil
}

// PutConsoleLoginCeremony keeps the ceremony a sign-in page started, under
// the hash of its pre-sign-in token, until expires; a newer ceremony of the
// same token replaces it. Expired ceremonies of every page go at the same
// time, so the table holds only live ones.
func (s *Store) PutConsoleLoginCeremony(ctx context.Context, hash, state []byte, expires, now time.Time) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.exec(ctx, `DELETE FROM console_login_ceremonies WHERE expires_at <= ? OR token_hash = ?`, us(now), hash); err != nil {
			return err
		}
		_, err := s.exec(ctx, `INSERT INTO console_login_ceremonies (token_hash, state, expires_at) VALUES (?, ?, ?)`,
			hash, string(state), us(expires))
		return err
	})
}

// TakeConsoleLoginCeremony returns the live ceremony of the token and
// deletes it, so one answer spends it; nil when there is none or it has
// expired.
func (s *Store) TakeConsoleLoginCeremony(ctx context.Context, hash []byte, now time.Time) ([]byte, error) {
	var state string
	var expires int64
	found := false
	err := s.InTx(ctx, func(ctx context.Context) error {
		err := s.queryRow(ctx, `SELECT state, expires_at FROM console_login_ceremonies WHERE token_hash = ?`, hash).Scan(&state, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		_, err = s.exec(ctx, `DELETE FROM console_login_ceremonies WHERE token_hash = ?`, hash)
		return err
	})
	if err != nil || !found || !fromUS(expires).After(now) {
		return nil, err
	}
	return []byte(state), nil
}
