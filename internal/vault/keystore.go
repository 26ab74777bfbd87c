package vault

import (
	"context"
	"time"
)

// WrappedKey is one version of a tenant's data key as stored: only in its
// wrapped form, with the id of the master key that wrapped it.
type WrappedKey struct {
	TenantID    string
	Version     int // 1, 2, ...: the newest seals; all open
	MasterKeyID string
	Wrapped     []byte
	CreatedAt   time.Time
}

// KeyStore persists wrapped data keys. The SQL store implements it;
// vaulttest.RunKeyStoreContract checks an implementation.
type KeyStore interface {
	// DataKeys returns every version of the tenant's data key (any order;
	// none is not an error).
	DataKeys(ctx context.Context, tenantID string) ([]WrappedKey, error)
	// InsertDataKey stores a new version. If the tenant already has that
	// version it must return an error wrapping errkind.ErrConflict: two
	// processes may race to create a key, and the loser re-reads.
	InsertDataKey(ctx context.Context, k WrappedKey) error
	// AllDataKeys returns every data key of every tenant (for rotation).
	AllDataKeys(ctx context.Context) ([]WrappedKey, error)
	// RewrapDataKey replaces the wrapped form of one version only if it is
	// still wrapped under oldMasterKeyID (compare-and-swap), and reports
	// whether it did.
	RewrapDataKey(ctx context.Context, tenantID string, version int, oldMasterKeyID, newMasterKeyID string, wrapped []byte) (bool, error)
}
