package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration file %q is not NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// render fills the dialect's type names into a shared migration.
func (s *Store) render(q string) string {
	bytes := "BLOB"
	if s.dialect == Postgres {
		bytes = "BYTEA"
	}
	return strings.ReplaceAll(q, "{{bytes}}", bytes)
}

// Migrate applies the migrations not yet applied, each in its own
// transaction, forward only. It is safe to call from several processes at
// once: PostgreSQL takes an advisory lock, SQLite's writer lock serializes.
// It returns the versions it applied.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS kakunin_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("store: migrations table: %w", err)
	}
	var applied []int
	for _, m := range ms {
		did := false
		err := s.InTx(ctx, func(ctx context.Context) error {
			if s.dialect == Postgres {
				if _, err := s.exec(ctx, `SELECT pg_advisory_xact_lock(7283001)`); err != nil {
					return err
				}
			}
			var n int
			if err := s.queryRow(ctx, `SELECT COUNT(*) FROM kakunin_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			tx, _ := Tx(ctx)
			// Executed as one script: both drivers accept several statements.
			if _, err := tx.ExecContext(ctx, s.render(m.sql)); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
			}
			_, err := s.exec(ctx, `INSERT INTO kakunin_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UnixMicro())
			did = err == nil
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("store: %w", err)
		}
		if did {
			applied = append(applied, m.version)
		}
	}
	return applied, nil
}
