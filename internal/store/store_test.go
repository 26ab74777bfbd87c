package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/audit"
	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/ids"
	"github.com/kakunin-dev/kakunin/internal/store"
	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/tenant"
	"github.com/kakunin-dev/kakunin/internal/vault"
	"github.com/kakunin-dev/kakunin/internal/vault/vaulttest"
	"github.com/kakunin-dev/kakunin/internal/verification"
	"github.com/kakunin-dev/kakunin/internal/webhook"
)

func open(t *testing.T, url string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	applied, err := s.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 {
		t.Fatal("got no migrations applied on a fresh database")
	}
	again, err := s.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second Migrate: got %v, %v; want nothing applied", again, err)
	}
	return s
}

func newTenant(t *testing.T, s *store.Store, name string) tenant.Tenant {
	t.Helper()
	tn := tenant.Tenant{ID: ids.New("ten"), Name: name, CreatedAt: time.Now().UTC()}
	if err := s.InsertTenant(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	return tn
}

func newVerification(tenantID string, status verification.Status) *verification.Verification {
	now := time.Now().UTC().Truncate(time.Microsecond)
	id := ids.New("ver")
	return &verification.Verification{ID: id, TenantID: tenantID, Mode: "test", Method: verification.MethodDocumentImage,
		Law: verification.LawAML, ReferenceID: "r", Status: status, ClientTokenHash: verification.HashClientToken(id),
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
}

func TestStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		t.Run("tenants and keys", func(t *testing.T) { testTenants(t, open(t, newDB(t))) })
		t.Run("verifications", func(t *testing.T) { testVerifications(t, open(t, newDB(t))) })
		t.Run("audit chain", func(t *testing.T) { testAudit(t, open(t, newDB(t))) })
		t.Run("data keys and vault", func(t *testing.T) { testVault(t, open(t, newDB(t))) })
		t.Run("webhooks", func(t *testing.T) { testWebhooks(t, open(t, newDB(t))) })
		t.Run("idempotency", func(t *testing.T) { testIdempotency(t, open(t, newDB(t))) })
		t.Run("transactions roll back", func(t *testing.T) { testRollback(t, open(t, newDB(t))) })
	})
}

func testTenants(t *testing.T, s *store.Store) {
	ctx := context.Background()
	svc := tenant.NewService(s, nil)
	if _, err := svc.CreateTenant(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateTenant(ctx, "acme"); !errors.Is(err, errkind.ErrConflict) {
		t.Fatalf("duplicate tenant: got %v; want a conflict", err)
	}
	if _, err := svc.CreateTenant(ctx, "Bad Name!"); !errors.Is(err, errkind.ErrInvalid) {
		t.Fatalf("bad name: got %v; want invalid", err)
	}
	secret, k, err := svc.CreateAPIKey(ctx, "acme", tenant.ModeTest)
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, secret)
	if err != nil || p.KeyID != k.ID || p.Mode != tenant.ModeTest {
		t.Fatalf("authenticate: got %+v, %v", p, err)
	}
	for name, bad := range map[string]string{"empty": "", "wrong": secret[:len(secret)-1] + "x", "no prefix": "abc"} {
		if _, err := svc.Authenticate(ctx, bad); !errors.Is(err, errkind.ErrUnauthenticated) {
			t.Errorf("%s key: got %v; want unauthenticated", name, err)
		}
	}
	if err := svc.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, secret); !errors.Is(err, errkind.ErrUnauthenticated) {
		t.Fatalf("revoked key: got %v; want unauthenticated", err)
	}
	if err := svc.RevokeAPIKey(ctx, ids.New("key")); !errors.Is(err, errkind.ErrNotFound) {
		t.Fatalf("revoke unknown: got %v; want not found", err)
	}
}

func testVerifications(t *testing.T, s *store.Store) {
	ctx := context.Background()
	a, b := newTenant(t, s, "a"), newTenant(t, s, "b")
	var made []*verification.Verification
	for i := 0; i < 7; i++ {
		v := newVerification(a.ID, verification.StatusCreated)
		v.Metadata = map[string]string{"i": fmt.Sprint(i)}
		if err := s.InsertVerification(ctx, v); err != nil {
			t.Fatal(err)
		}
		made = append(made, v)
		time.Sleep(2 * time.Millisecond) // IDs order by millisecond
	}
	got, err := s.Verification(ctx, a.ID, made[0].ID, false)
	if err != nil || got.Metadata["i"] != "0" || got.Status != verification.StatusCreated {
		t.Fatalf("get: got %+v, %v", got, err)
	}
	if _, err := s.Verification(ctx, b.ID, made[0].ID, false); !errors.Is(err, errkind.ErrNotFound) {
		t.Fatalf("other tenant: got %v; want not found", err)
	}
	// Pages of 3, newest first, no overlap, no gap.
	var seen []string
	after := ""
	for page := 0; page < 5; page++ {
		vs, err := s.ListVerifications(ctx, a.ID, verification.ListFilter{AfterID: after, PageSize: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			seen = append(seen, v.ID)
		}
		if len(vs) < 3 {
			break
		}
		after = vs[len(vs)-1].ID
	}
	if len(seen) != 7 || seen[0] != made[6].ID || seen[6] != made[0].ID {
		t.Fatalf("pagination: got %d ids %v", len(seen), seen)
	}
	// Compare-and-swap on status.
	v := made[1]
	v.Status = verification.StatusAwaitingInput
	if err := s.UpdateVerification(ctx, v, verification.StatusCreated); err != nil {
		t.Fatal(err)
	}
	v.Status = verification.StatusCanceled
	if err := s.UpdateVerification(ctx, v, verification.StatusCreated); !errors.Is(err, errkind.ErrConflict) {
		t.Fatalf("stale CAS: got %v; want conflict", err)
	}
	byStatus, err := s.ListVerifications(ctx, a.ID, verification.ListFilter{Status: verification.StatusAwaitingInput, PageSize: 10})
	if err != nil || len(byStatus) != 1 || byStatus[0].ID != v.ID {
		t.Fatalf("status filter: got %d, %v", len(byStatus), err)
	}
	// Evidence.
	e := &verification.Evidence{ID: ids.New("evd"), TenantID: a.ID, VerificationID: v.ID, Kind: verification.KindSelfie,
		ContentType: "image/png", Size: 10, SHA256: "00", BlobKey: "k", CreatedAt: time.Now().UTC()}
	if err := s.InsertEvidence(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkEvidenceDeleted(ctx, a.ID, v.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	es, err := s.ListEvidence(ctx, a.ID, v.ID)
	if err != nil || len(es) != 1 || es[0].DeletedAt == nil {
		t.Fatalf("evidence: got %v, %v", es, err)
	}
	// Expiry sweep finds only waiting verifications past their deadline.
	due, err := s.DueForExpiry(ctx, time.Now().Add(2*time.Hour), 100)
	if err != nil || len(due) != 7 {
		t.Fatalf("due for expiry: got %d, %v; want 7", len(due), err)
	}
}

func testAudit(t *testing.T, s *store.Store) {
	ctx := context.Background()
	tn := newTenant(t, s, "a")
	log := audit.New(s, nil)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := log.Record(ctx, tn.ID, "test", "thing.happened", "obj", map[string]int{"i": i}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	r, err := log.Verify(ctx, tn.ID)
	if err != nil || !r.OK || r.Entries != 20 {
		t.Fatalf("verify: got %+v, %v; want 20 entries, ok", r, err)
	}
	if _, err := s.DB().ExecContext(ctx, rebindForTest(s, `UPDATE audit_events SET detail = '{"i":999}' WHERE tenant_id = ? AND seq = 7`), tn.ID); err != nil {
		t.Fatal(err)
	}
	r, err = log.Verify(ctx, tn.ID)
	if err != nil || r.OK || r.BrokenAt != 7 {
		t.Fatalf("after tampering with entry 7: got %+v, %v; want broken at 7", r, err)
	}
}

func rebindForTest(s *store.Store, q string) string {
	if s.Dialect() == store.Postgres {
		return replaceFirst(q, "?", "$1")
	}
	return q
}

func replaceFirst(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}

func testVault(t *testing.T, s *store.Store) {
	ctx := context.Background()
	tn := newTenant(t, s, "a")
	km, err := vault.ParseMasterKeys("k1:" + "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		t.Fatal(err)
	}
	// Several vaults (as several processes would) race to create the first key.
	var wg sync.WaitGroup
	sealed := make([][]byte, 8)
	for i := range sealed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := vault.New(km, s).Seal(ctx, tn.ID, []byte("secret"), []byte("aad"))
			if err != nil {
				t.Error(err)
			}
			sealed[i] = c
		}()
	}
	wg.Wait()
	keys, err := s.DataKeys(ctx, tn.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("got %d data keys, %v; want exactly 1", len(keys), err)
	}
	fresh := vault.New(km, s)
	for i, c := range sealed {
		if p, err := fresh.Open(ctx, tn.ID, c, []byte("aad")); err != nil || string(p) != "secret" {
			t.Fatalf("ciphertext %d: got %q, %v", i, p, err)
		}
	}
	ok, err := s.RewrapDataKey(ctx, tn.ID, 1, "not-the-key", "k2", []byte("x"))
	if err != nil || ok {
		t.Fatalf("rewrap with a stale master key id: got %v, %v; want false", ok, err)
	}
}

func testWebhooks(t *testing.T, s *store.Store) {
	ctx := context.Background()
	tn := newTenant(t, s, "a")
	ep := &webhook.Endpoint{ID: ids.New("whe"), TenantID: tn.ID, Mode: "test", URL: "https://example.test/h",
		Events: []string{"*"}, SealedSecret: []byte{1}, CreatedAt: time.Now().UTC()}
	if err := s.InsertEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	ev := &webhook.Event{ID: ids.New("evt"), TenantID: tn.ID, Mode: "test", Type: "verification.created", ObjectID: "o",
		Payload: []byte(`{"a":1}`), CreatedAt: time.Now().UTC()}
	if err := s.InsertEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	d := &webhook.Delivery{ID: ids.New("whd"), TenantID: tn.ID, EventID: ev.ID, EndpointID: ep.ID, Status: webhook.DeliveryPending,
		CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	if err := s.InsertDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	d.Status, d.Attempts, d.LastStatusCode, d.DeliveredAt = webhook.DeliveryDelivered, 2, 204, &now
	if err := s.UpdateDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	ds, err := s.DeliveriesForEvents(ctx, tn.ID, []string{ev.ID})
	if err != nil || len(ds) != 1 || ds[0].Attempts != 2 || ds[0].LastStatusCode != 204 || !ds[0].DeliveredAt.Equal(now) {
		t.Fatalf("deliveries: got %+v, %v", ds, err)
	}
	evs, err := s.ListEvents(ctx, tn.ID, "", 10)
	if err != nil || len(evs) != 1 || string(evs[0].Payload) != `{"a":1}` {
		t.Fatalf("events: got %v, %v", evs, err)
	}
}

func testIdempotency(t *testing.T, s *store.Store) {
	ctx := context.Background()
	tn := newTenant(t, s, "a")
	rec := store.IdempotencyRecord{TenantID: tn.ID, Key: "k", RequestHash: "h", Status: 201, SealedBody: []byte("b"), CreatedAt: time.Now()}
	if got, err := s.Idempotency(ctx, tn.ID, "k"); got != nil || err != nil {
		t.Fatalf("new key: got %v, %v", got, err)
	}
	if err := s.PutIdempotency(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := s.PutIdempotency(ctx, rec); !errors.Is(err, errkind.ErrConflict) {
		t.Fatalf("second put: got %v; want conflict", err)
	}
	got, err := s.Idempotency(ctx, tn.ID, "k")
	if err != nil || got.Status != 201 || string(got.SealedBody) != "b" {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func testRollback(t *testing.T, s *store.Store) {
	ctx := context.Background()
	tn := newTenant(t, s, "a")
	v := newVerification(tn.ID, verification.StatusCreated)
	boom := errors.New("boom")
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := s.InsertVerification(ctx, v); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v; want boom", err)
	}
	if _, err := s.Verification(ctx, tn.ID, v.ID, false); !errors.Is(err, errkind.ErrNotFound) {
		t.Fatalf("after rollback: got %v; want not found", err)
	}
}

func TestKeyStoreContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		vaulttest.RunKeyStoreContract(t, func(t *testing.T) vault.KeyStore {
			s := open(t, newDB(t))
			for _, id := range []string{"ten_a", "ten_b", "ten_race"} {
				if err := s.InsertTenant(context.Background(), tenant.Tenant{ID: id, Name: strings.ReplaceAll(id, "_", "-"), CreatedAt: time.Now()}); err != nil {
					t.Fatal(err)
				}
			}
			return s
		})
	})
}
