package console_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/kakunin-dev/kakunin/internal/console"
	"github.com/kakunin-dev/kakunin/internal/store/storetest"
)

// settled lets the user past the forced password change.
func (e *env) settled(email string) {
	e.t.Helper()
	u, err := e.st.ConsoleUserByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.SetConsolePassword(context.Background(), u.ID, u.PasswordHash, false); err != nil {
		e.t.Fatal(err)
	}
}

func withPasskeys(d *console.Deps) {
	d.Passkeys = d.Store.(console.PasskeyStore)
	d.PublicURL = "https://console.example.jp"
}

// TestPasskeyRefusals: what the browser test cannot show. A garbled or
// missing browser answer is refused and, at sign-in, counts as a failed
// second factor; nobody can remove another user's passkey; the sign-in
// page offers a passkey only to users who have one; without a public URL
// the account page says passkeys are off. (Chromium's virtual
// authenticator covers the real ceremonies: TestBrowserPasskey.)
func TestPasskeyRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newEnv(t, newDB(t), false, withPasskeys)
		ctx := context.Background()
		pw := e.user("rev@example.jp", "reviewer")
		b := e.browser()
		secret := e.signIn(b, "rev@example.jp", pw, nil)
		e.settled("rev@example.jp")
		page := e.get(b, "/console/account")
		if page.status != http.StatusOK || !strings.Contains(page.body, `id="passkey-add"`) || !strings.Contains(page.body, "challenge") {
			t.Fatalf("account page without the add form and its options (%d):\n%s", page.status, page.body)
		}
		tok := csrf(t, page)
		for name, tc := range map[string]struct {
			form url.Values
			msg  string
		}{
			"no name":        {url.Values{"csrf": {tok}, "credential": {"{}"}}, "Name the passkey"},
			"garbled answer": {url.Values{"csrf": {tok}, "name": {"laptop"}, "credential": {`{"id":"x"}`}}, "could not be read"},
		} {
			r := e.do(b, http.MethodPost, "/console/account/passkeys", tc.form)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, tc.msg) {
				t.Errorf("%s: got %d; want 422 with %q", name, r.status, tc.msg)
			}
		}
		// A stored passkey (its credential as go-webauthn keeps it).
		u, err := e.st.ConsoleUserByEmail(ctx, "rev@example.jp")
		if err != nil {
			t.Fatal(err)
		}
		cred, _ := json.Marshal(webauthn.Credential{ID: []byte("credential-id-0001"), PublicKey: []byte{1, 2, 3}})
		if err := e.st.InsertConsolePasskey(ctx, console.Passkey{ID: "Y3JlZGVudGlhbC1pZC0wMDAx", UserID: u.ID, Name: "key", Credential: cred, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}

		// Someone else cannot remove it.
		pw2 := e.user("other@example.jp", "reviewer")
		b2 := e.browser()
		e.signIn(b2, "other@example.jp", pw2, nil)
		e.settled("other@example.jp")
		tok2 := csrf(t, e.get(b2, "/console/account"))
		if r := e.do(b2, http.MethodPost, "/console/account/passkeys/Y3JlZGVudGlhbC1pZC0wMDAx/remove", url.Values{"csrf": {tok2}}); r.status != http.StatusNotFound {
			t.Fatalf("removing another user's passkey: %d; want 404", r.status)
		}
		if r := e.get(b2, "/console/login/totp"); strings.Contains(r.body, "passkey-login") {
			t.Fatal("a signed-in user is offered a passkey sign-in")
		}

		// Sign-in: the owner is offered the passkey; a garbled answer is a
		// failed second factor, audited.
		c := e.browser()
		want(t, e.password(c, "rev@example.jp", pw), http.StatusSeeOther, "/console/login/totp")
		totp := e.get(c, "/console/login/totp")
		if !strings.Contains(totp.body, `id="passkey-login"`) {
			t.Fatalf("the second-factor page does not offer the passkey:\n%s", totp.body)
		}
		r := e.do(c, http.MethodPost, "/console/login/passkey", url.Values{"csrf": {csrf(t, totp)}, "credential": {`{"id":"x"}`}})
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "passkey was not accepted") {
			t.Fatalf("garbled passkey answer: %d; want 401\n%s", r.status, r.body)
		}
		if n := countContains(e.actions(), "console.login_failed ", `"reason":"passkey_refused"`); n != 1 {
			t.Fatalf("%d passkey_refused failures audited; want 1\n%q", n, e.actions())
		}
		// Answering again without a new ceremony: the old one was spent.
		r = e.do(c, http.MethodPost, "/console/login/passkey", url.Values{"csrf": {csrf(t, r)}, "credential": {`{"id":"x"}`}})
		if r.status != http.StatusUnauthorized {
			t.Fatalf("second answer: %d; want 401", r.status)
		}
		// The code still works.
		if r := e.code(c, console.TOTPCode(secret, e.clock.Now().Add(30*time.Second))); r.status != http.StatusSeeOther {
			t.Fatalf("TOTP after refused passkeys: %d", r.status)
		}
	})

	e := newEnv(t, storetest.SQLite(t), false, func(d *console.Deps) { d.Passkeys = d.Store.(console.PasskeyStore) })
	pw := e.user("rev@example.jp", "reviewer")
	b := e.browser()
	e.signIn(b, "rev@example.jp", pw, nil)
	e.settled("rev@example.jp")
	if r := e.get(b, "/console/account"); !strings.Contains(r.body, "Passkeys are off") {
		t.Fatalf("account page without a public URL:\n%s", r.body)
	}
}

func countContains(list []string, prefix, part string) int {
	n := 0
	for _, s := range list {
		if strings.HasPrefix(s, prefix) && strings.Contains(s, part) {
			n++
		}
	}
	return n
}

// TestPasskeySignInRefusals: the sign-in with a passkey alone, as far as a
// test without an authenticator can take it (TestBrowserPasskey signs in
// for real). The options need the page's CSRF token and require user
// verification; an answer spends its ceremony, an expired ceremony is
// refused, an answer naming a user counts towards that user's lock-out,
// and a disabled user is refused without counting. Every refusal is the
// same 401 and is audited.
func TestPasskeySignInRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newEnv(t, newDB(t), false, withPasskeys)
		ctx := context.Background()
		pw := e.user("rev@example.jp", "reviewer")
		e.signIn(e.browser(), "rev@example.jp", pw, nil)
		e.settled("rev@example.jp")
		u, err := e.st.ConsoleUserByEmail(ctx, "rev@example.jp")
		if err != nil {
			t.Fatal(err)
		}
		cred, _ := json.Marshal(webauthn.Credential{ID: []byte("credential-id-0002"), PublicKey: []byte{1, 2, 3}})
		if err := e.st.InsertConsolePasskey(ctx, console.Passkey{ID: "Y3JlZGVudGlhbC1pZC0wMDAy", UserID: u.ID, Name: "key", Credential: cred, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}

		c := e.browser()
		login := e.get(c, "/console/login")
		if !strings.Contains(login.body, `id="passkey-signin"`) {
			t.Fatalf("the sign-in page does not offer a passkey:\n%s", login.body)
		}
		tok := csrf(t, login)
		if r := e.do(c, http.MethodPost, "/console/login/passkey/options", url.Values{"csrf": {"wrong"}}); r.status != http.StatusForbidden {
			t.Fatalf("options with a wrong CSRF token: %d; want 403", r.status)
		}
		options := func() {
			t.Helper()
			r := e.do(c, http.MethodPost, "/console/login/passkey/options", url.Values{"csrf": {tok}})
			var o struct {
				Challenge        string `json:"challenge"`
				UserVerification string `json:"userVerification"`
				RPID             string `json:"rpId"`
			}
			if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &o) != nil || len(o.Challenge) < 40 ||
				o.UserVerification != "required" || o.RPID != "console.example.jp" || r.header.Get("Cache-Control") != "no-store" {
				t.Fatalf("options: %d %+v\n%s", r.status, o, r.body)
			}
		}
		answer := func(credential string) resp {
			t.Helper()
			r := e.do(c, http.MethodPost, "/console/login/with-passkey", url.Values{"csrf": {tok}, "credential": {credential}})
			if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "passkey was not accepted") {
				t.Fatalf("answer %.40q: %d; want 401\n%s", credential, r.status, r.body)
			}
			return r
		}
		reasons := func() []string {
			var out []string
			for _, a := range e.actions() {
				if strings.HasPrefix(a, "console.login_failed ") {
					var d map[string]string
					_ = json.Unmarshal([]byte(strings.TrimPrefix(a, "console.login_failed ")), &d)
					out = append(out, d["reason"])
				}
			}
			return out
		}

		// A garbled answer names nobody; answering again finds the
		// ceremony spent.
		options()
		answer(`{"id":"x"}`)
		answer(`{"id":"x"}`)
		// A ceremony left open too long.
		options()
		e.clock.Add(6 * time.Minute)
		answer(`{"id":"x"}`)
		if got := strings.Join(reasons(), " "); got != "passkey_refused passkey_expired passkey_expired" {
			t.Fatalf("failure reasons %q", got)
		}

		// An answer that names the user and their passkey but whose
		// signature is not the key's: a failed attempt of that user.
		b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
		forged := func() string {
			client, _ := json.Marshal(map[string]string{"type": "webauthn.get", "challenge": b64([]byte("not the challenge")), "origin": "https://console.example.jp"})
			auth := make([]byte, 37)
			auth[32] = 0x05 // user present and verified
			b, _ := json.Marshal(map[string]any{"id": "Y3JlZGVudGlhbC1pZC0wMDAy", "rawId": "Y3JlZGVudGlhbC1pZC0wMDAy", "type": "public-key",
				"response": map[string]string{"clientDataJSON": b64(client), "authenticatorData": b64(auth), "signature": b64([]byte{0x30, 0x00}), "userHandle": b64([]byte(u.ID))}})
			return string(b)
		}
		options()
		answer(forged())
		if got, _ := e.st.ConsoleUserByID(ctx, u.ID); got.FailedAttempts != 1 {
			t.Fatalf("failed attempts after a forged answer: %d; want 1", got.FailedAttempts)
		}
		if got := reasons(); got[len(got)-1] != "passkey_refused" {
			t.Fatalf("failure reasons %q", got)
		}
		// A disabled user is refused before the answer is judged, and it
		// does not count.
		if err := e.st.DisableConsoleUser(ctx, u.ID, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		options()
		answer(forged())
		if got, _ := e.st.ConsoleUserByID(ctx, u.ID); got.FailedAttempts != 1 {
			t.Fatalf("failed attempts after a disabled user's answer: %d; want 1", got.FailedAttempts)
		}
		if got := reasons(); got[len(got)-1] != "disabled" {
			t.Fatalf("failure reasons %q", got)
		}
		if sessions := e.get(c, "/console/"); sessions.status != http.StatusSeeOther {
			t.Fatalf("after refusals the browser has a session: %d", sessions.status)
		}
	})

	// Without passkeys configured there is no such form or route.
	e := newEnv(t, storetest.SQLite(t), false)
	c := e.browser()
	login := e.get(c, "/console/login")
	if strings.Contains(login.body, "passkey-signin") {
		t.Fatal("the sign-in page offers passkeys that are off")
	}
	if r := e.do(c, http.MethodPost, "/console/login/passkey/options", url.Values{"csrf": {csrf(t, login)}}); r.status != http.StatusNotFound && r.status != http.StatusMethodNotAllowed {
		t.Fatalf("options with passkeys off: %d; want 404 or 405", r.status)
	}
}
