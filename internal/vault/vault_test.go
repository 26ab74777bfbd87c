package vault_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/vault"
)

// masterKeyLine returns a deterministic "id:base64" entry whose key bytes are all b.
func masterKeyLine(id string, b byte) string {
	return id + ":" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32))
}

func mustKeys(t testing.TB, s string) *vault.LocalKeyManager {
	t.Helper()
	km, err := vault.ParseMasterKeys(s)
	if err != nil {
		t.Fatalf("ParseMasterKeys: %v", err)
	}
	return km
}

func newTestVault(t testing.TB) (*vault.Vault, *memStore) {
	t.Helper()
	ks := newMemStore()
	return vault.New(mustKeys(t, masterKeyLine("mk1", 1)), ks), ks
}

func mustSeal(t testing.TB, v *vault.Vault, tenant string, plaintext, aad []byte) []byte {
	t.Helper()
	ct, err := v.Seal(context.Background(), tenant, plaintext, aad)
	if err != nil {
		t.Fatalf("Seal(%s): %v", tenant, err)
	}
	return ct
}

func assertOpens(t testing.TB, v *vault.Vault, tenant string, ct, aad, want []byte) {
	t.Helper()
	got, err := v.Open(context.Background(), tenant, ct, aad)
	if err != nil {
		t.Fatalf("Open(%s): %v", tenant, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Open(%s) = %q; want %q", tenant, got, want)
	}
}

func assertDecryptFailed(t testing.TB, what string, err error) {
	t.Helper()
	var e *errkind.Error
	if !errors.As(err, &e) || !errors.Is(err, errkind.ErrInvalid) || e.Reason != "decrypt_failed" {
		t.Fatalf("%s: error = %v; want *errkind.Error ErrInvalid decrypt_failed", what, err)
	}
}

func ciphertextVersion(ct []byte) uint32 {
	return uint32(ct[1])<<24 | uint32(ct[2])<<16 | uint32(ct[3])<<8 | uint32(ct[4])
}

func TestSealOpenRoundTrip(t *testing.T) {
	v, _ := newTestVault(t)
	for name, tc := range map[string]struct {
		plaintext, aad []byte
	}{
		"empty plaintext":     {nil, []byte("verification/ver_1/applicant")},
		"short field":         {[]byte("山田太郎"), []byte("verification/ver_1/applicant")},
		"no aad":              {[]byte("x"), nil},
		"binary evidence 1MB": {bytes.Repeat([]byte{0xff, 0x00, 0xd8}, 1<<20/3), []byte("evidence/ev_9")},
	} {
		t.Run(name, func(t *testing.T) {
			ct := mustSeal(t, v, "ten_a", tc.plaintext, tc.aad)
			if len(tc.plaintext) > 4 && bytes.Contains(ct, tc.plaintext) {
				t.Fatal("ciphertext contains the plaintext")
			}
			if got, want := len(ct), 1+4+12+len(tc.plaintext)+16; got != want {
				t.Errorf("ciphertext length = %d; want %d", got, want)
			}
			if ct[0] != 1 || ciphertextVersion(ct) != 1 {
				t.Errorf("header = %x; want format 1, version 1", ct[:5])
			}
			assertOpens(t, v, "ten_a", ct, tc.aad, tc.plaintext)
		})
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	v, _ := newTestVault(t)
	a := mustSeal(t, v, "ten_a", []byte("same"), nil)
	b := mustSeal(t, v, "ten_a", []byte("same"), nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are identical; want distinct nonces")
	}
}

func TestOpenRefusesOtherContext(t *testing.T) {
	ctx := context.Background()
	v, ks := newTestVault(t)
	aad := []byte("verification/ver_1/applicant")
	ct := mustSeal(t, v, "ten_a", []byte("secret"), aad)
	mustSeal(t, v, "ten_b", []byte("other"), nil) // ten_b has its own key

	for name, tc := range map[string]struct {
		tenant string
		aad    []byte
	}{
		"other row's aad":         {"ten_a", []byte("verification/ver_2/applicant")},
		"aad missing":             {"ten_a", nil},
		"other tenant with a key": {"ten_b", aad},
		"tenant without any key":  {"ten_c", aad},
		"no tenant":               {"", aad},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := v.Open(ctx, tc.tenant, ct, tc.aad)
			assertDecryptFailed(t, "Open", err)
		})
	}
	if got, want := ks.count(), 2; got != want {
		t.Errorf("data keys in store = %d; want %d (Open must not create keys)", got, want)
	}
}

func TestOpenRefusesTamperedBytes(t *testing.T) {
	ctx := context.Background()
	v, _ := newTestVault(t)
	aad := []byte("verification/ver_1/applicant")
	ct := mustSeal(t, v, "ten_a", []byte("hi"), aad)
	for i := range ct {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(ct)
			bad[i] ^= mask
			_, err := v.Open(ctx, "ten_a", bad, aad)
			assertDecryptFailed(t, fmt.Sprintf("byte %d ^ %#x", i, mask), err)
		}
	}
	for n := range len(ct) {
		_, err := v.Open(ctx, "ten_a", ct[:n], aad)
		assertDecryptFailed(t, fmt.Sprintf("truncated to %d bytes", n), err)
	}
	_, err := v.Open(ctx, "ten_a", append(bytes.Clone(ct), 0), aad)
	assertDecryptFailed(t, "one byte appended", err)
	assertOpens(t, v, "ten_a", ct, aad, []byte("hi"))
}

func TestSealConcurrentNewTenantCreatesOneKey(t *testing.T) {
	v, ks := newTestVault(t)
	const n = 16
	// The first store read waits until every goroutine is inside Seal, and a
	// little longer, so that without the per-tenant lock the others would
	// read the empty store too.
	var started sync.WaitGroup
	started.Add(n)
	var once sync.Once
	ks.onRead = func() { once.Do(func() { started.Wait(); time.Sleep(20 * time.Millisecond) }) }
	cts := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			started.Done()
			ct, err := v.Seal(context.Background(), "ten_new", []byte{byte(i)}, nil)
			if err != nil {
				t.Errorf("Seal %d: %v", i, err)
			}
			cts[i] = ct
		})
	}
	wg.Wait()
	if ks.inserts != 1 || ks.count() != 1 {
		t.Fatalf("inserts = %d, keys = %d; want 1, 1", ks.inserts, ks.count())
	}
	// Within one process the tenant's key is loaded and created once, not
	// raced for through the store.
	if ks.reads != 1 || ks.conflicts != 0 {
		t.Errorf("store reads = %d, conflicts = %d; want 1, 0", ks.reads, ks.conflicts)
	}
	for i, ct := range cts {
		assertOpens(t, v, "ten_new", ct, nil, []byte{byte(i)})
	}
}

// Sixteen vaults stand for sixteen processes: the store's gate lets all of
// them read an empty store before any inserts, so fifteen must lose the
// insert race, re-read, and use the winner's key.
func TestSealConcurrentVaultsCreateOneKey(t *testing.T) {
	const n = 16
	ks := newMemStore()
	ks.holdFirstReads(n)
	km := mustKeys(t, masterKeyLine("mk1", 1))
	vaults := make([]*vault.Vault, n)
	cts := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		vaults[i] = vault.New(km, ks)
		wg.Go(func() {
			ct, err := vaults[i].Seal(context.Background(), "ten_new", []byte{byte(i)}, nil)
			if err != nil {
				t.Errorf("Seal %d: %v", i, err)
			}
			cts[i] = ct
		})
	}
	wg.Wait()
	if ks.inserts != 1 || ks.conflicts != n-1 || ks.count() != 1 {
		t.Fatalf("inserts = %d, conflicts = %d, keys = %d; want 1, %d, 1", ks.inserts, ks.conflicts, ks.count(), n-1)
	}
	for i, ct := range cts {
		assertOpens(t, vaults[(i+1)%n], "ten_new", ct, nil, []byte{byte(i)})
	}
}

func TestRotateMasterKey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "master.keys")
	km1, err := vault.CreateMasterKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	oldID := km1.CurrentKeyID()
	ks := newMemStore()
	v1 := vault.New(km1, ks)
	tenants := []string{"ten_a", "ten_b", "ten_c"}
	sealed := map[string][]byte{}
	for _, tenant := range tenants {
		sealed[tenant] = mustSeal(t, v1, tenant, []byte("data of "+tenant), []byte("row"))
	}
	if _, err := v1.NewDataKey(ctx, "ten_a"); err != nil { // a second version must be re-wrapped too
		t.Fatal(err)
	}

	km2, err := vault.AddMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	newID := km2.CurrentKeyID()
	if newID == oldID || len(km2.KeyIDs()) != 2 {
		t.Fatalf("after AddMasterKey: ids %v, current %s; want 2 ids with a new current", km2.KeyIDs(), newID)
	}
	v2 := vault.New(km2, ks)
	n, err := v2.RotateMasterKey(ctx)
	if err != nil || n != 4 {
		t.Fatalf("RotateMasterKey = %d, %v; want 4, nil", n, err)
	}
	all, _ := ks.AllDataKeys(ctx)
	for _, k := range all {
		if k.MasterKeyID != newID {
			t.Errorf("data key %s v%d wrapped under %s; want %s", k.TenantID, k.Version, k.MasterKeyID, newID)
		}
	}
	if n, err := v2.RotateMasterKey(ctx); err != nil || n != 0 {
		t.Errorf("second RotateMasterKey = %d, %v; want 0, nil", n, err)
	}

	// Only the new master key: drop the old line from the file's keys.
	var onlyNew string
	for line := range strings.Lines(readFile(t, path)) {
		if strings.HasPrefix(line, newID+":") {
			onlyNew = line
		}
	}
	v3 := vault.New(mustKeys(t, onlyNew), ks)
	for _, tenant := range tenants {
		want := []byte("data of " + tenant)
		assertOpens(t, v1, tenant, sealed[tenant], []byte("row"), want) // running process, cached keys
		assertOpens(t, v2, tenant, sealed[tenant], []byte("row"), want)
		assertOpens(t, v3, tenant, sealed[tenant], []byte("row"), want)
	}
	// A server started before the rotation holds only the old key in memory;
	// on meeting a data key wrapped under the new one it re-reads the key
	// file, so it keeps serving, and wraps new keys under the new key.
	stale := vault.New(km1, ks)
	assertOpens(t, stale, "ten_b", sealed["ten_b"], []byte("row"), []byte("data of ten_b"))
	if got := km1.CurrentKeyID(); got != newID {
		t.Errorf("stale manager's current key after reload = %s; want %s", got, newID)
	}
	// And the old key alone no longer opens anything a fresh process loads.
	v4 := vault.New(mustKeys(t, strings.Split(readFile(t, path), "\n")[2]), ks)
	if _, err := v4.Open(ctx, "ten_a", sealed["ten_a"], []byte("row")); !errors.Is(err, vault.ErrMasterKeyUnknown) {
		t.Errorf("Open with only the old master key: error = %v; want ErrMasterKeyUnknown", err)
	}
}

// A process that cached an older set of data keys must pick up versions
// created elsewhere when it meets a ciphertext that names one.
func TestDataKeyVersions(t *testing.T) {
	ctx := context.Background()
	ks := newMemStore()
	km := mustKeys(t, masterKeyLine("mk1", 1))
	a, b := vault.New(km, ks), vault.New(km, ks)

	c1 := mustSeal(t, a, "ten_a", []byte("one"), nil)
	ver, err := b.NewDataKey(ctx, "ten_a")
	if err != nil || ver != 2 {
		t.Fatalf("NewDataKey = %d, %v; want 2, nil", ver, err)
	}
	c2 := mustSeal(t, b, "ten_a", []byte("two"), nil)
	if got := ciphertextVersion(c2); got != 2 {
		t.Errorf("seal after NewDataKey uses version %d; want 2", got)
	}
	assertOpens(t, a, "ten_a", c2, nil, []byte("two")) // a reloads on seeing version 2
	assertOpens(t, b, "ten_a", c1, nil, []byte("one"))
	if got := ciphertextVersion(mustSeal(t, a, "ten_a", nil, nil)); got != 2 {
		t.Errorf("seal after reload uses version %d; want 2", got)
	}
	ver, err = a.NewDataKey(ctx, "ten_a")
	if err != nil || ver != 3 {
		t.Fatalf("NewDataKey = %d, %v; want 3, nil", ver, err)
	}
	fresh := vault.New(km, ks)
	if got := ciphertextVersion(mustSeal(t, fresh, "ten_a", nil, nil)); got != 3 {
		t.Errorf("fresh vault seals with version %d; want 3", got)
	}
	for _, ct := range [][]byte{c1, c2} {
		if _, err := fresh.Open(ctx, "ten_a", ct, nil); err != nil {
			t.Errorf("fresh vault Open(v%d): %v", ciphertextVersion(ct), err)
		}
	}
	if got := ks.count(); got != 3 {
		t.Errorf("data keys in store = %d; want 3", got)
	}
}

func TestSealNeedsTenant(t *testing.T) {
	v, ks := newTestVault(t)
	_, err := v.Seal(context.Background(), "", []byte("x"), nil)
	if errkind.Reason(err) != "tenant_required" {
		t.Fatalf("Seal without tenant: error %v; want reason tenant_required", err)
	}
	if ks.count() != 0 {
		t.Fatalf("data keys = %d; want 0", ks.count())
	}
}
