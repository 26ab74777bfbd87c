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
			// An admin's reset forgets the secret; the spent step stays.
			if err := s.ResetConsoleTOTP(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			got, _ = s.ConsoleUserByID(ctx, u.ID)
			if got.TOTPSealed != nil || got.TOTPEnrolledAt != nil || got.TOTPLastStep != 100 {
				t.Fatalf("after a reset: sealed %v, enrolled %v, last %d; want nil, nil, 100", got.TOTPSealed, got.TOTPEnrolledAt, got.TOTPLastStep)
			}
			// A new secret is not enrolled, and steps still only move forward.
			if err := s.SetConsoleTOTPSecret(ctx, u.ID, []byte{9}); err != nil {
				t.Fatal(err)
			}
			got, _ = s.ConsoleUserByID(ctx, u.ID)
			if got.TOTPEnrolledAt != nil || got.TOTPLastStep != 100 || !bytes.Equal(got.TOTPSealed, []byte{9}) {
				t.Fatalf("after a new secret: enrolled %v, last %d; want nil, 100", got.TOTPEnrolledAt, got.TOTPLastStep)
			}
			if ok, err := s.UseConsoleTOTPStep(ctx, u.ID, 100); ok || err != nil {
				t.Fatalf("step 100 under the new secret: %v, %v; want false (already spent)", ok, err)
			}
			if ok, err := s.UseConsoleTOTPStep(ctx, u.ID, 101); !ok || err != nil {
				t.Fatalf("step 101 under the new secret: %v, %v; want true", ok, err)
			}
			if err := s.ResetConsoleTOTP(ctx, "usr_nope"); !errors.Is(err, errkind.ErrNotFound) {
				t.Fatalf("ResetConsoleTOTP of an unknown user: got %v; want not found", err)
			}
		})
		t.Run("administration", func(t *testing.T) {
			other := console.User{ID: ids.New("usr"), Email: "adm@example.jp", Role: console.RoleAdmin, PasswordHash: "h",
				CreatedAt: now.Add(time.Second)}
			if err := s.InsertConsoleUser(ctx, other); err != nil {
				t.Fatal(err)
			}
			list, err := s.ListConsoleUsers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || list[0].ID != u.ID || list[1].ID != other.ID ||
				!slices.Equal(list[0].Tenants, slices.Sorted(slices.Values(u.Tenants))) || list[1].Tenants != nil ||
				list[0].Email != u.Email || list[1].Role != console.RoleAdmin || list[0].DisabledAt != nil {
				t.Fatalf("list: %+v; want %s with its two tenants, then %s with none", list, u.ID, other.ID)
			}

			// Unlock clears the lock and the count.
			_, _ = s.ConsoleLoginFailed(ctx, u.ID)
			if err := s.LockConsoleUser(ctx, u.ID, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			_, _ = s.ConsoleLoginFailed(ctx, u.ID)
			if err := s.UnlockConsoleUser(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.ConsoleUserByID(ctx, u.ID); got.LockedUntil != nil || got.FailedAttempts != 0 {
				t.Fatalf("after unlock: locked_until %v, failures %d; want nil, 0", got.LockedUntil, got.FailedAttempts)
			}

			// A password reset must be changed at the next sign-in.
			if err := s.SetConsolePassword(ctx, u.ID, "$argon2id$reset", true); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.ConsoleUserByID(ctx, u.ID); got.PasswordHash != "$argon2id$reset" || !got.MustChangePassword {
				t.Fatalf("after reset: %q, must change %v; want the new hash, true", got.PasswordHash, got.MustChangePassword)
			}

			// Disabling ends every session of the user, and only theirs.
			sess := func(userID string) console.Session {
				cs := console.Session{TokenHash: []byte(ids.Secret("")), UserID: userID, Stage: console.StageFull, CSRFSecret: "c",
					CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
				if err := s.InsertConsoleSession(ctx, cs); err != nil {
					t.Fatal(err)
				}
				return cs
			}
			mine, pending, theirs := sess(u.ID), sess(u.ID), sess(other.ID)
			at := now.Add(time.Minute)
			if err := s.DisableConsoleUser(ctx, u.ID, at); err != nil {
				t.Fatal(err)
			}
			for _, gone := range []console.Session{mine, pending} {
				if _, err := s.ConsoleSessionByHash(ctx, gone.TokenHash); !errors.Is(err, errkind.ErrNotFound) {
					t.Fatalf("a session of the disabled user: %v; want gone", err)
				}
			}
			if _, err := s.ConsoleSessionByHash(ctx, theirs.TokenHash); err != nil {
				t.Fatalf("another user's session: %v; want kept", err)
			}
			if got, _ := s.ConsoleUserByID(ctx, u.ID); got.DisabledAt == nil || !got.DisabledAt.Equal(at) {
				t.Fatalf("disabled_at %v; want %v", got.DisabledAt, at)
			}
			if list, _ := s.ListConsoleUsers(ctx); list[0].DisabledAt == nil || list[1].DisabledAt != nil {
				t.Fatalf("list after disable: %v, %v; want the first disabled only", list[0].DisabledAt, list[1].DisabledAt)
			}
			if err := s.DisableConsoleUser(ctx, u.ID, at); errkind.Reason(err) != "console_user_disabled" || !errors.Is(err, errkind.ErrConflict) {
				t.Fatalf("disabling twice: got %v; want console_user_disabled conflict", err)
			}
			if err := s.EnableConsoleUser(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.ConsoleUserByID(ctx, u.ID); got.DisabledAt != nil {
				t.Fatalf("after enable: disabled_at %v; want nil", got.DisabledAt)
			}
			if err := s.EnableConsoleUser(ctx, u.ID); errkind.Reason(err) != "console_user_active" || !errors.Is(err, errkind.ErrConflict) {
				t.Fatalf("enabling an active user: got %v; want console_user_active conflict", err)
			}
			for name, fn := range map[string]func() error{
				"disable": func() error { return s.DisableConsoleUser(ctx, "usr_nope", at) },
				"enable":  func() error { return s.EnableConsoleUser(ctx, "usr_nope") },
				"unlock":  func() error { return s.UnlockConsoleUser(ctx, "usr_nope") },
				"role":    func() error { return s.SetConsoleUserRole(ctx, "usr_nope", console.RoleAuditor) },
			} {
				if err := fn(); !errors.Is(err, errkind.ErrNotFound) {
					t.Fatalf("%s of an unknown user: got %v; want not found", name, err)
				}
			}

			// A new role keeps the tenants.
			if err := s.SetConsoleUserRole(ctx, u.ID, console.RoleSupervisor); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.ConsoleUserByID(ctx, u.ID); got.Role != console.RoleSupervisor || len(got.Tenants) != 2 {
				t.Fatalf("after the role change: %s %v; want supervisor with both tenants", got.Role, got.Tenants)
			}
			if err := s.SetConsoleUserRole(ctx, u.ID, u.Role); err != nil {
				t.Fatal(err)
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
