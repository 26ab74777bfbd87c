package console

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/decision"
	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/ids"
	"github.com/kakunin-dev/kakunin/internal/tenant"
	"github.com/kakunin-dev/kakunin/internal/verification"
	"github.com/kakunin-dev/kakunin/internal/webhook"
)

// APIKeys manages a tenant's API keys (*tenant.Service).
type APIKeys interface {
	CreateAPIKey(ctx context.Context, tenantName string, mode tenant.Mode) (string, tenant.APIKey, error)
	RevokeAPIKey(ctx context.Context, id string) error
	ListAPIKeys(ctx context.Context, tenantName string) ([]tenant.APIKey, error)
}

// Webhooks registers and disables webhook endpoints (*webhook.Dispatcher,
// whose URL policy refuses private and loopback receivers unless allowed).
type Webhooks interface {
	CreateEndpoint(ctx context.Context, tenantID, mode, rawURL string, events []string) (*webhook.Endpoint, string, error)
	DisableEndpoint(ctx context.Context, tenantID, id string) error
}

// WebhookLog reads a tenant's endpoints, events and deliveries (the store).
type WebhookLog interface {
	Endpoint(ctx context.Context, tenantID, id string) (*webhook.Endpoint, error)
	ListEndpoints(ctx context.Context, tenantID string) ([]*webhook.Endpoint, error)
	ListEvents(ctx context.Context, tenantID, afterID string, limit int) ([]*webhook.Event, error)
	DeliveriesForEvents(ctx context.Context, tenantID string, eventIDs []string) ([]*webhook.Delivery, error)
}

// eventsPerPage bounds the delivery log's page.
const eventsPerPage = 50

// maxReasonCodes bounds the reason-code editor (and the form's size).
const maxReasonCodes = 60

// routeSettings registers the tenant settings pages (admin only).
func (h *Handler) routeSettings() {
	admin := func(next func(http.ResponseWriter, *http.Request, *reqState)) http.HandlerFunc {
		return h.withSession(StageFull, h.require(PermAdminister, next))
	}
	h.mux.HandleFunc("GET /console/settings", admin(h.settingsIndex))
	h.mux.HandleFunc("GET /console/settings/{tenant}", admin(h.withTenant(h.settingsPage)))
	h.mux.HandleFunc("POST /console/settings/{tenant}/keys", admin(h.withTenant(h.createKey)))
	h.mux.HandleFunc("POST /console/settings/{tenant}/keys/{id}/revoke", admin(h.withTenant(h.revokeKey)))
	h.mux.HandleFunc("POST /console/settings/{tenant}/webhooks", admin(h.withTenant(h.createEndpoint)))
	h.mux.HandleFunc("POST /console/settings/{tenant}/webhooks/{id}/disable", admin(h.withTenant(h.disableEndpoint)))
	h.mux.HandleFunc("GET /console/settings/{tenant}/deliveries", admin(h.withTenant(h.deliveries)))
	if h.d.Cases != nil {
		h.mux.HandleFunc("POST /console/settings/{tenant}/reason-codes", admin(h.withTenant(h.setReasonCodes)))
		h.mux.HandleFunc("POST /console/settings/{tenant}/policy", admin(h.withTenant(h.setPolicy)))
	}
}

// withTenant resolves the tenant named (by ID) in the path. A tenant the
// admin is not assigned to is the same 404 as an unknown one.
func (h *Handler) withTenant(next func(http.ResponseWriter, *http.Request, *reqState, tenant.Tenant)) func(http.ResponseWriter, *http.Request, *reqState) {
	return func(w http.ResponseWriter, r *http.Request, st *reqState) {
		id := r.PathValue("tenant")
		if !st.user.CanAccessTenant(id) {
			h.fail(w, r, http.StatusNotFound, "There is no such tenant.")
			return
		}
		ts, err := h.d.Store.ConsoleTenants(r.Context())
		if err != nil {
			h.internal(w, r, err)
			return
		}
		i := slices.IndexFunc(ts, func(t tenant.Tenant) bool { return t.ID == id })
		if i < 0 {
			h.fail(w, r, http.StatusNotFound, "There is no such tenant.")
			return
		}
		next(w, r, st, ts[i])
	}
}

func settingsPath(t tenant.Tenant) string { return "/console/settings/" + url.PathEscape(t.ID) }

// settingsAudit appends a settings change to the tenant's chain, with the
// client IP. Details never hold secrets.
func (h *Handler) settingsAudit(ctx context.Context, r *http.Request, st *reqState, t tenant.Tenant, action, objectID string, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	if ip := clientIP(r); ip != "" {
		detail["ip"] = ip
	}
	return h.d.Audit.Record(ctx, t.ID, actorOf(st.user), action, objectID, detail)
}

// ---- tenant list ----

func (h *Handler) settingsIndex(w http.ResponseWriter, r *http.Request, st *reqState) {
	ts, err := h.d.Store.ConsoleTenants(r.Context())
	if err != nil {
		h.internal(w, r, err)
		return
	}
	var mine []tenant.Tenant
	for _, t := range ts {
		if st.user.CanAccessTenant(t.ID) {
			mine = append(mine, t)
		}
	}
	h.render(w, r, http.StatusOK, "settings_index", page{Title: "Tenant settings", CSRF: st.sess.CSRFSecret, User: &st.user, Data: mine})
}

// ---- the settings page ----

type keyRow struct {
	ID, Mode, Hint, Created, Revoked string
}

type endpointRow struct {
	ID, Mode, URL, Events, Created, Disabled string
}

type reasonRow struct {
	Code, Outcome, Label string
}

// lawPolicy is one law's row of the decision policy form: the tenant's
// own policy where it set one, else the law's default.
type lawPolicy struct {
	Law            string
	MinAge         int
	MatchApplicant bool
	ReviewAll      bool
	Custom         bool   // the tenant's own, not the default
	Updated        string // when the tenant last set it
	Default        string // the default, in words
	Editable       bool
}

type settingsData struct {
	Tenant         tenant.Tenant
	Path           string
	Keys           []keyRow
	Endpoints      []endpointRow
	EventTypes     []string
	Modes          []string
	ReasonCodes    []reasonRow
	Outcomes       []string
	CustomCodes    bool // the tenant set its own list (else the defaults)
	CanEditCodes   bool
	Policies       []lawPolicy
	Abolitions     []decision.Abolition
	Supervisor     string
	RetentionYears int
	RetentionDays  int
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, st *reqState, t tenant.Tenant) {
	h.renderSettings(w, r, st, t, http.StatusOK, "", nil)
}

// renderSettings shows the settings page; codes, when not nil, is the
// reason-code list as the admin last submitted it (to correct an error).
func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, st *reqState, t tenant.Tenant, status int, msg string, codes []reasonRow) {
	ctx := r.Context()
	d := settingsData{Tenant: t, Path: settingsPath(t), EventTypes: webhook.EventTypes, Modes: []string{"test", "live"},
		Outcomes:   h.outcomes(),
		Abolitions: decision.Abolitions, Supervisor: strings.Join(verification.DefaultSupervisorReasons, ", "),
		RetentionYears: int(verification.RetentionAfterClose / (365 * 24 * time.Hour)),
		RetentionDays:  int(verification.RetentionAfterClose / (24 * time.Hour))}
	var own map[verification.Law]verification.TenantPolicy
	if h.d.Cases != nil {
		var err error
		if own, err = h.d.Cases.TenantPolicies(ctx, t.ID); err != nil {
			h.internal(w, r, err)
			return
		}
	}
	for _, law := range verification.Laws {
		p := decision.DefaultPolicy(law)
		lp := lawPolicy{Law: string(law), MinAge: p.MinAge, MatchApplicant: p.MatchApplicant, ReviewAll: p.ReviewAll,
			Default: policyWords(p), Editable: h.d.Cases != nil}
		if tp, ok := own[law]; ok {
			lp.MinAge, lp.MatchApplicant, lp.ReviewAll = tp.MinAge, tp.MatchApplicant, tp.ReviewAll
			lp.Custom, lp.Updated = true, jstTime(tp.UpdatedAt)
		}
		d.Policies = append(d.Policies, lp)
	}
	if h.d.Keys != nil {
		keys, err := h.d.Keys.ListAPIKeys(ctx, t.Name)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		for _, k := range keys {
			row := keyRow{ID: k.ID, Mode: string(k.Mode), Hint: k.Hint, Created: jstTime(k.CreatedAt)}
			if k.RevokedAt != nil {
				row.Revoked = jstTime(*k.RevokedAt)
			}
			d.Keys = append(d.Keys, row)
		}
	}
	if h.d.WebhookLog != nil {
		eps, err := h.d.WebhookLog.ListEndpoints(ctx, t.ID)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		for _, ep := range eps {
			row := endpointRow{ID: ep.ID, Mode: ep.Mode, URL: ep.URL, Events: strings.Join(ep.Events, ", "), Created: jstTime(ep.CreatedAt)}
			if ep.DisabledAt != nil {
				row.Disabled = jstTime(*ep.DisabledAt)
			}
			d.Endpoints = append(d.Endpoints, row)
		}
	}
	if h.d.Cases != nil {
		d.CanEditCodes = true
		list, err := h.d.Cases.ReasonCodes(ctx, t.ID)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		d.CustomCodes = !slices.Equal(list, verification.DefaultReasonCodes)
		if codes != nil {
			d.ReasonCodes = codes
		} else {
			for _, c := range list {
				d.ReasonCodes = append(d.ReasonCodes, reasonRow{Code: c.Code, Outcome: string(c.Outcome), Label: c.Label})
			}
		}
		// Blank rows to add codes with.
		for range 3 {
			if len(d.ReasonCodes) < maxReasonCodes {
				d.ReasonCodes = append(d.ReasonCodes, reasonRow{})
			}
		}
	}
	h.render(w, r, status, "settings", page{Title: "Settings: " + t.Name, CSRF: st.sess.CSRFSecret, User: &st.user, Wide: true, Error: msg, Data: d})
}

func itoa(n int) string { return strconv.Itoa(n) }

// clientIP is the request's remote address without the port.
func clientIP(r *http.Request) string {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	return ip
}

func (h *Handler) outcomes() []string {
	return []string{string(verification.OutcomeApprove), string(verification.OutcomeReject), string(verification.OutcomeResubmit)}
}

// settingsError shows a domain error of a settings form on the settings
// page itself; other errors get the generic page.
func (h *Handler) settingsError(w http.ResponseWriter, r *http.Request, st *reqState, t tenant.Tenant, err error, codes []reasonRow) {
	var e *errkind.Error
	switch {
	case errors.As(err, &e) && errors.Is(err, errkind.ErrInvalid):
		h.renderSettings(w, r, st, t, http.StatusUnprocessableEntity, capitalize(e.Detail)+".", codes)
	case errors.As(err, &e) && errors.Is(err, errkind.ErrConflict):
		h.renderSettings(w, r, st, t, http.StatusConflict, capitalize(e.Detail)+".", codes)
	default:
		h.domainError(w, r, err, settingsPath(t))
	}
}

// ---- shown once ----

type secretData struct {
	What, ID, Mode, Secret, Back, Note string
	Account                            string // a console user's email, for their password
	BackLabel                          string // "": Back to the settings
}

// showSecret renders a new secret, the only time anyone sees it. The page
// is no-store like every console page; the secret is in no log or audit entry.
func (h *Handler) showSecret(w http.ResponseWriter, r *http.Request, st *reqState, title string, d secretData) {
	h.render(w, r, http.StatusCreated, "secret", page{Title: title, CSRF: st.sess.CSRFSecret, User: &st.user, Data: d})
}

// ---- API keys ----

func (h *Handler) createKey(w http.ResponseWriter, r *http.Request, st *reqState, t tenant.Tenant) {
	if h.d.Keys == nil {
		h.fail(w, r, http.StatusNotFound, "There is no such page.")
		return
	}
	mode := tenant.Mode(r.PostForm.Get("mode"))
	var secret string
	var key tenant.APIKey
	err := h.d.Store.InTx(r.Context(), func(ctx context.Context) error {
		var err error
		secret, key, err = h.d.Keys.CreateAPIKey(ctx, t.Name, mode)
		if err != nil {
			return err
		}
		return h.settingsAudit(ctx, r, st, t, "api_key.created", key.ID, map[string]any{"mode": string(key.Mode)})
	})
	if err != nil {
		h.settingsError(w, r, st, t, err, nil)
		return
	}
	h.showSecret(w, r, st, "New API key", secretData{What: "API key", ID: key.ID, Mode: string(key.Mode), Secret: secret,
		Back: settingsPath(t), Note: "Send it as “Authorization: Bearer …”. Kakunin keeps only its hash."})
}

func (h *Handler) revokeKey(w http.ResponseWriter, r *http.Request, st *reqState, t tenant.Tenant) {
	if h.d.Keys == nil {
		h.fail(w, r, http.StatusNotFound, "There is no such page.")
		return
	}
	id := r.PathValue("id")
	keys, err := h.d.Keys.ListAPIKeys(r.Context(), t.Name)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	i := slices.IndexFunc(keys, func(k tenant.APIKey) bool { return k.ID == id })
	if i < 0 {
		h.fail(w, r, http.StatusNotFound, "There is no such API key.")
		return
	}
	if keys[i].RevokedAt != nil {
		h.renderSettings(w, r, st, t, http.StatusConflict, "The key "+id+" is already revoked.", nil)
		return
	}
	err = h.d.Store.InTx(r.Context(), func(ctx context.Context) error {
		if err := h.d.Keys.RevokeAPIKey(ctx, id); err != nil {
			return err
		}
		return h.settingsAudit(ctx, r, st, t, "api_key.revoked", id, map[string]any{"mode": string(keys[i].Mode)})
	})
	if err != nil {
		h.settingsError(w, r, st, t, err, nil)
		return
	}
	http.Redirect(w, r, settingsPath(t)+"#keys", http.StatusSeeOther)
}

// ---- webhook endpoints ----

func (h *Handler) createEndpoint(w http.ResponseWriter, r *http.Request, st *reqState, t tenant.Tenant) {
	if h.d.Webhooks == nil {
		h.fail(w, r, http.StatusNotFound, "There is no such page.")
		return
	}
	f := r.PostForm
	mode := f.Get("mode")
	if mode != string(tenant.ModeTest) && mode != string(tenant.ModeLive) {
		h.renderSettings(w, r, st, t, http.StatusUnprocessableEntity, "Choose the mode: test or live.", nil)
		return
	}
	rawURL := strings.TrimSpace(f.Get("url"))
	var ep *webhook.Endpoint
	var secret string
	// The URL policy resolves the host before anything is written, so the
	// transaction holds no write lock during the lookup.
	err := h.d.Store.InTx(r.Context(), func(ctx context.Context) error {
		var err error
		ep, secret, err = h.d.Webhooks.CreateEndpoint(ctx, t.ID, mode, rawURL, f["event"])
		if err != nil {
			return err
		}
		// The host, not the URL: receivers often carry a token in the path.
		host := ""
		if u, err := url.Parse(ep.URL); err == nil {
			host = u.Hostname()
		}
		return h.settingsAudit(ctx, r, st, t, "webhook_endpoint.created", ep.ID,
			map[string]any{"mode": mode, "host": host, "events": ep.Events})
	})
	if err != nil {
		h.settingsError(w, r, st, t, err, nil)
		return
	}
	h.showSecret(w, r, st, "New webhook endpoint", secretData{What: "signing secret", ID: ep.ID, Mode: ep.Mode, Secret: secret,
		Back: settingsPath(t), Note: "Verify the " + webhook.SignatureHeader + " header of each delivery with it. Kakunin keeps it sealed."})
}

func (h *Handler) disableEndpoint(w http.ResponseWriter, r *http.Request, st *reqState, t tenant.Tenant) {
	if h.d.Webhooks == nil || h.d.WebhookLog == nil {
		h.fail(w, r, http.StatusNotFound, "There is no such page.")
		return
	}
	ep, err := h.d.WebhookLog.Endpoint(r.Context(), t.ID, r.PathValue("id"))
	if errors.Is(err, errkind.ErrNotFound) || (err == nil && ep.TenantID != t.ID) {
		h.fail(w, r, http.StatusNotFound, "There is no such webhook endpoint.")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if ep.DisabledAt != nil {
		h.renderSettings(w, r, st, t, http.StatusConflict, "The endpoint "+ep.ID+" is already disabled.", nil)
		return
	}
	err = h.d.Store.InTx(r.Context(), func(ctx context.Context) error {
		if err := h.d.Webhooks.DisableEndpoint(ctx, t.ID, ep.ID); err != nil {
			return err
		}
		return h.settingsAudit(ctx, r, st, t, "webhook_endpoint.disabled", ep.ID, map[string]any{"mode": ep.Mode})
	})
	if err != nil {
		h.settingsError(w, r, st, t, err, nil)
		return
	}
	http.Redirect(w, r, settingsPath(t)+"#webhooks", http.StatusSeeOther)
}

// ---- delivery log ----

type deliveryRow struct {
	Endpoint, Status, Attempts, LastCode, LastError, Updated, Delivered string
}

type eventRow struct {
	ID, Mode, Type, ObjectID, Created string
	Deliveries                        []deliveryRow
}

type deliveriesData struct {
	Tenant tenant.Tenant
	Path   string
	Events []eventRow
	Next   string
}

func (h *Handler) deliveries(w http.ResponseWriter, r *http.Request, st *reqState, t tenant.Tenant) {
	if h.d.WebhookLog == nil {
		h.fail(w, r, http.StatusNotFound, "There is no such page.")
		return
	}
	ctx := r.Context()
	after := r.URL.Query().Get("after")
	if after != "" && !ids.Valid("evt", after) {
		after = ""
	}
	evs, err := h.d.WebhookLog.ListEvents(ctx, t.ID, after, eventsPerPage+1)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	d := deliveriesData{Tenant: t, Path: settingsPath(t)}
	if len(evs) > eventsPerPage {
		evs = evs[:eventsPerPage]
		d.Next = settingsPath(t) + "/deliveries?after=" + url.QueryEscape(evs[len(evs)-1].ID)
	}
	eventIDs := make([]string, 0, len(evs))
	for _, e := range evs {
		eventIDs = append(eventIDs, e.ID)
	}
	byEvent := map[string][]deliveryRow{}
	if len(eventIDs) > 0 {
		ds, err := h.d.WebhookLog.DeliveriesForEvents(ctx, t.ID, eventIDs)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		for _, dl := range ds {
			row := deliveryRow{Endpoint: dl.EndpointID, Status: dl.Status, Attempts: itoa(dl.Attempts), LastError: dl.LastError,
				Updated: jstTime(dl.UpdatedAt)}
			if dl.LastStatusCode != 0 {
				row.LastCode = itoa(dl.LastStatusCode)
			}
			if dl.DeliveredAt != nil {
				row.Delivered = jstTime(*dl.DeliveredAt)
			}
			byEvent[dl.EventID] = append(byEvent[dl.EventID], row)
		}
	}
	for _, e := range evs {
		d.Events = append(d.Events, eventRow{ID: e.ID, Mode: e.Mode, Type: e.Type, ObjectID: e.ObjectID, Created: jstTime(e.CreatedAt),
			Deliveries: byEvent[e.ID]})
	}
	h.render(w, r, http.StatusOK, "deliveries", page{Title: "Webhook deliveries: " + t.Name, CSRF: st.sess.CSRFSecret, User: &st.user, Wide: true, Data: d})
}

// ---- reason codes ----

func (h *Handler) setReasonCodes(w http.ResponseWriter, r *http.Request, st *reqState, t tenant.Tenant) {
	f := r.PostForm
	actor := verification.Actor(actorOf(st.user))
	if f.Get("reset") == "1" {
		if err := h.d.Cases.SetReasonCodes(r.Context(), t.ID, nil, actor); err != nil {
			h.settingsError(w, r, st, t, err, nil)
			return
		}
		http.Redirect(w, r, settingsPath(t)+"#reason-codes", http.StatusSeeOther)
		return
	}
	codesIn, outcomes, labels := f["code"], f["outcome"], f["label"]
	if len(codesIn) != len(outcomes) || len(codesIn) != len(labels) || len(codesIn) > maxReasonCodes {
		h.fail(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	var rows []reasonRow
	var codes []verification.ReasonCode
	for i := range codesIn {
		row := reasonRow{Code: strings.TrimSpace(codesIn[i]), Outcome: outcomes[i], Label: strings.TrimSpace(labels[i])}
		if row.Code == "" && row.Label == "" {
			continue // a blank row, or a code cleared to remove it
		}
		rows = append(rows, row)
		if !slices.Contains(h.outcomes(), row.Outcome) {
			h.renderSettings(w, r, st, t, http.StatusUnprocessableEntity,
				"Reason code “"+row.Code+"”: the outcome must be approve, reject or request_resubmission.", rows)
			return
		}
		codes = append(codes, verification.ReasonCode{Code: row.Code, Outcome: verification.ReviewOutcome(row.Outcome), Label: row.Label})
	}
	if len(codes) == 0 {
		h.renderSettings(w, r, st, t, http.StatusUnprocessableEntity,
			"The list cannot be empty. To go back to kakunin's default list, use “Restore the defaults”.", rows)
		return
	}
	var missing []string
	for _, o := range []verification.ReviewOutcome{verification.OutcomeApprove, verification.OutcomeReject, verification.OutcomeResubmit} {
		if !slices.ContainsFunc(codes, func(c verification.ReasonCode) bool { return c.Outcome == o }) {
			missing = append(missing, string(o))
		}
	}
	if len(missing) > 0 {
		h.renderSettings(w, r, st, t, http.StatusUnprocessableEntity,
			"Every outcome needs at least one reason code, or reviewers cannot decide; missing: "+strings.Join(missing, ", ")+".", rows)
		return
	}
	// SetReasonCodes validates the list and records review.reason_codes_set
	// in the tenant's chain, in one transaction.
	if err := h.d.Cases.SetReasonCodes(r.Context(), t.ID, codes, actor); err != nil {
		h.settingsError(w, r, st, t, err, rows)
		return
	}
	http.Redirect(w, r, settingsPath(t)+"#reason-codes", http.StatusSeeOther)
}

// policyWords says a default policy in words, for the form.
func policyWords(p decision.Policy) string {
	age := "no age check"
	if p.MinAge > 0 {
		age = "at least " + itoa(p.MinAge)
	}
	match := "declared data not compared"
	if p.MatchApplicant {
		match = "declared data must match"
	}
	out := age + ", " + match
	if p.ReviewAll {
		out += ", every case reviewed"
	}
	return out
}

// setPolicy saves the tenant's decision policy for one law, or (reset=1)
// returns the law to its default.
func (h *Handler) setPolicy(w http.ResponseWriter, r *http.Request, st *reqState, t tenant.Tenant) {
	f := r.PostForm
	actor := verification.Actor(actorOf(st.user))
	law := verification.Law(f.Get("law"))
	var err error
	if f.Get("reset") == "1" {
		err = h.d.Cases.ResetTenantPolicy(r.Context(), t.ID, law, actor)
	} else {
		age, aerr := strconv.Atoi(strings.TrimSpace(f.Get("min_age")))
		if aerr != nil {
			h.renderSettings(w, r, st, t, http.StatusUnprocessableEntity, "The minimum age must be a whole number (0 for no age check).", nil)
			return
		}
		err = h.d.Cases.SetTenantPolicy(r.Context(), t.ID, verification.TenantPolicy{Law: law, MinAge: age,
			MatchApplicant: f.Get("match_applicant") == "1", ReviewAll: f.Get("review_all") == "1"}, actor)
	}
	if err != nil {
		h.settingsError(w, r, st, t, err, nil)
		return
	}
	http.Redirect(w, r, settingsPath(t)+"#policy", http.StatusSeeOther)
}
