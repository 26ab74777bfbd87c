package vault

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

const (
	// sealFormat is the first byte of every ciphertext; a new layout gets a new value.
	sealFormat = 1
	// headerLen is the format byte plus the big-endian uint32 data-key version.
	headerLen   = 1 + 4
	dataKeySize = 32
	// gcmOverhead is the random nonce (12) plus the tag (16).
	gcmOverhead = 12 + 16
)

// Vault seals and opens data under per-tenant data keys. Unwrapped data keys
// are cached in memory for the life of the Vault. It is safe for concurrent
// use, including by several processes sharing one KeyStore.
//
// Ciphertext layout: format byte (1), data-key version (uint32, big-endian),
// random 12-byte nonce, AES-256-GCM sealed data and tag. The GCM additional
// data binds the header, the tenant id and the caller's aad, so a ciphertext
// copied to another tenant or another row fails to open.
//
// A data key must not seal more than 2^32 values (random nonces); NewDataKey
// starts a new version long before that.
type Vault struct {
	km KeyManager
	ks KeyStore

	mu      sync.Mutex
	tenants map[string]*tenantKeys
}

// tenantKeys caches one tenant's unwrapped data keys. Readers take the
// current set without locking; loading and creating keys is serialised per
// tenant so one process creates or unwraps each key only once.
type tenantKeys struct {
	loadMu sync.Mutex
	set    atomic.Pointer[keySet]
}

// keySet is immutable once published.
type keySet struct {
	newest int // 0 when the tenant has no data key yet
	aeads  map[int]cipher.AEAD
}

// New returns a Vault that wraps data keys with km and stores them in ks.
func New(km KeyManager, ks KeyStore) *Vault {
	return &Vault{km: km, ks: ks, tenants: make(map[string]*tenantKeys)}
}

// Seal encrypts plaintext for tenantID under the tenant's newest data key,
// creating version 1 on first use. aad names where the ciphertext belongs
// (e.g. "verification/ver_1/applicant"); Open must be given the same aad.
func (v *Vault) Seal(ctx context.Context, tenantID string, plaintext, aad []byte) ([]byte, error) {
	if tenantID == "" {
		return nil, errkind.New(errkind.ErrInvalid, "tenant_required", "vault: seal needs a tenant id")
	}
	set, err := v.keys(ctx, tenantID, 0, true)
	if err != nil {
		return nil, err
	}
	a := set.aeads[set.newest]
	out := make([]byte, headerLen, headerLen+gcmOverhead+len(plaintext))
	out[0] = sealFormat
	binary.BigEndian.PutUint32(out[1:headerLen], uint32(set.newest))
	return a.Seal(out, nil, plaintext, additionalData(out[:headerLen], tenantID, aad)), nil
}

// Open decrypts a ciphertext made by Seal for the same tenant and aad. Any
// mismatch — another tenant, another aad, a changed byte, an unknown key
// version — returns an *errkind.Error of kind ErrInvalid with reason
// "decrypt_failed" and no further detail. Store and key-manager failures are
// returned as they are.
func (v *Vault) Open(ctx context.Context, tenantID string, ciphertext, aad []byte) ([]byte, error) {
	if tenantID == "" || len(ciphertext) < headerLen+gcmOverhead || ciphertext[0] != sealFormat {
		return nil, decryptFailed()
	}
	version := binary.BigEndian.Uint32(ciphertext[1:headerLen])
	if version == 0 || version > math.MaxInt32 {
		return nil, decryptFailed()
	}
	set, err := v.keys(ctx, tenantID, int(version), false)
	if err != nil {
		return nil, err
	}
	a, ok := set.aeads[int(version)]
	if !ok {
		return nil, decryptFailed()
	}
	plaintext, err := a.Open(nil, nil, ciphertext[headerLen:], additionalData(ciphertext[:headerLen], tenantID, aad))
	if err != nil {
		return nil, decryptFailed()
	}
	return plaintext, nil
}

func decryptFailed() error {
	return errkind.New(errkind.ErrInvalid, "decrypt_failed", "ciphertext does not open under this tenant's keys and context")
}

// additionalData is header || len(tenantID) || tenantID || aad: the length
// prefix keeps (tenant "ab", aad "c") distinct from (tenant "a", aad "bc").
func additionalData(header []byte, tenantID string, aad []byte) []byte {
	b := make([]byte, 0, len(header)+4+len(tenantID)+len(aad))
	b = append(b, header...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(tenantID)))
	b = append(b, tenantID...)
	return append(b, aad...)
}

// NewDataKey creates the tenant's next data-key version and returns it. New
// Seals in this process use it at once; ciphertexts under older versions
// still open. Other processes pick it up when they meet a ciphertext that
// names it. If another process creates the same version first, that version
// is used and returned.
func (v *Vault) NewDataKey(ctx context.Context, tenantID string) (int, error) {
	if tenantID == "" {
		return 0, errkind.New(errkind.ErrInvalid, "tenant_required", "vault: new data key needs a tenant id")
	}
	t := v.tenant(tenantID)
	t.loadMu.Lock()
	defer t.loadMu.Unlock()
	set, err := v.load(ctx, tenantID, t.set.Load())
	if err != nil {
		return 0, err
	}
	set, err = v.create(ctx, tenantID, set, set.newest+1)
	if err != nil {
		return 0, err
	}
	t.set.Store(set)
	return set.newest, nil
}

// RotateMasterKey re-wraps every stored data key that is not wrapped under
// the key manager's current master key, and returns how many it re-wrapped.
// Data is not re-encrypted and cached keys stay valid, so it runs while the
// service serves. Each update is a compare-and-swap on the old master key id,
// so concurrent rotations do not overwrite each other. The old master key
// must stay loaded until this has returned without error.
func (v *Vault) RotateMasterKey(ctx context.Context) (int, error) {
	current := v.km.CurrentKeyID()
	all, err := v.ks.AllDataKeys(ctx)
	if err != nil {
		return 0, fmt.Errorf("vault: list data keys: %w", err)
	}
	rewrapped := 0
	for _, k := range all {
		if k.MasterKeyID == current {
			continue
		}
		if err := ctx.Err(); err != nil {
			return rewrapped, err
		}
		key, err := v.km.Unwrap(ctx, k.MasterKeyID, k.Wrapped)
		if err != nil {
			return rewrapped, fmt.Errorf("vault: data key v%d of tenant %q: %w", k.Version, k.TenantID, err)
		}
		newID, wrapped, err := v.km.Wrap(ctx, key)
		clear(key)
		if err != nil {
			return rewrapped, fmt.Errorf("vault: wrap data key: %w", err)
		}
		ok, err := v.ks.RewrapDataKey(ctx, k.TenantID, k.Version, k.MasterKeyID, newID, wrapped)
		if err != nil {
			return rewrapped, fmt.Errorf("vault: store re-wrapped data key: %w", err)
		}
		if ok {
			rewrapped++
		}
	}
	return rewrapped, nil
}

func (v *Vault) tenant(tenantID string) *tenantKeys {
	v.mu.Lock()
	defer v.mu.Unlock()
	t, ok := v.tenants[tenantID]
	if !ok {
		t = &tenantKeys{}
		v.tenants[tenantID] = t
	}
	return t
}

// keys returns a key set holding version want (0: any newest), loading from
// the store when the cache cannot have it, and creating version 1 when
// create is set and the tenant has no key.
func (v *Vault) keys(ctx context.Context, tenantID string, want int, create bool) (*keySet, error) {
	t := v.tenant(tenantID)
	if set := t.set.Load(); set.satisfies(want, create) {
		return set, nil
	}
	t.loadMu.Lock()
	defer t.loadMu.Unlock()
	cached := t.set.Load()
	if cached.satisfies(want, create) {
		return cached, nil
	}
	set, err := v.load(ctx, tenantID, cached)
	if err != nil {
		return nil, err
	}
	if set.newest == 0 && create {
		if set, err = v.create(ctx, tenantID, set, 1); err != nil {
			return nil, err
		}
	}
	t.set.Store(set)
	return set, nil
}

// satisfies reports whether the cached set can serve the request. A version
// at or below the newest cached one that is missing cannot exist (versions
// are created in order), so it does not cause a reload: a forged ciphertext
// cannot make every Open hit the store.
func (s *keySet) satisfies(want int, create bool) bool {
	switch {
	case s == nil:
		return false
	case create && s.newest == 0:
		return false
	case want == 0:
		return true
	default:
		return want <= s.newest
	}
}

// load reads the tenant's data keys from the store, unwrapping only versions
// not already in cached.
func (v *Vault) load(ctx context.Context, tenantID string, cached *keySet) (*keySet, error) {
	stored, err := v.ks.DataKeys(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("vault: read data keys: %w", err)
	}
	set := &keySet{aeads: make(map[int]cipher.AEAD, len(stored))}
	for _, k := range stored {
		if k.Version < 1 {
			return nil, fmt.Errorf("vault: stored data key of tenant %q has version %d", tenantID, k.Version)
		}
		if a, ok := cached.aead(k.Version); ok {
			set.aeads[k.Version] = a
		} else {
			key, err := v.km.Unwrap(ctx, k.MasterKeyID, k.Wrapped)
			if err != nil {
				return nil, fmt.Errorf("vault: data key v%d of tenant %q: %w", k.Version, tenantID, err)
			}
			a, err := newDataAEAD(key)
			clear(key)
			if err != nil {
				return nil, err
			}
			set.aeads[k.Version] = a
		}
		set.newest = max(set.newest, k.Version)
	}
	return set, nil
}

func (s *keySet) aead(version int) (cipher.AEAD, bool) {
	if s == nil {
		return nil, false
	}
	a, ok := s.aeads[version]
	return a, ok
}

// create makes data-key version, stores it, and returns set extended with
// it. If another process stored that version first, create re-reads the
// store and returns what is there.
func (v *Vault) create(ctx context.Context, tenantID string, set *keySet, version int) (*keySet, error) {
	key := make([]byte, dataKeySize)
	defer clear(key)
	rand.Read(key)
	a, err := newDataAEAD(key)
	if err != nil {
		return nil, err
	}
	masterID, wrapped, err := v.km.Wrap(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("vault: wrap new data key: %w", err)
	}
	err = v.ks.InsertDataKey(ctx, WrappedKey{
		TenantID:    tenantID,
		Version:     version,
		MasterKeyID: masterID,
		Wrapped:     wrapped,
		CreatedAt:   time.Now().UTC(),
	})
	if errors.Is(err, errkind.ErrConflict) {
		lost, err := v.load(ctx, tenantID, set)
		if err != nil {
			return nil, err
		}
		if _, ok := lost.aeads[version]; !ok {
			return nil, fmt.Errorf("vault: store reported a conflict for data key v%d of tenant %q but does not return it", version, tenantID)
		}
		return lost, nil
	}
	if err != nil {
		return nil, fmt.Errorf("vault: store new data key: %w", err)
	}
	next := &keySet{newest: max(set.newest, version), aeads: make(map[int]cipher.AEAD, len(set.aeads)+1)}
	for ver, old := range set.aeads {
		next.aeads[ver] = old
	}
	next.aeads[version] = a
	return next, nil
}

func newDataAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != dataKeySize {
		return nil, fmt.Errorf("vault: data key is %d bytes; want %d", len(key), dataKeySize)
	}
	return newAEAD(key)
}
