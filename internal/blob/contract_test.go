package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// runContract checks the behaviour every Store must share. newStore returns
// an empty store private to the calling (sub)test.
func runContract(t *testing.T, newStore func(t *testing.T) Store) {
	t.Run("round trip", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		sizes := map[string]int{
			"empty":  0,
			"1 byte": 1,
			"5 MB":   5 << 20,
		}
		for name, size := range sizes {
			t.Run(name, func(t *testing.T) {
				key := fmt.Sprintf("t/ten_1/ver_rt/evd_%d", size)
				want := randomBytes(uint64(size), size)
				if err := s.Put(ctx, key, want); err != nil {
					t.Fatalf("Put(%d bytes): got %v; want nil", size, err)
				}
				got, err := s.Get(ctx, key)
				if err != nil {
					t.Fatalf("Get: got %v; want nil", err)
				}
				assertSameBytes(t, got, want)
			})
		}
	})

	t.Run("top-level key", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		want := []byte("top")
		if err := s.Put(ctx, "evd_top", want); err != nil {
			t.Fatalf("Put: got %v; want nil", err)
		}
		got, err := s.Get(ctx, "evd_top")
		if err != nil {
			t.Fatalf("Get: got %v; want nil", err)
		}
		assertSameBytes(t, got, want)
	})

	t.Run("overwrite with shorter object", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		const key = "t/ten_1/ver_ow/evd_1"
		first := randomBytes(1, 100_000)
		second := randomBytes(2, 1_000)
		if err := s.Put(ctx, key, first); err != nil {
			t.Fatalf("first Put: got %v; want nil", err)
		}
		if err := s.Put(ctx, key, second); err != nil {
			t.Fatalf("second Put: got %v; want nil", err)
		}
		got, err := s.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get: got %v; want nil", err)
		}
		assertSameBytes(t, got, second)
	})

	t.Run("get missing", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Get(t.Context(), "t/ten_1/ver_none/evd_none")
		assertKind(t, err, errkind.ErrNotFound, ReasonNotFound)
	})

	t.Run("delete then get", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		const key = "t/ten_1/ver_del/evd_1"
		if err := s.Put(ctx, key, []byte("to be erased")); err != nil {
			t.Fatalf("Put: got %v; want nil", err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete: got %v; want nil", err)
		}
		_, err := s.Get(ctx, key)
		assertKind(t, err, errkind.ErrNotFound, ReasonNotFound)
		if ok, err := s.Exists(ctx, key); err != nil || ok {
			t.Errorf("Exists after Delete: got (%v, %v); want (false, nil)", ok, err)
		}
	})

	t.Run("delete missing is not an error", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		for i := range 2 {
			if err := s.Delete(ctx, "t/ten_1/ver_none/evd_none"); err != nil {
				t.Errorf("Delete #%d of a missing key: got %v; want nil", i+1, err)
			}
		}
	})

	t.Run("delete leaves siblings", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		for _, k := range []string{"t/ten_1/ver_s/a", "t/ten_1/ver_s/b"} {
			if err := s.Put(ctx, k, []byte(k)); err != nil {
				t.Fatalf("Put %s: got %v; want nil", k, err)
			}
		}
		if err := s.Delete(ctx, "t/ten_1/ver_s/a"); err != nil {
			t.Fatalf("Delete: got %v; want nil", err)
		}
		got, err := s.Get(ctx, "t/ten_1/ver_s/b")
		if err != nil {
			t.Fatalf("Get sibling: got %v; want nil", err)
		}
		assertSameBytes(t, got, []byte("t/ten_1/ver_s/b"))
	})

	t.Run("exists", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		const key = "t/ten_1/ver_ex/evd_1"
		check := func(when string, want bool) {
			t.Helper()
			got, err := s.Exists(ctx, key)
			if err != nil || got != want {
				t.Errorf("Exists %s: got (%v, %v); want (%v, nil)", when, got, err, want)
			}
		}
		check("before Put", false)
		if err := s.Put(ctx, key, nil); err != nil {
			t.Fatalf("Put: got %v; want nil", err)
		}
		check("after Put of an empty object", true)
		// A prefix of a stored key is not itself an object.
		for _, prefix := range []string{"t", "t/ten_1", "t/ten_1/ver_ex"} {
			if ok, err := s.Exists(ctx, prefix); err != nil || ok {
				t.Errorf("Exists(%q), a prefix of a stored key: got (%v, %v); want (false, nil)", prefix, ok, err)
			}
			_, err := s.Get(ctx, prefix)
			assertKind(t, err, errkind.ErrNotFound, ReasonNotFound)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete: got %v; want nil", err)
		}
		check("after Delete", false)
	})

	t.Run("invalid keys", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		invalid := map[string]string{
			"empty":                "",
			"leading slash":        "/t/ten_1",
			"trailing slash":       "t/ten_1/",
			"double slash":         "t//ten_1",
			"dot segment":          "t/./ten_1",
			"dot-dot segment":      "t/../ten_1",
			"only dot-dot":         "..",
			"leading dot-dot":      "../etc/passwd",
			"space":                "t/ten 1",
			"backslash":            `t\ten_1`,
			"tilde":                "t/.~tmp-x",
			"percent":              "t/%2e%2e",
			"colon":                "c:evd",
			"NUL byte":             "t/ten\x001",
			"newline":              "t/ten_1\n",
			"non-ASCII":            "t/本人確認",
			"513 bytes":            strings.Repeat("a/", 256) + "b",
			"256-byte segment":     "t/" + strings.Repeat("x", 256),
			"question mark":        "t/a?b",
			"URL-ish with scheme":  "http://x",
			"trailing dot-dot":     "t/ten_1/..",
			"only slash":           "/",
			"segment of only dots": "t/.../x/../y",
		}
		for name, key := range invalid {
			t.Run(name, func(t *testing.T) {
				err := s.Put(ctx, key, []byte("x"))
				assertKind(t, err, errkind.ErrInvalid, ReasonKeyInvalid)
				_, err = s.Get(ctx, key)
				assertKind(t, err, errkind.ErrInvalid, ReasonKeyInvalid)
				_, err = s.Exists(ctx, key)
				assertKind(t, err, errkind.ErrInvalid, ReasonKeyInvalid)
				err = s.Delete(ctx, key)
				assertKind(t, err, errkind.ErrInvalid, ReasonKeyInvalid)
			})
		}
	})

	t.Run("longest valid key", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		// A 255-byte segment, a 254-byte one, one byte and two slashes: 512.
		key := strings.Repeat("k", 255) + "/" + strings.Repeat("v", 254) + "/e"
		if len(key) != MaxKeyLen {
			t.Fatalf("test key is %d bytes; want %d", len(key), MaxKeyLen)
		}
		if err := s.Put(ctx, key, []byte("long")); err != nil {
			t.Fatalf("Put: got %v; want nil", err)
		}
		got, err := s.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get: got %v; want nil", err)
		}
		assertSameBytes(t, got, []byte("long"))
	})

	t.Run("concurrent puts of different keys", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		const n = 24
		keyOf := func(i int) string {
			// Half share one directory, half get fresh directories, so
			// that directory creation races too.
			if i%2 == 0 {
				return fmt.Sprintf("t/ten_c/ver_shared/evd_%02d", i)
			}
			return fmt.Sprintf("t/ten_c/ver_%02d/evd_%02d", i, i)
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = s.Put(ctx, keyOf(i), randomBytes(uint64(100+i), 64<<10+i))
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("Put %s: got %v; want nil", keyOf(i), errs[i])
			}
			got, err := s.Get(ctx, keyOf(i))
			if err != nil {
				t.Fatalf("Get %s: got %v; want nil", keyOf(i), err)
			}
			assertSameBytes(t, got, randomBytes(uint64(100+i), 64<<10+i))
		}
	})

	t.Run("concurrent puts of one key leave one whole object", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		const key = "t/ten_c/ver_same/evd_1"
		const n = 8
		payloads := make([][]byte, n)
		for i := range payloads {
			payloads[i] = randomBytes(uint64(200+i), 256<<10+i*1000)
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { errs[i] = s.Put(ctx, key, payloads[i]) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Put #%d: got %v; want nil", i, err)
			}
		}
		got, err := s.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get: got %v; want nil", err)
		}
		for _, p := range payloads {
			if bytes.Equal(got, p) {
				return
			}
		}
		t.Errorf("Get after racing Puts: got %d bytes matching none of the %d payloads; want exactly one of them", len(got), n)
	})

	t.Run("canceled context", func(t *testing.T) {
		s := newStore(t)
		const stored, fresh = "t/ten_x/ver_1/evd_stored", "t/ten_x/ver_1/evd_fresh"
		if err := s.Put(t.Context(), stored, []byte("kept")); err != nil {
			t.Fatalf("Put: got %v; want nil", err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()

		if err := s.Put(ctx, fresh, []byte("never")); !errors.Is(err, context.Canceled) {
			t.Errorf("Put with canceled context: got %v; want context.Canceled", err)
		}
		if _, err := s.Get(ctx, stored); !errors.Is(err, context.Canceled) {
			t.Errorf("Get with canceled context: got %v; want context.Canceled", err)
		}
		if _, err := s.Exists(ctx, stored); !errors.Is(err, context.Canceled) {
			t.Errorf("Exists with canceled context: got %v; want context.Canceled", err)
		}
		if err := s.Delete(ctx, stored); !errors.Is(err, context.Canceled) {
			t.Errorf("Delete with canceled context: got %v; want context.Canceled", err)
		}

		// Nothing happened: the fresh key is absent, the stored one intact.
		if ok, err := s.Exists(t.Context(), fresh); err != nil || ok {
			t.Errorf("Exists(fresh) after canceled Put: got (%v, %v); want (false, nil)", ok, err)
		}
		got, err := s.Get(t.Context(), stored)
		if err != nil {
			t.Fatalf("Get(stored) after canceled Delete: got %v; want nil", err)
		}
		assertSameBytes(t, got, []byte("kept"))
	})
}

// randomBytes returns n deterministic pseudo-random bytes for seed.
func randomBytes(seed uint64, n int) []byte {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(s).Read(b)
	return b
}

func assertSameBytes(t *testing.T, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	t.Errorf("got %d bytes; want %d bytes (first difference at offset %d)", len(got), len(want), i)
}

func assertKind(t *testing.T, err, kind error, reason string) {
	t.Helper()
	if !errors.Is(err, kind) || errkind.Reason(err) != reason {
		t.Errorf("got error %v (reason %q); want kind %q with reason %q", err, errkind.Reason(err), kind, reason)
	}
}
