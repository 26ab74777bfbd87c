package vault_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/vault"
	"github.com/kakunin-dev/kakunin/internal/vault/vaulttest"
)

// memStore is an in-memory vault.KeyStore that honours the conflict and
// compare-and-swap rules of the real stores.
type memStore struct {
	mu        sync.Mutex
	keys      map[string]map[int]vault.WrappedKey
	reads     int // DataKeys calls
	inserts   int // successful InsertDataKey calls
	conflicts int // InsertDataKey calls refused as conflicts

	// gate, when set, holds the first gateN DataKeys calls until all of them
	// have arrived, so racing vaults all see an empty store.
	gate  *sync.WaitGroup
	gateN int

	// onRead, when set, runs at the start of every DataKeys call.
	onRead func()
}

var _ vault.KeyStore = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{keys: make(map[string]map[int]vault.WrappedKey)}
}

func (s *memStore) holdFirstReads(n int) {
	s.gate = &sync.WaitGroup{}
	s.gate.Add(n)
	s.gateN = n
}

func (s *memStore) DataKeys(_ context.Context, tenantID string) ([]vault.WrappedKey, error) {
	if s.onRead != nil {
		s.onRead()
	}
	s.mu.Lock()
	s.reads++
	gate := s.gate
	if gate != nil {
		if s.gateN--; s.gateN == 0 {
			s.gate = nil
		}
	}
	var out []vault.WrappedKey
	for _, k := range s.keys[tenantID] {
		out = append(out, cloneKey(k))
	}
	s.mu.Unlock()
	if gate != nil {
		gate.Done()
		gate.Wait()
	}
	return out, nil
}

func (s *memStore) InsertDataKey(_ context.Context, k vault.WrappedKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.TenantID][k.Version]; ok {
		s.conflicts++
		return fmt.Errorf("memstore: data key %s v%d: %w", k.TenantID, k.Version, errkind.ErrConflict)
	}
	if s.keys[k.TenantID] == nil {
		s.keys[k.TenantID] = make(map[int]vault.WrappedKey)
	}
	s.keys[k.TenantID][k.Version] = cloneKey(k)
	s.inserts++
	return nil
}

func (s *memStore) AllDataKeys(context.Context) ([]vault.WrappedKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []vault.WrappedKey
	for _, versions := range s.keys {
		for _, k := range versions {
			out = append(out, cloneKey(k))
		}
	}
	return out, nil
}

func (s *memStore) RewrapDataKey(_ context.Context, tenantID string, version int, oldID, newID string, wrapped []byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[tenantID][version]
	if !ok || k.MasterKeyID != oldID {
		return false, nil
	}
	k.MasterKeyID, k.Wrapped = newID, bytes.Clone(wrapped)
	s.keys[tenantID][version] = k
	return true, nil
}

func (s *memStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, versions := range s.keys {
		n += len(versions)
	}
	return n
}

func cloneKey(k vault.WrappedKey) vault.WrappedKey {
	k.Wrapped = bytes.Clone(k.Wrapped)
	return k
}

func TestMemStoreContract(t *testing.T) {
	vaulttest.RunKeyStoreContract(t, func(*testing.T) vault.KeyStore { return newMemStore() })
}
