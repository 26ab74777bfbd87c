package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/decision"
	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

// Cases is what the queue and case pages need from the verification
// domain (*verification.Service).
type Cases interface {
	FindCase(ctx context.Context, id string) (*verification.Verification, error)
	ReviewQueue(ctx context.Context, f verification.QueueFilter) ([]verification.QueueItem, error)
	CaseReviews(ctx context.Context, v *verification.Verification) (*verification.Claim, []*verification.Review, error)
	SupervisorRequired(v *verification.Verification) bool
	ReasonCodes(ctx context.Context, tenantID string) ([]verification.ReasonCode, error)
	// SetReasonCodes replaces the tenant's list (nil: the defaults) and
	// records it in the tenant's audit chain.
	SetReasonCodes(ctx context.Context, tenantID string, codes []verification.ReasonCode, actor verification.Actor) error
	// TenantPolicies, SetTenantPolicy and ResetTenantPolicy read and change
	// the tenant's own decision policies, audited in the tenant's chain.
	TenantPolicies(ctx context.Context, tenantID string) (map[verification.Law]verification.TenantPolicy, error)
	SetTenantPolicy(ctx context.Context, tenantID string, p verification.TenantPolicy, actor verification.Actor) error
	ResetTenantPolicy(ctx context.Context, tenantID string, law verification.Law, actor verification.Actor) error
	Claim(ctx context.Context, tenantID, id string, actor verification.Actor) (*verification.Claim, error)
	Unclaim(ctx context.Context, tenantID, id string, actor verification.Actor) error
	Review(ctx context.Context, tenantID, id string, d verification.ReviewDecision, actor verification.Actor) (*verification.ReviewResult, error)
	Evidence(ctx context.Context, v *verification.Verification) ([]*verification.Evidence, error)
	LoadEvidence(ctx context.Context, e *verification.Evidence) ([]byte, error)
	// Applicant and Identity decrypt personal data and audit the read.
	Applicant(ctx context.Context, actor verification.Actor, v *verification.Verification) (*verification.Applicant, error)
	Identity(ctx context.Context, actor verification.Actor, v *verification.Verification) (*verification.Identity, error)
}

// Waiting times in review past which the queue colours a case: amber once
// it waits SLAWarn, red once it waits SLALate.
const (
	SLAWarn = 4 * time.Hour
	SLALate = 24 * time.Hour
)

// maxFrames bounds the liveness frames shown as a strip.
const maxFrames = 12

var jst = time.FixedZone("JST", 9*60*60)

// require admits the request only if the user's role grants p.
func (h *Handler) require(p Permission, next func(http.ResponseWriter, *http.Request, *reqState)) func(http.ResponseWriter, *http.Request, *reqState) {
	return func(w http.ResponseWriter, r *http.Request, st *reqState) {
		if !st.user.Can(p) {
			h.fail(w, r, http.StatusForbidden, "Your role does not allow this.")
			return
		}
		next(w, r, st)
	}
}

// domainError shows a domain error with its status; the details of
// domain errors are written for people and carry no personal data.
func (h *Handler) domainError(w http.ResponseWriter, r *http.Request, err error, back string) {
	var e *errkind.Error
	status := 0
	switch {
	case errors.Is(err, errkind.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, errkind.ErrConflict):
		status = http.StatusConflict
	case errors.Is(err, errkind.ErrForbidden):
		status = http.StatusForbidden
	case errors.Is(err, errkind.ErrInvalid):
		status = http.StatusUnprocessableEntity
	case errors.Is(err, errkind.ErrUnavailable):
		status = http.StatusServiceUnavailable
	}
	if status == 0 || !errors.As(err, &e) {
		h.internal(w, r, err)
		return
	}
	h.render(w, r, status, "error", page{Title: http.StatusText(status), Error: capitalize(e.Detail) + ".", Back: back})
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// scope is the user's tenants as a queue filter.
func scope(u User) verification.QueueFilter {
	if len(u.Tenants) == 0 {
		return verification.QueueFilter{AllTenants: u.Role != RoleBPO && u.Role.Valid()}
	}
	return verification.QueueFilter{Tenants: u.Tenants}
}

// caseOf loads the case named in the path; other tenants' cases are the
// same 404 as unknown ones.
func (h *Handler) caseOf(w http.ResponseWriter, r *http.Request, st *reqState) (*verification.Verification, bool) {
	v, err := h.d.Cases.FindCase(r.Context(), r.PathValue("id"))
	if errors.Is(err, errkind.ErrNotFound) || (err == nil && !st.user.CanAccessTenant(v.TenantID)) {
		h.fail(w, r, http.StatusNotFound, "There is no such case.")
		return nil, false
	}
	if err != nil {
		h.domainError(w, r, err, "/console/")
		return nil, false
	}
	return v, true
}

func (h *Handler) tenantNames(ctx context.Context) (map[string]string, error) {
	ts, err := h.d.Store.ConsoleTenants(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(ts))
	for _, t := range ts {
		m[t.ID] = t.Name
	}
	return m, nil
}

// ---- queue ----

type queueRow struct {
	ID, Tenant, Method, Law, Mode, Reasons string
	Waiting                                string
	SLA                                    string // ok, warn, late
	ClaimedBy                              string // "", "you", "another reviewer"
	FirstApproval, Supervisor              bool
}

type queueData struct {
	Rows                         []queueRow
	Method, Law, Reason, Age     string
	Mine                         bool
	Methods, Laws, Ages, Reasons []string
}

var queueAges = map[string]time.Duration{"1h": time.Hour, "4h": 4 * time.Hour, "24h": 24 * time.Hour, "72h": 72 * time.Hour}

func (h *Handler) queue(w http.ResponseWriter, r *http.Request, st *reqState) {
	ctx, q := r.Context(), r.URL.Query()
	f := scope(st.user)
	d := queueData{Methods: []string{"jpki", "ic_chip", "document_image"}, Laws: []string{"aml", "mobile_phone", "none"},
		Ages: []string{"1h", "4h", "24h", "72h"}}
	if m := q.Get("method"); slices.Contains(d.Methods, m) {
		d.Method, f.Method = m, verification.Method(m)
	}
	if l := q.Get("law"); slices.Contains(d.Laws, l) {
		d.Law, f.Law = l, verification.Law(l)
	}
	if a, ok := queueAges[q.Get("age")]; ok {
		d.Age, f.MinWaiting = q.Get("age"), a
	}
	if reason := q.Get("reason"); reason != "" && len(reason) <= 64 && strings.Trim(reason, "abcdefghijklmnopqrstuvwxyz0123456789_") == "" {
		d.Reason, f.Reason = reason, reason
	}
	if q.Get("mine") == "1" {
		d.Mine, f.ClaimedBy = true, verification.Actor(actorOf(st.user))
	}
	items, err := h.d.Cases.ReviewQueue(ctx, f)
	if err != nil {
		h.domainError(w, r, err, "/console/queue")
		return
	}
	names, err := h.tenantNames(ctx)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	now := h.d.Now()
	reasons := map[string]bool{}
	for _, it := range items {
		v := it.Verification
		row := queueRow{ID: v.ID, Tenant: names[v.TenantID], Method: string(v.Method), Law: string(v.Law), Mode: v.Mode,
			FirstApproval: it.FirstApprovals > 0, Supervisor: h.d.Cases.SupervisorRequired(v)}
		since := v.UpdatedAt
		if v.DecidedAt != nil {
			since = *v.DecidedAt
		}
		waited := now.Sub(since)
		row.Waiting, row.SLA = waitingText(waited), "ok"
		switch {
		case waited >= SLALate:
			row.SLA = "late"
		case waited >= SLAWarn:
			row.SLA = "warn"
		}
		if v.Decision != nil {
			row.Reasons = strings.Join(v.Decision.Reasons, ", ")
			for _, rc := range v.Decision.Reasons {
				reasons[rc] = true
			}
		}
		if c := it.Claim; c != nil {
			row.ClaimedBy = "another reviewer"
			if string(c.Actor) == actorOf(st.user) {
				row.ClaimedBy = "you"
			}
		}
		d.Rows = append(d.Rows, row)
	}
	for rc := range reasons {
		d.Reasons = append(d.Reasons, rc)
	}
	if d.Reason != "" && !reasons[d.Reason] {
		d.Reasons = append(d.Reasons, d.Reason)
	}
	sort.Strings(d.Reasons)
	h.render(w, r, http.StatusOK, "queue", page{Title: "Review queue", CSRF: st.sess.CSRFSecret, User: &st.user, Wide: true, Data: d})
}

func waitingText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// ---- case view ----

type evidenceView struct {
	ID, Kind, ContentType, SHA256 string
	Image                         bool
}

type checkView struct {
	Name, Status, Score, Reasons, Details string
	Required                              bool
}

type fieldView struct {
	Label, Declared, Proven string
	Differs, Normalized     bool // Normalized: differs as typed, equal after normalization
}

type reviewView struct {
	At, Actor, Outcome, Stage, Reasons, Steps, Comment string
}

type caseData struct {
	V                                    *verification.Verification
	Tenant, Created, Decided, Waiting    string
	MachineStatus, MachineReasons        string
	Rules                                []verification.RuleHit
	Checks                               []checkView
	Results                              []kv
	Photos, Frames, Files                []evidenceView
	FramesHidden                         int
	Fields                               []fieldView
	Sensitive                            bool // images and personal data are shown
	SensitiveNote                        string
	ClaimedBy                            string // "", "you", "another reviewer"
	ClaimExpires                         string
	InReview, CanReview, Mine, Supervise bool
	FirstApproval                        string // who gave the first approval, if waiting
	Reviews                              []reviewView
	Approve, Reject, Resubmit            []verification.ReasonCode
	Steps                                []string
}

type kv struct{ Key, Value string }

func (h *Handler) caseView(w http.ResponseWriter, r *http.Request, st *reqState) {
	v, ok := h.caseOf(w, r, st)
	if !ok {
		return
	}
	ctx, u := r.Context(), st.user
	actor := verification.Actor(actorOf(u))
	names, err := h.tenantNames(ctx)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	claim, reviews, err := h.d.Cases.CaseReviews(ctx, v)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	d := caseData{V: v, Tenant: names[v.TenantID], Created: jstTime(v.CreatedAt), InReview: v.Status == verification.StatusReview,
		CanReview: u.Can(PermReview), Supervise: h.d.Cases.SupervisorRequired(v), Steps: verification.ResubmitSteps}
	if v.DecidedAt != nil {
		d.Decided = jstTime(*v.DecidedAt)
		if d.InReview {
			d.Waiting = waitingText(h.d.Now().Sub(*v.DecidedAt))
		}
	}
	if claim != nil {
		d.ClaimedBy, d.ClaimExpires = "another reviewer", jstTime(claim.ExpiresAt)
		if claim.Actor == actor {
			d.ClaimedBy, d.Mine = "you", true
		}
	}
	// A bpo_reviewer sees images and personal data only while working on
	// the case; everyone else who may view cases sees them, audited.
	d.Sensitive = u.Role != RoleBPO || d.Mine
	if !d.Sensitive {
		d.SensitiveNote = "Claim the case to see the images and personal data."
	}
	if dec := v.Decision; dec != nil {
		d.MachineStatus, d.MachineReasons, d.Rules = string(dec.Status), strings.Join(dec.Reasons, ", "), dec.Rules
		if dec.DecidedBy != "machine" {
			d.MachineStatus = string(dec.Status) + " by a reviewer"
		}
	}
	for _, c := range v.Checks {
		cv := checkView{Name: c.Name, Status: string(c.Status), Required: c.Required, Reasons: strings.Join(c.Reasons, ", ")}
		if c.Score != nil {
			cv.Score = fmt.Sprintf("%.3f", *c.Score)
		}
		if c.Details != nil {
			b, _ := json.MarshalIndent(c.Details, "", "  ")
			cv.Details = string(b)
		}
		d.Checks = append(d.Checks, cv)
	}
	d.Results = flatten("", v.MethodResult)
	for _, rv := range reviews {
		d.Reviews = append(d.Reviews, reviewView{At: jstTime(rv.CreatedAt), Actor: h.userLabel(ctx, rv.Actor, actor),
			Outcome: string(rv.Outcome), Stage: string(rv.Stage), Reasons: strings.Join(rv.Reasons, ", "),
			Steps: strings.Join(rv.Steps, ", "), Comment: rv.Comment})
		if rv.Stage == verification.StageFirstApproval {
			d.FirstApproval = h.userLabel(ctx, rv.Actor, actor)
		}
	}
	if d.CanReview && d.InReview {
		codes, err := h.d.Cases.ReasonCodes(ctx, v.TenantID)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		for _, c := range codes {
			switch c.Outcome {
			case verification.OutcomeApprove:
				d.Approve = append(d.Approve, c)
			case verification.OutcomeReject:
				d.Reject = append(d.Reject, c)
			case verification.OutcomeResubmit:
				d.Resubmit = append(d.Resubmit, c)
			}
		}
	}
	evidence, err := h.d.Cases.Evidence(ctx, v)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	for _, e := range evidence {
		if e.DeletedAt != nil {
			continue
		}
		ev := evidenceView{ID: e.ID, Kind: string(e.Kind), ContentType: e.ContentType, SHA256: e.SHA256, Image: e.Kind.IsImage()}
		switch {
		case !ev.Image:
			d.Files = append(d.Files, ev)
		case e.Kind == verification.KindLivenessFrame:
			if len(d.Frames) < maxFrames {
				d.Frames = append(d.Frames, ev)
			} else {
				d.FramesHidden++
			}
		default:
			d.Photos = append(d.Photos, ev)
		}
	}
	if err := h.d.Audit.Record(ctx, v.TenantID, actorOf(u), "case.viewed", v.ID,
		map[string]any{"status": v.Status, "personal_data": d.Sensitive}); err != nil {
		h.internal(w, r, err)
		return
	}
	if d.Sensitive && v.RedactedAt == nil {
		a, err := h.d.Cases.Applicant(ctx, actor, v)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		idn, err := h.d.Cases.Identity(ctx, actor, v)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		d.Fields = compareFields(a, idn)
	}
	h.render(w, r, http.StatusOK, "case", page{Title: "Case " + v.ID, CSRF: st.sess.CSRFSecret, User: &u, Wide: true, Data: d})
}

// userLabel names a reviewer for other reviewers: their email, or "you".
func (h *Handler) userLabel(ctx context.Context, a, me verification.Actor) string {
	if a == me {
		return "you"
	}
	id, ok := strings.CutPrefix(string(a), "console:")
	if !ok {
		return string(a)
	}
	u, err := h.d.Store.ConsoleUserByID(ctx, id)
	if err != nil {
		return id
	}
	return u.Email + " (" + string(u.Role) + ")"
}

func jstTime(t time.Time) string { return t.In(jst).Format("2006-01-02 15:04 MST") }

// flatten lists a method result's facts as dotted keys and JSON values.
func flatten(prefix string, m map[string]any) []kv {
	var out []kv
	for k, x := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := x.(map[string]any); ok {
			out = append(out, flatten(key, sub)...)
			continue
		}
		b, _ := json.Marshal(x)
		s := string(b)
		if str, ok := x.(string); ok {
			s = str
		}
		out = append(out, kv{key, s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// compareFields sets what the applicant declared beside what the evidence
// proved, flagging differences the decision's normalization does not
// explain.
func compareFields(a *verification.Applicant, idn *verification.Identity) []fieldView {
	if a == nil {
		a = &verification.Applicant{}
	}
	if idn == nil {
		idn = &verification.Identity{}
	}
	rows := []fieldView{
		{Label: "Name", Declared: a.Name, Proven: idn.Name},
		{Label: "Name (kana)", Declared: a.NameKana},
		{Label: "Birth date", Declared: a.BirthDate, Proven: idn.BirthDate},
		{Label: "Address", Declared: a.Address, Proven: idn.Address},
		{Label: "Sex", Proven: idn.Sex},
		{Label: "Nationality", Proven: idn.Nationality},
		{Label: "Document number", Proven: idn.DocumentNumber},
		{Label: "Expiry date", Proven: idn.ExpiryDate},
		{Label: "Source", Proven: idn.Source},
	}
	norm := map[string]func(string) string{"Name": decision.NormalizeName, "Address": decision.NormalizeAddress}
	var out []fieldView
	for _, f := range rows {
		if f.Declared == "" && f.Proven == "" {
			continue
		}
		if f.Declared != "" && f.Proven != "" && f.Declared != f.Proven {
			f.Differs = true
			if n := norm[f.Label]; n != nil && n(f.Declared) == n(f.Proven) {
				f.Differs, f.Normalized = false, true
			}
		}
		out = append(out, f)
	}
	return out
}

// evidenceImage serves one photo of a case, decrypted, never cached; each
// view is an audit entry in the tenant's chain.
func (h *Handler) evidenceImage(w http.ResponseWriter, r *http.Request, st *reqState) {
	v, ok := h.caseOf(w, r, st)
	if !ok {
		return
	}
	ctx, u := r.Context(), st.user
	if u.Role == RoleBPO {
		claim, _, err := h.d.Cases.CaseReviews(ctx, v)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		if claim == nil || string(claim.Actor) != actorOf(u) {
			h.fail(w, r, http.StatusForbidden, "Claim the case to see its images.")
			return
		}
	}
	evidence, err := h.d.Cases.Evidence(ctx, v)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	i := slices.IndexFunc(evidence, func(e *verification.Evidence) bool { return e.ID == r.PathValue("evd") })
	if i < 0 || !evidence[i].Kind.IsImage() || evidence[i].DeletedAt != nil {
		h.fail(w, r, http.StatusNotFound, "There is no such image.")
		return
	}
	e := evidence[i]
	b, err := h.d.Cases.LoadEvidence(ctx, e)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if err := h.d.Audit.Record(ctx, v.TenantID, actorOf(u), "evidence.viewed", v.ID,
		map[string]any{"evidence_id": e.ID, "kind": e.Kind}); err != nil {
		h.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", e.ContentType)
	w.Header().Set("Content-Disposition", "inline")
	w.Header().Set("Cache-Control", "no-store, private")
	_, _ = w.Write(b)
}

// ---- claims and decisions ----

func casePath(id string) string { return "/console/cases/" + url.PathEscape(id) }

func (h *Handler) claim(w http.ResponseWriter, r *http.Request, st *reqState) {
	v, ok := h.caseOf(w, r, st)
	if !ok {
		return
	}
	if _, err := h.d.Cases.Claim(r.Context(), v.TenantID, v.ID, verification.Actor(actorOf(st.user))); err != nil {
		h.domainError(w, r, err, casePath(v.ID))
		return
	}
	http.Redirect(w, r, casePath(v.ID), http.StatusSeeOther)
}

func (h *Handler) unclaim(w http.ResponseWriter, r *http.Request, st *reqState) {
	v, ok := h.caseOf(w, r, st)
	if !ok {
		return
	}
	if err := h.d.Cases.Unclaim(r.Context(), v.TenantID, v.ID, verification.Actor(actorOf(st.user))); err != nil {
		h.domainError(w, r, err, casePath(v.ID))
		return
	}
	http.Redirect(w, r, "/console/queue", http.StatusSeeOther)
}

func (h *Handler) decide(w http.ResponseWriter, r *http.Request, st *reqState) {
	v, ok := h.caseOf(w, r, st)
	if !ok {
		return
	}
	f := r.PostForm
	d := verification.ReviewDecision{Outcome: verification.ReviewOutcome(f.Get("outcome")), Reasons: f["reason"],
		Steps: f["step"], Comment: f.Get("comment"), Supervisor: st.user.Can(PermSecondApproval)}
	res, err := h.d.Cases.Review(r.Context(), v.TenantID, v.ID, d, verification.Actor(actorOf(st.user)))
	if err != nil {
		h.domainError(w, r, err, casePath(v.ID))
		return
	}
	if res.Stage == verification.StageFirstApproval {
		http.Redirect(w, r, casePath(v.ID), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/console/queue", http.StatusSeeOther)
}
