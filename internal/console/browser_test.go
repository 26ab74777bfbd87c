package console_test

// Browser test: the console in real headless Chromium (internal/browsertest)
// against a real kakunin (SQLite, job workers, face engine, webhook
// dispatcher). Staff sign in with password and TOTP (the code computed from
// the secret the enrolment page shows), change their initial password,
// claim a case the test created through the API and decide it; the test
// then checks the API, the webhook receiver and the audit chain.
// Screenshots go to $KAKUNIN_TEST_OUTPUT (default $TMPDIR/kakunin-browser);
// with KAKUNIN_UPDATE_SCREENSHOTS=1 the documented ones are copied into
// docs/screenshots.

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/kakunin-dev/kakunin/internal/browsertest"
	"github.com/kakunin-dev/kakunin/internal/config"
	"github.com/kakunin-dev/kakunin/internal/console"
	"github.com/kakunin-dev/kakunin/internal/facetest"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// hooks receives webhook deliveries and keeps "type object_id".
type hooks struct {
	mu     sync.Mutex
	events []string
}

func (h *hooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var ev struct {
		Type string `json:"type"`
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &ev)
	h.mu.Lock()
	h.events = append(h.events, ev.Type+" "+ev.Data.ID)
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *hooks) has(s string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Contains(h.events, s)
}

// chartPhoto is a synthetic photo of a test chart: a colour gradient under
// a checkerboard, sharp enough for the quality gate, with no face in it,
// and small once screenshotted.
func chartPhoto(t *testing.T, w, h int, tone uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(80 + 100*x/w), uint8(90 + 80*y/h), 140 + tone*40, 255}
			if (x/40+y/40)%2 == 0 {
				c = color.RGBA{c.R / 3, c.G / 3, c.B / 3, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type apiCase struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Decision *struct {
		Status    string   `json:"status"`
		Reasons   []string `json:"reasons"`
		DecidedBy string   `json:"decided_by"`
	} `json:"decision"`
	Checks []struct {
		Name    string   `json:"name"`
		Status  string   `json:"status"`
		Reasons []string `json:"reasons"`
	} `json:"checks"`
}

func upload(t *testing.T, s *browsertest.Server, id, kind string, file []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", "upload.jpg")
	_, _ = fw.Write(file)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, s.Base+"/v1/verifications/"+id+"/evidence", &buf)
	req.Header.Set("Authorization", "Bearer "+s.Key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("upload %s: %d %s", kind, res.StatusCode, b)
	}
}

// documentCase creates a document_image verification through the API with
// the given selfie and document photos, submits it and waits for the
// machine's decision.
func documentCase(t *testing.T, s *browsertest.Server, reference string, selfie, document []byte) apiCase {
	t.Helper()
	var v apiCase
	s.Call(t, http.MethodPost, "/v1/verifications", map[string]any{"method": "document_image", "law": "none", "reference_id": reference,
		"applicant": map[string]string{"name": "見本 花子", "birth_date": "1990-04-01", "address": "東京都千代田区千代田1-1"}}, &v)
	upload(t, s, v.ID, "selfie", selfie)
	upload(t, s, v.ID, "document_front", document)
	s.Call(t, http.MethodPost, "/v1/verifications/"+v.ID+"/submit", nil, nil)
	for deadline := time.Now().Add(3 * time.Minute); ; {
		s.Call(t, http.MethodGet, "/v1/verifications/"+v.ID, nil, &v)
		if v.Status != "processing" && v.Status != "created" && v.Status != "awaiting_input" {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("case %s still %s", v.ID, v.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// staffMember is a console user the test signs in as.
type staffMember struct {
	email, password string
	actor           string
}

func newStaff(t *testing.T, s *browsertest.Server, email, role string, tenants ...string) *staffMember {
	t.Helper()
	ctx := context.Background()
	pw, err := console.CreateUser(ctx, s.App.Store, email, role, tenants)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.App.Store.ConsoleUserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	return &staffMember{email: email, password: pw, actor: "console:" + u.ID}
}

type consoleBrowser struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot *browsertest.Shots
}

func (b *consoleBrowser) run(actions ...chromedp.Action) {
	b.t.Helper()
	c, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Run(c, actions...); err != nil {
		var url, text string
		_ = chromedp.Run(b.ctx, chromedp.Location(&url), chromedp.Evaluate(`document.body?.innerText || ''`, &text))
		b.t.Fatalf("%v (at %s):\n%s", err, url, text)
	}
}

func (b *consoleBrowser) open(path string) { b.t.Helper(); b.run(chromedp.Navigate(b.base + path)) }

// heading waits until the page's heading is title and checks the page's
// accessibility (the heading takes the focus through autofocus).
func (b *consoleBrowser) heading(title string) {
	b.t.Helper()
	var got string
	for deadline := time.Now().Add(30 * time.Second); ; {
		_ = chromedp.Run(b.ctx, chromedp.Evaluate(`document.activeElement?.tagName === 'H1' ? document.querySelector('h1').innerText : ''`, &got))
		if got == title {
			break
		}
		if time.Now().After(deadline) {
			var url, text string
			_ = chromedp.Run(b.ctx, chromedp.Location(&url), chromedp.Evaluate(`document.body?.innerText || ''`, &text))
			b.t.Fatalf("page %q with focus on its heading not reached (at %s):\n%s", title, url, text)
		}
		time.Sleep(50 * time.Millisecond)
	}
	browsertest.A11y(b.t, b.ctx, title)
}

func (b *consoleBrowser) text() string {
	b.t.Helper()
	var s string
	b.run(chromedp.Evaluate(`document.querySelector('main').innerText`, &s))
	return s
}

func (b *consoleBrowser) submit(form string) {
	b.t.Helper()
	browsertest.Click(b.t, b.ctx, form+` button[type=submit]`)
}

// status fetches path in the page (with the session's cookie) and returns
// the HTTP status.
func (b *consoleBrowser) status(path string) int {
	b.t.Helper()
	var st int
	b.run(chromedp.Evaluate(fmt.Sprintf(`fetch(%q, {redirect: 'manual'}).then(r => r.status)`, path), &st,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	return st
}

// signIn signs m in: password, TOTP enrolment (the code computed from the
// secret the page shows), and the forced change of the initial password.
func (b *consoleBrowser) signIn(m *staffMember, shots bool) {
	b.t.Helper()
	b.open("/console/login")
	b.heading("Sign in")
	b.run(chromedp.SendKeys("#email", m.email, chromedp.ByQuery), chromedp.SendKeys("#password", m.password, chromedp.ByQuery))
	if shots {
		b.shot.Take(b.ctx, "login")
		publish(b.t, b.ctx, "login")
	}
	b.submit(`form[action="/console/login"]`)
	b.heading("Second factor")
	var key string
	b.run(chromedp.Text("code.secret", &key, chromedp.ByQuery))
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(key)
	if err != nil {
		b.t.Fatalf("TOTP secret %q: %v", key, err)
	}
	var qrOK bool
	err = chromedp.Run(b.ctx, chromedp.Poll(`document.querySelector('img.qr').complete && document.querySelector('img.qr').naturalWidth > 0`,
		&qrOK, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil || !qrOK {
		b.t.Errorf("the enrolment QR code did not load: %v", err)
	}
	if shots {
		b.shot.Take(b.ctx, "totp-enrol")
	}
	b.run(chromedp.SendKeys("#code", console.TOTPCode(secret, time.Now()), chromedp.ByQuery))
	b.submit(`form[action="/console/login/totp"]`)
	b.heading("Change password")
	next := "correct horse battery staple " + m.email
	b.run(chromedp.SendKeys("#current", m.password, chromedp.ByQuery), chromedp.SendKeys("#new", next, chromedp.ByQuery),
		chromedp.SendKeys("#confirm", next, chromedp.ByQuery))
	b.submit(`form[action="/console/password"]`)
	b.heading("Console")
	m.password = next
}

func (b *consoleBrowser) signOut() {
	b.t.Helper()
	b.open("/console/")
	b.heading("Console")
	b.submit(`form[action="/console/logout"]`)
	b.heading("Sign in")
}

// publish copies the test's screenshot into docs/screenshots when
// KAKUNIN_UPDATE_SCREENSHOTS is set.
func publish(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("KAKUNIN_UPDATE_SCREENSHOTS") == "" {
		return
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(browsertest.RepoRoot(), "docs", "screenshots", "console-"+name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserConsole(t *testing.T) {
	s := browsertest.NewServer(t, func(cfg *config.Config) {
		cfg.Webhooks.AllowPrivate, cfg.Webhooks.AllowHTTP = true, true
		// Five staff members sign in from one address within a minute.
		cfg.Console.SignInPerMinute = 0
	})
	ctx := context.Background()
	shop, err := s.App.Store.TenantByName(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.CreateTenant(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	rec := &hooks{}
	hook := httptest.NewServer(rec)
	defer hook.Close()
	s.Call(t, http.MethodPost, "/v1/webhook_endpoints", map[string]any{"url": hook.URL + "/hook", "events": []string{"*"}}, nil)

	// A case for review: photos with no face in them, and no document
	// checks yet.
	v := documentCase(t, s, "console-browser-1", chartPhoto(t, 640, 480, 0), chartPhoto(t, 800, 500, 1))
	if v.Status != "review" {
		t.Fatalf("case %s: %s %+v; want review", v.ID, v.Status, v.Decision)
	}
	// A case that needs a supervisor: the selfie and the document show two
	// different people (face-api's MIT-licensed sample photos).
	faces, err := facetest.ByFrontality(ctx, s.App.Faces, filepath.Join(browsertest.RepoRoot(), "models"), 2)
	browsertest.Need(t, err == nil, fmt.Sprintf("sample faces: %v", err))
	photo := func(f *facetest.Face) []byte {
		b, err := facetest.JPEG(f.Frames([]synth.FaceState{{}})[0])
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	portrait, err := faces[1].Portrait()
	if err != nil {
		t.Fatal(err)
	}
	mismatch := documentCase(t, s, "console-browser-2", photo(faces[0]), portrait)
	if mismatch.Status != "review" || mismatch.Decision == nil || !slices.Contains(mismatch.Decision.Reasons, "face_mismatch") {
		t.Fatalf("mismatch case %s: %s %+v %+v; want review with face_mismatch", mismatch.ID, mismatch.Status, mismatch.Decision, mismatch.Checks)
	}

	rev := newStaff(t, s, "reviewer@example.jp", "reviewer")
	sup := newStaff(t, s, "supervisor@example.jp", "supervisor")
	bpo := newStaff(t, s, "bpo@example.jp", "bpo_reviewer", "other")
	aud := newStaff(t, s, "auditor@example.jp", "auditor")

	b := &consoleBrowser{t: t, ctx: browsertest.Browser(t, "", 1280, 900), base: s.Base, shot: browsertest.NewShots(t)}
	b.signIn(rev, true)

	// The queue lists both cases; the mismatch one is marked 4-eyes.
	b.open("/console/queue")
	b.heading("Review queue")
	if q := b.text(); !strings.Contains(q, v.ID) || !strings.Contains(q, mismatch.ID) || !strings.Contains(q, "4-eyes") {
		t.Fatalf("queue lacks the cases:\n%s", q)
	}
	b.shot.Take(b.ctx, "queue")
	publish(t, b.ctx, "queue")

	// Claim and approve the first case with a reason code.
	casePage := "/console/cases/" + v.ID
	browsertest.Click(t, b.ctx, `a[href="`+casePage+`"]`)
	b.heading("Case " + v.ID)
	b.submit(`form[action="` + casePage + `/claim"]`)
	b.heading("Case " + v.ID)
	if page := b.text(); !strings.Contains(page, "Claimed by you") || !strings.Contains(page, "見本 花子") {
		t.Fatalf("case page after claiming:\n%s", page)
	}
	// The photos are decrypted on request and may arrive after the page:
	// wait for both (a loaded machine can take seconds), then judge.
	var loaded bool
	err = chromedp.Run(b.ctx, chromedp.Poll(`[...document.querySelectorAll('.side-by-side img')].every(i => i.complete && i.naturalWidth > 0) && document.querySelectorAll('.side-by-side img').length === 2`,
		&loaded, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil || !loaded {
		t.Errorf("the evidence photos did not load side by side: %v", err)
	}
	b.shot.Take(b.ctx, "case")
	publish(t, b.ctx, "case")
	b.run(chromedp.Click("#reason-identity_confirmed", chromedp.ByQuery),
		chromedp.SendKeys("#comment-approve", "Photos checked by hand in the browser test", chromedp.ByQuery))
	b.submit(`form.decision.approve`)
	b.heading("Review queue")
	if q := b.text(); strings.Contains(q, v.ID) {
		t.Fatalf("the approved case is still in the queue:\n%s", q)
	}

	// The API, the webhook and the audit chain agree.
	var got apiCase
	s.Call(t, http.MethodGet, "/v1/verifications/"+v.ID, nil, &got)
	if got.Status != "approved" || got.Decision == nil || got.Decision.DecidedBy != rev.actor || !slices.Equal(got.Decision.Reasons, []string{"identity_confirmed"}) {
		t.Fatalf("after approval the API says %s %+v; want approved by %s for identity_confirmed", got.Status, got.Decision, rev.actor)
	}
	waitFor(t, "the verification.approved webhook", func() bool { return rec.has("verification.approved " + v.ID) })
	waitFor(t, "the delivery to be recorded", func() bool {
		var events struct {
			Data []struct {
				Type       string
				ObjectID   string `json:"object_id"`
				Deliveries []struct{ Status string }
			}
		}
		s.Call(t, http.MethodGet, "/v1/events", nil, &events)
		for _, e := range events.Data {
			if e.Type == "verification.approved" && len(e.Deliveries) == 1 && e.Deliveries[0].Status == "delivered" {
				return true
			}
		}
		return false
	})
	entries, err := s.App.Store.AuditEntries(ctx, shop.ID, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var decided bool
	for _, e := range entries {
		if e.Action == "review.decided" && e.ObjectID == v.ID && e.Actor == rev.actor && strings.Contains(e.Detail, `"identity_confirmed"`) {
			decided = true
		}
		if strings.Contains(e.Detail, "見本") || strings.Contains(e.Detail, "by hand") {
			t.Errorf("personal data or the comment in the audit chain: %s %s", e.Action, e.Detail)
		}
	}
	if !decided {
		t.Error("no review.decided entry by the reviewer in the tenant's audit chain")
	}
	if r, err := s.App.Audit.Verify(ctx, shop.ID); err != nil || !r.OK {
		t.Fatalf("audit chain: %+v, %v", r, err)
	}

	// 4-eyes: the reviewer's approval of the mismatch case is only the
	// first; they cannot give the second themselves.
	mPage := "/console/cases/" + mismatch.ID
	b.open(mPage)
	b.heading("Case " + mismatch.ID)
	if !strings.Contains(b.text(), "needs two approvals") {
		t.Fatal("the mismatch case does not say it needs two approvals")
	}
	b.submit(`form[action="` + mPage + `/claim"]`)
	b.heading("Case " + mismatch.ID)
	b.run(chromedp.Click("#reason-check_false_positive", chromedp.ByQuery))
	b.submit(`form.decision.approve`)
	b.heading("Case " + mismatch.ID)
	if page := b.text(); !strings.Contains(page, "First approval given by you") {
		t.Fatalf("after the first approval:\n%s", page)
	}
	b.submit(`form[action="` + mPage + `/claim"]`)
	b.heading("Case " + mismatch.ID)
	b.run(chromedp.Click("#reason-check_false_positive", chromedp.ByQuery))
	b.submit(`form.decision.approve`)
	b.heading("Forbidden")
	if page := b.text(); !strings.Contains(page, "supervisor") {
		t.Fatalf("second approval by the same reviewer:\n%s", page)
	}
	s.Call(t, http.MethodGet, "/v1/verifications/"+mismatch.ID, nil, &got)
	if got.Status != "review" {
		t.Fatalf("after one reviewer's two approvals: %s; want still review", got.Status)
	}
	b.open(mPage)
	b.heading("Case " + mismatch.ID)
	b.submit(`form[action="` + mPage + `/unclaim"]`)
	b.heading("Review queue")
	b.signOut()

	// The supervisor gives the second approval.
	b.signIn(sup, false)
	b.open(mPage)
	b.heading("Case " + mismatch.ID)
	b.submit(`form[action="` + mPage + `/claim"]`)
	b.heading("Case " + mismatch.ID)
	b.run(chromedp.Click("#reason-check_false_positive", chromedp.ByQuery))
	b.submit(`form.decision.approve`)
	b.heading("Review queue")
	s.Call(t, http.MethodGet, "/v1/verifications/"+mismatch.ID, nil, &got)
	if got.Status != "approved" || got.Decision.DecidedBy != sup.actor {
		t.Fatalf("after the supervisor: %s %+v; want approved by %s", got.Status, got.Decision, sup.actor)
	}
	waitFor(t, "the second case's webhook", func() bool { return rec.has("verification.approved " + mismatch.ID) })
	b.signOut()

	// A bpo_reviewer of another tenant: the case is not found, and there
	// is no export.
	b.signIn(bpo, false)
	for path, want := range map[string]int{
		casePage: http.StatusNotFound, casePage + "/evidence/evd_00000000000000000000000000": http.StatusNotFound,
		"/console/audit/export.csv?tenant=" + shop.ID: http.StatusForbidden, "/console/audit/export.json?tenant=" + shop.ID: http.StatusForbidden,
		"/console/audit": http.StatusForbidden,
	} {
		if got := b.status(path); got != want {
			t.Errorf("bpo_reviewer GET %s: %d; want %d", path, got, want)
		}
	}
	b.open(casePage)
	b.heading("Not Found")
	b.open("/console/queue")
	b.heading("Review queue")
	if q := b.text(); strings.Contains(q, v.ID) || strings.Contains(q, mismatch.ID) {
		t.Fatalf("the bpo_reviewer's queue shows another tenant's case:\n%s", q)
	}
	b.signOut()

	// The auditor finds the review in the audit log.
	b.signIn(aud, false)
	b.open("/console/audit?tenant=" + shop.ID + "&object=" + v.ID)
	b.heading("Audit log")
	if page := b.text(); !strings.Contains(page, "review.decided") || !strings.Contains(page, rev.actor) {
		t.Fatalf("the audit search lacks the review:\n%s", page)
	}
	b.shot.Take(b.ctx, "audit")
	publish(t, b.ctx, "audit")
	if got := b.status("/console/audit/export.csv?tenant=" + shop.ID); got != http.StatusOK {
		t.Errorf("auditor export: %d; want 200", got)
	}

	// The dashboard counts what the test did.
	b.open("/console/dashboard")
	b.heading("Dashboard")
	var charts int
	b.run(chromedp.Evaluate(`document.querySelectorAll('svg[role=img] rect').length`, &charts))
	if page := b.text(); charts == 0 || !strings.Contains(page, "2 verifications in 30 days") || !strings.Contains(page, "2 approved by a reviewer") {
		t.Errorf("dashboard (%d bars):\n%s", charts, page)
	}
	b.shot.Take(b.ctx, "dashboard")
	publish(t, b.ctx, "dashboard")
	b.signOut()

	// An admin of the tenant sees its settings and the delivery log of the
	// approval's webhook.
	adm := newStaff(t, s, "admin@example.jp", "admin", "shop")
	b.signIn(adm, false)
	b.open("/console/settings/" + shop.ID)
	b.heading("Settings: shop")
	if page := b.text(); !strings.Contains(page, hook.URL+"/hook") || !strings.Contains(page, "Reason codes") || !strings.Contains(page, "7 years") {
		t.Errorf("settings page:\n%s", page)
	}
	b.shot.Take(b.ctx, "settings")
	publish(t, b.ctx, "settings")
	b.open("/console/settings/" + shop.ID + "/deliveries")
	b.heading("Webhook deliveries: shop")
	if page := b.text(); !strings.Contains(page, "verification.approved") || !strings.Contains(page, "delivered") {
		t.Errorf("delivery log:\n%s", page)
	}
	// A tenant's admin cannot administer the console's users.
	if got := b.status("/console/users"); got != http.StatusNotFound {
		t.Errorf("a tenant's admin GET /console/users: %d; want 404", got)
	}
	b.signOut()

	// An admin of every tenant disables the bpo_reviewer from the users page.
	root := newStaff(t, s, "root@example.jp", "admin")
	b.signIn(root, false)
	b.run(chromedp.Click(`header a[href="/console/users"]`, chromedp.ByQuery))
	b.heading("Users")
	bpoID := strings.TrimPrefix(bpo.actor, "console:")
	b.submit(`form[action="/console/users/` + bpoID + `/disable"]`)
	b.heading("Users")
	var status string
	b.run(chromedp.Text(`tr[id="`+bpoID+`"] td:nth-child(5)`, &status, chromedp.ByQuery))
	if page := b.text(); status != "disabled" || !strings.Contains(page, "reviewer@example.jp") || !strings.Contains(page, "Create a user") {
		t.Errorf("users page after disabling (status %q):\n%s", status, page)
	}
	b.shot.Take(b.ctx, "users")
	publish(t, b.ctx, "users")
	b.signOut()
	b.open("/console/login")
	b.heading("Sign in")
	b.run(chromedp.SendKeys("#email", bpo.email, chromedp.ByQuery), chromedp.SendKeys("#password", bpo.password, chromedp.ByQuery))
	b.submit(`form[action="/console/login"]`)
	b.heading("Sign in")
	if page := b.text(); !strings.Contains(page, "The email or password is wrong") {
		t.Errorf("a disabled user's sign-in:\n%s", page)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
