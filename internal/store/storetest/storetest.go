// Package storetest gives tests a fresh database on every dialect: SQLite
// always, and PostgreSQL when KAKUNIN_TEST_POSTGRES names a server (each test
// gets its own database there, dropped afterwards).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
)

// EnvPostgres names the PostgreSQL server URL for tests.
const EnvPostgres = "KAKUNIN_TEST_POSTGRES"

// Dialects returns the database URLs to run a test on, by name.
func Dialects(t testing.TB) map[string]func(t testing.TB) string {
	m := map[string]func(t testing.TB) string{"sqlite": SQLite}
	if os.Getenv(EnvPostgres) != "" {
		m["postgres"] = Postgres
	}
	return m
}

// Each runs fn once per available dialect as a subtest; fn calls newDB for
// each fresh database it needs.
func Each(t *testing.T, fn func(t *testing.T, newDB func(t testing.TB) string)) {
	t.Helper()
	if os.Getenv(EnvPostgres) == "" && os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but %s is not set: the PostgreSQL half of the store tests must run in CI", EnvPostgres)
	}
	for _, name := range []string{"sqlite", "postgres"} {
		mk, ok := Dialects(t)[name]
		if !ok {
			continue
		}
		t.Run(name, func(t *testing.T) { fn(t, mk) })
	}
}

// SQLite returns a URL for a new SQLite file in a temp dir.
func SQLite(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "kakunin.db")
}

// Postgres creates a fresh database on the KAKUNIN_TEST_POSTGRES server and
// returns its URL; it is dropped when the test ends.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skipf("%s is not set", EnvPostgres)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "kakunin_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database on %s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
