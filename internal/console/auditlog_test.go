package console_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/audit"
	"github.com/kakunin-dev/kakunin/internal/store/storetest"
)

func TestAuditSearchAndExport(t *testing.T) {
	e := newReviewEnv(t, storetest.SQLite(t))
	v := e.reviewCase(e.acme.ID, "customer-8")
	casePage := "/console/cases/" + v.ID
	rev, revActor := e.staff("rev@example.jp", "reviewer")
	want(t, e.post(rev, casePage, casePage+"/claim", nil), http.StatusSeeOther, casePage)
	want(t, e.post(rev, casePage, casePage+"/decision", url.Values{"outcome": {"reject"}, "reason": {"document_expired"}}),
		http.StatusSeeOther, "/console/queue")

	aud, audActor := e.staff("aud@example.jp", "auditor")
	q := url.Values{"tenant": {e.acme.ID}, "from": {"2026-04-01"}, "to": {"2026-04-01"}, "action": {"review.decided"}}
	page := e.get(aud, "/console/audit?"+q.Encode())
	if page.status != http.StatusOK || !strings.Contains(page.body, revActor) || strings.Contains(page.body, "verification.created") {
		t.Fatalf("audit search: got %d\n%s\nwant only the review.decided entry", page.status, page.body)
	}
	if r := e.get(aud, "/console/audit?tenant="+e.acme.ID+"&from=2026-04-02"); strings.Contains(r.body, "<td>review.decided</td>") {
		t.Fatal("an entry before the period is listed")
	}

	q.Del("action")
	csvResp := e.get(aud, "/console/audit/export.csv?"+q.Encode())
	if csvResp.status != http.StatusOK || !strings.HasPrefix(csvResp.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(csvResp.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV export: got %d %v", csvResp.status, csvResp.header)
	}
	rows, err := csv.NewReader(strings.NewReader(csvResp.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][4] != "action" || len(rows) < 5 {
		t.Fatalf("CSV: %q", rows)
	}
	jsonResp := e.get(aud, "/console/audit/export.json?"+q.Encode())
	var entries []audit.Entry
	if err := json.Unmarshal([]byte(jsonResp.body), &entries); err != nil {
		t.Fatalf("JSON export: %v\n%s", err, jsonResp.body)
	}
	// The JSON holds one entry more than the CSV: the CSV export's own.
	if len(entries) != len(rows) || entries[len(entries)-1].Action != "audit.exported" {
		t.Fatalf("JSON has %d entries, CSV %d rows; want the CSV's and its export", len(entries), len(rows)-1)
	}
	// The exports are in the chain themselves, and the chain still verifies.
	if n := countPrefix(e.tenantActions(e.acme.ID), audActor+" audit.exported "); n != 2 {
		t.Fatalf("got %d audit.exported entries; want 2", n)
	}
	if r, err := audit.New(e.st, nil).Verify(t.Context(), e.acme.ID); err != nil || !r.OK {
		t.Fatalf("chain: %+v, %v", r, err)
	}

	bpo, _ := e.staff("bpo@example.jp", "bpo_reviewer", "acme")
	scoped, _ := e.staff("aud2@example.jp", "auditor", "other")
	for name, r := range map[string]resp{
		"reviewer searching":          e.get(rev, "/console/audit"),
		"bpo reviewer exporting":      e.get(bpo, "/console/audit/export.csv?tenant="+e.acme.ID),
		"bpo reviewer searching":      e.get(bpo, "/console/audit?tenant="+e.acme.ID),
		"auditor of another tenant":   e.get(scoped, "/console/audit?tenant="+e.acme.ID),
		"export of another tenant":    e.get(scoped, "/console/audit/export.json?tenant="+e.acme.ID),
		"scoped auditor, console log": e.get(scoped, "/console/audit?tenant=console"),
	} {
		wantStatus := http.StatusNotFound
		if strings.HasPrefix(name, "reviewer") || strings.HasPrefix(name, "bpo") {
			wantStatus = http.StatusForbidden
		}
		if r.status != wantStatus {
			t.Errorf("%s: got %d; want %d", name, r.status, wantStatus)
		}
	}
}
