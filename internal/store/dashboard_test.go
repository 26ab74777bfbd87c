package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/console"
	"github.com/kakunin-dev/kakunin/internal/ids"
	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

func TestDashboardStatsContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		ctx := context.Background()
		s := open(t, newDB(t))
		acme, beta := newTenant(t, s, "acme"), newTenant(t, s, "beta")
		// JST days: 2026-04-01 ends at 15:00 UTC.
		day1 := time.Date(2026, 4, 1, 14, 59, 0, 0, time.UTC) // 23:59 JST on the 1st
		day2 := time.Date(2026, 4, 1, 15, 1, 0, 0, time.UTC)  // 00:01 JST on the 2nd
		now := time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC)
		add := func(tenantID, mode string, method verification.Method, at time.Time, status verification.Status, by string, reasons ...string) *verification.Verification {
			t.Helper()
			v := newVerification(tenantID, status)
			v.Mode, v.Method, v.CreatedAt, v.UpdatedAt = mode, method, at, at
			if by != "" {
				decided := at.Add(time.Minute)
				v.DecidedAt = &decided
				v.Decision = &verification.Decision{Status: status, Reasons: reasons, DecidedBy: by, DecidedAt: decided}
			}
			if err := s.InsertVerification(ctx, v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		add(acme.ID, "test", verification.MethodDocumentImage, day1, verification.StatusApproved, "machine")
		add(acme.ID, "test", verification.MethodJPKI, day1, verification.StatusRejected, "machine", "face_mismatch", "underage")
		reviewed := add(acme.ID, "test", verification.MethodDocumentImage, day2, verification.StatusRejected, "console:usr_a", "document_expired", "underage")
		waiting := add(acme.ID, "test", verification.MethodDocumentImage, day2, verification.StatusReview, "machine", "checks_unavailable")
		add(acme.ID, "live", verification.MethodDocumentImage, day2, verification.StatusApproved, "machine")
		add(acme.ID, "test", verification.MethodDocumentImage, day2, verification.StatusCreated, "")
		add(beta.ID, "test", verification.MethodICChip, day1, verification.StatusApproved, "machine")
		add(acme.ID, "test", verification.MethodDocumentImage, day1.Add(-72*time.Hour), verification.StatusRejected, "machine", "expired_before")

		// The reviewed case: the machine's record, a first approval, then
		// the final rejection two hours after the machine's decision.
		machineAt := day2.Add(time.Minute)
		if err := s.InsertIdentityRecord(ctx, &verification.IdentityRecord{ID: ids.New("rec"), TenantID: acme.ID, VerificationID: reviewed.ID,
			ReferenceID: "r", RecordedAt: machineAt, Fields: map[string]any{"decided_by": "machine"}}); err != nil {
			t.Fatal(err)
		}
		for _, r := range []*verification.Review{
			{Stage: verification.StageFirstApproval, Outcome: verification.OutcomeApprove, CreatedAt: machineAt.Add(time.Hour)},
			{Stage: verification.StageFinal, Outcome: verification.OutcomeReject, CreatedAt: machineAt.Add(2 * time.Hour)},
		} {
			r.ID, r.TenantID, r.VerificationID, r.Actor, r.Reasons, r.Steps = ids.New("rev"), acme.ID, reviewed.ID, "console:usr_a", []string{"document_expired"}, []string{}
			if err := s.InsertReview(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		_ = waiting

		period := console.StatsQuery{AllTenants: true, From: day1.Add(-24 * time.Hour), To: now, Now: now}
		st, err := s.DashboardStats(ctx, period)
		if err != nil {
			t.Fatal(err)
		}
		wantVolumes := []console.DayCount{
			{Day: "2026-04-01", Method: "document_image", Count: 1}, {Day: "2026-04-01", Method: "ic_chip", Count: 1},
			{Day: "2026-04-01", Method: "jpki", Count: 1}, {Day: "2026-04-02", Method: "document_image", Count: 4},
		}
		if !slices.Equal(st.Volumes, wantVolumes) {
			t.Errorf("volumes: got %+v; want %+v", st.Volumes, wantVolumes)
		}
		wantOutcomes := []console.OutcomeCount{
			{Status: "approved", Count: 3}, {Status: "created", Count: 1}, {Status: "rejected", Count: 1},
			{Status: "rejected", Reviewed: true, Count: 1}, {Status: "review", Count: 1},
		}
		if !slices.Equal(st.Outcomes, wantOutcomes) {
			t.Errorf("outcomes: got %+v; want %+v", st.Outcomes, wantOutcomes)
		}
		wantReasons := []console.ReasonCount{{Reason: "underage", Count: 2}, {Reason: "document_expired", Count: 1}, {Reason: "face_mismatch", Count: 1}}
		if !slices.Equal(st.RejectionReasons, wantReasons) {
			t.Errorf("rejection reasons: got %+v; want %+v", st.RejectionReasons, wantReasons)
		}
		if !slices.Equal(st.ReviewWaits, []time.Duration{2 * time.Hour}) {
			t.Errorf("review waits: got %v; want [2h]", st.ReviewWaits)
		}
		if want := now.Sub(day2.Add(time.Minute)); !slices.Equal(st.Waiting, []time.Duration{want}) {
			t.Errorf("waiting: got %v; want [%v]", st.Waiting, want)
		}

		t.Run("scoped to tenants and mode", func(t *testing.T) {
			q := period
			q.AllTenants, q.Tenants, q.Mode = false, []string{beta.ID}, "test"
			st, err := s.DashboardStats(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(st.Volumes, []console.DayCount{{Day: "2026-04-01", Method: "ic_chip", Count: 1}}) ||
				!slices.Equal(st.Outcomes, []console.OutcomeCount{{Status: "approved", Count: 1}}) ||
				len(st.RejectionReasons) != 0 || len(st.ReviewWaits) != 0 || len(st.Waiting) != 0 {
				t.Errorf("beta only: got %+v", st)
			}
			q.Tenants, q.Mode = []string{acme.ID}, "live"
			if st, err = s.DashboardStats(ctx, q); err != nil || !slices.Equal(st.Outcomes, []console.OutcomeCount{{Status: "approved", Count: 1}}) {
				t.Errorf("acme live: got %+v, %v", st.Outcomes, err)
			}
		})
		t.Run("no tenants, nothing", func(t *testing.T) {
			st, err := s.DashboardStats(ctx, console.StatsQuery{From: period.From, To: now, Now: now})
			if err != nil || st.Volumes != nil || st.Outcomes != nil || st.Waiting != nil {
				t.Errorf("got %+v, %v; want nothing", st, err)
			}
		})
		t.Run("the period bounds reviews too", func(t *testing.T) {
			q := period
			q.To = machineAt.Add(time.Hour) // before the final review
			st, err := s.DashboardStats(ctx, q)
			if err != nil || len(st.ReviewWaits) != 0 {
				t.Errorf("got %v, %v; want no review waits", st.ReviewWaits, err)
			}
		})
	})
}
