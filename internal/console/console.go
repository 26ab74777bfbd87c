// Package console is the reviewers' web console: server-rendered pages for
// the people who decide the cases machines do not, behind their own users,
// passwords, TOTP second factor and sessions, separate from tenants' API keys.
package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"rsc.io/qr"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/ratelimit"
)

// Session and lock-out policy.
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
	// SecondFactorTimeout is how long a session that passed the password
	// has to pass the second factor.
	SecondFactorTimeout = 10 * time.Minute
	MaxFailures         = 5
	LockDuration        = 15 * time.Minute
	// touchEvery keeps the idle clock from costing a write per request.
	touchEvery = time.Minute
	maxForm    = 16 << 10
)

// Cookie names. The session cookie is scoped to /console; the login cookie
// only carries the CSRF token of the sign-in form, before any session.
const (
	SessionCookie = "kakunin_console"
	loginCookie   = "kakunin_console_login"
	csrfField     = "csrf"
)

// Auditor appends to the audit chain (*audit.Log).
type Auditor interface {
	Record(ctx context.Context, tenantID, actor, action, objectID string, detail any) error
}

// Vault seals secrets at rest (*vault.Vault); TOTP secrets are sealed under
// AuditTenant's data key.
type Vault interface {
	Seal(ctx context.Context, tenantID string, plaintext, aad []byte) ([]byte, error)
	Open(ctx context.Context, tenantID string, ciphertext, aad []byte) ([]byte, error)
}

// Deps is what the console needs.
type Deps struct {
	Store Store
	Audit Auditor
	Vault Vault
	// Cases is the verification domain (*verification.Service): queue,
	// case view, claims and decisions. nil: those pages are not served.
	Cases Cases
	// Keys, Webhooks and WebhookLog serve the tenant settings (admin
	// only): *tenant.Service, *webhook.Dispatcher and the store. nil: the
	// settings pages leave out what they cannot serve.
	Keys       APIKeys
	Webhooks   Webhooks
	WebhookLog WebhookLog
	Now        func() time.Time // nil: time.Now
	Log        *slog.Logger     // nil: discard
	// InsecureCookie leaves the Secure attribute off the cookies. Only for
	// plain-http development on localhost; the zero value is secure.
	InsecureCookie bool
	// Passkeys keeps users' passkeys; with PublicURL set, users can
	// register passkeys and use one instead of a TOTP code. nil: no passkeys.
	Passkeys PasskeyStore
	// PublicURL is the console's public base URL (scheme and host): the
	// WebAuthn relying party. Its host must be a domain or localhost.
	PublicURL string
	// SignInPerMinute bounds sign-in attempts (password and second factor
	// together) per client address, in bursts of as many; 0: no bound.
	// The per-user lock-out stops guessing one account's password; this
	// stops one address from trying many accounts.
	SignInPerMinute float64
}

// Handler serves the console under /console/.
type Handler struct {
	d      Deps
	mux    *http.ServeMux
	pages  map[string]*template.Template
	signIn *ratelimit.Keyed
	// webauthn is the passkey relying party; nil when passkeys are off.
	webauthn *webauthn.WebAuthn
}

//go:embed templates/*.html static/*.css static/*.js
var assets embed.FS

// New returns the console handler; mount it at /console/.
func New(d Deps) *Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{d: d, mux: http.NewServeMux(), pages: map[string]*template.Template{},
		signIn: ratelimit.New(d.SignInPerMinute/60, max(int(d.SignInPerMinute), 1))}
	for _, p := range []string{"login", "totp", "password", "home", "error", "queue", "case", "audit", "dashboard",
		"settings_index", "settings", "secret", "deliveries", "account", "users"} {
		h.pages[p] = template.Must(template.ParseFS(assets, "templates/layout.html", "templates/"+p+".html"))
	}
	if d.Passkeys != nil && d.PublicURL != "" {
		wa, err := newWebAuthn(d.PublicURL)
		if err != nil {
			d.Log.Warn("console: passkeys are off", "err", err.Error())
		}
		h.webauthn = wa
	}
	css, _ := fs.Sub(assets, "static")
	h.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(css)))
	h.mux.HandleFunc("GET /console/login", h.loginPage)
	h.mux.HandleFunc("POST /console/login", h.throttled(h.login))
	h.mux.HandleFunc("GET /console/login/totp", h.withSession(StagePassword, h.totpPage))
	h.mux.HandleFunc("POST /console/login/totp", h.throttled(h.withSession(StagePassword, h.totp)))
	h.mux.HandleFunc("GET /console/login/totp/qr.png", h.withSession(StagePassword, h.totpQR))
	if h.webauthn != nil {
		h.mux.HandleFunc("POST /console/login/passkey", h.throttled(h.withSession(StagePassword, h.passkeyLogin)))
		h.mux.HandleFunc("POST /console/login/passkey/options", h.throttled(h.passkeyOptions))
		h.mux.HandleFunc("POST /console/login/with-passkey", h.throttled(h.passkeySignIn))
		h.mux.HandleFunc("POST /console/account/passkeys", h.withSession(StageFull, h.addPasskey))
		h.mux.HandleFunc("POST /console/account/passkeys/{id}/remove", h.withSession(StageFull, h.removePasskey))
	}
	h.mux.HandleFunc("GET /console/account", h.withSession(StageFull, h.accountPage))
	h.mux.HandleFunc("GET /console/password", h.withSession(StageFull, h.passwordPage))
	h.mux.HandleFunc("POST /console/password", h.withSession(StageFull, h.changePassword))
	h.mux.HandleFunc("POST /console/logout", h.withSession("", h.logout))
	h.mux.HandleFunc("GET /console/{$}", h.withSession(StageFull, h.home))
	h.mux.HandleFunc("GET /console/audit", h.withSession(StageFull, h.require(PermViewAudit, h.auditPage)))
	for _, format := range []string{"csv", "json"} {
		h.mux.HandleFunc("GET /console/audit/export."+format,
			h.withSession(StageFull, h.require(PermViewAudit, h.require(PermExport, h.auditExport(format)))))
	}
	if d.Cases != nil {
		view := func(next func(http.ResponseWriter, *http.Request, *reqState)) http.HandlerFunc {
			return h.withSession(StageFull, h.require(PermViewCases, next))
		}
		review := func(next func(http.ResponseWriter, *http.Request, *reqState)) http.HandlerFunc {
			return h.withSession(StageFull, h.require(PermReview, next))
		}
		h.mux.HandleFunc("GET /console/queue", view(h.queue))
		h.mux.HandleFunc("GET /console/dashboard", view(h.dashboard))
		h.mux.HandleFunc("GET /console/cases/{id}", view(h.caseView))
		h.mux.HandleFunc("GET /console/cases/{id}/evidence/{evd}", view(h.evidenceImage))
		h.mux.HandleFunc("POST /console/cases/{id}/claim", review(h.claim))
		h.mux.HandleFunc("POST /console/cases/{id}/unclaim", review(h.unclaim))
		h.mux.HandleFunc("POST /console/cases/{id}/decision", review(h.decide))
	}
	h.routeSettings()
	h.routeUsers()
	h.mux.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, "There is no such page.")
	})
	return h
}

// ServeHTTP sets the security headers every console response carries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	// Browsers label cross-site requests; none of the console's are.
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" && r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.fail(w, r, http.StatusForbidden, "Cross-site requests are refused.")
		return
	}
	h.mux.ServeHTTP(w, r)
}

// reqState is the authenticated state of one request.
type reqState struct {
	sess Session
	user User
}

// withSession admits requests whose session has reached stage ("" = any
// stage). Pages without one redirect to the sign-in page; POSTs without a
// session or with a wrong CSRF token get 403.
func (h *Handler) withSession(stage Stage, next func(http.ResponseWriter, *http.Request, *reqState)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		post := r.Method == http.MethodPost
		if post {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseForm(); err != nil {
				h.fail(w, r, http.StatusBadRequest, "The form could not be read.")
				return
			}
		}
		st, err := h.session(r)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		if st == nil || (stage != "" && st.sess.Stage != stage) {
			if post {
				h.fail(w, r, http.StatusForbidden, "Your session has ended. Sign in again.")
				return
			}
			switch {
			case st != nil && st.sess.Stage == StageFull && stage == StagePassword:
				http.Redirect(w, r, "/console/", http.StatusSeeOther)
				return
			case st != nil && st.sess.Stage == StagePassword && stage == StageFull:
				http.Redirect(w, r, "/console/login/totp", http.StatusSeeOther)
				return
			}
			http.Redirect(w, r, "/console/login", http.StatusSeeOther)
			return
		}
		if post && !equal(r.PostForm.Get(csrfField), st.sess.CSRFSecret) {
			h.fail(w, r, http.StatusForbidden, "The form was not sent by this console (CSRF token missing or wrong).")
			return
		}
		if st.sess.Stage == StageFull && st.user.MustChangePassword && r.URL.Path != "/console/password" && r.URL.Path != "/console/logout" {
			http.Redirect(w, r, "/console/password", http.StatusSeeOther)
			return
		}
		next(w, r, st)
	}
}

// session resolves the request's session cookie; nil means none valid.
// Expired sessions and sessions of locked or disabled users are deleted on
// sight.
func (h *Handler) session(r *http.Request) (*reqState, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || len(c.Value) != 43 {
		return nil, nil
	}
	ctx, now := r.Context(), h.d.Now()
	hash := hashToken(c.Value)
	sess, err := h.d.Store.ConsoleSessionByHash(ctx, hash)
	if errors.Is(err, errkind.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= IdleTimeout {
		return nil, h.d.Store.DeleteConsoleSession(ctx, hash)
	}
	u, err := h.d.Store.ConsoleUserByID(ctx, sess.UserID)
	if err != nil {
		return nil, err
	}
	if u.DisabledAt != nil || (u.LockedUntil != nil && now.Before(*u.LockedUntil)) {
		return nil, h.d.Store.DeleteConsoleSession(ctx, hash)
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := h.d.Store.TouchConsoleSession(ctx, hash, now); err != nil {
			return nil, err
		}
	}
	return &reqState{sess: sess, user: u}, nil
}

// startSession creates a session at stage and sets its cookie.
func (h *Handler) startSession(ctx context.Context, w http.ResponseWriter, userID string, stage Stage) error {
	now := h.d.Now().UTC()
	token := randomToken()
	life := AbsoluteTimeout
	if stage == StagePassword {
		life = SecondFactorTimeout
	}
	s := Session{TokenHash: hashToken(token), UserID: userID, Stage: stage, CSRFSecret: randomToken(),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(life)}
	if err := h.d.Store.InsertConsoleSession(ctx, s); err != nil {
		return err
	}
	h.setCookie(w, SessionCookie, token, "/console", 0)
	return nil
}

func (h *Handler) setCookie(w http.ResponseWriter, name, value, path string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: !h.d.InsecureCookie})
}

// randomToken is 256 random bits, base64url without padding (43 characters).
func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("console: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hashToken is SHA-256: tokens carry 256 random bits, so a fast hash keeps
// a stolen database from yielding live sessions.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func equal(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// page is the data every template gets.
type page struct {
	Title  string
	CSRF   string
	Error  string
	User   *User
	Enrol  bool   // TOTP: show the QR code
	Secret string // TOTP: the secret for manual entry while enrolling
	Forced bool   // password: the change is required before going on
	Wide   bool   // a page of tables and images
	Back   string // error: where to go back to
	Data   any    // the page's own data
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := h.pages[name].ExecuteTemplate(w, "layout", p); err != nil {
		h.d.Log.ErrorContext(r.Context(), "console: render", "page", name, "err", err)
	}
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, r, status, "error", page{Title: http.StatusText(status), Error: msg})
}

// internal logs err (never personal data: store and vault errors carry IDs
// and reason codes only) and shows a generic page.
func (h *Handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	h.d.Log.ErrorContext(r.Context(), "console: internal error", "path", r.URL.Path, "err", err)
	h.fail(w, r, http.StatusInternalServerError, "Something went wrong. Try again later.")
}

func (h *Handler) audit(ctx context.Context, r *http.Request, actor, action, objectID string, detail map[string]string) error {
	if detail == nil {
		detail = map[string]string{}
	}
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		detail["ip"] = ip
	}
	return h.d.Audit.Record(ctx, AuditTenant, actor, action, objectID, detail)
}

func actorOf(u User) string { return "console:" + u.ID }

// ---- sign-in: password ----

// throttled refuses sign-in attempts beyond Deps.SignInPerMinute from one
// client address with 429 and Retry-After. Refusals are not written to the
// audit chain, which a flood would otherwise fill; they are logged with
// the address only.
func (h *Handler) throttled(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ip := clientIP(r)
		if ok, retry := h.signIn.Allow(ip, h.d.Now()); !ok {
			h.d.Log.WarnContext(r.Context(), "console: sign-in attempts throttled", "client", ip)
			w.Header().Set("Retry-After", retry)
			h.fail(w, r, http.StatusTooManyRequests, "Too many sign-in attempts from this address. Wait "+retry+" seconds and try again.")
			return
		}
		next(w, r)
	}
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	if st, err := h.session(r); err == nil && st != nil && st.sess.Stage == StageFull {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return
	}
	h.renderLogin(w, r, http.StatusOK, "")
}

func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	token := ""
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) == 43 {
		token = c.Value
	} else {
		token = randomToken()
		h.setCookie(w, loginCookie, token, "/console/login", 3600)
	}
	h.render(w, r, status, "login", page{Title: "Sign in", CSRF: token, Error: msg, Data: loginData{Passkeys: h.webauthn != nil}})
}

// loginData is what the sign-in page shows besides the password form.
type loginData struct {
	Passkeys bool // the passkey sign-in form
}

const badLogin = "The email or password is wrong, or the account is locked for a while."

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !equal(r.PostForm.Get(csrfField), c.Value) {
		h.fail(w, r, http.StatusForbidden, "The form was not sent by this console (CSRF token missing or wrong). Reload the sign-in page.")
		return
	}
	ctx, now := r.Context(), h.d.Now()
	password := r.PostForm.Get("password")
	email, err := NormalizeEmail(r.PostForm.Get("email"))
	var u User
	if err == nil {
		u, err = h.d.Store.ConsoleUserByEmail(ctx, email)
	}
	if err != nil && !errors.Is(err, errkind.ErrNotFound) && !errors.Is(err, errkind.ErrInvalid) {
		h.internal(w, r, err)
		return
	}
	if err != nil {
		// An unknown email costs the same hashing as a known one. The email
		// itself is not recorded: the chain is append-only, and a typo'd
		// address is personal data nobody could erase.
		_, _ = VerifyPassword(dummyHash(), password)
		if err := h.audit(ctx, r, "anonymous", "console.login_failed", "", map[string]string{"reason": "unknown_user"}); err != nil {
			h.internal(w, r, err)
			return
		}
		h.renderLogin(w, r, http.StatusUnauthorized, badLogin)
		return
	}
	if refused := signInRefused(u, now); refused != "" {
		// Disabled and locked users get the same answer, at the same
		// cost, as a wrong password.
		_, _ = VerifyPassword(dummyHash(), password)
		if err := h.audit(ctx, r, actorOf(u), "console.login_failed", u.ID, map[string]string{"reason": refused}); err != nil {
			h.internal(w, r, err)
			return
		}
		h.renderLogin(w, r, http.StatusUnauthorized, badLogin)
		return
	}
	ok, err := VerifyPassword(u.PasswordHash, password)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if !ok {
		if err := h.failed(ctx, r, u, "wrong_password"); err != nil {
			h.internal(w, r, err)
			return
		}
		h.renderLogin(w, r, http.StatusUnauthorized, badLogin)
		return
	}
	if err := h.startSession(ctx, w, u.ID, StagePassword); err != nil {
		h.internal(w, r, err)
		return
	}
	h.setCookie(w, loginCookie, "", "/console/login", -1)
	http.Redirect(w, r, "/console/login/totp", http.StatusSeeOther)
}

// signInRefused is the reason code why u may not sign in now, or "".
func signInRefused(u User, now time.Time) string {
	switch {
	case u.DisabledAt != nil:
		return "disabled"
	case u.LockedUntil != nil && now.Before(*u.LockedUntil):
		return "locked"
	}
	return ""
}

// failed counts a failed factor, locks the user at MaxFailures (ending
// every session) and records both in the audit chain, all or nothing.
func (h *Handler) failed(ctx context.Context, r *http.Request, u User, reason string) error {
	return h.d.Store.InTx(ctx, func(ctx context.Context) error {
		n, err := h.d.Store.ConsoleLoginFailed(ctx, u.ID)
		if err != nil {
			return err
		}
		if err := h.audit(ctx, r, actorOf(u), "console.login_failed", u.ID, map[string]string{"reason": reason}); err != nil {
			return err
		}
		if n < MaxFailures {
			return nil
		}
		until := h.d.Now().UTC().Add(LockDuration)
		if err := h.d.Store.LockConsoleUser(ctx, u.ID, until); err != nil {
			return err
		}
		if err := h.d.Store.DeleteConsoleSessionsOfUser(ctx, u.ID, nil); err != nil {
			return err
		}
		return h.audit(ctx, r, actorOf(u), "console.user_locked", u.ID,
			map[string]string{"failures": "5", "until": until.Format(time.RFC3339)})
	})
}

// ---- sign-in: TOTP ----

func totpAAD(userID string) []byte { return []byte("console_user/" + userID + "/totp") }

// totpSecret opens the user's TOTP secret, first creating one if the user
// has none yet (enrolment).
func (h *Handler) totpSecret(ctx context.Context, u User) ([]byte, error) {
	if u.TOTPSealed == nil {
		secret := newTOTPSecret()
		sealed, err := h.d.Vault.Seal(ctx, AuditTenant, secret, totpAAD(u.ID))
		if err != nil {
			return nil, err
		}
		return secret, h.d.Store.SetConsoleTOTPSecret(ctx, u.ID, sealed)
	}
	return h.d.Vault.Open(ctx, AuditTenant, u.TOTPSealed, totpAAD(u.ID))
}

func (h *Handler) totpPage(w http.ResponseWriter, r *http.Request, st *reqState) {
	h.renderTOTP(w, r, st, http.StatusOK, "")
}

func (h *Handler) renderTOTP(w http.ResponseWriter, r *http.Request, st *reqState, status int, msg string) {
	p := page{Title: "Second factor", CSRF: st.sess.CSRFSecret, Error: msg}
	if h.webauthn != nil {
		opts, err := h.passkeyAssertion(r.Context(), st)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		p.Data = opts
	}
	if st.user.TOTPEnrolledAt == nil {
		secret, err := h.totpSecret(r.Context(), st.user)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		p.Enrol, p.Secret = true, totpB32.EncodeToString(secret)
	}
	h.render(w, r, status, "totp", p)
}

func (h *Handler) totpQR(w http.ResponseWriter, r *http.Request, st *reqState) {
	if st.user.TOTPEnrolledAt != nil {
		h.fail(w, r, http.StatusNotFound, "There is no such page.")
		return
	}
	secret, err := h.totpSecret(r.Context(), st.user)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	code, err := qr.Encode(otpauthURI(secret, st.user.Email), qr.M)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	code.Scale = 6
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(code.PNG())
}

func (h *Handler) totp(w http.ResponseWriter, r *http.Request, st *reqState) {
	ctx, u := r.Context(), st.user
	if u.TOTPSealed == nil {
		http.Redirect(w, r, "/console/login/totp", http.StatusSeeOther)
		return
	}
	secret, err := h.d.Vault.Open(ctx, AuditTenant, u.TOTPSealed, totpAAD(u.ID))
	if err != nil {
		h.internal(w, r, err)
		return
	}
	step, ok := matchTOTP(secret, r.PostForm.Get("code"), h.d.Now())
	reason := "wrong_totp"
	if ok {
		ok, err = h.d.Store.UseConsoleTOTPStep(ctx, u.ID, step)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		reason = "totp_reused"
	}
	if !ok {
		h.secondFactorFailed(w, r, st, reason, "The code is wrong or was already used. Wait for the next code.")
		return
	}
	err = h.d.Store.InTx(ctx, func(ctx context.Context) error {
		if u.TOTPEnrolledAt == nil {
			if err := h.d.Store.ConfirmConsoleTOTP(ctx, u.ID, h.d.Now().UTC()); err != nil {
				return err
			}
			if err := h.audit(ctx, r, actorOf(u), "console.totp_enrolled", u.ID, nil); err != nil {
				return err
			}
		}
		return h.fullSession(ctx, w, r, st, map[string]string{"role": string(u.Role)})
	})
	if err != nil {
		h.internal(w, r, err)
		return
	}
	next := "/console/"
	if u.MustChangePassword {
		next = "/console/password"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// secondFactorFailed counts a refused second factor (a code or a passkey)
// and shows the second-factor page again with msg, or the sign-in page
// when the failure locked the user out and so ended the session.
func (h *Handler) secondFactorFailed(w http.ResponseWriter, r *http.Request, st *reqState, reason, msg string) {
	if err := h.failed(r.Context(), r, st.user, reason); err != nil {
		h.internal(w, r, err)
		return
	}
	if st2, err := h.session(r); err != nil || st2 == nil {
		h.setCookie(w, SessionCookie, "", "/console", -1)
		h.renderLogin(w, r, http.StatusUnauthorized, badLogin)
		return
	}
	h.renderTOTP(w, r, st, http.StatusUnauthorized, msg)
}

// fullSession ends the half-authenticated session st and starts a full
// one, after the second factor: a new token at the new stage, so the old
// one cannot become a full session (session fixation). It clears the
// failed attempts and records the sign-in; call it inside a transaction.
func (h *Handler) fullSession(ctx context.Context, w http.ResponseWriter, r *http.Request, st *reqState, detail map[string]string) error {
	if err := h.d.Store.ConsoleLoginSucceeded(ctx, st.user.ID); err != nil {
		return err
	}
	if err := h.d.Store.DeleteConsoleSession(ctx, st.sess.TokenHash); err != nil {
		return err
	}
	if err := h.startSession(ctx, w, st.user.ID, StageFull); err != nil {
		return err
	}
	return h.audit(ctx, r, actorOf(st.user), "console.login_succeeded", st.user.ID, detail)
}

// ---- password change, logout, home ----

func (h *Handler) passwordPage(w http.ResponseWriter, r *http.Request, st *reqState) {
	h.render(w, r, http.StatusOK, "password", page{Title: "Change password", CSRF: st.sess.CSRFSecret,
		User: &st.user, Forced: st.user.MustChangePassword})
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, st *reqState) {
	ctx, u := r.Context(), st.user
	again := func(msg string) {
		h.render(w, r, http.StatusUnprocessableEntity, "password", page{Title: "Change password", CSRF: st.sess.CSRFSecret,
			User: &u, Forced: u.MustChangePassword, Error: msg})
	}
	current, next := r.PostForm.Get("current"), r.PostForm.Get("new")
	ok, err := VerifyPassword(u.PasswordHash, current)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if !ok {
		// Guessing the password from a borrowed session counts as a failure.
		if err := h.failed(ctx, r, u, "wrong_password"); err != nil {
			h.internal(w, r, err)
			return
		}
		again("The current password is wrong.")
		return
	}
	switch msg := checkNewPassword(next); {
	case msg != "":
		again(msg)
		return
	case next != r.PostForm.Get("confirm"):
		again("The new password and its confirmation differ.")
		return
	case next == current:
		again("The new password must differ from the current one.")
		return
	}
	hash, err := HashPassword(next)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	err = h.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := h.d.Store.SetConsolePassword(ctx, u.ID, hash, false); err != nil {
			return err
		}
		if err := h.d.Store.DeleteConsoleSessionsOfUser(ctx, u.ID, st.sess.TokenHash); err != nil {
			return err
		}
		return h.audit(ctx, r, actorOf(u), "console.password_changed", u.ID, nil)
	})
	if err != nil {
		h.internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, st *reqState) {
	ctx := r.Context()
	err := h.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := h.d.Store.DeleteConsoleSession(ctx, st.sess.TokenHash); err != nil {
			return err
		}
		return h.audit(ctx, r, actorOf(st.user), "console.logout", st.user.ID, nil)
	})
	if err != nil {
		h.internal(w, r, err)
		return
	}
	h.setCookie(w, SessionCookie, "", "/console", -1)
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request, st *reqState) {
	h.render(w, r, http.StatusOK, "home", page{Title: "Console", CSRF: st.sess.CSRFSecret, User: &st.user,
		Data: map[string]bool{"Cases": h.d.Cases != nil && st.user.Can(PermViewCases), "Audit": st.user.Can(PermViewAudit),
			"Settings": st.user.Can(PermAdminister), "Users": st.user.ManagesUsers()}})
}
