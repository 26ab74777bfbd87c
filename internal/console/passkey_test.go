package console_test

import (
	"context"
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
