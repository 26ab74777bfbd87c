package console

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Passkeys: a console user may register WebAuthn credentials (passkeys,
// security keys) after signing in, and then use one instead of a TOTP
// code as the second factor. The password stays the first factor. The
// ceremony's options are rendered into the page; the page's script
// (static/passkey.js) asks the browser for the credential and posts its
// JSON form back in an ordinary form with the CSRF token.

// Passkey is a console user's registered WebAuthn credential.
type Passkey struct {
	ID         string // the credential ID, base64url
	UserID     string
	Name       string // the user's label for it
	Credential []byte // webauthn.Credential as JSON (public key, counter, flags)
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// PasskeyStore is what passkeys need from persistence.
type PasskeyStore interface {
	InsertConsolePasskey(ctx context.Context, p Passkey) error
	ConsolePasskeys(ctx context.Context, userID string) ([]Passkey, error)
	UseConsolePasskey(ctx context.Context, userID, id string, credential []byte, at time.Time) error
	DeleteConsolePasskey(ctx context.Context, userID, id string) error
	// SetConsoleWebAuthnState keeps the ceremony a session started;
	// TakeConsoleWebAuthnState returns and clears it (nil: none).
	SetConsoleWebAuthnState(ctx context.Context, hash []byte, state []byte) error
	TakeConsoleWebAuthnState(ctx context.Context, hash []byte) ([]byte, error)
	// PutConsoleLoginCeremony keeps the ceremony a sign-in page started
	// before anyone signed in, under its pre-sign-in token's hash, until
	// expires; TakeConsoleLoginCeremony returns and deletes it (nil: none,
	// or expired).
	PutConsoleLoginCeremony(ctx context.Context, hash, state []byte, expires, now time.Time) error
	TakeConsoleLoginCeremony(ctx context.Context, hash []byte, now time.Time) ([]byte, error)
}

// maxPasskeys bounds a user's passkeys.
const maxPasskeys = 10

// newWebAuthn configures the relying party from the console's public URL:
// the RP ID is its host name (a domain or "localhost"; browsers refuse IP
// addresses), the only accepted origin the URL's origin.
func newWebAuthn(publicURL string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" {
		return nil, errors.New("console: passkeys need the public URL (base_url)")
	}
	return webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: "kakunin console",
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
	})
}

// waUser is a console user as go-webauthn sees one.
type waUser struct {
	u     User
	creds []webauthn.Credential
}

func (w waUser) WebAuthnID() []byte                         { return []byte(w.u.ID) }
func (w waUser) WebAuthnName() string                       { return w.u.Email }
func (w waUser) WebAuthnDisplayName() string                { return w.u.Email }
func (w waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

// passkeysOf loads the user's passkeys and their credentials.
func (h *Handler) passkeysOf(ctx context.Context, u User) ([]Passkey, waUser, error) {
	list, err := h.d.Passkeys.ConsolePasskeys(ctx, u.ID)
	if err != nil {
		return nil, waUser{}, err
	}
	wu := waUser{u: u}
	for _, p := range list {
		var c webauthn.Credential
		if err := json.Unmarshal(p.Credential, &c); err != nil {
			return nil, waUser{}, fmt.Errorf("console: passkey %s of user %s cannot be read: %w", p.ID, u.ID, err)
		}
		wu.creds = append(wu.creds, c)
	}
	return list, wu, nil
}

// ceremony stores the session data of a started ceremony with the session
// and returns the browser's options as JSON (the "publicKey" member).
func (h *Handler) ceremony(ctx context.Context, st *reqState, options any, sd *webauthn.SessionData) (string, error) {
	state, err := json.Marshal(sd)
	if err != nil {
		return "", err
	}
	if err := h.d.Passkeys.SetConsoleWebAuthnState(ctx, st.sess.TokenHash, state); err != nil {
		return "", err
	}
	b, err := json.Marshal(options)
	return string(b), err
}

// spend takes the session's started ceremony; nil when there is none.
func (h *Handler) spend(ctx context.Context, st *reqState) (*webauthn.SessionData, error) {
	b, err := h.d.Passkeys.TakeConsoleWebAuthnState(ctx, st.sess.TokenHash)
	if err != nil || b == nil {
		return nil, err
	}
	var sd webauthn.SessionData
	if err := json.Unmarshal(b, &sd); err != nil {
		return nil, nil
	}
	return &sd, nil
}

// spendCeremony takes the session's started ceremony (nil: none) and loads
// the user's passkeys, which an answer is judged against.
func (h *Handler) spendCeremony(ctx context.Context, st *reqState) (*webauthn.SessionData, []Passkey, waUser, error) {
	sd, err := h.spend(ctx, st)
	if err != nil {
		return nil, nil, waUser{}, err
	}
	list, wu, err := h.passkeysOf(ctx, st.user)
	return sd, list, wu, err
}

// ---- the account page: list, add, remove ----

type passkeyRow struct {
	ID, Name, Created, LastUsed string
}

type accountData struct {
	Off      bool // passkeys are not configured
	Passkeys []passkeyRow
	Options  string // creation options, JSON
	Full     bool   // maxPasskeys reached
}

func (h *Handler) accountPage(w http.ResponseWriter, r *http.Request, st *reqState) {
	h.renderAccount(w, r, st, http.StatusOK, "")
}

func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, st *reqState, status int, msg string) {
	ctx := r.Context()
	if h.webauthn == nil {
		h.render(w, r, status, "account", page{Title: "Your account", CSRF: st.sess.CSRFSecret, User: &st.user, Error: msg, Data: accountData{Off: true}})
		return
	}
	list, wu, err := h.passkeysOf(ctx, st.user)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	d := accountData{Full: len(list) >= maxPasskeys}
	for _, p := range list {
		row := passkeyRow{ID: p.ID, Name: p.Name, Created: jstTime(p.CreatedAt), LastUsed: "never"}
		if p.LastUsedAt != nil {
			row.LastUsed = jstTime(*p.LastUsedAt)
		}
		d.Passkeys = append(d.Passkeys, row)
	}
	if !d.Full {
		creation, sd, err := h.webauthn.BeginRegistration(wu,
			webauthn.WithExclusions(webauthn.Credentials(wu.creds).CredentialDescriptors()),
			webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred))
		if err != nil {
			h.internal(w, r, err)
			return
		}
		if d.Options, err = h.ceremony(ctx, st, creation.Response, sd); err != nil {
			h.internal(w, r, err)
			return
		}
	}
	h.render(w, r, status, "account", page{Title: "Your account", CSRF: st.sess.CSRFSecret, User: &st.user, Error: msg, Data: d})
}

func (h *Handler) addPasskey(w http.ResponseWriter, r *http.Request, st *reqState) {
	ctx, u := r.Context(), st.user
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if name == "" || utf8.RuneCountInString(name) > 60 {
		h.renderAccount(w, r, st, http.StatusUnprocessableEntity, "Name the passkey (up to 60 characters), so you can tell it apart later.")
		return
	}
	sd, list, wu, err := h.spendCeremony(ctx, st)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if sd == nil || len(list) >= maxPasskeys {
		h.renderAccount(w, r, st, http.StatusConflict, "The page was out of date. Try adding the passkey again.")
		return
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(strings.NewReader(r.PostForm.Get("credential")))
	if err != nil {
		h.renderAccount(w, r, st, http.StatusUnprocessableEntity, "The browser's answer could not be read. Try again.")
		return
	}
	cred, err := h.webauthn.CreateCredential(wu, *sd, parsed)
	if err != nil {
		h.d.Log.WarnContext(ctx, "console: passkey registration refused", "user", u.ID, "err", err)
		h.renderAccount(w, r, st, http.StatusUnprocessableEntity, "The passkey could not be verified. Try again.")
		return
	}
	b, err := json.Marshal(cred)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	id := base64.RawURLEncoding.EncodeToString(cred.ID)
	err = h.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := h.d.Passkeys.InsertConsolePasskey(ctx, Passkey{ID: id, UserID: u.ID, Name: name, Credential: b, CreatedAt: h.d.Now().UTC()}); err != nil {
			return err
		}
		return h.audit(ctx, r, actorOf(u), "console.passkey_added", u.ID, map[string]string{"passkey": shortID(id)})
	})
	if errors.Is(err, errkind.ErrConflict) {
		h.renderAccount(w, r, st, http.StatusConflict, "This passkey is already registered.")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/account", http.StatusSeeOther)
}

func (h *Handler) removePasskey(w http.ResponseWriter, r *http.Request, st *reqState) {
	ctx, u := r.Context(), st.user
	id := r.PathValue("id")
	err := h.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := h.d.Passkeys.DeleteConsolePasskey(ctx, u.ID, id); err != nil {
			return err
		}
		return h.audit(ctx, r, actorOf(u), "console.passkey_removed", u.ID, map[string]string{"passkey": shortID(id)})
	})
	if errors.Is(err, errkind.ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, "There is no such passkey.")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/account", http.StatusSeeOther)
}

// shortID is enough of a credential ID to tell passkeys apart in the audit
// chain without recording the whole identifier.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// ---- sign-in with a passkey (second factor) ----

// passkeyAssertion starts a sign-in ceremony for the user's passkeys and
// returns the browser's options as JSON; "" when the user has none.
func (h *Handler) passkeyAssertion(ctx context.Context, st *reqState) (string, error) {
	if h.webauthn == nil || st.user.TOTPEnrolledAt == nil {
		return "", nil
	}
	_, wu, err := h.passkeysOf(ctx, st.user)
	if err != nil || len(wu.creds) == 0 {
		return "", err
	}
	assertion, sd, err := h.webauthn.BeginLogin(wu, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return "", err
	}
	return h.ceremony(ctx, st, assertion.Response, sd)
}

func (h *Handler) passkeyLogin(w http.ResponseWriter, r *http.Request, st *reqState) {
	ctx, u := r.Context(), st.user
	sd, list, wu, err := h.spendCeremony(ctx, st)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	var cred *webauthn.Credential
	reason := "passkey_expired"
	if sd != nil {
		reason = "passkey_refused"
		parsed, perr := protocol.ParseCredentialRequestResponseBody(strings.NewReader(r.PostForm.Get("credential")))
		if perr == nil {
			cred, err = h.webauthn.ValidateLogin(wu, *sd, parsed)
			if err != nil {
				cred = nil
			}
		}
	}
	if cred != nil && cred.Authenticator.CloneWarning {
		cred, reason = nil, "passkey_cloned" // the counter went backwards
	}
	if cred == nil {
		h.secondFactorFailed(w, r, st, reason, "The passkey was not accepted. Try again, or enter a code.")
		return
	}
	id := base64.RawURLEncoding.EncodeToString(cred.ID)
	var stored *Passkey
	for i := range list {
		if list[i].ID == id {
			stored = &list[i]
		}
	}
	b, err := json.Marshal(cred)
	if err != nil || stored == nil {
		h.internal(w, r, errors.Join(err, errors.New("console: the validated passkey is not the user's")))
		return
	}
	err = h.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := h.d.Passkeys.UseConsolePasskey(ctx, u.ID, id, b, h.d.Now().UTC()); err != nil {
			return err
		}
		return h.fullSession(ctx, w, r, st, map[string]string{"role": string(u.Role), "factor": "passkey", "passkey": shortID(id)})
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

// ---- sign-in with a passkey alone ----

// A discoverable passkey that verified its user (PIN or biometric on the
// device) is two factors in one: something held and something known or
// been. So a user who has a passkey may sign in with it alone, without
// the password. The sign-in page's form asks the server for a ceremony
// (passkeyOptions), the browser lets the user pick a passkey, and the
// answer comes back as a form (passkeySignIn). The ceremony is kept under
// the hash of the page's pre-sign-in token, which is also the form's CSRF
// token, and an answer spends it.

// loginCeremonyLife is how long a started passkey sign-in stays open.
const loginCeremonyLife = 5 * time.Minute

// loginForm checks the sign-in page's CSRF token against its cookie and
// returns the token; "" (after answering) when the form is refused.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) string {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, "The form could not be read.")
		return ""
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || len(c.Value) != 43 || !equal(r.PostForm.Get(csrfField), c.Value) {
		h.fail(w, r, http.StatusForbidden, "The form was not sent by this console (CSRF token missing or wrong). Reload the sign-in page.")
		return ""
	}
	return c.Value
}

// passkeyOptions starts a passkey sign-in and answers the browser's
// options as JSON. User verification is required: without it a passkey
// is one factor only.
func (h *Handler) passkeyOptions(w http.ResponseWriter, r *http.Request) {
	token := h.loginForm(w, r)
	if token == "" {
		return
	}
	ctx, now := r.Context(), h.d.Now().UTC()
	assertion, sd, err := h.webauthn.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		h.internal(w, r, err)
		return
	}
	state, err := json.Marshal(sd)
	if err == nil {
		err = h.d.Passkeys.PutConsoleLoginCeremony(ctx, hashToken(token), state, now.Add(loginCeremonyLife), now)
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(assertion.Response)
}

// passkeySignIn judges the browser's answer to the sign-in page's
// ceremony. A refusal for a known user counts towards their lock-out like
// a wrong password; every refusal gets the same answer.
func (h *Handler) passkeySignIn(w http.ResponseWriter, r *http.Request) {
	token := h.loginForm(w, r)
	if token == "" {
		return
	}
	ctx, now := r.Context(), h.d.Now()
	b, err := h.d.Passkeys.TakeConsoleLoginCeremony(ctx, hashToken(token), now.UTC())
	if err != nil {
		h.internal(w, r, err)
		return
	}
	var (
		u      User
		known  bool
		list   []Passkey
		cred   *webauthn.Credential
		reason = "passkey_expired"
	)
	var sd webauthn.SessionData
	if b != nil && json.Unmarshal(b, &sd) == nil {
		reason = "passkey_refused"
		parsed, perr := protocol.ParseCredentialRequestResponseBody(strings.NewReader(r.PostForm.Get("credential")))
		if perr == nil {
			var lookup error
			owner := func(_, userHandle []byte) (webauthn.User, error) {
				uu, err := h.d.Store.ConsoleUserByID(ctx, string(userHandle))
				if err != nil {
					if !errors.Is(err, errkind.ErrNotFound) {
						lookup = err
					}
					return nil, err
				}
				var wu waUser
				list, wu, err = h.passkeysOf(ctx, uu)
				if err != nil {
					lookup = err
					return nil, err
				}
				u, known = uu, true
				return wu, nil
			}
			_, cred, err = h.webauthn.ValidatePasskeyLogin(owner, sd, parsed)
			if lookup != nil {
				h.internal(w, r, lookup)
				return
			}
			if err != nil {
				cred = nil
			}
		}
	}
	switch {
	case cred == nil:
	case cred.Authenticator.CloneWarning:
		cred, reason = nil, "passkey_cloned"
	case !cred.Flags.UserVerified:
		cred, reason = nil, "passkey_unverified"
	}
	refuse := func(reason string, counts bool) {
		var err error
		switch {
		case counts:
			err = h.failed(ctx, r, u, reason)
		case known:
			err = h.audit(ctx, r, actorOf(u), "console.login_failed", u.ID, map[string]string{"reason": reason})
		default:
			err = h.audit(ctx, r, "anonymous", "console.login_failed", "", map[string]string{"reason": reason})
		}
		if err != nil {
			h.internal(w, r, err)
			return
		}
		h.renderLogin(w, r, http.StatusUnauthorized, "The passkey was not accepted. Try again, or sign in with your password.")
	}
	if known {
		// A disabled or locked user, or one whose second factor an admin
		// reset, signs in no other way either.
		why := signInRefused(u, now)
		if why == "" && u.TOTPEnrolledAt == nil {
			why = "second_factor_reset"
		}
		if why != "" {
			refuse(why, false)
			return
		}
	}
	if cred == nil {
		refuse(reason, known)
		return
	}
	id := base64.RawURLEncoding.EncodeToString(cred.ID)
	found := false
	for _, p := range list {
		found = found || p.ID == id
	}
	state, err := json.Marshal(cred)
	if err != nil || !found {
		h.internal(w, r, errors.Join(err, errors.New("console: the validated passkey is not the user's")))
		return
	}
	err = h.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := h.d.Passkeys.UseConsolePasskey(ctx, u.ID, id, state, now.UTC()); err != nil {
			return err
		}
		if err := h.d.Store.ConsoleLoginSucceeded(ctx, u.ID); err != nil {
			return err
		}
		if err := h.startSession(ctx, w, u.ID, StageFull); err != nil {
			return err
		}
		return h.audit(ctx, r, actorOf(u), "console.login_succeeded", u.ID,
			map[string]string{"role": string(u.Role), "factor": "passkey_only", "passkey": shortID(id)})
	})
	if err != nil {
		h.internal(w, r, err)
		return
	}
	h.setCookie(w, loginCookie, "", "/console/login", -1)
	next := "/console/"
	if u.MustChangePassword {
		next = "/console/password"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
