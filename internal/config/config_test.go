package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "c.toml")
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := map[string]struct {
		file    string
		env     []string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		"defaults": {check: func(t *testing.T, c Config) {
			if c.Addr != "127.0.0.1:8080" || c.DatabaseURL() != "sqlite:var/kakunin.db" {
				t.Errorf("got addr %q db %q", c.Addr, c.DatabaseURL())
			}
		}},
		"file and env, env wins": {
			file: "addr = \"127.0.0.1:9000\"\n[jobs]\nrescue_after = \"5s\"\n",
			env:  []string{"KAKUNIN_ADDR=127.0.0.1:9001", "KAKUNIN_WEBHOOKS_ALLOW_PRIVATE=true", "KAKUNIN_TEST_POSTGRES=x"},
			check: func(t *testing.T, c Config) {
				if c.Addr != "127.0.0.1:9001" {
					t.Errorf("got addr %q; want the env value", c.Addr)
				}
				if c.Jobs.RescueAfter.Std() != 5*time.Second || !c.Webhooks.AllowPrivate {
					t.Errorf("got %+v %+v", c.Jobs, c.Webhooks)
				}
			},
		},
		"unknown file key":    {file: "adr = \"x\"\n", wantErr: "unknown key"},
		"unknown env":         {env: []string{"KAKUNIN_ADR=x"}, wantErr: "KAKUNIN_ADR"},
		"bad duration":        {env: []string{"KAKUNIN_VERIFICATION_TTL=soon"}, wantErr: "invalid duration"},
		"bad database scheme": {env: []string{"KAKUNIN_STORAGE_DATABASE=mysql://x"}, wantErr: "storage.database"},
		"bad log format":      {env: []string{"KAKUNIN_LOG_FORMAT=xml"}, wantErr: "log.format"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := ""
			if tc.file != "" {
				path = write(tc.file)
			}
			c, err := Load(path, tc.env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got err %v; want it to mention %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestRedacted(t *testing.T) {
	c := Default()
	c.Keys.MasterKeys = "k1:c2VjcmV0"
	c.Storage.Database = "postgres://u:pw@db/kakunin"
	c.Storage.Evidence = "s3://AK:SK@minio:9000/ev"
	out := c.Redacted()
	for _, secret := range []string{"c2VjcmV0", "pw@", "SK@"} {
		if strings.Contains(out, secret) {
			t.Errorf("redacted config contains %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "u:REDACTED@db") {
		t.Errorf("got %s; want the user kept and the password redacted", out)
	}
}
