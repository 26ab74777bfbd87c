package api_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/synth"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

// Every decision appends an identity record; closing the relationship
// starts 7 years of retention, after which the purge job erases it all.
func TestIdentityRecordsAndRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newEnv(t, newDB(t))
		pki := serverTestPKI(t)
		c, err := pki.Issue(synth.JPKIGood, synth.JPKIHolderFor(synth.JPKITestSeed, 3))
		if err != nil {
			t.Fatal(err)
		}
		id := e.create(e.keyA, map[string]any{"method": "jpki", "reference_id": "cust-9", "applicant": map[string]string{"name": "申告 氏名"}}).ID
		p := payloadFor(t, id, e.nonce(id, e.keyA), nil)
		sig, _ := c.SignRaw(p)
		e.postJSON("/v1/verifications/"+id+"/jpki", e.keyA, map[string][]byte{"certificate": c.CertDER, "signature": sig, "payload": p})
		e.do(http.MethodPost, "/v1/verifications/"+id+"/submit", e.keyA, nil, "")
		e.waitDecided(id, e.keyA)

		var recs struct {
			Data []struct {
				ID         string
				Fields     map[string]any `json:"fields"`
				Attributes map[string]map[string]any
			}
		}
		e.do(http.MethodGet, "/v1/verifications/"+id+"/records", e.keyA, nil, "").json(t, &recs)
		if len(recs.Data) != 1 {
			t.Fatalf("records: got %d; want 1", len(recs.Data))
		}
		f := recs.Data[0].Fields
		doc, _ := f["document"].(map[string]any)
		if f["ordinance_method"] != "ワ" || f["decided_by"] != "machine" || doc["cert_serial"] != c.Cert.SerialNumber.Text(16) || recs.Data[0].Attributes != nil {
			t.Fatalf("record: got %+v; want method ワ, machine, the certificate serial and no attributes unless asked", recs.Data[0])
		}
		e.do(http.MethodGet, "/v1/verifications/"+id+"/records?expand=attributes", e.keyA, nil, "").json(t, &recs)
		if got := recs.Data[0].Attributes["identity"]["name"]; got != synth.JPKIHolderFor(synth.JPKITestSeed, 3).Name {
			t.Fatalf("record identity: got %v", recs.Data[0].Attributes)
		}
		if recs.Data[0].Attributes["applicant"]["name"] != "申告 氏名" {
			t.Fatalf("record applicant: got %v", recs.Data[0].Attributes)
		}
		// Another tenant sees nothing.
		if r := e.do(http.MethodGet, "/v1/verifications/"+id+"/records", e.keyB, nil, ""); r.Status != 404 {
			t.Fatalf("other tenant: got %d; want 404", r.Status)
		}

		closedAt := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
		r := e.postJSON("/v1/subjects/cust-9/close", e.keyA, map[string]any{"closed_at": closedAt})
		if r.Status != 200 || !strings.Contains(string(r.Body), closedAt.AddDate(7, 0, -2).Format("2006")) {
			t.Fatalf("close: got %d %s", r.Status, r.Body)
		}
		if r := e.postJSON("/v1/subjects/cust-9/close", e.keyA, map[string]any{"closed_at": time.Now().Add(time.Hour)}); r.Status != 422 {
			t.Fatalf("close in the future: got %d; want 422", r.Status)
		}
		ctx := context.Background()
		purgeAt := closedAt.Add(verification.RetentionAfterClose)
		if n, err := e.app.Verifications.PurgeDue(ctx, purgeAt.Add(-time.Second)); err != nil || n != 0 {
			t.Fatalf("a second before retention ends: purged %d, %v; want 0", n, err)
		}
		if n, err := e.app.Verifications.PurgeDue(ctx, purgeAt); err != nil || n != 1 {
			t.Fatalf("when retention ends: purged %d, %v; want 1", n, err)
		}
		e.do(http.MethodGet, "/v1/verifications/"+id+"/records", e.keyA, nil, "").json(t, &recs)
		got := e.get(id, e.keyA)
		if len(recs.Data) != 0 || got.RedactedAt == nil || len(got.Evidence) == 0 || !got.Evidence[0].Deleted {
			t.Fatalf("after purge: %d records, %+v; want none, redacted, evidence erased", len(recs.Data), got)
		}
		if n := countFiles(t, filepath.Join(e.dataDir, "evidence")); n != 0 {
			t.Fatalf("after purge: %d evidence objects on disk", n)
		}
		if n, _ := e.app.Verifications.PurgeDue(ctx, purgeAt.Add(time.Hour)); n != 0 {
			t.Fatalf("purge is not repeated: got %d", n)
		}
		if reports, err := e.app.Audit.VerifyAll(ctx); err != nil || !reports[0].OK {
			t.Fatalf("audit chain after purge: %+v %v", reports, err)
		}
	})
}
