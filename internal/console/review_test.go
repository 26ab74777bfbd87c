package console_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/audit"
	"github.com/kakunin-dev/kakunin/internal/blob"
	"github.com/kakunin-dev/kakunin/internal/console"
	"github.com/kakunin-dev/kakunin/internal/decision"
	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/tenant"
	"github.com/kakunin-dev/kakunin/internal/vault"
	"github.com/kakunin-dev/kakunin/internal/verification"
	"github.com/kakunin-dev/kakunin/internal/webhook"
)

// publisher records the events the service publishes (webhooks).
type publisher struct {
	mu     sync.Mutex
	events []string // "type object_id"
}

func (p *publisher) Publish(_ context.Context, _, _, eventType, objectID string, _ any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, eventType+" "+objectID)
	return nil
}

func (p *publisher) of(id string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, e := range p.events {
		if t, obj, _ := strings.Cut(e, " "); obj == id {
			out = append(out, t)
		}
	}
	return out
}

type noJobs struct{}

func (noJobs) EnqueueProcessing(context.Context, string, string) error { return nil }

// faceCheck stands in for the face engine: it fails with face_mismatch
// for references starting "mismatch", else passes.
type faceCheck struct{}

func (faceCheck) Name() string                              { return "face_match" }
func (faceCheck) Applies(v *verification.Verification) bool { return v.Face }
func (faceCheck) Run(_ context.Context, in *verification.Input) verification.CheckResult {
	score := 0.91
	if strings.HasPrefix(in.Verification.ReferenceID, "mismatch") {
		score = 0.12
		return verification.CheckResult{Status: verification.CheckFailed, Score: &score, Reasons: []string{"face_mismatch"},
			Details: map[string]any{"similarity": score, "threshold": 0.5}}
	}
	return verification.CheckResult{Status: verification.CheckPassed, Score: &score, Details: map[string]any{"similarity": score}}
}

// reviewEnv is a console with the verification service behind it.
type reviewEnv struct {
	*env
	svc    *verification.Service
	events *publisher
	vault  *vault.Vault
	acme   tenant.Tenant
	other  tenant.Tenant
	// tenants and hooks are the settings' services.
	tenants *tenant.Service
	hooks   *webhook.Dispatcher
}

func newReviewEnv(t *testing.T, dbURL string) *reviewEnv {
	t.Helper()
	return newReviewEnvPolicy(t, dbURL, webhook.URLPolicy{})
}

// newReviewEnvPolicy is newReviewEnv whose webhook registrations follow policy.
func newReviewEnvPolicy(t *testing.T, dbURL string, policy webhook.URLPolicy) *reviewEnv {
	t.Helper()
	ctx := context.Background()
	st, vlt := openStore(t, dbURL)
	blobs, err := blob.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &reviewEnv{env: &env{t: t, st: st, clock: &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}, logs: &bytes.Buffer{}},
		events: &publisher{}, vault: vlt}
	log := audit.New(st, e.clock.Now)
	e.svc = verification.NewService(verification.Deps{Store: st, Sealer: e.vault, Blobs: blobs, Audit: log, Events: e.events,
		Jobs: noJobs{}, Judge: decision.Judge, Checks: []verification.Check{faceCheck{}}, Records: st, Reviews: st, Policies: st, Now: e.clock.Now})
	e.tenants = tenant.NewService(st, e.clock.Now)
	e.hooks = &webhook.Dispatcher{Store: st, Sealer: e.vault, Jobs: &jobInserter{}, Policy: policy, Now: e.clock.Now}
	h := console.New(console.Deps{Store: st, Audit: log, Vault: e.vault, Cases: e.svc, Now: e.clock.Now,
		Keys: e.tenants, Webhooks: e.hooks, WebhookLog: st,
		Log: slog.New(slog.NewTextHandler(e.logs, nil))})
	e.srv = httptest.NewTLSServer(h)
	t.Cleanup(e.srv.Close)
	tenants := e.tenants
	for _, name := range []string{"acme", "other"} {
		tn, err := tenants.CreateTenant(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.vault.Seal(ctx, tn.ID, nil, []byte("provision")); err != nil {
			t.Fatal(err)
		}
		if name == "acme" {
			e.acme = tn
		} else {
			e.other = tn
		}
	}
	return e
}

func testJPEG(t *testing.T, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			img.Set(x, y, color.RGBA{uint8(x*7) ^ seed, uint8(y * 5), uint8((x + y) * 3), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// reviewCase creates a document_image verification through the service and
// processes it; the missing checks send it to review.
func (e *reviewEnv) reviewCase(tenantID, reference string) *verification.Verification {
	e.t.Helper()
	ctx := context.Background()
	c, err := e.svc.Create(ctx, tenantID, "test", "api:test", verification.CreateRequest{
		Method: verification.MethodDocumentImage, ReferenceID: reference, Law: verification.LawNone,
		Applicant: &verification.Applicant{Name: "山田 太郎", BirthDate: "1990-01-02", Address: "東京都千代田区1-2-3"}})
	if err != nil {
		e.t.Fatal(err)
	}
	v := c.Verification
	for i, k := range []verification.EvidenceKind{verification.KindDocumentFront, verification.KindSelfie} {
		if _, err := e.svc.AddEvidence(ctx, v, k, testJPEG(e.t, uint8(i*40)), "client"); err != nil {
			e.t.Fatal(err)
		}
	}
	if _, err := e.svc.Submit(ctx, tenantID, v.ID, "client"); err != nil {
		e.t.Fatal(err)
	}
	v, err = e.svc.Process(ctx, tenantID, v.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if v.Status != verification.StatusReview {
		e.t.Fatalf("case %s: status %s; want review (reasons %v)", reference, v.Status, v.Decision.Reasons)
	}
	return v
}

// staff creates a console user who has already chosen a password and
// returns a signed-in browser and the user's audit actor.
func (e *reviewEnv) staff(email, role string, tenants ...string) (*http.Client, string) {
	e.t.Helper()
	ctx := context.Background()
	pw := e.user(email, role, tenants...)
	u, err := e.st.ConsoleUserByEmail(ctx, email)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.SetConsolePassword(ctx, u.ID, u.PasswordHash, false); err != nil {
		e.t.Fatal(err)
	}
	b := e.browser()
	e.signIn(b, email, pw, nil)
	return b, "console:" + u.ID
}

// post sends a console form with the session's CSRF token, read off the
// page at from if it has a form, else off the home page.
func (e *reviewEnv) post(c *http.Client, from, path string, form url.Values) resp {
	e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	page := e.get(c, from)
	if !csrfRE.MatchString(page.body) {
		page = e.get(c, "/console/")
	}
	form.Set("csrf", csrf(e.t, page))
	return e.do(c, http.MethodPost, path, form)
}

func (e *reviewEnv) status(tenantID, id string) *verification.Verification {
	e.t.Helper()
	v, err := e.svc.Get(context.Background(), tenantID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func (e *reviewEnv) tenantActions(tenantID string) []string {
	e.t.Helper()
	entries, err := e.st.AuditEntries(context.Background(), tenantID, 0, 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, en := range entries {
		out = append(out, en.Actor+" "+en.Action+" "+en.ObjectID+" "+en.Detail)
	}
	return out
}

func countPrefix(list []string, prefix string) int {
	n := 0
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

var evidenceRE = regexp.MustCompile(`src="(/console/cases/ver_[^/"]+/evidence/evd_[^"]+)"`)

func TestReviewerApproves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newReviewEnv(t, newDB(t))
		ctx := context.Background()
		v := e.reviewCase(e.acme.ID, "customer-1")
		e.clock.Add(5 * time.Hour) // waiting since the machine's decision
		rev, revActor := e.staff("rev@example.jp", "reviewer")
		rev2, _ := e.staff("rev2@example.jp", "reviewer")
		casePage := "/console/cases/" + v.ID

		q := e.get(rev, "/console/queue")
		if q.status != http.StatusOK || !strings.Contains(q.body, v.ID) || !strings.Contains(q.body, `class="sla-warn"`) {
			t.Fatalf("queue: got %d\n%s\nwant the case, coloured amber after 5 h", q.status, q.body)
		}
		if r := e.get(rev, "/console/queue?method=jpki"); strings.Contains(r.body, v.ID) {
			t.Fatal("queue filtered to jpki lists a document_image case")
		}
		if r := e.get(rev, "/console/queue?reason=checks_unavailable&age=4h"); !strings.Contains(r.body, v.ID) {
			t.Fatalf("queue filtered by reason and age: case missing\n%s", r.body)
		}
		if r := e.get(rev, "/console/queue?mine=1"); strings.Contains(r.body, v.ID) {
			t.Fatal("an unclaimed case is listed as claimed by me")
		}

		page := e.get(rev, casePage)
		for _, s := range []string{"Declared vs proven", "山田 太郎", "face_match", "0.910", "checks_unavailable", "Claim this case"} {
			if !strings.Contains(page.body, s) {
				t.Fatalf("case page lacks %q:\n%s", s, page.body)
			}
		}
		imgs := evidenceRE.FindAllStringSubmatch(page.body, -1)
		if len(imgs) != 2 {
			t.Fatalf("got %d images on the case page; want document and selfie side by side", len(imgs))
		}
		img := e.get(rev, imgs[0][1])
		if img.status != http.StatusOK || img.header.Get("Content-Type") != "image/jpeg" || !strings.Contains(img.header.Get("Cache-Control"), "no-store") {
			t.Fatalf("image: got %d %q %q; want 200 image/jpeg no-store", img.status, img.header.Get("Content-Type"), img.header.Get("Cache-Control"))
		}
		if _, err := jpeg.Decode(strings.NewReader(img.body)); err != nil {
			t.Fatalf("image does not decode: %v", err)
		}

		// Deciding needs the claim; the claim is exclusive.
		approve := url.Values{"outcome": {"approve"}, "reason": {"identity_confirmed"}, "comment": {"checked by hand"}}
		if r := e.post(rev, casePage, casePage+"/decision", approve); r.status != http.StatusConflict {
			t.Fatalf("decision without claim: got %d; want 409\n%s", r.status, r.body)
		}
		want(t, e.post(rev, casePage, casePage+"/claim", nil), http.StatusSeeOther, casePage)
		if r := e.post(rev2, casePage, casePage+"/claim", nil); r.status != http.StatusConflict {
			t.Fatalf("second reviewer's claim: got %d; want 409", r.status)
		}
		if r := e.get(rev, "/console/queue?mine=1"); !strings.Contains(r.body, v.ID) {
			t.Fatal("a claimed case is missing from my queue")
		}
		if r := e.post(rev, casePage, casePage+"/decision", url.Values{"outcome": {"approve"}, "reason": {"face_mismatch_confirmed"}}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("approve with a rejection reason: got %d; want 422", r.status)
		}
		want(t, e.post(rev, casePage, casePage+"/decision", approve), http.StatusSeeOther, "/console/queue")

		got := e.status(e.acme.ID, v.ID)
		if got.Status != verification.StatusApproved || got.Decision.DecidedBy != revActor ||
			!slices.Equal(got.Decision.Reasons, []string{"identity_confirmed"}) || len(got.Decision.Rules) == 0 {
			t.Fatalf("after approval: %s %+v; want approved by %s with the machine's rules kept", got.Status, got.Decision, revActor)
		}
		if ev := e.events.of(v.ID); !slices.Equal(ev[len(ev)-1:], []string{"verification.approved"}) || slices.Contains(ev[:len(ev)-1], "verification.approved") {
			t.Fatalf("events %v; want one verification.approved, last", ev)
		}
		recs, _, err := e.svc.Records(ctx, "test", got, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 || recs[1].SupersedesID != recs[0].ID || recs[1].Fields["decided_by"] != revActor ||
			recs[1].Fields["decision"] != "approved" || recs[0].Fields["decided_by"] != "machine" {
			t.Fatalf("identity records: %+v; want the reviewer's superseding the machine's", recs)
		}
		if recs[1].SealedAttributes == nil {
			t.Fatal("the reviewer's identity record has no sealed attributes")
		}

		actions := e.tenantActions(e.acme.ID)
		// Every view of the case page is audited, with its read of the
		// applicant's data (the form helper views the page before each POST).
		views := countPrefix(actions, revActor+" case.viewed "+v.ID)
		if views < 5 {
			t.Errorf("got %d case.viewed entries; want one per view (5)", views)
		}
		for prefix, n := range map[string]int{
			revActor + " evidence.viewed " + v.ID:             1,
			revActor + " personal_data.read " + v.ID:          views + 1, // and once for the identity record
			revActor + " review.claimed " + v.ID:              1,
			revActor + " review.decided " + v.ID:              1,
			revActor + " verification.status_changed " + v.ID: 1,
			revActor + " identity_record.appended " + v.ID:    1,
		} {
			if got := countPrefix(actions, prefix); got != n {
				t.Errorf("audit %q: got %d entries; want %d\n%s", prefix, got, n, strings.Join(actions, "\n"))
			}
		}
		for _, a := range actions {
			if strings.Contains(a, "checked by hand") || strings.Contains(a, "山田") {
				t.Fatalf("comment or personal data in the audit chain: %s", a)
			}
		}
		if r, err := audit.New(e.st, nil).Verify(ctx, e.acme.ID); err != nil || !r.OK {
			t.Fatalf("tenant audit chain: %+v, %v", r, err)
		}
		// The decided case left the queue, and cannot be decided again.
		if r := e.get(rev, "/console/queue"); strings.Contains(r.body, v.ID) {
			t.Fatal("an approved case is still in the queue")
		}
		if r := e.post(rev, casePage, casePage+"/claim", nil); r.status != http.StatusConflict {
			t.Fatalf("claiming a decided case: got %d; want 409", r.status)
		}
		page = e.get(rev, casePage)
		if !strings.Contains(page.body, "checked by hand") || !strings.Contains(page.body, "approved by a reviewer") {
			t.Fatalf("case page after the decision lacks the review:\n%s", page.body)
		}
		trail := strings.Join(e.urls, "\n") + e.logs.String()
		if strings.Contains(trail, "山田") || strings.Contains(trail, "1990-01-02") {
			t.Fatalf("personal data in URLs or logs:\n%s", trail)
		}
	})
}

func TestSupervisorRequired(t *testing.T) {
	e := newReviewEnv(t, storetest.SQLite(t))
	v := e.reviewCase(e.acme.ID, "mismatch-1")
	if !e.svc.SupervisorRequired(v) {
		t.Fatalf("face_mismatch case (reasons %v) does not need a supervisor", v.Decision.Reasons)
	}
	casePage := "/console/cases/" + v.ID
	approve := url.Values{"outcome": {"approve"}, "reason": {"check_false_positive"}}
	first, _ := e.staff("first@example.jp", "reviewer")
	second, _ := e.staff("second@example.jp", "reviewer")
	sup, supActor := e.staff("sup@example.jp", "supervisor")

	if !strings.Contains(e.get(first, casePage).body, "needs two approvals") {
		t.Fatal("the case page does not say the case needs two approvals")
	}
	want(t, e.post(first, casePage, casePage+"/claim", nil), http.StatusSeeOther, casePage)
	want(t, e.post(first, casePage, casePage+"/decision", approve), http.StatusSeeOther, casePage)
	if s := e.status(e.acme.ID, v.ID).Status; s != verification.StatusReview {
		t.Fatalf("after one approval: %s; want still review", s)
	}
	if r := e.get(sup, "/console/queue"); !strings.Contains(r.body, "1st approval given") {
		t.Fatalf("queue does not show the first approval:\n%s", r.body)
	}
	// The same person cannot give the second approval.
	want(t, e.post(first, casePage, casePage+"/claim", nil), http.StatusSeeOther, casePage)
	if r := e.post(first, casePage, casePage+"/decision", approve); r.status != http.StatusForbidden {
		t.Fatalf("first reviewer approving again: got %d; want 403\n%s", r.status, r.body)
	}
	want(t, e.post(first, casePage, casePage+"/unclaim", nil), http.StatusSeeOther, "/console/queue")
	// Another reviewer is not a supervisor.
	want(t, e.post(second, casePage, casePage+"/claim", nil), http.StatusSeeOther, casePage)
	if r := e.post(second, casePage, casePage+"/decision", approve); r.status != http.StatusForbidden || !strings.Contains(r.body, "supervisor") {
		t.Fatalf("a second reviewer approving: got %d; want 403 naming the supervisor\n%s", r.status, r.body)
	}
	want(t, e.post(second, casePage, casePage+"/unclaim", nil), http.StatusSeeOther, "/console/queue")
	if s := e.status(e.acme.ID, v.ID).Status; s != verification.StatusReview {
		t.Fatalf("after refused approvals: %s; want still review", s)
	}
	want(t, e.post(sup, casePage, casePage+"/claim", nil), http.StatusSeeOther, casePage)
	want(t, e.post(sup, casePage, casePage+"/decision", approve), http.StatusSeeOther, "/console/queue")
	got := e.status(e.acme.ID, v.ID)
	if got.Status != verification.StatusApproved || got.Decision.DecidedBy != supActor {
		t.Fatalf("after the supervisor: %s by %s; want approved by %s", got.Status, got.Decision.DecidedBy, supActor)
	}
	recs, _, err := e.svc.Records(context.Background(), "test", got, false)
	if err != nil {
		t.Fatal(err)
	}
	review, _ := recs[len(recs)-1].Fields["review"].(map[string]any)
	if len(recs) != 2 || review["second_approval_by"] != supActor || review["first_approval_by"] == nil {
		t.Fatalf("identity records %+v; want one reviewer record naming both approvers", recs)
	}
	if ev := e.events.of(v.ID); countPrefix(ev, "verification.approved") != 1 {
		t.Fatalf("events %v; want exactly one verification.approved", ev)
	}
}

func TestSupervisorCannotApproveAlone(t *testing.T) {
	e := newReviewEnv(t, storetest.SQLite(t))
	v := e.reviewCase(e.acme.ID, "mismatch-2")
	casePage := "/console/cases/" + v.ID
	sup, _ := e.staff("sup@example.jp", "supervisor")
	approve := url.Values{"outcome": {"approve"}, "reason": {"identity_confirmed"}}
	want(t, e.post(sup, casePage, casePage+"/claim", nil), http.StatusSeeOther, casePage)
	want(t, e.post(sup, casePage, casePage+"/decision", approve), http.StatusSeeOther, casePage)
	want(t, e.post(sup, casePage, casePage+"/claim", nil), http.StatusSeeOther, casePage)
	if r := e.post(sup, casePage, casePage+"/decision", approve); r.status != http.StatusForbidden {
		t.Fatalf("a supervisor giving both approvals: got %d; want 403", r.status)
	}
	// Rejecting needs one person.
	reject := url.Values{"outcome": {"reject"}, "reason": {"face_mismatch_confirmed"}}
	want(t, e.post(sup, casePage, casePage+"/decision", reject), http.StatusSeeOther, "/console/queue")
	if got := e.status(e.acme.ID, v.ID); got.Status != verification.StatusRejected {
		t.Fatalf("after rejection: %s; want rejected", got.Status)
	}
}

func TestRequestResubmission(t *testing.T) {
	e := newReviewEnv(t, storetest.SQLite(t))
	v := e.reviewCase(e.acme.ID, "customer-2")
	casePage := "/console/cases/" + v.ID
	rev, _ := e.staff("rev@example.jp", "reviewer")
	want(t, e.post(rev, casePage, casePage+"/claim", nil), http.StatusSeeOther, casePage)
	if r := e.post(rev, casePage, casePage+"/decision", url.Values{"outcome": {"request_resubmission"}, "reason": {"image_unreadable"}}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("resubmission without steps: got %d; want 422", r.status)
	}
	want(t, e.post(rev, casePage, casePage+"/decision", url.Values{"outcome": {"request_resubmission"},
		"reason": {"image_unreadable"}, "step": {"selfie", "document"}}), http.StatusSeeOther, "/console/queue")
	got := e.status(e.acme.ID, v.ID)
	wantReasons := []string{"image_unreadable", "resubmission_requested", "resubmit_document", "resubmit_selfie"}
	if got.Status != verification.StatusRejected || !slices.Equal(got.Decision.Reasons, wantReasons) {
		t.Fatalf("got %s %v; want rejected %v", got.Status, got.Decision.Reasons, wantReasons)
	}
	if ev := e.events.of(v.ID); ev[len(ev)-1] != "verification.rejected" {
		t.Fatalf("events %v; want verification.rejected last", ev)
	}
}

func TestBPOReviewerTenantScope(t *testing.T) {
	e := newReviewEnv(t, storetest.SQLite(t))
	mine := e.reviewCase(e.acme.ID, "customer-3")
	theirs := e.reviewCase(e.other.ID, "customer-4")
	bpo, _ := e.staff("bpo@example.jp", "bpo_reviewer", "acme")

	q := e.get(bpo, "/console/queue")
	if !strings.Contains(q.body, mine.ID) || strings.Contains(q.body, theirs.ID) {
		t.Fatalf("bpo queue: want only the assigned tenant's case\n%s", q.body)
	}
	other := "/console/cases/" + theirs.ID
	for name, r := range map[string]resp{
		"case page":      e.get(bpo, other),
		"image":          e.get(bpo, other+"/evidence/evd_00000000000000000000000000"),
		"claim":          e.post(bpo, "/console/", other+"/claim", nil),
		"decision":       e.post(bpo, "/console/", other+"/decision", url.Values{"outcome": {"reject"}, "reason": {"document_expired"}}),
		"malformed case": e.get(bpo, "/console/cases/nonsense"),
	} {
		if r.status != http.StatusNotFound {
			t.Errorf("%s of another tenant: got %d; want 404", name, r.status)
		}
	}
	if s := e.status(e.other.ID, theirs.ID).Status; s != verification.StatusReview {
		t.Fatalf("the other tenant's case moved to %s", s)
	}

	// Images and personal data only while the bpo reviewer holds the case.
	casePage := "/console/cases/" + mine.ID
	page := e.get(bpo, casePage)
	if strings.Contains(page.body, "山田") || evidenceRE.MatchString(page.body) || !strings.Contains(page.body, "Claim the case to see") {
		t.Fatalf("bpo before claiming sees images or personal data:\n%s", page.body)
	}
	evs, err := e.svc.Evidence(context.Background(), mine)
	if err != nil {
		t.Fatal(err)
	}
	img := casePage + "/evidence/" + evs[0].ID
	if r := e.get(bpo, img); r.status != http.StatusForbidden {
		t.Fatalf("bpo image before claiming: got %d; want 403", r.status)
	}
	want(t, e.post(bpo, casePage, casePage+"/claim", nil), http.StatusSeeOther, casePage)
	if page := e.get(bpo, casePage); !strings.Contains(page.body, "山田") || !evidenceRE.MatchString(page.body) {
		t.Fatalf("bpo after claiming: images or personal data missing\n%s", page.body)
	}
	if r := e.get(bpo, img); r.status != http.StatusOK {
		t.Fatalf("bpo image after claiming: got %d; want 200", r.status)
	}
}

func TestDecisionNeedsCSRF(t *testing.T) {
	e := newReviewEnv(t, storetest.SQLite(t))
	v := e.reviewCase(e.acme.ID, "customer-5")
	casePage := "/console/cases/" + v.ID
	rev, _ := e.staff("rev@example.jp", "reviewer")
	good := csrf(t, e.get(rev, casePage))
	approve := func(token string) url.Values {
		f := url.Values{"outcome": {"approve"}, "reason": {"identity_confirmed"}}
		if token != "" {
			f.Set("csrf", token)
		}
		return f
	}
	tests := map[string]struct {
		path string
		form url.Values
		hdr  []string
	}{
		"claim without token":         {casePage + "/claim", url.Values{}, nil},
		"claim with a wrong token":    {casePage + "/claim", url.Values{"csrf": {good + "x"}}, nil},
		"decision without token":      {casePage + "/decision", approve(""), nil},
		"decision with a wrong token": {casePage + "/decision", approve(strings.Repeat("A", 43)), nil},
		"cross-site decision":         {casePage + "/decision", approve(good), []string{"Sec-Fetch-Site", "cross-site"}},
		"unclaim without token":       {casePage + "/unclaim", url.Values{}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if r := e.do(rev, http.MethodPost, tc.path, tc.form, tc.hdr...); r.status != http.StatusForbidden {
				t.Fatalf("got %d; want 403", r.status)
			}
		})
	}
	// With the token, the claim works; a decision without one still fails.
	want(t, e.do(rev, http.MethodPost, casePage+"/claim", url.Values{"csrf": {good}}), http.StatusSeeOther, casePage)
	if r := e.do(rev, http.MethodPost, casePage+"/decision", approve("")); r.status != http.StatusForbidden {
		t.Fatalf("decision without token while holding the claim: got %d; want 403", r.status)
	}
	if s := e.status(e.acme.ID, v.ID).Status; s != verification.StatusReview {
		t.Fatalf("status %s; want review: no refused POST may decide", s)
	}
}

func TestAuditorIsReadOnly(t *testing.T) {
	e := newReviewEnv(t, storetest.SQLite(t))
	v := e.reviewCase(e.acme.ID, "customer-6")
	casePage := "/console/cases/" + v.ID
	aud, _ := e.staff("aud@example.jp", "auditor")
	page := e.get(aud, casePage)
	if page.status != http.StatusOK || strings.Contains(page.body, "/claim") || strings.Contains(page.body, "/decision") {
		t.Fatalf("auditor case page: got %d; want it without claim or decision forms\n%s", page.status, page.body)
	}
	for name, r := range map[string]resp{
		"claim":    e.post(aud, "/console/", casePage+"/claim", nil),
		"decision": e.post(aud, "/console/", casePage+"/decision", url.Values{"outcome": {"approve"}, "reason": {"identity_confirmed"}}),
	} {
		if r.status != http.StatusForbidden {
			t.Errorf("auditor %s: got %d; want 403", name, r.status)
		}
	}
	if s := e.status(e.acme.ID, v.ID).Status; s != verification.StatusReview {
		t.Fatalf("status %s; want review", s)
	}
}

func TestClaimExpires(t *testing.T) {
	e := newReviewEnv(t, storetest.SQLite(t))
	v := e.reviewCase(e.acme.ID, "customer-7")
	casePage := "/console/cases/" + v.ID
	a, _ := e.staff("a@example.jp", "reviewer")
	want(t, e.post(a, casePage, casePage+"/claim", nil), http.StatusSeeOther, casePage)
	e.clock.Add(verification.ClaimTTL + time.Second)
	b, _ := e.staff("b@example.jp", "reviewer")
	want(t, e.post(b, casePage, casePage+"/claim", nil), http.StatusSeeOther, casePage)
	if page := e.get(b, casePage); !strings.Contains(page.body, "Claimed by you") {
		t.Fatalf("after taking over an expired claim:\n%s", page.body)
	}
}
