package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kakunin-dev/kakunin/internal/console"
	"github.com/kakunin-dev/kakunin/internal/errkind"
)

var (
	_ console.Store        = (*Store)(nil)
	_ console.PasskeyStore = (*Store)(nil)
)

// InsertConsoleUser stores a new console user and its tenant scope; a taken
// email is a conflict.
func (s *Store) InsertConsoleUser(ctx context.Context, u console.User) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		_, err := s.exec(ctx, `INSERT INTO console_users (id, email, role, password_hash, must_change_password, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, u.ID, u.Email, string(u.Role), u.PasswordHash, boolInt(u.MustChangePassword), us(u.CreatedAt))
		if errors.Is(err, errkind.ErrConflict) {
			return errkind.Wrap(err, errkind.ErrConflict, "console_user_exists", "a console user with this email exists")
		}
		if err != nil {
			return err
		}
		for _, t := range u.Tenants {
			if _, err := s.exec(ctx, `INSERT INTO console_user_tenants (user_id, tenant_id) VALUES (?, ?)`, u.ID, t); err != nil {
				return err
			}
		}
		return nil
	})
}

const consoleUserCols = `id, email, role, password_hash, must_change_password, totp_sealed, totp_enrolled_at,
	totp_last_step, failed_attempts, locked_until, created_at, disabled_at`

type rowScanner interface{ Scan(dest ...any) error }

// scanConsoleUser reads consoleUserCols, without the tenants.
func scanConsoleUser(row rowScanner) (console.User, error) {
	var u console.User
	var role string
	var must, failed int
	var enrolled, locked, disabled sql.NullInt64
	var created int64
	if err := row.Scan(&u.ID, &u.Email, &role, &u.PasswordHash, &must, &u.TOTPSealed, &enrolled, &u.TOTPLastStep,
		&failed, &locked, &created, &disabled); err != nil {
		return u, err
	}
	u.Role, u.MustChangePassword, u.FailedAttempts = console.Role(role), must != 0, failed
	u.TOTPEnrolledAt, u.LockedUntil, u.CreatedAt = fromNullUS(enrolled), fromNullUS(locked), fromUS(created)
	u.DisabledAt = fromNullUS(disabled)
	return u, nil
}

func (s *Store) consoleUser(ctx context.Context, where string, arg any) (console.User, error) {
	u, err := scanConsoleUser(s.queryRow(ctx, `SELECT `+consoleUserCols+` FROM console_users WHERE `+where+` = ?`, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("console_user")
	}
	if err != nil {
		return u, s.mapErr(err)
	}
	rows, err := s.query(ctx, `SELECT tenant_id FROM console_user_tenants WHERE user_id = ? ORDER BY tenant_id`, u.ID)
	if err != nil {
		return u, err
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return u, err
		}
		u.Tenants = append(u.Tenants, t)
	}
	return u, rows.Err()
}

// ConsoleUserByID finds a console user by ID.
func (s *Store) ConsoleUserByID(ctx context.Context, id string) (console.User, error) {
	return s.consoleUser(ctx, "id", id)
}

// ConsoleUserByEmail finds a console user by (normalized) email.
func (s *Store) ConsoleUserByEmail(ctx context.Context, email string) (console.User, error) {
	return s.consoleUser(ctx, "email", email)
}

// ListConsoleUsers lists every console user with their tenants, oldest
// first.
func (s *Store) ListConsoleUsers(ctx context.Context) ([]console.User, error) {
	rows, err := s.query(ctx, `SELECT `+consoleUserCols+` FROM console_users ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	var users []console.User
	at := map[string]int{}
	for rows.Next() {
		u, err := scanConsoleUser(rows)
		if err != nil {
			rows.Close()
			return nil, s.mapErr(err)
		}
		at[u.ID] = len(users)
		users = append(users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.query(ctx, `SELECT user_id, tenant_id FROM console_user_tenants ORDER BY user_id, tenant_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, t string
		if err := rows.Scan(&id, &t); err != nil {
			return nil, err
		}
		if i, ok := at[id]; ok {
			users[i].Tenants = append(users[i].Tenants, t)
		}
	}
	return users, rows.Err()
}

// updateConsoleUser runs an UPDATE of one user; no row is not found.
func (s *Store) updateConsoleUser(ctx context.Context, q string, args ...any) error {
	res, err := s.exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("console_user")
	}
	return nil
}

// ConsoleLoginFailed counts one more failed sign-in and returns the count.
// The single UPDATE ... RETURNING makes concurrent failures each count.
func (s *Store) ConsoleLoginFailed(ctx context.Context, id string) (int, error) {
	var n int
	err := s.w(ctx).QueryRowContext(ctx, s.rebind(`UPDATE console_users SET failed_attempts = failed_attempts + 1
		WHERE id = ? RETURNING failed_attempts`), id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("console_user")
	}
	return n, s.mapErr(err)
}

// LockConsoleUser locks the user until the given time and clears the count.
func (s *Store) LockConsoleUser(ctx context.Context, id string, until time.Time) error {
	return s.updateConsoleUser(ctx, `UPDATE console_users SET locked_until = ?, failed_attempts = 0 WHERE id = ?`, us(until), id)
}

// ConsoleLoginSucceeded clears the failed attempts and any expired lock.
func (s *Store) ConsoleLoginSucceeded(ctx context.Context, id string) error {
	return s.updateConsoleUser(ctx, `UPDATE console_users SET failed_attempts = 0, locked_until = NULL WHERE id = ?`, id)
}

// SetConsolePassword replaces the password hash.
func (s *Store) SetConsolePassword(ctx context.Context, id, hash string, mustChange bool) error {
	return s.updateConsoleUser(ctx, `UPDATE console_users SET password_hash = ?, must_change_password = ? WHERE id = ?`,
		hash, boolInt(mustChange), id)
}

// SetConsoleTOTPSecret stores a new sealed secret, not yet confirmed. The
// last used time step stays: steps only ever move forward.
func (s *Store) SetConsoleTOTPSecret(ctx context.Context, id string, sealed []byte) error {
	return s.updateConsoleUser(ctx, `UPDATE console_users SET totp_sealed = ?, totp_enrolled_at = NULL WHERE id = ?`,
		sealed, id)
}

// ResetConsoleTOTP forgets the user's second factor, so that the next
// sign-in enrols a new one. The last used time step stays, so no code
// of a step already spent is accepted again.
func (s *Store) ResetConsoleTOTP(ctx context.Context, id string) error {
	return s.updateConsoleUser(ctx, `UPDATE console_users SET totp_sealed = NULL, totp_enrolled_at = NULL WHERE id = ?`, id)
}

// UnlockConsoleUser lifts a lock-out and clears the failed attempts.
func (s *Store) UnlockConsoleUser(ctx context.Context, id string) error {
	return s.updateConsoleUser(ctx, `UPDATE console_users SET locked_until = NULL, failed_attempts = 0 WHERE id = ?`, id)
}

// DisableConsoleUser disables an active user and ends every session of
// theirs, in one transaction. A disabled user is a conflict.
func (s *Store) DisableConsoleUser(ctx context.Context, id string, at time.Time) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		res, err := s.exec(ctx, `UPDATE console_users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL`, us(at), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := s.ConsoleUserByID(ctx, id); err != nil {
				return err
			}
			return errkind.New(errkind.ErrConflict, "console_user_disabled", "the user is already disabled")
		}
		return s.DeleteConsoleSessionsOfUser(ctx, id, nil)
	})
}

// EnableConsoleUser enables a disabled user. An active user is a conflict.
func (s *Store) EnableConsoleUser(ctx context.Context, id string) error {
	res, err := s.exec(ctx, `UPDATE console_users SET disabled_at = NULL WHERE id = ? AND disabled_at IS NOT NULL`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.ConsoleUserByID(ctx, id); err != nil {
			return err
		}
		return errkind.New(errkind.ErrConflict, "console_user_active", "the user is not disabled")
	}
	return nil
}

// SetConsoleUserRole changes the user's role; the tenants stay.
func (s *Store) SetConsoleUserRole(ctx context.Context, id string, role console.Role) error {
	return s.updateConsoleUser(ctx, `UPDATE console_users SET role = ? WHERE id = ?`, string(role), id)
}

// SetConsoleUserTenants replaces the user's tenant scope in one
// transaction; an unknown user is not found.
func (s *Store) SetConsoleUserTenants(ctx context.Context, id string, tenantIDs []string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.ConsoleUserByID(ctx, id); err != nil {
			return err
		}
		if _, err := s.exec(ctx, `DELETE FROM console_user_tenants WHERE user_id = ?`, id); err != nil {
			return err
		}
		for _, t := range tenantIDs {
			if _, err := s.exec(ctx, `INSERT INTO console_user_tenants (user_id, tenant_id) VALUES (?, ?)`, id, t); err != nil {
				return err
			}
		}
		return nil
	})
}

// ConfirmConsoleTOTP marks the stored secret enrolled.
func (s *Store) ConfirmConsoleTOTP(ctx context.Context, id string, at time.Time) error {
	return s.updateConsoleUser(ctx, `UPDATE console_users SET totp_enrolled_at = ? WHERE id = ? AND totp_sealed IS NOT NULL`, us(at), id)
}

// UseConsoleTOTPStep spends a TOTP time step: it succeeds only if step is
// later than every step spent before, in one conditional UPDATE, so two
// requests racing with the same code cannot both win.
func (s *Store) UseConsoleTOTPStep(ctx context.Context, id string, step int64) (bool, error) {
	res, err := s.exec(ctx, `UPDATE console_users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, id, step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// InsertConsoleSession stores a session by its token hash.
func (s *Store) InsertConsoleSession(ctx context.Context, cs console.Session) error {
	_, err := s.exec(ctx, `INSERT INTO console_sessions (token_hash, user_id, stage, csrf_secret, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, cs.TokenHash, cs.UserID, string(cs.Stage), cs.CSRFSecret,
		us(cs.CreatedAt), us(cs.LastSeenAt), us(cs.ExpiresAt))
	return err
}

// ConsoleSessionByHash finds a session; expiry is the caller's to judge.
func (s *Store) ConsoleSessionByHash(ctx context.Context, hash []byte) (console.Session, error) {
	var cs console.Session
	var stage string
	var created, seen, expires int64
	err := s.queryRow(ctx, `SELECT token_hash, user_id, stage, csrf_secret, created_at, last_seen_at, expires_at
		FROM console_sessions WHERE token_hash = ?`, hash).Scan(&cs.TokenHash, &cs.UserID, &stage, &cs.CSRFSecret, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return cs, notFound("console_session")
	}
	cs.Stage, cs.CreatedAt, cs.LastSeenAt, cs.ExpiresAt = console.Stage(stage), fromUS(created), fromUS(seen), fromUS(expires)
	return cs, s.mapErr(err)
}

// TouchConsoleSession moves the idle clock of a session forward.
func (s *Store) TouchConsoleSession(ctx context.Context, hash []byte, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE console_sessions SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?`, us(at), hash, us(at))
	return err
}

// DeleteConsoleSession ends a session; ending it twice is harmless.
func (s *Store) DeleteConsoleSession(ctx context.Context, hash []byte) error {
	_, err := s.exec(ctx, `DELETE FROM console_sessions WHERE token_hash = ?`, hash)
	return err
}

// DeleteConsoleSessionsOfUser ends every session of the user except one
// (nil: all), after a password change or a lock-out.
func (s *Store) DeleteConsoleSessionsOfUser(ctx context.Context, userID string, except []byte) error {
	if except == nil {
		except = []byte{}
	}
	_, err := s.exec(ctx, `DELETE FROM console_sessions WHERE user_id = ? AND token_hash <> ?`, userID, except)
	return err
}
