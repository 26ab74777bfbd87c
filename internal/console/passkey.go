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
