// Package store persists kakunin's data in SQLite (the embedded default) or
// PostgreSQL (scale-out). One Store implements the narrow store interfaces the
// domain packages declare; queries are written once with ? placeholders and
// rebound for PostgreSQL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Dialect is the SQL flavour of a Store.
type Dialect string

// Dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the SQL persistence layer.
type Store struct {
	dialect Dialect
	// db takes writes. On SQLite it has exactly one connection (SQLite has one
	// writer; River asks for this too); transactions begin IMMEDIATE.
	db *sql.DB
	// rdb serves reads outside transactions. On SQLite it is a separate pool
	// of query-only connections that WAL lets run beside the writer; on
	// PostgreSQL it is db.
	rdb *sql.DB
}

// Open connects to url: "sqlite:PATH" or "postgres://...". It does not migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("store: %w", err)
			}
		}
		// WAL with synchronous=FULL: a commit that returned survives power loss.
		pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(15000)&_pragma=foreign_keys(1)"
		db, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		db.SetMaxOpenConns(1)
		db.SetConnMaxIdleTime(0)
		rdb, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
		rdb.SetMaxOpenConns(8)
		rdb.SetMaxIdleConns(8)
		s := &Store{dialect: SQLite, db: db, rdb: rdb}
		if err := db.PingContext(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		return s, nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		db, err := sql.Open("pgx", url)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		db.SetMaxOpenConns(32)
		db.SetMaxIdleConns(16)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: connect to postgres: %w", err)
		}
		return &Store{dialect: Postgres, db: db, rdb: db}, nil
	}
	return nil, fmt.Errorf("store: unsupported database URL (want sqlite:PATH or postgres://...)")
}

// Close releases both pools.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.rdb != s.db {
		err = errors.Join(err, s.rdb.Close())
	}
	return err
}

// Dialect reports the SQL flavour.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB is the write pool, for the job queue's driver.
func (s *Store) DB() *sql.DB { return s.db }

// Ping checks the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.rdb.PingContext(ctx) }

type txKey struct{}

// InTx runs fn in a transaction carried by ctx. A nested call joins the
// outer transaction. The transaction commits if fn returns nil.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return fn(ctx)
	}
	for attempt := 0; ; attempt++ {
		err := s.inTx(ctx, fn)
		// PostgreSQL may abort a transaction for serialization or deadlock;
		// those are safe to retry because nothing was committed.
		if err != nil && s.retryable(err) && attempt < 5 {
			time.Sleep(time.Duration(attempt+1) * 20 * time.Millisecond)
			continue
		}
		return err
	}
}

func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.mapErr(err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		return err
	}
	return s.mapErr(tx.Commit())
}

// Tx returns the transaction carried by ctx, if any (the job queue enqueues
// in the same transaction as the state change that causes the job).
func Tx(ctx context.Context) (*sql.Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(*sql.Tx)
	return tx, ok
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// w returns the querier for writes: the transaction in ctx, or the writer pool.
func (s *Store) w(ctx context.Context) querier {
	if tx, ok := Tx(ctx); ok {
		return tx
	}
	return s.db
}

// r returns the querier for reads: the transaction in ctx (to see its own
// writes), or the read pool.
func (s *Store) r(ctx context.Context) querier {
	if tx, ok := Tx(ctx); ok {
		return tx
	}
	return s.rdb
}

func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := s.w(ctx).ExecContext(ctx, s.rebind(q), args...)
	return res, s.mapErr(err)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.r(ctx).QueryRowContext(ctx, s.rebind(q), args...)
}

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	rows, err := s.r(ctx).QueryContext(ctx, s.rebind(q), args...)
	return rows, s.mapErr(err)
}

// forUpdate locks the selected row on PostgreSQL; SQLite transactions are
// already exclusive (BEGIN IMMEDIATE).
func (s *Store) forUpdate() string {
	if s.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// rebind turns ? placeholders into $1, $2 ... for PostgreSQL.
func (s *Store) rebind(q string) string {
	if s.dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// mapErr turns driver errors into error kinds: unique violations are conflicts,
// a locked database is unavailable.
func (s *Store) mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errkind.Wrap(err, errkind.ErrNotFound, "not_found", "no such object")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CONSTRAINT:
			return errkind.Wrap(err, errkind.ErrConflict, "already_exists", "the object already exists")
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return errkind.Wrap(err, errkind.ErrUnavailable, "database_busy", "the database is busy")
		}
	}
	if code := pgCode(err); code == "23505" {
		return errkind.Wrap(err, errkind.ErrConflict, "already_exists", "the object already exists")
	}
	return err
}

func (s *Store) retryable(err error) bool {
	code := pgCode(err)
	return code == "40001" || code == "40P01"
}

// pgCode extracts a PostgreSQL SQLSTATE without importing pgconn's types
// into every file.
func pgCode(err error) string {
	var e interface{ SQLState() string }
	if errors.As(err, &e) {
		return e.SQLState()
	}
	return ""
}

// Time columns hold Unix microseconds (BIGINT on both dialects).
func us(t time.Time) int64 { return t.UnixMicro() }

func fromUS(v int64) time.Time { return time.UnixMicro(v).UTC() }

func usPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func fromNullUS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromUS(v.Int64)
	return &t
}

func notFound(what string) error {
	return errkind.New(errkind.ErrNotFound, what+"_not_found", "no such %s", strings.ReplaceAll(what, "_", " "))
}
