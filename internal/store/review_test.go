package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/ids"
	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

func TestReviewStoreContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		ctx := context.Background()
		s := open(t, newDB(t))
		acme, beta := newTenant(t, s, "acme"), newTenant(t, s, "beta")
		now := time.Now().UTC().Truncate(time.Microsecond)
		inReview := func(tenantID string, decidedAgo time.Duration, reasons ...string) *verification.Verification {
			v := newVerification(tenantID, verification.StatusReview)
			at := now.Add(-decidedAgo)
			v.DecidedAt = &at
			v.Decision = &verification.Decision{Status: verification.StatusReview, Reasons: reasons, DecidedBy: "machine", DecidedAt: at}
			if err := s.InsertVerification(ctx, v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		old := inReview(acme.ID, 30*time.Hour, "face_mismatch")
		recent := inReview(acme.ID, time.Hour, "checks_unavailable")
		betaCase := inReview(beta.ID, 2*time.Hour, "underage")
		decided := newVerification(acme.ID, verification.StatusApproved)
		if err := s.InsertVerification(ctx, decided); err != nil {
			t.Fatal(err)
		}
		claim := func(v *verification.Verification, actor string, at time.Time) bool {
			t.Helper()
			ok, err := s.ClaimCase(ctx, verification.Claim{TenantID: v.TenantID, VerificationID: v.ID, Actor: verification.Actor(actor),
				ClaimedAt: at, ExpiresAt: at.Add(verification.ClaimTTL)}, at)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}

		t.Run("claim is exclusive until it expires", func(t *testing.T) {
			if !claim(old, "console:usr_a", now) {
				t.Fatal("first claim refused")
			}
			if claim(old, "console:usr_b", now.Add(time.Minute)) {
				t.Fatal("a live claim was taken over")
			}
			if !claim(old, "console:usr_a", now.Add(2*time.Minute)) {
				t.Fatal("the holder could not renew")
			}
			c, err := s.ClaimOf(ctx, acme.ID, old.ID, now.Add(3*time.Minute))
			if err != nil || c == nil || c.Actor != "console:usr_a" || !c.ExpiresAt.Equal(now.Add(2*time.Minute+verification.ClaimTTL)) {
				t.Fatalf("ClaimOf: %+v, %v; want usr_a's renewed claim", c, err)
			}
			later := now.Add(2*time.Minute + verification.ClaimTTL)
			if c, _ := s.ClaimOf(ctx, acme.ID, old.ID, later); c != nil {
				t.Fatalf("an expired claim is still live: %+v", c)
			}
			if !claim(old, "console:usr_b", later) {
				t.Fatal("an expired claim could not be taken over")
			}
			if ok, err := s.ReleaseClaim(ctx, acme.ID, old.ID, "console:usr_a"); ok || err != nil {
				t.Fatalf("released someone else's claim: %v, %v", ok, err)
			}
			if ok, err := s.ReleaseClaim(ctx, acme.ID, old.ID, "console:usr_b"); !ok || err != nil {
				t.Fatalf("release: %v, %v", ok, err)
			}
		})
		t.Run("racing claims: one winner", func(t *testing.T) {
			var wg sync.WaitGroup
			wins := make(chan string, 8)
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					actor := fmt.Sprintf("console:usr_%d", i)
					ok, err := s.ClaimCase(ctx, verification.Claim{TenantID: acme.ID, VerificationID: recent.ID, Actor: verification.Actor(actor),
						ClaimedAt: now, ExpiresAt: now.Add(verification.ClaimTTL)}, now)
					if err != nil {
						t.Error(err)
					}
					if ok {
						wins <- actor
					}
				}()
			}
			wg.Wait()
			close(wins)
			if n := len(wins); n != 1 {
				t.Fatalf("%d claims won; want 1", n)
			}
		})
		t.Run("queue: scope, filters, oldest first", func(t *testing.T) {
			q := func(f verification.QueueFilter) []string {
				t.Helper()
				f.Limit = 50
				items, err := s.ReviewQueue(ctx, f, now)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, it := range items {
					got = append(got, it.Verification.ID)
				}
				return got
			}
			for name, tc := range map[string]struct {
				f    verification.QueueFilter
				want []string
			}{
				"all tenants":         {verification.QueueFilter{AllTenants: true}, []string{old.ID, betaCase.ID, recent.ID}},
				"one tenant":          {verification.QueueFilter{Tenants: []string{acme.ID}}, []string{old.ID, recent.ID}},
				"no tenant":           {verification.QueueFilter{}, nil},
				"waiting over 90 min": {verification.QueueFilter{AllTenants: true, MinWaiting: 90 * time.Minute}, []string{old.ID, betaCase.ID}},
				"reason":              {verification.QueueFilter{AllTenants: true, Reason: "underage"}, []string{betaCase.ID}},
				"claimed by":          {verification.QueueFilter{AllTenants: true, ClaimedBy: "console:usr_nobody"}, nil},
				"method":              {verification.QueueFilter{AllTenants: true, Method: verification.MethodJPKI}, nil},
			} {
				if got := q(tc.f); !slices.Equal(got, tc.want) {
					t.Errorf("%s: got %v; want %v", name, got, tc.want)
				}
			}
		})
		t.Run("reviews and reason codes", func(t *testing.T) {
			r := &verification.Review{ID: ids.New("rvw"), TenantID: acme.ID, VerificationID: old.ID, Actor: "console:usr_a",
				Outcome: verification.OutcomeApprove, Stage: verification.StageFirstApproval, Reasons: []string{"identity_confirmed"},
				Steps: []string{}, SealedComment: []byte{1, 2}, CreatedAt: now}
			if err := s.InsertReview(ctx, r); err != nil {
				t.Fatal(err)
			}
			got, err := s.Reviews(ctx, acme.ID, old.ID)
			if err != nil || len(got) != 1 || got[0].Stage != verification.StageFirstApproval || got[0].Actor != r.Actor ||
				!slices.Equal(got[0].Reasons, r.Reasons) || !slices.Equal(got[0].SealedComment, r.SealedComment) {
				t.Fatalf("Reviews: %+v, %v", got, err)
			}
			items, err := s.ReviewQueue(ctx, verification.QueueFilter{Tenants: []string{acme.ID}, Limit: 10}, now)
			if err != nil || items[0].FirstApprovals != 1 || items[1].FirstApprovals != 0 {
				t.Fatalf("first approvals in the queue: %+v, %v", items, err)
			}
			if got, err := s.Reviews(ctx, beta.ID, old.ID); err != nil || len(got) != 0 {
				t.Fatalf("another tenant sees the review: %v, %v", got, err)
			}
			codes := []verification.ReasonCode{{Code: "b_code", Outcome: verification.OutcomeReject, Label: "B"},
				{Code: "a_code", Outcome: verification.OutcomeApprove, Label: "A"}}
			if err := s.SetReasonCodes(ctx, acme.ID, codes); err != nil {
				t.Fatal(err)
			}
			if got, err := s.ReasonCodes(ctx, acme.ID); err != nil || !slices.Equal(got, codes) {
				t.Fatalf("ReasonCodes: %v, %v; want %v in order", got, err, codes)
			}
			if got, err := s.ReasonCodes(ctx, beta.ID); err != nil || len(got) != 0 {
				t.Fatalf("another tenant's codes: %v, %v", got, err)
			}
		})
		t.Run("any tenant lookup", func(t *testing.T) {
			v, err := s.VerificationAnyTenant(ctx, betaCase.ID)
			if err != nil || v.TenantID != beta.ID {
				t.Fatalf("got %+v, %v", v, err)
			}
		})
	})
}
