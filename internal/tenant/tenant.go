// Package tenant holds the businesses that use kakunin (tenants) and their API
// keys: creation, hashing at rest, revocation and request authentication.
package tenant

import (
	"context"
	"crypto/sha256"
	"regexp"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/ids"
)

// Mode separates test data from live data; every key and object has one.
type Mode string

// Modes.
const (
	ModeTest Mode = "test"
	ModeLive Mode = "live"
)

// Tenant is one integrating business.
type Tenant struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// APIKey is a tenant's API key as stored: never the secret, only its hash.
type APIKey struct {
	ID        string
	TenantID  string
	Mode      Mode
	Hint      string // the last 4 characters, to tell keys apart in lists
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Principal is who a request acts for, resolved from its API key.
type Principal struct {
	TenantID string
	Mode     Mode
	KeyID    string
}

// Store is what this package needs from persistence.
type Store interface {
	InsertTenant(ctx context.Context, t Tenant) error
	TenantByName(ctx context.Context, name string) (Tenant, error)
	InsertAPIKey(ctx context.Context, k APIKey, hash []byte) error
	APIKeyByHash(ctx context.Context, hash []byte) (APIKey, error)
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
	ListAPIKeys(ctx context.Context, tenantID string) ([]APIKey, error)
}

// Service manages tenants and keys.
type Service struct {
	store Store
	now   func() time.Time
}

// NewService returns a Service over store.
func NewService(store Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, now: now}
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// CreateTenant creates a tenant with a unique, URL-safe name.
func (s *Service) CreateTenant(ctx context.Context, name string) (Tenant, error) {
	if !nameRE.MatchString(name) {
		return Tenant{}, errkind.New(errkind.ErrInvalid, "tenant_name_invalid",
			"a tenant name is 1-63 characters of a-z, 0-9, '_' and '-', starting with a letter or digit")
	}
	t := Tenant{ID: ids.New("ten"), Name: name, CreatedAt: s.now().UTC()}
	if err := s.store.InsertTenant(ctx, t); err != nil {
		return Tenant{}, err
	}
	return t, nil
}

// TenantByName looks a tenant up.
func (s *Service) TenantByName(ctx context.Context, name string) (Tenant, error) {
	return s.store.TenantByName(ctx, name)
}

// CreateAPIKey creates a key and returns its secret, which is shown once and
// never stored.
func (s *Service) CreateAPIKey(ctx context.Context, tenantName string, mode Mode) (string, APIKey, error) {
	if mode != ModeTest && mode != ModeLive {
		return "", APIKey{}, errkind.New(errkind.ErrInvalid, "mode_invalid", "mode must be test or live")
	}
	// Reserved rows (the console's "_console" pseudo-tenant) have names
	// CreateTenant cannot make; they never get API keys.
	if !nameRE.MatchString(tenantName) {
		return "", APIKey{}, errkind.New(errkind.ErrNotFound, "tenant_not_found", "no such tenant")
	}
	t, err := s.store.TenantByName(ctx, tenantName)
	if err != nil {
		return "", APIKey{}, err
	}
	secret := ids.Secret("kk_" + string(mode) + "_")
	k := APIKey{ID: ids.New("key"), TenantID: t.ID, Mode: mode, Hint: secret[len(secret)-4:], CreatedAt: s.now().UTC()}
	if err := s.store.InsertAPIKey(ctx, k, hashKey(secret)); err != nil {
		return "", APIKey{}, err
	}
	return secret, k, nil
}

// RevokeAPIKey revokes a key by ID; requests with it fail from then on.
func (s *Service) RevokeAPIKey(ctx context.Context, id string) error {
	if !ids.Valid("key", id) {
		return errkind.New(errkind.ErrInvalid, "key_id_invalid", "an API key ID looks like key_01...")
	}
	return s.store.RevokeAPIKey(ctx, id, s.now().UTC())
}

// ListAPIKeys lists a tenant's keys.
func (s *Service) ListAPIKeys(ctx context.Context, tenantName string) ([]APIKey, error) {
	t, err := s.store.TenantByName(ctx, tenantName)
	if err != nil {
		return nil, err
	}
	return s.store.ListAPIKeys(ctx, t.ID)
}

// Authenticate resolves an API key secret to its principal. Every failure is
// the same unauthenticated error, so callers learn nothing about which keys exist.
func (s *Service) Authenticate(ctx context.Context, secret string) (Principal, error) {
	fail := errkind.New(errkind.ErrUnauthenticated, "api_key_invalid", "the API key is missing, unknown or revoked")
	if !strings.HasPrefix(secret, "kk_test_") && !strings.HasPrefix(secret, "kk_live_") || len(secret) > 128 {
		return Principal{}, fail
	}
	k, err := s.store.APIKeyByHash(ctx, hashKey(secret))
	if err != nil || k.RevokedAt != nil {
		return Principal{}, fail
	}
	return Principal{TenantID: k.TenantID, Mode: k.Mode, KeyID: k.ID}, nil
}

// hashKey is SHA-256: API keys carry 256 random bits, so a fast hash is safe
// and lets lookup be a single indexed equality.
func hashKey(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}
