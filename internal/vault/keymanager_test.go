package vault_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/vault"
)

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseMasterKeys(t *testing.T) {
	k1, k2, k3 := masterKeyLine("mk1", 1), masterKeyLine("mk_2026.b-2", 2), masterKeyLine("K3", 3)
	for name, tc := range map[string]struct {
		in      string
		wantIDs []string
	}{
		"one key":                 {k1, []string{"mk1"}},
		"lines, last is current":  {k1 + "\n" + k2 + "\n" + k3 + "\n", []string{"mk1", "mk_2026.b-2", "K3"}},
		"commas (env form)":       {k1 + "," + k2, []string{"mk1", "mk_2026.b-2"}},
		"comments, blank, CRLF":   {"# keys, rotated yearly\r\n\r\n" + k1 + "\r\n  # old:" + "\r\n" + k2 + "\r\n", []string{"mk1", "mk_2026.b-2"}},
		"spaces around parts":     {"  mk1 : " + strings.TrimPrefix(k1, "mk1:") + " , " + k3, []string{"mk1", "K3"}},
		"trailing comma and line": {k1 + ",\n", []string{"mk1"}},
	} {
		t.Run(name, func(t *testing.T) {
			km, err := vault.ParseMasterKeys(tc.in)
			if err != nil {
				t.Fatalf("ParseMasterKeys: %v", err)
			}
			if got := km.KeyIDs(); !slices.Equal(got, tc.wantIDs) {
				t.Errorf("KeyIDs = %v; want %v", got, tc.wantIDs)
			}
			if got, want := km.CurrentKeyID(), tc.wantIDs[len(tc.wantIDs)-1]; got != want {
				t.Errorf("CurrentKeyID = %s; want %s", got, want)
			}
		})
	}
}

func TestParseMasterKeysRefusesMalformed(t *testing.T) {
	key := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	k32 := key(32)
	for name, in := range map[string]string{
		"empty":                   "",
		"only comments":           "# nothing here\n\n",
		"no colon":                "mk1" + k32,
		"empty id":                ":" + k32,
		"id with space":           "mk 1:" + k32,
		"id with slash":           "mk/1:" + k32,
		"id starts with dash":     "-mk:" + k32,
		"id too long":             strings.Repeat("k", 65) + ":" + k32,
		"empty key":               "mk1:",
		"key not base64":          "mk1:" + strings.Repeat("!", 44),
		"unpadded base64":         "mk1:" + strings.TrimRight(k32, "="),
		"url-safe alphabet":       "mk1:" + strings.Repeat("_", 43) + "=",
		"31-byte key":             "mk1:" + key(31),
		"33-byte key":             "mk1:" + key(33),
		"16-byte key":             "mk1:" + key(16),
		"duplicate id":            "mk1:" + k32 + "\nmk1:" + key(32),
		"second entry bad":        "mk1:" + k32 + ",mk2:" + key(8),
		"base64 with inner space": "mk1:" + k32[:10] + " " + k32[10:],
	} {
		t.Run(name, func(t *testing.T) {
			km, err := vault.ParseMasterKeys(in)
			if err == nil {
				t.Fatalf("ParseMasterKeys = %v, nil; want an error", km.KeyIDs())
			}
			if errkind.Reason(err) != "master_key_invalid" || !errors.Is(err, errkind.ErrInvalid) {
				t.Errorf("error = %v; want ErrInvalid master_key_invalid", err)
			}
			if strings.Contains(err.Error(), "AAAAAAAA") || strings.Contains(err.Error(), "!!!!") {
				t.Errorf("error %q echoes key material", err)
			}
		})
	}
}

func TestLocalKeyManagerWrap(t *testing.T) {
	ctx := context.Background()
	km := mustKeys(t, masterKeyLine("mk1", 1)+"\n"+masterKeyLine("mk2", 2))
	dataKey := []byte("0123456789abcdef0123456789abcdef")
	id, wrapped, err := km.Wrap(ctx, dataKey)
	if err != nil || id != "mk2" {
		t.Fatalf("Wrap = %s, %v; want mk2, nil", id, err)
	}
	got, err := km.Unwrap(ctx, "mk2", wrapped)
	if err != nil || string(got) != string(dataKey) {
		t.Fatalf("Unwrap = %q, %v; want the data key", got, err)
	}
	tampered := slices.Clone(wrapped)
	tampered[len(tampered)-1] ^= 1
	for name, tc := range map[string]struct {
		id      string
		wrapped []byte
		is      error
	}{
		"unknown master key":  {"mk9", wrapped, vault.ErrMasterKeyUnknown},
		"other loaded key id": {"mk1", wrapped, nil},
		"tampered":            {"mk2", tampered, nil},
		"truncated":           {"mk2", wrapped[:20], nil},
		"empty":               {"mk2", nil, nil},
		"unknown format byte": {"mk2", append([]byte{9}, wrapped[1:]...), nil},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := km.Unwrap(ctx, tc.id, tc.wrapped)
			if err == nil {
				t.Fatal("Unwrap succeeded; want an error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error = %v; want one wrapping %v", err, tc.is)
			}
		})
	}
}

func TestLoadMasterKeyFilePermissions(t *testing.T) {
	for name, tc := range map[string]struct {
		mode fs.FileMode
		ok   bool
	}{
		"owner read-write": {0o600, true},
		"owner read-only":  {0o400, true},
		"group readable":   {0o640, false},
		"world readable":   {0o604, false},
		"group writable":   {0o620, false},
		"everyone":         {0o666, false},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "master.keys")
			if err := os.WriteFile(path, []byte(masterKeyLine("mk1", 1)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			km, err := vault.LoadMasterKeyFile(path)
			if tc.ok {
				if err != nil || km.CurrentKeyID() != "mk1" {
					t.Fatalf("LoadMasterKeyFile = %v; want mk1 loaded", err)
				}
				return
			}
			if err == nil {
				t.Fatal("LoadMasterKeyFile succeeded; want a refusal")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "chmod 600 "+path) {
				t.Errorf("error %q; want it to name %s and the chmod 600 fix", err, path)
			}
		})
	}
}

func TestLoadMasterKeyFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := vault.LoadMasterKeyFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: error %v; want fs.ErrNotExist", err)
	}
	bad := filepath.Join(dir, "bad.keys")
	os.WriteFile(bad, []byte("mk1:short\n"), 0o600)
	if _, err := vault.LoadMasterKeyFile(bad); errkind.Reason(err) != "master_key_invalid" || !strings.Contains(err.Error(), bad) {
		t.Errorf("malformed file: error %v; want master_key_invalid naming the file", err)
	}
	if _, err := vault.LoadMasterKeyFile(dir); err == nil {
		t.Error("a directory loaded as a key file; want an error")
	}
}

func TestCreateMasterKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.keys")
	km, err := vault.CreateMasterKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %04o; want 0600", fi.Mode().Perm())
	}
	if !strings.HasPrefix(km.CurrentKeyID(), "mk_") {
		t.Errorf("key id = %s; want mk_ prefix", km.CurrentKeyID())
	}
	loaded, err := vault.LoadMasterKeyFile(path)
	if err != nil || !slices.Equal(loaded.KeyIDs(), km.KeyIDs()) {
		t.Fatalf("LoadMasterKeyFile = %v, %v; want ids %v", loaded, err, km.KeyIDs())
	}
	before := readFile(t, path)
	if _, err := vault.CreateMasterKeyFile(path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second CreateMasterKeyFile: error %v; want fs.ErrExist", err)
	}
	if readFile(t, path) != before {
		t.Error("second CreateMasterKeyFile changed the existing file")
	}
	other, err := vault.CreateMasterKeyFile(filepath.Join(t.TempDir(), "other.keys"))
	if err != nil || other.CurrentKeyID() == km.CurrentKeyID() {
		t.Errorf("second key file: %v, id %v; want a different key id than %s", err, other, km.CurrentKeyID())
	}
}

func TestAddMasterKey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "master.keys")
	km1, err := vault.CreateMasterKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, wrapped, _ := km1.Wrap(ctx, make([]byte, 32))
	before := readFile(t, path)
	km2, err := vault.AddMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	ids := km2.KeyIDs()
	if len(ids) != 2 || ids[0] != km1.CurrentKeyID() || km2.CurrentKeyID() != ids[1] || ids[1] == ids[0] {
		t.Fatalf("ids after AddMasterKey = %v; want [%s, new]", ids, km1.CurrentKeyID())
	}
	after := readFile(t, path)
	if !strings.HasPrefix(after, before) {
		t.Error("AddMasterKey did not keep the existing file contents as they were")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after AddMasterKey = %04o; want 0600", fi.Mode().Perm())
	}
	if _, err := km2.Unwrap(ctx, km1.CurrentKeyID(), wrapped); err != nil {
		t.Errorf("new key set cannot unwrap under the old key: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries; want only the key file (no temp files left)", len(entries))
	}
	os.Chmod(path, 0o644)
	if _, err := vault.AddMasterKey(path); err == nil {
		t.Error("AddMasterKey on a world-readable file succeeded; want a refusal")
	}
}
