package store_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/audit"
	"github.com/kakunin-dev/kakunin/internal/console"
	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/ids"
	"github.com/kakunin-dev/kakunin/internal/store"
	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/tenant"
)

func TestConsoleStoreContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		ctx := context.Background()
		s := open(t, newDB(t))
		now := time.Now().UTC().Truncate(time.Microsecond)
		acme, beta := newTenant(t, s, "acme"), newTenant(t, s, "beta")

		u := console.User{ID: ids.New("usr"), Email: "rev@example.jp", Role: console.RoleBPO,
			Tenants: []string{acme.ID, beta.ID}, PasswordHash: "$argon2id$x", MustChangePassword: true, CreatedAt: now}

		t.Run("insert and read back", func(t *testing.T) {
			if err := s.InsertConsoleUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			for name, get := range map[string]func() (console.User, error){
				"by id":    func() (console.User, error) { return s.ConsoleUserByID(ctx, u.ID) },
				"by email": func() (console.User, error) { return s.ConsoleUserByEmail(ctx, u.Email) },
			} {
				got, err := get()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				want := slices.Sorted(slices.Values(u.Tenants))
				if got.ID != u.ID || got.Email != u.Email || got.Role != u.Role || got.PasswordHash != u.PasswordHash ||
					!got.MustChangePassword || !slices.Equal(got.Tenants, want) || !got.CreatedAt.Equal(now) ||
					got.TOTPSealed != nil || got.TOTPEnrolledAt != nil || got.LockedUntil != nil || got.FailedAttempts != 0 {
					t.Fatalf("%s: got %+v; want %+v", name, got, u)
				}
			}
		})
		t.Run("email taken is a conflict", func(t *testing.T) {
			dup := u
			dup.ID, dup.Tenants = ids.New("usr"), nil
			if err := s.InsertConsoleUser(ctx, dup); !errors.Is(err, errkind.ErrConflict) || errkind.Reason(err) != "console_user_exists" {
				t.Fatalf("got %v; want console_user_exists conflict", err)
			}
		})
		t.Run("unknown tenant is refused with nothing stored", func(t *testing.T) {
			bad := console.User{ID: ids.New("usr"), Email: "x@example.jp", Role: console.RoleReviewer,
				Tenants: []string{"ten_nope"}, PasswordHash: "h", CreatedAt: now}
			if err := s.InsertConsoleUser(ctx, bad); err == nil {
				t.Fatal("got nil; want a foreign-key error")
			}
			if _, err := s.ConsoleUserByEmail(ctx, bad.Email); !errors.Is(err, errkind.ErrNotFound) {
				t.Fatalf("got %v; want not found (the insert rolled back)", err)
			}
		})
		t.Run("unknown user", func(t *testing.T) {
			if _, err := s.ConsoleUserByID(ctx, "usr_nope"); !errors.Is(err, errkind.ErrNotFound) {
				t.Fatalf("got %v; want not found", err)
			}
			if err := s.SetConsolePassword(ctx, "usr_nope", "h", false); !errors.Is(err, errkind.ErrNotFound) {
				t.Fatalf("SetConsolePassword: got %v; want not found", err)
			}
			if _, err := s.ConsoleLoginFailed(ctx, "usr_nope"); !errors.Is(err, errkind.ErrNotFound) {
				t.Fatalf("ConsoleLoginFailed: got %v; want not found", err)
			}
		})
		t.Run("failures, lock and reset", func(t *testing.T) {
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					if _, err := s.ConsoleLoginFailed(ctx, u.ID); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if n, err := s.ConsoleLoginFailed(ctx, u.ID); n != 5 || err != nil {
				t.Fatalf("fifth failure: got %d, %v; want 5 (concurrent failures each count)", n, err)
			}
			until := now.Add(15 * time.Minute)
			if err := s.LockConsoleUser(ctx, u.ID, until); err != nil {
				t.Fatal(err)
			}
			got, _ := s.ConsoleUserByID(ctx, u.ID)
			if got.LockedUntil == nil || !got.LockedUntil.Equal(until) || got.FailedAttempts != 0 {
				t.Fatalf("after lock: locked_until %v, failures %d; want %v, 0", got.LockedUntil, got.FailedAttempts, until)
			}
			_, _ = s.ConsoleLoginFailed(ctx, u.ID)
			if err := s.ConsoleLoginSucceeded(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			got, _ = s.ConsoleUserByID(ctx, u.ID)
			if got.LockedUntil != nil || got.FailedAttempts != 0 {
				t.Fatalf("after success: locked_until %v, failures %d; want nil, 0", got.LockedUntil, got.FailedAttempts)
			}
		})
		t.Run("password", func(t *testing.T) {
			if err := s.SetConsolePassword(ctx, u.ID, "$argon2id$new", false); err != nil {
				t.Fatal(err)
			}
			got, _ := s.ConsoleUserByID(ctx, u.ID)
			if got.PasswordHash != "$argon2id$new" || got.MustChangePassword {
				t.Fatalf("got %q, must change %v; want the new hash, false", got.PasswordHash, got.MustChangePassword)
			}
		})
		t.Run("totp enrolment and replay", func(t *testing.T) {
			sealed := []byte{1, 2, 3, 0, 255}
			if err := s.SetConsoleTOTPSecret(ctx, u.ID, sealed); err != nil {
				t.Fatal(err)
			}
			if ok, err := s.UseConsoleTOTPStep(ctx, u.ID, 100); !ok || err != nil {
				t.Fatalf("first use of step 100: %v, %v; want true", ok, err)
			}
			for _, step := range []int64{100, 99} {
				if ok, err := s.UseConsoleTOTPStep(ctx, u.ID, step); ok || err != nil {
					t.Fatalf("use of step %d after 100: %v, %v; want false (replay)", step, ok, err)
				}
			}
			if err := s.ConfirmConsoleTOTP(ctx, u.ID, now); err != nil {
				t.Fatal(err)
			}
			got, _ := s.ConsoleUserByID(ctx, u.ID)
			if !bytes.Equal(got.TOTPSealed, sealed) || got.TOTPEnrolledAt == nil || !got.TOTPEnrolledAt.Equal(now) || got.TOTPLastStep != 100 {
				t.Fatalf("got sealed %v enrolled %v last %d; want %v, %v, 100", got.TOTPSealed, got.TOTPEnrolledAt, got.TOTPLastStep, sealed, now)
			}
			// A new secret starts over: not enrolled, no step spent.
			if err := s.SetConsoleTOTPSecret(ctx, u.ID, []byte{9}); err != nil {
				t.Fatal(err)
			}
			got, _ = s.ConsoleUserByID(ctx, u.ID)
			if got.TOTPEnrolledAt != nil || got.TOTPLastStep != 0 {
				t.Fatalf("after a new secret: enrolled %v, last %d; want nil, 0", got.TOTPEnrolledAt, got.TOTPLastStep)
			}
		})
		t.Run("sessions", func(t *testing.T) {
			mk := func(stage console.Stage) console.Session {
				cs := console.Session{TokenHash: []byte(ids.Secret("")), UserID: u.ID, Stage: stage, CSRFSecret: ids.Secret(""),
					CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(12 * time.Hour)}
				if err := s.InsertConsoleSession(ctx, cs); err != nil {
					t.Fatal(err)
				}
				return cs
			}
			a, b, c := mk(console.StageFull), mk(console.StagePassword), mk(console.StageFull)
			got, err := s.ConsoleSessionByHash(ctx, a.TokenHash)
			if err != nil || got.UserID != u.ID || got.Stage != console.StageFull || got.CSRFSecret != a.CSRFSecret ||
				!got.ExpiresAt.Equal(a.ExpiresAt) || !got.LastSeenAt.Equal(now) {
				t.Fatalf("got %+v, %v; want %+v", got, err, a)
			}
			later := now.Add(5 * time.Minute)
			if err := s.TouchConsoleSession(ctx, a.TokenHash, later); err != nil {
				t.Fatal(err)
			}
			// The idle clock never runs backwards.
			if err := s.TouchConsoleSession(ctx, a.TokenHash, now); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.ConsoleSessionByHash(ctx, a.TokenHash); !got.LastSeenAt.Equal(later) {
				t.Fatalf("last seen %v; want %v", got.LastSeenAt, later)
			}
			if err := s.DeleteConsoleSessionsOfUser(ctx, u.ID, a.TokenHash); err != nil {
				t.Fatal(err)
			}
			for _, gone := range [][]byte{b.TokenHash, c.TokenHash} {
				if _, err := s.ConsoleSessionByHash(ctx, gone); !errors.Is(err, errkind.ErrNotFound) {
					t.Fatalf("got %v; want the other sessions gone", err)
				}
			}
			if _, err := s.ConsoleSessionByHash(ctx, a.TokenHash); err != nil {
				t.Fatalf("the kept session: %v", err)
			}
			for range 2 {
				if err := s.DeleteConsoleSession(ctx, a.TokenHash); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.ConsoleSessionByHash(ctx, a.TokenHash); !errors.Is(err, errkind.ErrNotFound) {
				t.Fatalf("got %v; want deleted", err)
			}
			d := mk(console.StageFull)
			if err := s.DeleteConsoleSessionsOfUser(ctx, u.ID, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ConsoleSessionByHash(ctx, d.TokenHash); !errors.Is(err, errkind.ErrNotFound) {
				t.Fatalf("got %v; want every session gone", err)
			}
		})
		t.Run("console pseudo-tenant chain", func(t *testing.T) {
			log := audit.New(s, nil)
			if err := log.Record(ctx, console.AuditTenant, "anonymous", "console.login_failed", "", nil); err != nil {
				t.Fatal(err)
			}
			if r, err := log.Verify(ctx, console.AuditTenant); err != nil || !r.OK || r.Entries != 1 {
				t.Fatalf("got %+v, %v; want one good entry", r, err)
			}
			// The pseudo-tenant's name cannot be taken by a real tenant.
			if tn, err := s.TenantByName(ctx, "_console"); err != nil || tn.ID != console.AuditTenant {
				t.Fatalf("got %+v, %v; want the console pseudo-tenant", tn, err)
			}
			if _, _, err := tenant.NewService(s, nil).CreateAPIKey(ctx, "_console", tenant.ModeLive); errkind.Reason(err) != "tenant_not_found" {
				t.Fatalf("API key for the pseudo-tenant: got %v; want tenant_not_found", err)
			}
		})
	})
}

var _ console.Store = (*store.Store)(nil)
