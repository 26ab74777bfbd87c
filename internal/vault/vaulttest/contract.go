// Package vaulttest holds the contract test suite every vault.KeyStore
// implementation must pass; the in-memory store of the vault tests and the
// SQL stores run the same suite.
package vaulttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/vault"
)

// RunKeyStoreContract checks a KeyStore. newStore must return an empty store
// each time it is called.
func RunKeyStoreContract(t *testing.T, newStore func(t *testing.T) vault.KeyStore) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	key := func(tenant string, version int, master string) vault.WrappedKey {
		return vault.WrappedKey{
			TenantID:    tenant,
			Version:     version,
			MasterKeyID: master,
			Wrapped:     []byte(fmt.Sprintf("wrapped\x00%s/%d/%s", tenant, version, master)),
			CreatedAt:   now,
		}
	}

	t.Run("unknown tenant has no keys", func(t *testing.T) {
		ks := newStore(t)
		got, err := ks.DataKeys(ctx, "ten_none")
		if err != nil || len(got) != 0 {
			t.Fatalf("DataKeys = %v, %v; want no keys, nil", got, err)
		}
	})

	t.Run("insert then read back per tenant", func(t *testing.T) {
		ks := newStore(t)
		want := []vault.WrappedKey{key("ten_a", 1, "mk1"), key("ten_a", 2, "mk1"), key("ten_b", 1, "mk1")}
		for _, k := range want {
			if err := ks.InsertDataKey(ctx, k); err != nil {
				t.Fatalf("InsertDataKey(%s v%d): %v", k.TenantID, k.Version, err)
			}
		}
		got, err := ks.DataKeys(ctx, "ten_a")
		if err != nil {
			t.Fatal(err)
		}
		assertKeys(t, "DataKeys(ten_a)", got, want[:2])
		all, err := ks.AllDataKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		assertKeys(t, "AllDataKeys", all, want)
	})

	t.Run("duplicate version is a conflict", func(t *testing.T) {
		ks := newStore(t)
		if err := ks.InsertDataKey(ctx, key("ten_a", 1, "mk1")); err != nil {
			t.Fatal(err)
		}
		err := ks.InsertDataKey(ctx, key("ten_a", 1, "mk2"))
		if !errors.Is(err, errkind.ErrConflict) {
			t.Fatalf("second InsertDataKey error = %v; want one wrapping errkind.ErrConflict", err)
		}
		got, _ := ks.DataKeys(ctx, "ten_a")
		assertKeys(t, "DataKeys after conflict", got, []vault.WrappedKey{key("ten_a", 1, "mk1")})
	})

	t.Run("racing inserts: exactly one wins", func(t *testing.T) {
		ks := newStore(t)
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = ks.InsertDataKey(ctx, key("ten_race", 1, fmt.Sprintf("mk%d", i))) })
		}
		wg.Wait()
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, errkind.ErrConflict):
				t.Errorf("insert %d: error %v; want nil or errkind.ErrConflict", i, err)
			}
		}
		if wins != 1 {
			t.Fatalf("successful inserts = %d; want 1", wins)
		}
	})

	t.Run("rewrap is a compare-and-swap on the master key id", func(t *testing.T) {
		ks := newStore(t)
		orig := key("ten_a", 1, "mk1")
		if err := ks.InsertDataKey(ctx, orig); err != nil {
			t.Fatal(err)
		}
		ok, err := ks.RewrapDataKey(ctx, "ten_a", 1, "mk_other", "mk2", []byte("new"))
		if err != nil || ok {
			t.Fatalf("RewrapDataKey with stale old id = %v, %v; want false, nil", ok, err)
		}
		ok, err = ks.RewrapDataKey(ctx, "ten_a", 7, "mk1", "mk2", []byte("new"))
		if err != nil || ok {
			t.Fatalf("RewrapDataKey of a missing version = %v, %v; want false, nil", ok, err)
		}
		ok, err = ks.RewrapDataKey(ctx, "ten_a", 1, "mk1", "mk2", []byte("new"))
		if err != nil || !ok {
			t.Fatalf("RewrapDataKey = %v, %v; want true, nil", ok, err)
		}
		ok, err = ks.RewrapDataKey(ctx, "ten_a", 1, "mk1", "mk3", []byte("newer"))
		if err != nil || ok {
			t.Fatalf("repeated RewrapDataKey = %v, %v; want false, nil", ok, err)
		}
		want := orig
		want.MasterKeyID, want.Wrapped = "mk2", []byte("new")
		got, _ := ks.DataKeys(ctx, "ten_a")
		assertKeys(t, "DataKeys after rewrap", got, []vault.WrappedKey{want})
	})
}

func assertKeys(t *testing.T, what string, got, want []vault.WrappedKey) {
	t.Helper()
	order := func(ks []vault.WrappedKey) {
		sort.Slice(ks, func(i, j int) bool {
			if ks[i].TenantID != ks[j].TenantID {
				return ks[i].TenantID < ks[j].TenantID
			}
			return ks[i].Version < ks[j].Version
		})
	}
	got, want = append([]vault.WrappedKey(nil), got...), append([]vault.WrappedKey(nil), want...)
	order(got)
	order(want)
	if len(got) != len(want) {
		t.Fatalf("%s returned %d keys; want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.TenantID != w.TenantID || g.Version != w.Version || g.MasterKeyID != w.MasterKeyID || !bytes.Equal(g.Wrapped, w.Wrapped) {
			t.Errorf("%s[%d] = %s v%d %s %q; want %s v%d %s %q", what, i,
				g.TenantID, g.Version, g.MasterKeyID, g.Wrapped, w.TenantID, w.Version, w.MasterKeyID, w.Wrapped)
		}
		if d := g.CreatedAt.Sub(w.CreatedAt); d < -time.Second || d > time.Second {
			t.Errorf("%s[%d].CreatedAt = %v; want %v", what, i, g.CreatedAt, w.CreatedAt)
		}
	}
}
