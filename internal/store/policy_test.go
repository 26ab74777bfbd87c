package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

func TestTenantPolicyContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		ctx := context.Background()
		s := open(t, newDB(t))
		acme, beta := newTenant(t, s, "acme"), newTenant(t, s, "beta")
		at := time.Now().UTC().Truncate(time.Microsecond)
		if got, err := s.TenantPolicies(ctx, acme.ID); err != nil || len(got) != 0 {
			t.Fatalf("before any: %v, %v", got, err)
		}
		p := verification.TenantPolicy{Law: verification.LawNone, MinAge: 20, MatchApplicant: false, ReviewAll: true, UpdatedAt: at}
		if err := s.SetTenantPolicy(ctx, acme.ID, p); err != nil {
			t.Fatal(err)
		}
		p.MinAge, p.ReviewAll, p.MatchApplicant = 0, false, true // replaced, not added
		if err := s.SetTenantPolicy(ctx, acme.ID, p); err != nil {
			t.Fatal(err)
		}
		aml := verification.TenantPolicy{Law: verification.LawAML, MinAge: 18, MatchApplicant: true, UpdatedAt: at}
		if err := s.SetTenantPolicy(ctx, acme.ID, aml); err != nil {
			t.Fatal(err)
		}
		got, err := s.TenantPolicies(ctx, acme.ID)
		if err != nil || len(got) != 2 || got[0] != aml || got[1] != p {
			t.Fatalf("TenantPolicies: %+v, %v; want %+v and %+v", got, err, aml, p)
		}
		if got, err := s.TenantPolicies(ctx, beta.ID); err != nil || len(got) != 0 {
			t.Fatalf("another tenant sees the policies: %v, %v", got, err)
		}
		if had, err := s.DeleteTenantPolicy(ctx, acme.ID, verification.LawAML); err != nil || !had {
			t.Fatalf("delete: %v, %v", had, err)
		}
		if had, err := s.DeleteTenantPolicy(ctx, acme.ID, verification.LawAML); err != nil || had {
			t.Fatalf("delete again: %v, %v; want false", had, err)
		}
		if got, err := s.TenantPolicies(ctx, acme.ID); err != nil || len(got) != 1 || got[0] != p {
			t.Fatalf("after delete: %+v, %v", got, err)
		}
	})
}
