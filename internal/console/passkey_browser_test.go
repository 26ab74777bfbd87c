package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/kakunin-dev/kakunin/internal/browsertest"
	"github.com/kakunin-dev/kakunin/internal/config"
)

// TestBrowserPasskey: a reviewer adds a passkey on the account page with
// Chromium's virtual authenticator (a real WebAuthn ceremony: the browser
// signs, go-webauthn verifies), signs out, and signs in again with the
// password and the passkey instead of a TOTP code, and then with the
// passkey alone. Adding, using and removing are audited.
func TestBrowserPasskey(t *testing.T) {
	s := browsertest.NewServer(t, func(cfg *config.Config) {
		// WebAuthn needs a domain name or localhost as the relying party;
		// browsers refuse IP addresses.
		cfg.BaseURL = strings.Replace(cfg.BaseURL, "127.0.0.1", "localhost", 1)
	})
	rev := newStaff(t, s, "reviewer@example.jp", "reviewer")
	b := &consoleBrowser{t: t, ctx: browsertest.Browser(t, "", 1280, 900), base: s.Base, shot: browsertest.NewShots(t)}
	b.run(webauthn.Enable(), chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := webauthn.AddVirtualAuthenticator(&webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true,
		}).Do(ctx)
		return err
	}))
	b.signIn(rev, false)

	b.open("/console/account")
	b.heading("Your account")
	if !strings.Contains(b.text(), "You have no passkeys yet.") {
		t.Fatalf("account page:\n%s", b.text())
	}
	b.run(chromedp.SendKeys("#passkey-name", "test laptop", chromedp.ByQuery))
	b.submit("#passkey-add")
	b.heading("Your account")
	if txt := b.text(); !strings.Contains(txt, "test laptop") || !strings.Contains(txt, "never") {
		t.Fatalf("the new passkey is not listed:\n%s", txt)
	}
	b.shot.Take(b.ctx, "account")
	publish(t, b.ctx, "account")
	b.signOut()

	// Password, then the passkey instead of a code.
	b.run(chromedp.SendKeys("#email", rev.email, chromedp.ByQuery), chromedp.SendKeys("#password", rev.password, chromedp.ByQuery))
	b.submit(`form[action="/console/login"]`)
	b.heading("Second factor")
	b.shot.Take(b.ctx, "second-factor-passkey")
	browsertest.Click(t, b.ctx, "#use-passkey")
	b.heading("Console")

	// The passkey alone, without the password: the virtual authenticator
	// keeps it as a discoverable credential and verifies its user.
	b.signOut()
	b.shot.Take(b.ctx, "login-passkey")
	browsertest.Click(t, b.ctx, "#signin-passkey")
	b.heading("Console")

	b.open("/console/account")
	b.heading("Your account")
	if txt := b.text(); strings.Contains(txt, "never") {
		t.Fatalf("the passkey's last use is not recorded:\n%s", txt)
	}
	b.submit(`form[action^="/console/account/passkeys/"]`)
	b.heading("Your account")
	if !strings.Contains(b.text(), "You have no passkeys yet.") {
		t.Fatalf("the passkey was not removed:\n%s", b.text())
	}

	entries, err := s.App.Store.AuditEntries(context.Background(), "console", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if e.Actor != rev.actor {
			continue
		}
		switch {
		case e.Action == "console.passkey_added", e.Action == "console.passkey_removed":
			got = append(got, e.Action)
		case e.Action == "console.login_succeeded" && strings.Contains(e.Detail, `"factor":"passkey"`):
			got = append(got, "login_with_passkey")
		case e.Action == "console.login_succeeded" && strings.Contains(e.Detail, `"factor":"passkey_only"`):
			got = append(got, "login_with_passkey_only")
		}
	}
	if strings.Join(got, " ") != "console.passkey_added login_with_passkey login_with_passkey_only console.passkey_removed" {
		t.Fatalf("audit entries %q; want the passkey added, used as second factor, used alone to sign in, and removed", got)
	}
}
