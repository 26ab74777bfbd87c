package blob

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

func newTestFS(t *testing.T) *FS {
	t.Helper()
	s, err := NewFS(filepath.Join(t.TempDir(), "evidence"))
	if err != nil {
		t.Fatalf("NewFS: got %v; want nil", err)
	}
	return s
}

func TestFSContract(t *testing.T) {
	runContract(t, func(t *testing.T) Store { return newTestFS(t) })
}

func TestFSPermissions(t *testing.T) {
	s := newTestFS(t)
	if err := s.Put(t.Context(), "t/ten_1/ver_1/evd_1", []byte("secret")); err != nil {
		t.Fatalf("Put: got %v; want nil", err)
	}
	want := map[string]fs.FileMode{
		".":                   fs.ModeDir | 0o700,
		"t":                   fs.ModeDir | 0o700,
		"t/ten_1":             fs.ModeDir | 0o700,
		"t/ten_1/ver_1":       fs.ModeDir | 0o700,
		"t/ten_1/ver_1/evd_1": 0o600,
	}
	for rel, mode := range want {
		st, err := os.Lstat(filepath.Join(s.Dir(), rel))
		if err != nil {
			t.Fatalf("Lstat %s: %v", rel, err)
		}
		if st.Mode() != mode {
			t.Errorf("mode of %s: got %v; want %v", rel, st.Mode(), mode)
		}
	}
}

// A failed or abandoned Put must not leave its temporary file behind.
func TestFSLeavesNoTemporaryFiles(t *testing.T) {
	s := newTestFS(t)
	ctx := t.Context()
	for i := range 5 {
		if err := s.Put(ctx, "t/ten_1/ver_1/evd_1", randomBytes(uint64(i), 1000)); err != nil {
			t.Fatalf("Put: got %v; want nil", err)
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_ = s.Put(canceled, "t/ten_1/ver_1/evd_2", []byte("x"))
	// A Put that fails after its temporary file exists: the target name is a
	// non-empty directory.
	if err := s.Put(ctx, "t/ten_1/ver_1/evd_3/inner", []byte("x")); err != nil {
		t.Fatalf("Put: got %v; want nil", err)
	}
	if err := s.Put(ctx, "t/ten_1/ver_1/evd_3", []byte("x")); err == nil {
		t.Fatalf("Put over a directory: got nil; want an error")
	}

	var names []string
	err := filepath.WalkDir(s.Dir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			names = append(names, strings.TrimPrefix(p, s.Dir()+"/"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"t/ten_1/ver_1/evd_1", "t/ten_1/ver_1/evd_3/inner"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("files under root: got %q; want %q", names, want)
	}
}

func TestFSKeyConflicts(t *testing.T) {
	tests := map[string]struct{ first, second string }{
		"object is a prefix of the new key": {"a/b", "a/b/c"},
		"new key is a prefix of an object":  {"x/y/z", "x/y"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := newTestFS(t)
			if err := s.Put(t.Context(), tc.first, []byte("1")); err != nil {
				t.Fatalf("Put %s: got %v; want nil", tc.first, err)
			}
			err := s.Put(t.Context(), tc.second, []byte("2"))
			assertKind(t, err, errkind.ErrConflict, ReasonKeyConflict)
			got, err := s.Get(t.Context(), tc.first)
			if err != nil {
				t.Fatalf("Get %s: got %v; want nil", tc.first, err)
			}
			assertSameBytes(t, got, []byte("1"))
		})
	}
}

// An operator removing directories under a running store must not break
// later Puts that reuse those directory names.
func TestFSDirectoryRemovedBehindItsBack(t *testing.T) {
	s := newTestFS(t)
	ctx := t.Context()
	if err := s.Put(ctx, "t/ten_1/ver_1/evd_1", []byte("1")); err != nil {
		t.Fatalf("Put: got %v; want nil", err)
	}
	if err := os.RemoveAll(filepath.Join(s.Dir(), "t")); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "t/ten_1/ver_1/evd_2", []byte("2")); err != nil {
		t.Fatalf("Put after the tree was removed: got %v; want nil", err)
	}
	if ok, err := s.Exists(ctx, "t/ten_1/ver_1/evd_2"); err != nil || !ok {
		t.Errorf("Exists: got (%v, %v); want (true, nil)", ok, err)
	}
}

// Symbolic links planted in the tree must not let any operation read,
// write or delete outside the root.
func TestFSSymlinksCannotEscapeRoot(t *testing.T) {
	s := newTestFS(t)
	ctx := t.Context()
	outside := t.TempDir()
	secretPath := filepath.Join(outside, "secret")
	if err := os.WriteFile(secretPath, []byte("outside the root"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(s.Dir(), "dirlink")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secretPath, filepath.Join(s.Dir(), "abslink")); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(s.Dir(), secretPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(rel, filepath.Join(s.Dir(), "rellink")); err != nil {
		t.Fatal(err)
	}

	for _, key := range []string{"dirlink/secret", "abslink", "rellink"} {
		t.Run(key, func(t *testing.T) {
			if data, err := s.Get(ctx, key); err == nil {
				t.Errorf("Get: got %d bytes and nil; want an error", len(data))
			}
			if ok, err := s.Exists(ctx, key); ok {
				t.Errorf("Exists: got (true, %v); want false or an error", err)
			}
			_ = s.Delete(ctx, key)
			if _, err := os.Stat(secretPath); err != nil {
				t.Errorf("file outside the root after Delete: got %v; want it intact", err)
			}
		})
	}
	if err := s.Put(ctx, "dirlink/planted", []byte("x")); err == nil {
		t.Errorf("Put through a link to outside: got nil; want an error")
	}
	if _, err := os.Lstat(filepath.Join(outside, "planted")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file written outside the root: Lstat got %v; want not exist", err)
	}
}

// A key naming a FIFO must not block Get.
func TestFSGetOfSpecialFile(t *testing.T) {
	s := newTestFS(t)
	if err := syscall.Mkfifo(filepath.Join(s.Dir(), "fifo"), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	_, err := s.Get(t.Context(), "fifo")
	assertKind(t, err, errkind.ErrNotFound, ReasonNotFound)
	if ok, err := s.Exists(t.Context(), "fifo"); err != nil || ok {
		t.Errorf("Exists(fifo): got (%v, %v); want (false, nil)", ok, err)
	}
}

func TestNewFSOnAFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewFS(p); err == nil {
		t.Errorf("NewFS(%s), a regular file: got nil error; want an error", p)
	}
}

func BenchmarkFSPut1MB(b *testing.B) {
	s, err := NewFS(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	data := randomBytes(1, 1<<20)
	b.SetBytes(int64(len(data)))
	for i := 0; b.Loop(); i++ {
		if err := s.Put(b.Context(), "t/ten_1/ver_1/evd_"+string(rune('a'+i%26)), data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFSGet1MB(b *testing.B) {
	s, err := NewFS(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	data := randomBytes(1, 1<<20)
	if err := s.Put(b.Context(), "t/ten_1/ver_1/evd_1", data); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := s.Get(b.Context(), "t/ten_1/ver_1/evd_1"); err != nil {
			b.Fatal(err)
		}
	}
}
