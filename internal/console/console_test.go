package console_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
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
	"github.com/kakunin-dev/kakunin/internal/vault"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t     *testing.T
	st    *store.Store
	clock *clock
	srv   *httptest.Server
	h     *console.Handler
	logs  *bytes.Buffer
	// urls collects every URL requested and every Location answered, to
	// check no personal data travels in them.
	urls []string
}

// openStore opens and migrates the test database, with a vault over it.
func openStore(t *testing.T, dbURL string) (*store.Store, *vault.Vault) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	km, err := vault.ParseMasterKeys("k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		t.Fatal(err)
	}
	return st, vault.New(km, st)
}

func newEnv(t *testing.T, dbURL string, insecure bool, opts ...func(*console.Deps)) *env {
	t.Helper()
	st, vlt := openStore(t, dbURL)
	e := &env{t: t, st: st, clock: &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}, logs: &bytes.Buffer{}}
	d := console.Deps{Store: st, Audit: audit.New(st, e.clock.Now), Vault: vlt,
		Now: e.clock.Now, Log: slog.New(slog.NewTextHandler(e.logs, nil)), InsecureCookie: insecure}
	for _, o := range opts {
		o(&d)
	}
	h := console.New(d)
	e.h = h
	if insecure {
		e.srv = httptest.NewServer(h)
	} else {
		e.srv = httptest.NewTLSServer(h)
	}
	t.Cleanup(e.srv.Close)
	return e
}

// browser is one cookie jar that does not follow redirects.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: e.srv.Client().Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return c
}

type resp struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (e *env) do(c *http.Client, method, path string, form url.Values, hdr ...string) resp {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	e.urls = append(e.urls, req.URL.String(), res.Header.Get("Location"))
	return resp{status: res.StatusCode, body: string(b), location: res.Header.Get("Location"), header: res.Header}
}

func (e *env) get(c *http.Client, path string) resp { return e.do(c, http.MethodGet, path, nil) }

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrf(t *testing.T, r resp) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no CSRF field in page (status %d):\n%s", r.status, r.body)
	}
	return m[1]
}

func want(t *testing.T, r resp, status int, location string) {
	t.Helper()
	if r.status != status || r.location != location {
		t.Fatalf("got %d → %q; want %d → %q\n%s", r.status, r.location, status, location, r.body)
	}
}

// password submits the sign-in form.
func (e *env) password(c *http.Client, email, password string) resp {
	e.t.Helper()
	page := e.get(c, "/console/login")
	return e.do(c, http.MethodPost, "/console/login", url.Values{"csrf": {csrf(e.t, page)}, "email": {email}, "password": {password}})
}

var secretRE = regexp.MustCompile(`<code class="secret">([A-Z2-7]+)</code>`)

// enrol reads the TOTP secret off the enrolment page.
func (e *env) enrol(c *http.Client) []byte {
	e.t.Helper()
	page := e.get(c, "/console/login/totp")
	m := secretRE.FindStringSubmatch(page.body)
	if m == nil {
		e.t.Fatalf("no TOTP secret on the enrolment page (%d):\n%s", page.status, page.body)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(m[1])
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

func (e *env) code(c *http.Client, code string) resp {
	e.t.Helper()
	page := e.get(c, "/console/login/totp")
	return e.do(c, http.MethodPost, "/console/login/totp", url.Values{"csrf": {csrf(e.t, page)}, "code": {code}})
}

// signIn does both factors for an enrolled user, or enrols, and returns the
// TOTP secret.
func (e *env) signIn(c *http.Client, email, password string, secret []byte) []byte {
	e.t.Helper()
	want(e.t, e.password(c, email, password), http.StatusSeeOther, "/console/login/totp")
	if secret == nil {
		secret = e.enrol(c)
	}
	r := e.code(c, console.TOTPCode(secret, e.clock.Now()))
	if r.status != http.StatusSeeOther {
		e.t.Fatalf("TOTP step: got %d\n%s", r.status, r.body)
	}
	return secret
}

func (e *env) actions() []string {
	e.t.Helper()
	entries, err := e.st.AuditEntries(context.Background(), console.AuditTenant, 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, en := range entries {
		out = append(out, en.Action+" "+en.Detail)
	}
	return out
}

func (e *env) user(email, role string, tenants ...string) string {
	e.t.Helper()
	pw, err := console.CreateUser(context.Background(), e.st, email, role, tenants)
	if err != nil {
		e.t.Fatal(err)
	}
	return pw
}

func TestSignInFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newEnv(t, newDB(t), false)
		ctx := context.Background()
		if _, err := tenant.NewService(e.st, nil).CreateTenant(ctx, "acme"); err != nil {
			t.Fatal(err)
		}
		initial := e.user("Rev@Example.JP", "reviewer", "acme")
		b := e.browser()

		want(t, e.get(b, "/console/"), http.StatusSeeOther, "/console/login")
		want(t, e.password(b, "rev@example.jp", "wrong password"), http.StatusUnauthorized, "")
		want(t, e.password(b, "nobody@example.jp", initial), http.StatusUnauthorized, "")
		// The email is matched case-insensitively.
		want(t, e.password(b, "REV@example.jp", initial), http.StatusSeeOther, "/console/login/totp")
		// Half signed in: the console itself is not open yet.
		want(t, e.get(b, "/console/"), http.StatusSeeOther, "/console/login/totp")
		want(t, e.get(b, "/console/password"), http.StatusSeeOther, "/console/login/totp")

		secret := e.enrol(b)
		if again := e.enrol(b); !bytes.Equal(again, secret) {
			t.Fatal("reloading the enrolment page changed the secret; want the one already shown")
		}
		qr := e.get(b, "/console/login/totp/qr.png")
		if qr.status != http.StatusOK || qr.header.Get("Content-Type") != "image/png" {
			t.Fatalf("QR: got %d %s; want 200 image/png", qr.status, qr.header.Get("Content-Type"))
		}
		if _, err := png.Decode(strings.NewReader(qr.body)); err != nil {
			t.Fatalf("QR is not a PNG: %v", err)
		}
		pendingCookie := cookie(b, e.srv.URL)
		want(t, e.code(b, "000000"), http.StatusUnauthorized, "")
		code := console.TOTPCode(secret, e.clock.Now())
		// First sign-in: the password must be changed before anything else.
		want(t, e.code(b, code), http.StatusSeeOther, "/console/password")
		if c := cookie(b, e.srv.URL); c == "" || c == pendingCookie {
			t.Fatal("the session token was not replaced after the second factor")
		}
		want(t, e.get(b, "/console/"), http.StatusSeeOther, "/console/password")

		page := e.get(b, "/console/password")
		if page.status != http.StatusOK || !strings.Contains(page.body, "first sign-in") {
			t.Fatalf("password page: %d\n%s", page.status, page.body)
		}
		tok := csrf(t, page)
		change := func(current, next, confirm string) resp {
			return e.do(b, http.MethodPost, "/console/password", url.Values{"csrf": {tok}, "current": {current}, "new": {next}, "confirm": {confirm}})
		}
		newPassword := "a long passphrase of mine"
		want(t, change(initial, "short", "short"), http.StatusUnprocessableEntity, "")
		want(t, change(initial, newPassword, newPassword+"x"), http.StatusUnprocessableEntity, "")
		want(t, change(initial, initial, initial), http.StatusUnprocessableEntity, "")
		want(t, change(initial, newPassword, newPassword), http.StatusSeeOther, "/console/")

		home := e.get(b, "/console/")
		if home.status != http.StatusOK || !strings.Contains(home.body, "reviewer") || !strings.Contains(home.body, "1 assigned") {
			t.Fatalf("home: got %d\n%s\nwant the role and tenant scope", home.status, home.body)
		}

		// Sign out, then in again with the new password; the same TOTP
		// code in the same 30 s is refused (replay), the next one works.
		want(t, e.do(b, http.MethodPost, "/console/logout", url.Values{"csrf": {csrf(t, home)}}), http.StatusSeeOther, "/console/login")
		want(t, e.get(b, "/console/"), http.StatusSeeOther, "/console/login")
		want(t, e.password(b, "rev@example.jp", initial), http.StatusUnauthorized, "")
		want(t, e.password(b, "rev@example.jp", newPassword), http.StatusSeeOther, "/console/login/totp")
		if strings.Contains(e.get(b, "/console/login/totp").body, "secret") {
			t.Fatal("an enrolled user was shown a new TOTP secret")
		}
		want(t, e.code(b, code), http.StatusUnauthorized, "")
		e.clock.Add(30 * time.Second)
		want(t, e.code(b, console.TOTPCode(secret, e.clock.Now())), http.StatusSeeOther, "/console/")
		want(t, e.get(b, "/console/"), http.StatusOK, "")

		var got []string
		for _, a := range e.actions() {
			got = append(got, strings.Fields(a)[0]+" "+reason(a))
		}
		wantActions := []string{
			"console.login_failed wrong_password", "console.login_failed unknown_user", "console.login_failed wrong_totp",
			"console.totp_enrolled ", "console.login_succeeded ", "console.password_changed ", "console.logout ",
			"console.login_failed wrong_password", "console.login_failed totp_reused", "console.login_succeeded ",
		}
		if !slices.Equal(got, wantActions) {
			t.Fatalf("audit actions:\n got %q\nwant %q", got, wantActions)
		}
		if r, err := audit.New(e.st, nil).Verify(ctx, console.AuditTenant); err != nil || !r.OK {
			t.Fatalf("console audit chain: %+v, %v", r, err)
		}

		// No personal data in URLs, logs or the audit chain.
		trail := strings.Join(e.urls, "\n") + e.logs.String() + strings.Join(e.actions(), "\n")
		for _, secret := range []string{"rev@example", "nobody@example", "REV@", initial, newPassword, code} {
			if strings.Contains(trail, secret) {
				t.Fatalf("%q appears in URLs, logs or audit entries:\n%s", secret, trail)
			}
		}
	})
}

// reason pulls "reason" out of an audit detail, "" if none.
func reason(entry string) string {
	m := regexp.MustCompile(`"reason":"([a-z_]+)"`).FindStringSubmatch(entry)
	if m == nil {
		return ""
	}
	return m[1]
}

func cookie(c *http.Client, base string) string {
	u, _ := url.Parse(base + "/console/")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == console.SessionCookie {
			return ck.Value
		}
	}
	return ""
}

func TestLockout(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), false)
	pw := e.user("sup@example.jp", "supervisor")
	b := e.browser()
	secret := e.signIn(b, "sup@example.jp", pw, nil) // enrol; the session stays open

	other := e.browser()
	for i := range console.MaxFailures {
		want(t, e.password(other, "sup@example.jp", "guess "+string(rune('a'+i))), http.StatusUnauthorized, "")
	}
	// Locked: the right password is refused, and the open session ended.
	want(t, e.password(other, "sup@example.jp", pw), http.StatusUnauthorized, "")
	want(t, e.get(b, "/console/"), http.StatusSeeOther, "/console/login")
	e.clock.Add(console.LockDuration - time.Second)
	want(t, e.password(other, "sup@example.jp", pw), http.StatusUnauthorized, "")
	e.clock.Add(2 * time.Second)
	e.signIn(other, "sup@example.jp", pw, secret)

	// Wrong TOTP codes count too: the password alone does not buy unlimited guesses.
	e.clock.Add(time.Minute)
	third := e.browser()
	want(t, e.password(third, "sup@example.jp", pw), http.StatusSeeOther, "/console/login/totp")
	for range console.MaxFailures - 1 {
		want(t, e.code(third, "000000"), http.StatusUnauthorized, "")
	}
	r := e.code(third, "000000")
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, `action="/console/login"`) {
		t.Fatalf("fifth wrong code: got %d\n%s\nwant the sign-in page (session ended)", r.status, r.body)
	}
	want(t, e.get(third, "/console/login/totp"), http.StatusSeeOther, "/console/login")

	var locks int
	for _, a := range e.actions() {
		if strings.HasPrefix(a, "console.user_locked ") {
			locks++
		}
	}
	if locks != 2 {
		t.Fatalf("got %d console.user_locked entries; want 2\n%q", locks, e.actions())
	}
}

// TestSignInThrottled: one address gets SignInPerMinute sign-in attempts,
// then 429 with Retry-After, across accounts and across both factors;
// another address is unaffected, and the bucket refills with time.
func TestSignInThrottled(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), false, func(d *console.Deps) { d.SignInPerMinute = 3 })
	pw := e.user("rev@example.jp", "reviewer")
	b := e.browser()
	for _, email := range []string{"a@example.jp", "b@example.jp", "c@example.jp"} {
		want(t, e.password(b, email, "guess"), http.StatusUnauthorized, "")
	}
	r := e.password(b, "rev@example.jp", pw) // the right password, but over the bound
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("4th attempt: got %d, Retry-After %q; want 429 with Retry-After\n%s", r.status, r.header.Get("Retry-After"), r.body)
	}
	// From another address the form is served and judged as usual.
	req := httptest.NewRequest(http.MethodPost, "/console/login", strings.NewReader("email=x"))
	req.RemoteAddr = "192.0.2.7:5555"
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code == http.StatusTooManyRequests {
		t.Fatal("another address was throttled")
	}
	// Throttled attempts are not audited (a flood would fill the chain).
	n := 0
	for _, a := range e.actions() {
		if strings.HasPrefix(a, "console.login_failed ") {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d console.login_failed entries; want 3 (the throttled attempt is not one)", n)
	}
	e.clock.Add(21 * time.Second) // one token back at 3 per minute
	want(t, e.password(b, "rev@example.jp", pw), http.StatusSeeOther, "/console/login/totp")
}

func TestSessionExpiry(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), false)
	pw := e.user("aud@example.jp", "auditor")
	b := e.browser()
	secret := e.signIn(b, "aud@example.jp", pw, nil)
	page := e.get(b, "/console/password")
	tok := csrf(t, page)
	pw2 := "auditors read everything"
	want(t, e.do(b, http.MethodPost, "/console/password", url.Values{"csrf": {tok}, "current": {pw}, "new": {pw2}, "confirm": {pw2}}),
		http.StatusSeeOther, "/console/")

	t.Run("idle", func(t *testing.T) {
		e.clock.Add(console.IdleTimeout - time.Minute)
		want(t, e.get(b, "/console/"), http.StatusOK, "") // activity restarts the idle clock
		e.clock.Add(console.IdleTimeout - time.Minute)
		want(t, e.get(b, "/console/"), http.StatusOK, "")
		e.clock.Add(console.IdleTimeout)
		want(t, e.get(b, "/console/"), http.StatusSeeOther, "/console/login")
	})
	t.Run("absolute", func(t *testing.T) {
		e.clock.Add(time.Minute)
		e.signIn(b, "aud@example.jp", pw2, secret)
		start := e.clock.Now()
		for e.clock.Now().Sub(start) < console.AbsoluteTimeout-20*time.Minute {
			e.clock.Add(20 * time.Minute)
			want(t, e.get(b, "/console/"), http.StatusOK, "")
		}
		e.clock.Add(20 * time.Minute)
		want(t, e.get(b, "/console/"), http.StatusSeeOther, "/console/login")
	})
	t.Run("second factor", func(t *testing.T) {
		want(t, e.password(b, "aud@example.jp", pw2), http.StatusSeeOther, "/console/login/totp")
		e.clock.Add(console.SecondFactorTimeout)
		want(t, e.get(b, "/console/login/totp"), http.StatusSeeOther, "/console/login")
	})
}

func TestCSRFRefused(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), false)
	pw := e.user("rev@example.jp", "reviewer")
	b := e.browser()
	e.signIn(b, "rev@example.jp", pw, nil)
	good := csrf(t, e.get(b, "/console/password"))

	loginPage := e.get(e.browser(), "/console/login") // signed-in browsers are sent on to /console/
	loginTok := csrf(t, loginPage)
	tests := map[string]struct {
		path string
		form url.Values
		hdr  []string
	}{
		"login without token":       {"/console/login", url.Values{"email": {"rev@example.jp"}, "password": {pw}}, nil},
		"login with a wrong token":  {"/console/login", url.Values{"csrf": {good}, "email": {"rev@example.jp"}, "password": {pw}}, nil},
		"totp without token":        {"/console/login/totp", url.Values{"code": {"123456"}}, nil},
		"password without token":    {"/console/password", url.Values{"current": {pw}, "new": {"x"}}, nil},
		"password with login token": {"/console/password", url.Values{"csrf": {loginTok}, "current": {pw}}, nil},
		"password with empty token": {"/console/password", url.Values{"csrf": {""}, "current": {pw}}, nil},
		"logout without token":      {"/console/logout", url.Values{}, nil},
		"logout with a wrong token": {"/console/logout", url.Values{"csrf": {good + "x"}}, nil},
		"cross-site logout":         {"/console/logout", url.Values{"csrf": {good}}, []string{"Sec-Fetch-Site", "cross-site"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := e.do(b, http.MethodPost, tc.path, tc.form, tc.hdr...)
			if r.status != http.StatusForbidden {
				t.Fatalf("got %d; want 403", r.status)
			}
		})
	}
	// Nothing above took effect: the session is still open.
	want(t, e.get(b, "/console/"), http.StatusSeeOther, "/console/password")
	// And a POST with no session at all is refused the same way.
	anon := e.browser()
	if r := e.do(anon, http.MethodPost, "/console/logout", url.Values{"csrf": {good}}); r.status != http.StatusForbidden {
		t.Fatalf("POST without a session: got %d; want 403", r.status)
	}
}

func TestCookiesAndHeaders(t *testing.T) {
	for name, insecure := range map[string]bool{"default (https)": false, "plain-http development": true} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, storetest.SQLite(t), insecure)
			pw := e.user("adm@example.jp", "admin")
			b := e.browser()
			login := e.get(b, "/console/login")
			checkCookie(t, login.header, "kakunin_console_login", "/console/login", !insecure)
			for h, v := range map[string]string{
				"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
				"Cache-Control":           "no-store",
				"X-Frame-Options":         "DENY",
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
			} {
				if got := login.header.Get(h); !strings.Contains(got, v) {
					t.Errorf("%s: got %q; want it to contain %q", h, got, v)
				}
			}
			r := e.do(b, http.MethodPost, "/console/login", url.Values{"csrf": {csrf(t, login)}, "email": {"adm@example.jp"}, "password": {pw}})
			want(t, r, http.StatusSeeOther, "/console/login/totp")
			checkCookie(t, r.header, console.SessionCookie, "/console", !insecure)
		})
	}
}

func checkCookie(t *testing.T, h http.Header, name, path string, secure bool) {
	t.Helper()
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil || c.Name != name {
			continue
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != path || c.Secure != secure || len(c.Value) != 43 {
			t.Fatalf("cookie %s: %q; want HttpOnly, SameSite=Strict, Path=%s, Secure=%v, a 256-bit value", name, line, path, secure)
		}
		return
	}
	t.Fatalf("no %s cookie set; got %q", name, h.Values("Set-Cookie"))
}

func TestCreateUser(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), false)
	ctx := context.Background()
	acme, err := tenant.NewService(e.st, nil).CreateTenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		email, role string
		tenants     []string
		wantReason  string
	}{
		"reviewer for all tenants":   {"a@example.jp", "reviewer", nil, ""},
		"bpo reviewer for acme":      {"b@example.jp", "bpo_reviewer", []string{"acme", "acme"}, ""},
		"bpo reviewer without scope": {"c@example.jp", "bpo_reviewer", nil, "tenant_required"},
		"unknown role":               {"d@example.jp", "root", nil, "role_invalid"},
		"bad email":                  {"not-an-email", "admin", nil, "email_invalid"},
		"unknown tenant":             {"e@example.jp", "reviewer", []string{"ghost"}, "tenant_not_found"},
		"console pseudo-tenant":      {"f@example.jp", "reviewer", []string{"_console"}, "tenant_reserved"},
		"email taken":                {"A@example.jp", "auditor", nil, "console_user_exists"},
	}
	for _, name := range []string{"reviewer for all tenants", "bpo reviewer for acme", "bpo reviewer without scope",
		"unknown role", "bad email", "unknown tenant", "console pseudo-tenant", "email taken"} {
		tc := tests[name]
		t.Run(name, func(t *testing.T) {
			pw, err := console.CreateUser(ctx, e.st, tc.email, tc.role, tc.tenants)
			if got := reasonOf(err); got != tc.wantReason {
				t.Fatalf("got %v; want reason %q", err, tc.wantReason)
			}
			if err != nil {
				return
			}
			u, err := e.st.ConsoleUserByEmail(ctx, strings.ToLower(tc.email))
			if err != nil {
				t.Fatal(err)
			}
			if !ids.Valid("usr", u.ID) || !u.MustChangePassword || string(u.Role) != tc.role || len(pw) != 20 {
				t.Fatalf("got %+v, password %q", u, pw)
			}
			if ok, err := console.VerifyPassword(u.PasswordHash, pw); !ok || err != nil {
				t.Fatalf("stored hash does not match the returned password: %v, %v", ok, err)
			}
			if tc.role == "bpo_reviewer" && !slices.Equal(u.Tenants, []string{acme.ID}) {
				t.Fatalf("tenants %v; want [%s]", u.Tenants, acme.ID)
			}
		})
	}
}

func reasonOf(err error) string {
	if err == nil {
		return ""
	}
	return errkind.Reason(err)
}
