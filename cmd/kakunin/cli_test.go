package main

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func TestCLIUsage(t *testing.T) {
	data := t.TempDir()
	env := []string{"KAKUNIN_DATA_DIR=" + data}
	// An installed data directory (database and master key), so that each
	// case below fails for its own reason whatever order the cases run in.
	if _, stderr, code := cli(t, env, "tenant", "create", "seed"); code != 0 {
		t.Fatalf("tenant create: exit %d %s", code, stderr)
	}
	tests := map[string]struct {
		args     []string
		env      []string
		wantCode int
		wantErr  string
	}{
		"unknown command":       {[]string{"frobnicate"}, nil, 2, "unknown command"},
		"unknown env variable":  {[]string{"config", "print"}, []string{"KAKUNIN_ADR=x"}, 2, "KAKUNIN_ADR"},
		"bad tenant name":       {[]string{"tenant", "create", "No Spaces"}, nil, 2, "tenant_name_invalid"},
		"apikey for no tenant":  {[]string{"apikey", "create", "--tenant", "ghost"}, nil, 2, "tenant_not_found"},
		"apikey bad mode":       {[]string{"apikey", "create", "--tenant", "x", "--mode", "prod"}, nil, 2, "mode_invalid"},
		"revoke malformed id":   {[]string{"apikey", "revoke", "nope"}, nil, 2, "key_id_invalid"},
		"worker with 0 workers": {[]string{"worker", "--workers", "0"}, nil, 2, "at least one worker"},
		"missing config file":   {[]string{"config", "print", "--config", "/nonexistent.toml"}, nil, 2, "no such file"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := cli(t, append(env, tc.env...), tc.args...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
				t.Fatalf("got exit %d, stderr %q; want %d mentioning %q", code, stderr, tc.wantCode, tc.wantErr)
			}
		})
	}
	out, _, code := cli(t, append(env, "KAKUNIN_KEYS_MASTER_KEYS=k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		"KAKUNIN_STORAGE_DATABASE=postgres://kakunin:hunter2@db/k"), "config", "print")
	if code != 0 || strings.Contains(out, "AAECAwQF") || strings.Contains(out, "hunter2") || !strings.Contains(out, "REDACTED") {
		t.Fatalf("config print: exit %d\n%s\nwant secrets redacted", code, out)
	}
}

// Operator commands work against the same data while serve runs.
func TestOperatorCommandsWhileServing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	data := t.TempDir()
	env := []string{"KAKUNIN_DATA_DIR=" + data, "KAKUNIN_LOG_FORMAT=json"}
	srv := start(t, env, "serve", "--addr", "127.0.0.1:0", "--workers", "1")
	if _, stderr, code := cli(t, env, "tenant", "create", "acme"); code != 0 {
		t.Fatalf("tenant create: %s", stderr)
	}
	key, _, code := cli(t, env, "apikey", "create", "--tenant", "acme", "--mode", "live")
	key = strings.TrimSpace(key)
	if code != 0 || !regexp.MustCompile(`^kk_live_[a-z2-7]{52}$`).MatchString(key) {
		t.Fatalf("apikey create: stdout %q; want the secret alone", key)
	}
	c := client{t: t, base: srv.addr, key: key}
	create := func(c client) int {
		return c.do(http.MethodPost, "/v1/verifications", strings.NewReader(`{"method":"jpki","reference_id":"r","applicant":{"name":"鈴木 一郎"}}`), "application/json", nil)
	}
	if st := create(c); st != 201 {
		t.Fatalf("with a key made while serving: got %d; want 201", st)
	}
	// Rotate the master key under the running server, then add a tenant whose
	// data key is wrapped only under the new key: the server must still serve it.
	out, stderr, code := cli(t, env, "keys", "rotate")
	if code != 0 || !strings.Contains(out, "re-wrapped") {
		t.Fatalf("keys rotate: %d %s %s", code, out, stderr)
	}
	cli(t, env, "tenant", "create", "after-rotation")
	key2, _, _ := cli(t, env, "apikey", "create", "--tenant", "after-rotation")
	c2 := client{t: t, base: srv.addr, key: strings.TrimSpace(key2)}
	if st := create(c2); st != 201 {
		t.Fatalf("tenant created after rotation: got %d; want 201\n%s", st, srv.logs)
	}
	if st := create(c); st != 201 {
		t.Fatalf("old tenant after rotation: got %d; want 201", st)
	}
	var list struct {
		Data []struct{ ID string }
	}
	c.do(http.MethodGet, "/v1/verifications", nil, "", &list)
	var v struct{ Applicant map[string]string }
	c.do(http.MethodGet, "/v1/verifications/"+list.Data[1].ID+"?expand=applicant", nil, "", &v)
	if v.Applicant["name"] != "鈴木 一郎" {
		t.Fatalf("data sealed before rotation: got %v", v.Applicant)
	}
	// Revocation takes effect at once.
	keys, _, _ := cli(t, env, "apikey", "list", "--tenant", "acme")
	id := strings.Fields(keys)[0]
	if _, stderr, code := cli(t, env, "apikey", "revoke", id); code != 0 {
		t.Fatalf("revoke: %s", stderr)
	}
	if st := c.do(http.MethodGet, "/v1/verifications", nil, "", nil); st != 401 {
		t.Fatalf("revoked key: got %d; want 401", st)
	}
	// Graceful stop on SIGTERM.
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM\n%s", err, srv.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s of SIGTERM")
	}
	// The audit chain is intact; a tampered entry is named.
	if out, stderr, code := cli(t, env, "audit", "verify"); code != 0 {
		t.Fatalf("audit verify: %d %s %s", code, out, stderr)
	}
	db, err := sql.Open("sqlite", filepath.Join(data, "kakunin.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), `UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2 AND tenant_id = (SELECT id FROM tenants WHERE name = 'acme')`); err != nil {
		t.Fatal(err)
	}
	out, _, code = cli(t, env, "audit", "verify", "--tenant", "acme")
	if code != 1 || !strings.Contains(out, `"broken_at": 2`) {
		t.Fatalf("after tampering: exit %d\n%s\nwant exit 1 naming entry 2", code, out)
	}
}
