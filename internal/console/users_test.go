package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/audit"
	"github.com/kakunin-dev/kakunin/internal/console"
	"github.com/kakunin-dev/kakunin/internal/store/storetest"
)

var (
	passwordRE = regexp.MustCompile(`<code class="secret">([A-Za-z0-9]{20})</code>`)
	userIDRE   = regexp.MustCompile(`<dd><code>(usr_[a-z0-9]+)</code></dd>`)
)

// consoleEntries is the console chain as "actor action object detail".
func (e *reviewEnv) consoleEntries() []string {
	e.t.Helper()
	return e.tenantActions(console.AuditTenant)
}

// TestUsersAdministration: an admin creates a user, resets their password
// and second factor, unlocks, disables and enables them and changes their
// role; each takes effect at sign-in and is audited without the email or
// a password.
func TestUsersAdministration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newReviewEnv(t, newDB(t))
		ctx := context.Background()
		adm, admActor := e.staff("admin@example.jp", "admin")

		home := e.get(adm, "/console/")
		if !strings.Contains(home.body, `href="/console/users"`) {
			t.Fatalf("the admin's home page has no link to the users:\n%s", home.body)
		}
		list := e.get(adm, "/console/users")
		if list.status != http.StatusOK || !strings.Contains(list.body, "admin@example.jp") || !strings.Contains(list.body, ">you<") {
			t.Fatalf("users page: got %d\n%s", list.status, list.body)
		}

		// Create: the form's errors, then a user.
		create := func(email, role string, tenants ...string) resp {
			return e.post(adm, "/console/users", "/console/users", url.Values{"email": {email}, "role": {role}, "tenant": tenants})
		}
		for _, tc := range []struct {
			email, role string
			tenants     []string
			status      int
			msg         string
		}{
			{"bpo@example.jp", "bpo_reviewer", nil, http.StatusUnprocessableEntity, "A bpo_reviewer must be assigned at least one tenant"},
			{"not an email", "reviewer", nil, http.StatusUnprocessableEntity, "The email address is not valid"},
			{"x@example.jp", "root", nil, http.StatusUnprocessableEntity, "Role must be one of"},
			{"x@example.jp", "reviewer", []string{"ghost"}, http.StatusUnprocessableEntity, "No such tenant"},
			{"ADMIN@example.jp", "auditor", nil, http.StatusConflict, "A console user with this email exists"},
		} {
			r := create(tc.email, tc.role, tc.tenants...)
			if r.status != tc.status || !strings.Contains(r.body, tc.msg) || !strings.Contains(r.body, `value="`+tc.email+`"`) {
				t.Fatalf("create %s %s %v: got %d; want %d with %q and the email kept\n%s", tc.email, tc.role, tc.tenants, r.status, tc.status, tc.msg, r.body)
			}
		}
		created := create("New.Rev@Example.JP", "reviewer", "acme")
		pm, im := passwordRE.FindStringSubmatch(created.body), userIDRE.FindStringSubmatch(created.body)
		if created.status != http.StatusCreated || pm == nil || im == nil || !strings.Contains(created.body, "new.rev@example.jp") {
			t.Fatalf("create: got %d\n%s\nwant the initial password shown", created.status, created.body)
		}
		initial, id := pm[1], im[1]
		u, err := e.st.ConsoleUserByID(ctx, id)
		if err != nil || u.Email != "new.rev@example.jp" || u.Role != console.RoleReviewer || !slices.Equal(u.Tenants, []string{e.acme.ID}) || !u.MustChangePassword {
			t.Fatalf("created user %+v, %v", u, err)
		}
		list = e.get(adm, "/console/users")
		if strings.Contains(list.body, initial) || !strings.Contains(list.body, "new.rev@example.jp") || !strings.Contains(list.body, "acme") ||
			!strings.Contains(list.body, "enrols at next sign-in") {
			t.Fatalf("users page after creation: want the user with tenant acme and no password\n%s", list.body)
		}

		// The new user signs in and must change the password.
		rev := e.browser()
		secret := e.signIn(rev, "new.rev@example.jp", initial, nil)
		want(t, e.get(rev, "/console/"), http.StatusSeeOther, "/console/password")
		chosen := "the reviewer's own passphrase"
		pwPage := e.get(rev, "/console/password")
		want(t, e.do(rev, http.MethodPost, "/console/password", url.Values{"csrf": {csrf(t, pwPage)}, "current": {initial}, "new": {chosen}, "confirm": {chosen}}),
			http.StatusSeeOther, "/console/")
		want(t, e.get(rev, "/console/"), http.StatusOK, "")
		userPath := "/console/users/" + id

		// Reset password: a one-time password, the sessions end, and the
		// user must change it.
		reset := e.post(adm, "/console/users", userPath+"/reset-password", nil)
		pm = passwordRE.FindStringSubmatch(reset.body)
		if reset.status != http.StatusCreated || pm == nil {
			t.Fatalf("reset password: got %d\n%s", reset.status, reset.body)
		}
		oneTime := pm[1]
		want(t, e.get(rev, "/console/"), http.StatusSeeOther, "/console/login")
		want(t, e.password(rev, "new.rev@example.jp", chosen), http.StatusUnauthorized, "")
		e.clock.Add(30 * time.Second)
		e.signIn(rev, "new.rev@example.jp", oneTime, secret)
		want(t, e.get(rev, "/console/"), http.StatusSeeOther, "/console/password")
		pwPage = e.get(rev, "/console/password")
		if !strings.Contains(pwPage.body, "by an admin's reset: choose your own") {
			t.Fatalf("password page after a reset does not say the change is required:\n%s", pwPage.body)
		}
		want(t, e.do(rev, http.MethodPost, "/console/password", url.Values{"csrf": {csrf(t, pwPage)}, "current": {oneTime}, "new": {chosen}, "confirm": {chosen}}),
			http.StatusSeeOther, "/console/")

		// Reset the second factor: the sessions end and the next sign-in
		// enrols a new secret; codes of the old one no longer work.
		want(t, e.post(adm, "/console/users", userPath+"/reset-totp", nil), http.StatusSeeOther, "/console/users")
		want(t, e.get(rev, "/console/"), http.StatusSeeOther, "/console/login")
		if u, _ := e.st.ConsoleUserByID(ctx, id); u.TOTPSealed != nil || u.TOTPEnrolledAt != nil {
			t.Fatalf("after the reset: sealed %v, enrolled %v; want neither", u.TOTPSealed != nil, u.TOTPEnrolledAt)
		}
		if r := e.post(adm, "/console/users", userPath+"/reset-totp", nil); r.status != http.StatusConflict || !strings.Contains(r.body, "no second factor to reset") {
			t.Fatalf("resetting twice: got %d; want 409\n%s", r.status, r.body)
		}
		e.clock.Add(30 * time.Second)
		want(t, e.password(rev, "new.rev@example.jp", chosen), http.StatusSeeOther, "/console/login/totp")
		fresh := e.enrol(rev)
		if slices.Equal(fresh, secret) {
			t.Fatal("the enrolment after a reset shows the old secret")
		}
		want(t, e.code(rev, console.TOTPCode(secret, e.clock.Now())), http.StatusUnauthorized, "")
		want(t, e.code(rev, console.TOTPCode(fresh, e.clock.Now())), http.StatusSeeOther, "/console/")
		secret = fresh

		// Unlock: a locked-out user signs in again at once.
		if r := e.post(adm, "/console/users", userPath+"/unlock", nil); r.status != http.StatusConflict {
			t.Fatalf("unlocking a user who is not locked: got %d; want 409", r.status)
		}
		guesser := e.browser()
		for range console.MaxFailures {
			want(t, e.password(guesser, "new.rev@example.jp", "a wrong guess"), http.StatusUnauthorized, "")
		}
		want(t, e.get(rev, "/console/"), http.StatusSeeOther, "/console/login")
		if r := e.get(adm, "/console/users"); !strings.Contains(r.body, "locked until") || !strings.Contains(r.body, userPath+"/unlock") {
			t.Fatalf("users page: want the user shown locked, with an unlock form\n%s", r.body)
		}
		want(t, e.post(adm, "/console/users", userPath+"/unlock", nil), http.StatusSeeOther, "/console/users")
		e.clock.Add(30 * time.Second)
		e.signIn(rev, "new.rev@example.jp", chosen, secret)
		want(t, e.get(rev, "/console/"), http.StatusOK, "")

		// Disable: the open session ends at once, the right password is
		// refused like a wrong one, and enabling lets the user back in.
		want(t, e.post(adm, "/console/users", userPath+"/disable", nil), http.StatusSeeOther, "/console/users")
		want(t, e.get(rev, "/console/"), http.StatusSeeOther, "/console/login")
		refused := e.password(rev, "new.rev@example.jp", chosen)
		wrong := e.password(e.browser(), "new.rev@example.jp", "another wrong guess")
		if refused.status != http.StatusUnauthorized || !strings.Contains(refused.body, "The email or password is wrong") ||
			strings.Count(refused.body, "disabled") != strings.Count(wrong.body, "disabled") {
			t.Fatalf("a disabled user's sign-in: got %d\n%s\nwant the wrong-password answer", refused.status, refused.body)
		}
		if r := e.get(adm, "/console/users"); !strings.Contains(r.body, `class="tag late">disabled`) || !strings.Contains(r.body, userPath+"/enable") {
			t.Fatalf("users page: want the user shown disabled, with an enable form\n%s", r.body)
		}
		if r := e.post(adm, "/console/users", userPath+"/disable", nil); r.status != http.StatusConflict || !strings.Contains(r.body, "already disabled") {
			t.Fatalf("disabling twice: got %d; want 409\n%s", r.status, r.body)
		}
		want(t, e.post(adm, "/console/users", userPath+"/enable", nil), http.StatusSeeOther, "/console/users")
		if r := e.post(adm, "/console/users", userPath+"/enable", nil); r.status != http.StatusConflict {
			t.Fatalf("enabling an active user: got %d; want 409", r.status)
		}
		e.clock.Add(30 * time.Second)
		e.signIn(rev, "new.rev@example.jp", chosen, secret)
		want(t, e.get(rev, "/console/"), http.StatusOK, "")

		// Role: the change takes effect at the user's next request.
		role := func(r string) resp { return e.post(adm, "/console/users", userPath+"/role", url.Values{"role": {r}}) }
		if r := role("root"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Role must be one of") {
			t.Fatalf("an unknown role: got %d\n%s", r.status, r.body)
		}
		if r := role("reviewer"); r.status != http.StatusConflict {
			t.Fatalf("the same role: got %d; want 409", r.status)
		}
		if r := e.get(rev, "/console/audit"); r.status != http.StatusForbidden {
			t.Fatalf("a reviewer reads the audit log: %d; want 403", r.status)
		}
		want(t, role("auditor"), http.StatusSeeOther, "/console/users")
		if r := e.get(rev, "/console/audit"); r.status != http.StatusOK {
			t.Fatalf("the user made auditor reads the audit log: %d; want 200", r.status)
		}
		want(t, role("bpo_reviewer"), http.StatusSeeOther, "/console/users") // assigned to acme: allowed

		// An admin cannot disable or demote themselves.
		me := strings.TrimPrefix(admActor, "console:")
		if r := e.post(adm, "/console/users", "/console/users/"+me+"/disable", nil); r.status != http.StatusForbidden ||
			!strings.Contains(r.body, "You cannot disable your own account") {
			t.Fatalf("disabling oneself: got %d\n%s", r.status, r.body)
		}
		if r := e.post(adm, "/console/users", "/console/users/"+me+"/role", url.Values{"role": {"reviewer"}}); r.status != http.StatusForbidden ||
			!strings.Contains(r.body, "You cannot change the role of your own account") {
			t.Fatalf("demoting oneself: got %d\n%s", r.status, r.body)
		}
		if me, _ := e.st.ConsoleUserByID(ctx, me); me.Role != console.RoleAdmin || me.DisabledAt != nil {
			t.Fatalf("the admin after refusals: %s, disabled %v", me.Role, me.DisabledAt)
		}
		// A user made bpo_reviewer for all tenants is refused.
		all := create("all@example.jp", "auditor")
		allID := userIDRE.FindStringSubmatch(all.body)[1]
		if r := e.post(adm, "/console/users", "/console/users/"+allID+"/role", url.Values{"role": {"bpo_reviewer"}}); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "at least one tenant") {
			t.Fatalf("bpo_reviewer without tenants: got %d\n%s", r.status, r.body)
		}
		for _, p := range []string{"/console/users/usr_00000000000000000000000000/disable", "/console/users/nope/disable", userPath + "/explode"} {
			if r := e.post(adm, "/console/users", p, nil); r.status != http.StatusNotFound {
				t.Fatalf("POST %s: got %d; want 404", p, r.status)
			}
		}

		// The audit chain: each action once, by the admin, on the user's ID.
		entries := e.consoleEntries()
		for _, action := range []string{"console.user_created", "console.password_reset", "console.totp_reset", "console.user_unlocked",
			"console.user_disabled", "console.user_enabled"} {
			if n := countPrefix(entries, admActor+" "+action+" "+id+" "); n != 1 {
				t.Errorf("%d %s entries by the admin on %s; want 1", n, action, id)
			}
		}
		if n := countPrefix(entries, admActor+" console.user_role_changed "+id+" "); n != 2 {
			t.Errorf("%d role changes recorded; want 2", n)
		}
		var disabledRefusal bool
		for _, en := range entries {
			if strings.HasPrefix(en, "console:"+id+" console.login_failed "+id+" ") && reason(en) == "disabled" {
				disabledRefusal = true
			}
		}
		if !disabledRefusal {
			t.Errorf("no console.login_failed with reason disabled:\n%s", strings.Join(entries, "\n"))
		}
		trail := strings.Join(entries, "\n") + e.logs.String() + strings.Join(e.urls, "\n")
		for _, s := range []string{"new.rev@", "New.Rev", "all@example", initial, oneTime, chosen} {
			if strings.Contains(trail, s) {
				t.Fatalf("%q is in the audit chain, the log or a URL", s)
			}
		}
		if r, err := audit.New(e.st, nil).Verify(ctx, console.AuditTenant); err != nil || !r.OK {
			t.Fatalf("console chain: %+v, %v", r, err)
		}
	})
}

// TestUsersAccess: other roles get 403, an admin limited to some tenants
// gets 404, and forms without the CSRF token are refused; nothing changes.
func TestUsersAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newReviewEnv(t, newDB(t))
		ctx := context.Background()
		e.user("target@example.jp", "reviewer")
		u, err := e.st.ConsoleUserByEmail(ctx, "target@example.jp")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.ConsoleLoginFailed(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		p := "/console/users/" + u.ID
		posts := map[string]url.Values{
			"/console/users":      {"email": {"sneaky@example.jp"}, "role": {"admin"}},
			p + "/unlock":         nil,
			p + "/reset-totp":     nil,
			p + "/reset-password": nil,
			p + "/disable":        nil,
			p + "/enable":         nil,
			p + "/role":           {"role": {"admin"}},
		}
		check := func(who string, c *http.Client, status int) {
			t.Helper()
			if r := e.get(c, "/console/users"); r.status != status {
				t.Errorf("%s GET /console/users: got %d; want %d", who, r.status, status)
			}
			for path, f := range posts {
				if r := e.post(c, "/console/", path, f); r.status != status {
					t.Errorf("%s POST %s: got %d; want %d", who, path, r.status, status)
				}
			}
			if r := e.get(c, "/console/"); strings.Contains(r.body, `href="/console/users"`) {
				t.Errorf("%s is shown a link to the users", who)
			}
		}
		for _, role := range []string{"reviewer", "supervisor", "auditor", "bpo_reviewer"} {
			c, _ := e.staff(role+"@example.jp", role, "acme")
			check(role, c, http.StatusForbidden)
		}
		tenantAdmin, _ := e.staff("admin-acme@example.jp", "admin", "acme")
		check("a tenant's admin", tenantAdmin, http.StatusNotFound)

		adm, _ := e.staff("admin@example.jp", "admin")
		for path, f := range posts {
			if f == nil {
				f = url.Values{}
			}
			if r := e.do(adm, http.MethodPost, path, f); r.status != http.StatusForbidden || !strings.Contains(r.body, "CSRF") {
				t.Errorf("POST %s without CSRF: got %d; want 403", path, r.status)
			}
			f.Set("csrf", "wrong")
			if r := e.do(adm, http.MethodPost, path, f); r.status != http.StatusForbidden {
				t.Errorf("POST %s with a wrong CSRF token: got %d; want 403", path, r.status)
			}
			if r := e.do(adm, http.MethodPost, path, f, "Sec-Fetch-Site", "cross-site"); r.status != http.StatusForbidden {
				t.Errorf("cross-site POST %s: got %d; want 403", path, r.status)
			}
		}
		// Nothing changed.
		got, err := e.st.ConsoleUserByID(ctx, u.ID)
		if err != nil || got.Role != console.RoleReviewer || got.DisabledAt != nil || got.FailedAttempts != 1 || got.PasswordHash != u.PasswordHash {
			t.Fatalf("the target changed: %+v, %v", got, err)
		}
		if _, err := e.st.ConsoleUserByEmail(ctx, "sneaky@example.jp"); err == nil {
			t.Fatal("a user was created")
		}
		for _, en := range e.consoleEntries() {
			if strings.Contains(en, "console.user_") || strings.Contains(en, "_reset ") {
				t.Fatalf("a refused action was recorded: %s", en)
			}
		}
	})
}

// TestUsersTenants: an admin changes which tenants a user may act on; the
// change applies to the user's open session at the next page, bad forms
// are refused without a change, and each change is audited.
func TestUsersTenants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newReviewEnv(t, newDB(t))
		ctx := context.Background()
		adm, admActor := e.staff("admin@example.jp", "admin")
		rev, revActor := e.staff("rev@example.jp", "reviewer", "acme")
		id := strings.TrimPrefix(revActor, "console:")
		_, bpoActor := e.staff("bpo@example.jp", "bpo_reviewer", "acme")
		bpoID := strings.TrimPrefix(bpoActor, "console:")
		acmeCase, otherCase := e.reviewCase(e.acme.ID, "t-1"), e.reviewCase(e.other.ID, "t-2")
		page := func(c *http.Client, v string) int { return e.get(c, "/console/cases/"+v).status }
		if a, o := page(rev, acmeCase.ID), page(rev, otherCase.ID); a != http.StatusOK || o != http.StatusNotFound {
			t.Fatalf("before: acme case %d, other case %d; want 200 and 404", a, o)
		}
		set := func(user string, tenants ...string) resp {
			return e.post(adm, "/console/users", "/console/users/"+user+"/tenants", url.Values{"tenant": tenants})
		}
		list := e.get(adm, "/console/users")
		if !strings.Contains(list.body, `action="/console/users/`+id+`/tenants"`) {
			t.Fatalf("users page: no tenants form for the reviewer\n%s", list.body)
		}

		// Move the reviewer from acme to other: the open session follows.
		want(t, set(id, "other"), http.StatusSeeOther, "/console/users")
		if a, o := page(rev, acmeCase.ID), page(rev, otherCase.ID); a != http.StatusNotFound || o != http.StatusOK {
			t.Fatalf("after the move: acme case %d, other case %d; want 404 and 200", a, o)
		}
		// No tenant ticked: every tenant.
		want(t, set(id), http.StatusSeeOther, "/console/users")
		if a, o := page(rev, acmeCase.ID), page(rev, otherCase.ID); a != http.StatusOK || o != http.StatusOK {
			t.Fatalf("with every tenant: acme case %d, other case %d; want 200 and 200", a, o)
		}
		if u, err := e.st.ConsoleUserByID(ctx, id); err != nil || len(u.Tenants) != 0 {
			t.Fatalf("stored tenants %v, %v; want none (every tenant)", u.Tenants, err)
		}

		// Refusals leave the stored tenants as they were.
		for _, tc := range []struct {
			user    string
			tenants []string
			status  int
			msg     string
		}{
			{bpoID, nil, http.StatusUnprocessableEntity, "A bpo_reviewer must be assigned at least one tenant"},
			{bpoID, []string{"acme"}, http.StatusConflict, "already has exactly these tenants"},
			{bpoID, []string{"ghost"}, http.StatusUnprocessableEntity, "No such tenant"},
			{bpoID, []string{console.AuditTenant}, http.StatusUnprocessableEntity, ""},
			{strings.TrimPrefix(admActor, "console:"), []string{"acme"}, http.StatusForbidden, "You cannot change the tenants of your own account"},
		} {
			r := set(tc.user, tc.tenants...)
			if r.status != tc.status || !strings.Contains(r.body, tc.msg) {
				t.Fatalf("tenants %v for %s: got %d; want %d with %q\n%s", tc.tenants, tc.user, r.status, tc.status, tc.msg, r.body)
			}
		}
		if u, _ := e.st.ConsoleUserByID(ctx, bpoID); !slices.Equal(u.Tenants, []string{e.acme.ID}) {
			t.Fatalf("the bpo_reviewer's tenants after refusals: %v; want [acme]", u.Tenants)
		}
		want(t, set(bpoID, "acme", "other", "acme"), http.StatusSeeOther, "/console/users")
		u, _ := e.st.ConsoleUserByID(ctx, bpoID)
		if wantIDs := []string{e.acme.ID, e.other.ID}; !slices.Equal(u.Tenants, slices.Sorted(slices.Values(wantIDs))) {
			t.Fatalf("the bpo_reviewer's tenants: %v; want acme and other once each", u.Tenants)
		}

		entries := e.consoleEntries()
		if n := countPrefix(entries, admActor+" console.user_tenants_changed "+id+" "); n != 2 {
			t.Errorf("%d tenant changes recorded for the reviewer; want 2\n%s", n, strings.Join(entries, "\n"))
		}
		if n := countPrefix(entries, admActor+" console.user_tenants_changed "+bpoID+" "); n != 1 {
			t.Errorf("%d tenant changes recorded for the bpo_reviewer; want 1", n)
		}
	})
}
