package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/riverqueue/river"

	"github.com/kakunin-dev/kakunin/internal/audit"
	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/verification"
	"github.com/kakunin-dev/kakunin/internal/webhook"
)

// jobInserter stands in for the job queue: webhook deliveries are
// recorded, never sent.
type jobInserter struct{}

func (*jobInserter) Insert(context.Context, river.JobArgs, *river.InsertOpts) error { return nil }

var (
	keySecretRE  = regexp.MustCompile(`<code class="secret">(kk_test_[^<]+)</code>`)
	hookSecretRE = regexp.MustCompile(`<code class="secret">([^<]+)</code>`)
	keyIDRE      = regexp.MustCompile(`<dd><code>(key_[^<]+)</code></dd>`)
	endpointIDRE = regexp.MustCompile(`<dd><code>(whe_[^<]+)</code></dd>`)
)

func TestSettingsAPIKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newReviewEnv(t, newDB(t))
		ctx := context.Background()
		adm, admActor := e.staff("admin@example.jp", "admin", "acme")
		settings := "/console/settings/" + e.acme.ID

		if r := e.get(adm, "/console/settings"); r.status != http.StatusOK || !strings.Contains(r.body, settings) || strings.Contains(r.body, e.other.ID) {
			t.Fatalf("tenant list: got %d\n%s\nwant acme only", r.status, r.body)
		}
		page := e.get(adm, settings)
		for _, s := range []string{"API keys", "Webhook endpoints", "Decision policy", "Reason codes", "Retention", "7 years", "identity_confirmed"} {
			if !strings.Contains(page.body, s) {
				t.Fatalf("settings page lacks %q:\n%s", s, page.body)
			}
		}

		created := e.post(adm, settings, settings+"/keys", url.Values{"mode": {"test"}})
		m, id := keySecretRE.FindStringSubmatch(created.body), keyIDRE.FindStringSubmatch(created.body)
		if created.status != http.StatusCreated || m == nil || id == nil {
			t.Fatalf("create key: got %d\n%s\nwant the secret shown", created.status, created.body)
		}
		secret, keyID := m[1], id[1]
		p, err := e.tenants.Authenticate(ctx, secret)
		if err != nil || p.TenantID != e.acme.ID || p.KeyID != keyID {
			t.Fatalf("the new key: %+v, %v; want it to authenticate for acme", p, err)
		}
		// Shown once: the list has the hint only.
		if r := e.get(adm, settings); strings.Contains(r.body, secret) || !strings.Contains(r.body, keyID) || !strings.Contains(r.body, "…"+secret[len(secret)-4:]) {
			t.Fatalf("settings after creation: want the key listed by ID and hint, never the secret\n%s", r.body)
		}
		if r := e.post(adm, settings, settings+"/keys", url.Values{"mode": {"production"}}); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "Mode must be test or live") {
			t.Fatalf("a bad mode: got %d\n%s", r.status, r.body)
		}

		want(t, e.post(adm, settings, settings+"/keys/"+keyID+"/revoke", nil), http.StatusSeeOther, settings+"#keys")
		if _, err := e.tenants.Authenticate(ctx, secret); err == nil {
			t.Fatal("a revoked key still authenticates")
		}
		if r := e.post(adm, settings, settings+"/keys/"+keyID+"/revoke", nil); r.status != http.StatusConflict {
			t.Fatalf("revoking twice: got %d; want 409", r.status)
		}
		// A key of another tenant cannot be revoked through this one.
		otherSecret, otherKey, err := e.tenants.CreateAPIKey(ctx, "other", "live")
		if err != nil {
			t.Fatal(err)
		}
		if r := e.post(adm, settings, settings+"/keys/"+otherKey.ID+"/revoke", nil); r.status != http.StatusNotFound {
			t.Fatalf("revoking another tenant's key: got %d; want 404", r.status)
		}
		if _, err := e.tenants.Authenticate(ctx, otherSecret); err != nil {
			t.Fatal("the other tenant's key was revoked")
		}

		actions := e.tenantActions(e.acme.ID)
		for _, prefix := range []string{admActor + " api_key.created " + keyID, admActor + " api_key.revoked " + keyID} {
			if countPrefix(actions, prefix) != 1 {
				t.Errorf("audit chain lacks %q:\n%s", prefix, strings.Join(actions, "\n"))
			}
		}
		for _, a := range append(actions, e.logs.String()) {
			if strings.Contains(a, secret) {
				t.Fatal("the key's secret is in the audit chain or the log")
			}
		}
		if r, err := audit.New(e.st, nil).Verify(ctx, e.acme.ID); err != nil || !r.OK {
			t.Fatalf("chain: %+v, %v", r, err)
		}
	})
}

func TestSettingsWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newReviewEnv(t, newDB(t))
		ctx := context.Background()
		adm, admActor := e.staff("admin@example.jp", "admin")
		settings := "/console/settings/" + e.acme.ID

		// The production URL policy, as at the API: no loopback, no plain http.
		for _, u := range []string{"https://127.0.0.1/hook", "https://10.0.0.8/hook", "http://93.184.215.14/hook"} {
			r := e.post(adm, settings, settings+"/webhooks", url.Values{"url": {u}, "mode": {"test"}, "event": {"verification.approved"}})
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `class="error"`) {
				t.Fatalf("endpoint %s: got %d; want 422 with the reason\n%s", u, r.status, r.body)
			}
		}
		if r := e.post(adm, settings, settings+"/webhooks", url.Values{"url": {"https://93.184.215.14/hook"}, "mode": {"test"}}); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "Events must list") {
			t.Fatalf("endpoint without events: got %d\n%s", r.status, r.body)
		}
		hookURL := "https://93.184.215.14/kakunin/hook?token=abc"
		created := e.post(adm, settings, settings+"/webhooks", url.Values{"url": {hookURL}, "mode": {"test"},
			"event": {"verification.approved", "verification.rejected"}})
		m, id := hookSecretRE.FindStringSubmatch(created.body), endpointIDRE.FindStringSubmatch(created.body)
		if created.status != http.StatusCreated || m == nil || id == nil {
			t.Fatalf("create endpoint: got %d\n%s", created.status, created.body)
		}
		secret, epID := m[1], id[1]
		ep, err := e.st.Endpoint(ctx, e.acme.ID, epID)
		if err != nil || ep.URL != hookURL || !slices.Equal(ep.Events, []string{"verification.approved", "verification.rejected"}) || ep.Mode != "test" {
			t.Fatalf("endpoint %+v, %v", ep, err)
		}
		if r := e.get(adm, settings); !strings.Contains(r.body, epID) || strings.Contains(r.body, secret) {
			t.Fatal("the endpoint is not listed, or its secret is shown again")
		}

		// The delivery log shows each event's deliveries.
		if err := e.hooks.Publish(ctx, e.acme.ID, "test", "verification.approved", "ver_01abc", map[string]string{"id": "ver_01abc"}); err != nil {
			t.Fatal(err)
		}
		evs, err := e.st.ListEvents(ctx, e.acme.ID, "", 10)
		if err != nil || len(evs) != 1 {
			t.Fatalf("events %v, %v", evs, err)
		}
		ds, err := e.st.DeliveriesForEvents(ctx, e.acme.ID, []string{evs[0].ID})
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries %v, %v", ds, err)
		}
		ds[0].Status, ds[0].Attempts, ds[0].LastStatusCode, ds[0].LastError = webhook.DeliveryPending, 3, 503, "receiver answered 503"
		if err := e.st.UpdateDelivery(ctx, ds[0]); err != nil {
			t.Fatal(err)
		}
		log := e.get(adm, settings+"/deliveries")
		for _, s := range []string{evs[0].ID, "verification.approved", epID, "pending", "<td>3</td>", "503", "receiver answered 503"} {
			if !strings.Contains(log.body, s) {
				t.Fatalf("delivery log lacks %q:\n%s", s, log.body)
			}
		}
		if strings.Contains(log.body, `method="post"`) && strings.Contains(log.body, "/deliveries/") {
			t.Fatal("the delivery log has a form; it is read-only")
		}

		want(t, e.post(adm, settings, settings+"/webhooks/"+epID+"/disable", nil), http.StatusSeeOther, settings+"#webhooks")
		if ep, err := e.st.Endpoint(ctx, e.acme.ID, epID); err != nil || ep.DisabledAt == nil {
			t.Fatalf("endpoint after disabling: %+v, %v", ep, err)
		}
		if r := e.post(adm, settings, settings+"/webhooks/"+epID+"/disable", nil); r.status != http.StatusConflict {
			t.Fatalf("disabling twice: got %d; want 409", r.status)
		}
		// Another tenant's endpoint is not found through this tenant.
		otherEP, _, err := e.hooks.CreateEndpoint(ctx, e.other.ID, "test", "https://93.184.215.14/other", []string{"*"})
		if err != nil {
			t.Fatal(err)
		}
		if r := e.post(adm, settings, settings+"/webhooks/"+otherEP.ID+"/disable", nil); r.status != http.StatusNotFound {
			t.Fatalf("disabling another tenant's endpoint: got %d; want 404", r.status)
		}

		actions := e.tenantActions(e.acme.ID)
		for _, prefix := range []string{admActor + " webhook_endpoint.created " + epID, admActor + " webhook_endpoint.disabled " + epID} {
			if countPrefix(actions, prefix) != 1 {
				t.Errorf("audit chain lacks %q:\n%s", prefix, strings.Join(actions, "\n"))
			}
		}
		for _, a := range append(actions, e.logs.String()) {
			if strings.Contains(a, secret) || strings.Contains(a, "token=abc") {
				t.Fatal("the endpoint's secret or URL path is in the audit chain or the log")
			}
		}
	})
}

func TestSettingsWebhookPrivateAllowed(t *testing.T) {
	e := newReviewEnvPolicy(t, storetest.SQLite(t), webhook.URLPolicy{AllowPrivate: true, AllowHTTP: true})
	adm, _ := e.staff("admin@example.jp", "admin")
	settings := "/console/settings/" + e.acme.ID
	r := e.post(adm, settings, settings+"/webhooks", url.Values{"url": {"http://127.0.0.1:8080/hook"}, "mode": {"live"}, "event": {"*"}})
	if r.status != http.StatusCreated {
		t.Fatalf("loopback endpoint where the policy allows it: got %d\n%s", r.status, r.body)
	}
}

func TestSettingsReasonCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newReviewEnv(t, newDB(t))
		ctx := context.Background()
		adm, admActor := e.staff("admin@example.jp", "admin")
		settings := "/console/settings/" + e.acme.ID
		post := func(codes ...string) resp {
			f := url.Values{}
			for _, c := range codes {
				parts := strings.SplitN(c, "|", 3)
				f.Add("code", parts[0])
				f.Add("outcome", parts[1])
				f.Add("label", parts[2])
			}
			return e.post(adm, settings, settings+"/reason-codes", f)
		}
		good := []string{"identity_ok|approve|Identity confirmed", "fraud_suspected|reject|Fraud suspected",
			"blurry|request_resubmission|Photo blurred", "|approve|"}
		for name, tc := range map[string]struct {
			codes []string
			msg   string
		}{
			"bad code":      {[]string{"Bad-Code|approve|x", good[1], good[2]}, "A reason code is 2-64 of a-z"},
			"duplicate":     {[]string{good[0], "identity_ok|reject|again", good[2]}, "is listed twice"},
			"no label":      {[]string{"identity_ok|approve|", good[1], good[2]}, "needs a label"},
			"bad outcome":   {[]string{"identity_ok|maybe|x", good[1], good[2]}, "outcome must be approve"},
			"missing kinds": {[]string{good[0]}, "missing: reject, request_resubmission"},
			"empty":         {[]string{"|approve|"}, "cannot be empty"},
		} {
			r := post(tc.codes...)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, tc.msg) {
				t.Errorf("%s: got %d; want 422 with %q\n%s", name, r.status, tc.msg, r.body)
			}
		}
		if codes, _ := e.svc.ReasonCodes(ctx, e.acme.ID); !slices.Equal(codes, verification.DefaultReasonCodes) {
			t.Fatal("a refused list was saved")
		}

		want(t, post(good...), http.StatusSeeOther, settings+"#reason-codes")
		codes, err := e.svc.ReasonCodes(ctx, e.acme.ID)
		if err != nil || len(codes) != 3 || codes[0].Code != "identity_ok" || codes[2].Outcome != verification.OutcomeResubmit {
			t.Fatalf("saved codes %+v, %v", codes, err)
		}
		if other, _ := e.svc.ReasonCodes(ctx, e.other.ID); !slices.Equal(other, verification.DefaultReasonCodes) {
			t.Fatal("another tenant's list changed")
		}
		if countPrefix(e.tenantActions(e.acme.ID), admActor+" review.reason_codes_set "+e.acme.ID) != 1 {
			t.Fatal("the change is not in the tenant's audit chain")
		}
		// The reviewers' decision form offers the new list.
		v := e.reviewCase(e.acme.ID, "customer-codes")
		rev, _ := e.staff("rev@example.jp", "reviewer")
		want(t, e.post(rev, "/console/cases/"+v.ID, "/console/cases/"+v.ID+"/claim", nil), http.StatusSeeOther, "/console/cases/"+v.ID)
		if r := e.get(rev, "/console/cases/"+v.ID); !strings.Contains(r.body, "fraud_suspected") || strings.Contains(r.body, "face_mismatch_confirmed") {
			t.Fatalf("the case page does not offer the tenant's new reason codes:\n%s", r.body)
		}

		want(t, e.post(adm, settings, settings+"/reason-codes", url.Values{"reset": {"1"}}), http.StatusSeeOther, settings+"#reason-codes")
		if codes, _ := e.svc.ReasonCodes(ctx, e.acme.ID); !slices.Equal(codes, verification.DefaultReasonCodes) {
			t.Fatal("restoring the defaults did not")
		}
	})
}

// TestSettingsPolicy: an admin sets the tenant's own decision policy for a
// law, bad values are refused with nothing saved, the change is audited in
// the tenant's chain and decides the tenant's next case, and restoring the
// default removes it.
func TestSettingsPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, newDB func(testing.TB) string) {
		e := newReviewEnv(t, newDB(t))
		ctx := context.Background()
		adm, admActor := e.staff("admin@example.jp", "admin")
		settings := "/console/settings/" + e.acme.ID
		if r := e.get(adm, settings); !strings.Contains(r.body, `name="min_age"`) || !strings.Contains(r.body, "default: at least 18") {
			t.Fatalf("the policy form is not on the settings page:\n%s", r.body)
		}
		for name, tc := range map[string]struct {
			form url.Values
			msg  string
		}{
			"age too high":     {url.Values{"law": {"none"}, "min_age": {"130"}}, "minimum age must be between 0"},
			"age negative":     {url.Values{"law": {"none"}, "min_age": {"-1"}}, "minimum age must be between 0"},
			"age not a number": {url.Values{"law": {"none"}, "min_age": {"twenty"}}, "must be a whole number"},
			"unknown law":      {url.Values{"law": {"gambling"}, "min_age": {"20"}}, "law must be aml, mobile_phone or none"},
		} {
			r := e.post(adm, settings, settings+"/policy", tc.form)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, tc.msg) {
				t.Errorf("%s: got %d; want 422 with %q\n%s", name, r.status, tc.msg, r.body)
			}
		}
		if got, _ := e.svc.TenantPolicies(ctx, e.acme.ID); len(got) != 0 {
			t.Fatalf("a refused policy was saved: %+v", got)
		}
		want(t, e.post(adm, settings, settings+"/policy", url.Values{"law": {"none"}, "min_age": {"20"}, "review_all": {"1"}}),
			http.StatusSeeOther, settings+"#policy")
		got, err := e.svc.TenantPolicies(ctx, e.acme.ID)
		if p := got[verification.LawNone]; err != nil || len(got) != 1 || p.MinAge != 20 || p.MatchApplicant || !p.ReviewAll {
			t.Fatalf("saved policies %+v, %v", got, err)
		}
		if other, _ := e.svc.TenantPolicies(ctx, e.other.ID); len(other) != 0 {
			t.Fatal("another tenant's policy changed")
		}
		if countPrefix(e.tenantActions(e.acme.ID), admActor+" policy.set "+e.acme.ID) != 1 {
			t.Fatal("the change is not in the tenant's audit chain")
		}
		if r := e.get(adm, settings); !strings.Contains(r.body, "this tenant's, set") || !strings.Contains(r.body, "Restore the default") {
			t.Fatal("the page does not show the tenant's own policy")
		}
		// The policy decides the tenant's next case, and only this tenant's.
		if v := e.reviewCase(e.acme.ID, "policy-case"); !slices.Contains(v.Decision.Reasons, "policy_review_all") {
			t.Fatalf("decision under the tenant's policy: %v; want policy_review_all", v.Decision.Reasons)
		}
		if v := e.reviewCase(e.other.ID, "policy-other"); slices.Contains(v.Decision.Reasons, "policy_review_all") {
			t.Fatalf("another tenant's case: %v; want no policy_review_all", v.Decision.Reasons)
		}
		want(t, e.post(adm, settings, settings+"/policy", url.Values{"law": {"none"}, "reset": {"1"}}), http.StatusSeeOther, settings+"#policy")
		if got, _ := e.svc.TenantPolicies(ctx, e.acme.ID); len(got) != 0 {
			t.Fatalf("restoring the default did not: %+v", got)
		}
		if countPrefix(e.tenantActions(e.acme.ID), admActor+" policy.reset "+e.acme.ID) != 1 {
			t.Fatal("the reset is not in the tenant's audit chain")
		}
	})
}

// TestSettingsAccess: settings are the admin's alone, for their tenants,
// and every change needs the CSRF token.
func TestSettingsAccess(t *testing.T) {
	e := newReviewEnv(t, storetest.SQLite(t))
	settings := "/console/settings/" + e.acme.ID
	ep, _, err := e.hooks.CreateEndpoint(context.Background(), e.acme.ID, "test", "https://93.184.215.14/h", []string{"*"})
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := e.tenants.CreateAPIKey(context.Background(), "acme", "test")
	if err != nil {
		t.Fatal(err)
	}
	gets := []string{"/console/settings", settings, settings + "/deliveries"}
	posts := map[string]url.Values{
		settings + "/keys":                           {"mode": {"test"}},
		settings + "/keys/" + key.ID + "/revoke":     nil,
		settings + "/webhooks":                       {"url": {"https://93.184.215.14/x"}, "mode": {"test"}, "event": {"*"}},
		settings + "/webhooks/" + ep.ID + "/disable": nil,
		settings + "/reason-codes":                   {"reset": {"1"}},
		settings + "/policy":                         {"law": {"none"}, "reset": {"1"}},
	}
	for _, role := range []string{"reviewer", "supervisor", "auditor", "bpo_reviewer"} {
		c, _ := e.staff(role+"@example.jp", role, "acme")
		for _, p := range gets {
			if r := e.get(c, p); r.status != http.StatusForbidden {
				t.Errorf("%s GET %s: got %d; want 403", role, p, r.status)
			}
		}
		for p, f := range posts {
			if r := e.post(c, "/console/", p, f); r.status != http.StatusForbidden {
				t.Errorf("%s POST %s: got %d; want 403", role, p, r.status)
			}
		}
	}
	otherAdm, _ := e.staff("admin-other@example.jp", "admin", "other")
	for _, p := range gets[1:] {
		if r := e.get(otherAdm, p); r.status != http.StatusNotFound {
			t.Errorf("other tenant's admin GET %s: got %d; want 404", p, r.status)
		}
	}
	for p, f := range posts {
		if r := e.post(otherAdm, "/console/", p, f); r.status != http.StatusNotFound {
			t.Errorf("other tenant's admin POST %s: got %d; want 404", p, r.status)
		}
	}
	if r := e.get(otherAdm, "/console/settings"); strings.Contains(r.body, e.acme.ID) {
		t.Error("another tenant is listed to an admin not assigned to it")
	}
	adm, _ := e.staff("admin@example.jp", "admin")
	for p, f := range posts {
		if f == nil {
			f = url.Values{}
		}
		if r := e.do(adm, http.MethodPost, p, f); r.status != http.StatusForbidden || !strings.Contains(r.body, "CSRF") {
			t.Errorf("POST %s without CSRF: got %d; want 403", p, r.status)
		}
		f.Set("csrf", "wrong")
		if r := e.do(adm, http.MethodPost, p, f); r.status != http.StatusForbidden {
			t.Errorf("POST %s with a wrong CSRF token: got %d; want 403", p, r.status)
		}
	}
	if r := e.get(adm, "/console/settings/ten_01nosuchtenant"); r.status != http.StatusNotFound {
		t.Errorf("unknown tenant: got %d; want 404", r.status)
	}
	if r := e.get(adm, "/console/settings/console"); r.status != http.StatusNotFound {
		t.Errorf("the console pseudo-tenant: got %d; want 404", r.status)
	}
	// Nothing changed.
	if k, _ := e.tenants.ListAPIKeys(context.Background(), "acme"); len(k) != 1 || k[0].RevokedAt != nil {
		t.Fatalf("keys changed: %+v", k)
	}
	if got, _ := e.st.Endpoint(context.Background(), e.acme.ID, ep.ID); got.DisabledAt != nil {
		t.Fatal("the endpoint was disabled")
	}
}
