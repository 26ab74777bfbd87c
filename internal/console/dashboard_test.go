package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/store/storetest"
)

func TestDashboard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newReviewEnv(t, newDB(t))
		approved := e.reviewCase(e.acme.ID, "customer-1")
		rejected := e.reviewCase(e.acme.ID, "customer-2")
		e.reviewCase(e.acme.ID, "customer-3") // still waiting
		e.reviewCase(e.other.ID, "other-1")
		e.clock.Add(2 * time.Hour)
		rev, _ := e.staff("rev@example.jp", "reviewer")
		for id, form := range map[string]url.Values{
			approved.ID: {"outcome": {"approve"}, "reason": {"identity_confirmed"}},
			rejected.ID: {"outcome": {"reject"}, "reason": {"document_expired"}},
		} {
			p := "/console/cases/" + id
			want(t, e.post(rev, p, p+"/claim", nil), http.StatusSeeOther, p)
			want(t, e.post(rev, p, p+"/decision", form), http.StatusSeeOther, "/console/queue")
		}
		e.clock.Add(26 * time.Hour)
		rev, _ = e.staff("sup@example.jp", "supervisor") // the first session has expired

		page := e.get(rev, "/console/dashboard")
		if page.status != http.StatusOK {
			t.Fatalf("dashboard: %d\n%s", page.status, page.body)
		}
		for _, s := range []string{
			`<svg viewBox="0 0 960 260" role="img"`, `class="m-document_image"`, // volumes
			"4 verifications in 30 days",
			"0 approved by the machine, 0 rejected by the machine, 1 approved by a reviewer, 1 rejected by a reviewer, 2 in review",
			"0.0 %", "50.0 %", // decided by the machine alone; approved and rejected
			">document_expired</text>",                                     // top rejection reasons
			"2 cases reviewed in the period; 2 waiting now.", "2 h 00 min", // review waits
			"2 over 24 h",
		} {
			if !strings.Contains(page.body, s) {
				t.Errorf("dashboard lacks %q", s)
			}
		}
		if t.Failed() {
			t.Fatal(page.body)
		}
		if r := e.get(rev, "/console/dashboard?tenant="+e.other.ID+"&days=7&mode=test"); !strings.Contains(r.body, "1 verifications in 7 days") {
			t.Errorf("dashboard of one tenant:\n%s", r.body)
		}
		if r := e.get(rev, "/console/dashboard?mode=live"); !strings.Contains(r.body, "Nothing to show") {
			t.Errorf("dashboard of live mode (no cases):\n%s", r.body)
		}

		// A bpo_reviewer sees their tenant's figures only, whatever the URL says.
		bpo, _ := e.staff("bpo@example.jp", "bpo_reviewer", "other")
		for _, path := range []string{"/console/dashboard", "/console/dashboard?tenant=" + e.acme.ID} {
			r := e.get(bpo, path)
			if r.status != http.StatusOK || !strings.Contains(r.body, "1 verifications in 30 days") || strings.Contains(r.body, "document_expired") ||
				strings.Contains(r.body, ">acme<") {
				t.Errorf("bpo dashboard %s: %d\n%s", path, r.status, r.body)
			}
		}
		if r := e.get(e.browser(), "/console/dashboard"); r.status != http.StatusSeeOther || r.location != "/console/login" {
			t.Errorf("dashboard without a session: %d → %s", r.status, r.location)
		}
	})
}
