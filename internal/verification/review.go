package verification

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/ids"
)

// ClaimTTL is how long a reviewer's claim on a case lasts; after it another
// reviewer may take the case over.
const ClaimTTL = 30 * time.Minute

// ReviewOutcome is what a reviewer decides about a case in review.
type ReviewOutcome string

// Review outcomes.
const (
	OutcomeApprove ReviewOutcome = "approve"
	OutcomeReject  ReviewOutcome = "reject"
	// OutcomeResubmit asks the applicant to redo some steps. The state
	// machine has no way back from review to awaiting_input (the evidence,
	// client token and expiry belong to the first attempt), so the case is
	// rejected with reason ReasonResubmissionRequested and one
	// "resubmit_<step>" reason per step; the tenant starts a new verification.
	OutcomeResubmit ReviewOutcome = "request_resubmission"
)

// ReasonResubmissionRequested marks a rejection that asks for a new attempt.
const ReasonResubmissionRequested = "resubmission_requested"

// ResubmitSteps are the steps a reviewer may ask the applicant to redo.
var ResubmitSteps = []string{"document", "selfie", "liveness", "chip", "jpki"}

// ReviewStage says whether a review decided the case or is a first approval
// waiting for a supervisor.
type ReviewStage string

// Review stages.
const (
	StageFirstApproval ReviewStage = "first_approval"
	StageFinal         ReviewStage = "final"
)

// DefaultSupervisorReasons are the machine reasons that make an approval
// need a supervisor's second approval (4-eyes): signs of a different person
// or of an attack.
var DefaultSupervisorReasons = []string{"face_mismatch", "presentation_attack", "replayed_media"}

// ReasonCode is one entry of a tenant's list of reviewer reason codes.
type ReasonCode struct {
	Code    string        `json:"code"`
	Outcome ReviewOutcome `json:"outcome"` // the outcome it may justify
	Label   string        `json:"label"`
}

// DefaultReasonCodes is the list a tenant uses until it sets its own.
var DefaultReasonCodes = []ReasonCode{
	{"identity_confirmed", OutcomeApprove, "Identity confirmed by the reviewer"},
	{"data_difference_explained", OutcomeApprove, "Difference in declared data explained (moved, married, variant kanji)"},
	{"check_false_positive", OutcomeApprove, "Failed check judged a false positive"},
	{"face_mismatch_confirmed", OutcomeReject, "Selfie is not the document holder"},
	{"document_suspected_forged", OutcomeReject, "Document suspected forged or altered"},
	{"document_expired", OutcomeReject, "Document expired"},
	{"data_mismatch", OutcomeReject, "Declared data does not match the document"},
	{"presentation_attack_confirmed", OutcomeReject, "Photo of a photo, screen or mask"},
	{"underage", OutcomeReject, "Below the required age"},
	{"image_unreadable", OutcomeResubmit, "Photo blurred, dark or with glare"},
	{"document_cut_off", OutcomeResubmit, "Document not fully in the frame"},
	{"wrong_document", OutcomeResubmit, "Not an accepted document"},
	{"face_not_visible", OutcomeResubmit, "Face hidden or out of frame"},
}

// ReviewDecision is a reviewer's decision on a case in review.
type ReviewDecision struct {
	Outcome ReviewOutcome
	Reasons []string // codes from the tenant's list, for this outcome
	Comment string   // free text, sealed at rest; never in audit entries or webhooks
	Steps   []string // request_resubmission only: ResubmitSteps to redo
	// Supervisor says the actor may give a second approval (the console's
	// supervisor role); the domain does not know console roles.
	Supervisor bool
}

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,63}$`)

// Validate checks the decision's shape; the reason codes are checked
// against the tenant's list by Review.
func (d *ReviewDecision) Validate() error {
	switch d.Outcome {
	case OutcomeApprove, OutcomeReject, OutcomeResubmit:
	default:
		return invalid("outcome_invalid", "outcome must be approve, reject or request_resubmission")
	}
	if len(d.Reasons) == 0 || len(d.Reasons) > 10 {
		return invalid("reasons_required", "give 1 to 10 reason codes")
	}
	d.Comment = strings.TrimSpace(d.Comment)
	if utf8.RuneCountInString(d.Comment) > 2000 || !utf8.ValidString(d.Comment) {
		return invalid("comment_invalid", "the comment is at most 2000 characters of valid UTF-8")
	}
	if d.Outcome == OutcomeResubmit && len(d.Steps) == 0 {
		return invalid("steps_required", "name the steps to redo: %s", strings.Join(ResubmitSteps, ", "))
	}
	if d.Outcome != OutcomeResubmit && len(d.Steps) > 0 {
		return invalid("steps_unexpected", "steps go with request_resubmission only")
	}
	for _, s := range d.Steps {
		if !slices.Contains(ResubmitSteps, s) {
			return invalid("step_invalid", "unknown step %q", s)
		}
	}
	return nil
}

// Claim is a reviewer's hold on a case.
type Claim struct {
	TenantID       string
	VerificationID string
	Actor          Actor
	ClaimedAt      time.Time
	ExpiresAt      time.Time
}

// Review is one recorded reviewer decision.
type Review struct {
	ID             string
	TenantID       string
	VerificationID string
	Actor          Actor
	Outcome        ReviewOutcome
	Stage          ReviewStage
	Reasons        []string
	Steps          []string
	SealedComment  []byte
	Comment        string // opened by CaseReviews
	CreatedAt      time.Time
}

// QueueFilter selects cases in review across tenants.
type QueueFilter struct {
	AllTenants bool     // every tenant; else only Tenants
	Tenants    []string // tenant IDs
	Method     Method
	Law        Law
	Reason     string        // a machine reason code the decision gave
	MinWaiting time.Duration // waiting in review at least this long
	ClaimedBy  Actor         // only cases this actor holds a live claim on
	Limit      int
}

// QueueItem is one case in the queue.
type QueueItem struct {
	Verification   *Verification
	Claim          *Claim // live claim, nil if none
	FirstApprovals int    // first approvals recorded, waiting for a supervisor
}

// ReviewStore persists claims, reviews and reason codes.
type ReviewStore interface {
	// ClaimCase takes or renews c unless another actor holds a live claim
	// (expires_at after now); false means someone else holds it.
	ClaimCase(ctx context.Context, c Claim, now time.Time) (bool, error)
	// ReleaseClaim drops actor's claim; false means actor held none.
	ReleaseClaim(ctx context.Context, tenantID, verificationID string, actor Actor) (bool, error)
	// DeleteClaim drops whatever claim the case has.
	DeleteClaim(ctx context.Context, tenantID, verificationID string) error
	// ClaimOf returns the case's live claim at now, nil if none.
	ClaimOf(ctx context.Context, tenantID, verificationID string, now time.Time) (*Claim, error)
	InsertReview(ctx context.Context, r *Review) error
	Reviews(ctx context.Context, tenantID, verificationID string) ([]*Review, error)
	ReviewQueue(ctx context.Context, f QueueFilter, now time.Time) ([]QueueItem, error)
	// VerificationAnyTenant finds a verification by ID alone, for the
	// console, which checks the user's tenants itself.
	VerificationAnyTenant(ctx context.Context, id string) (*Verification, error)
	ReasonCodes(ctx context.Context, tenantID string) ([]ReasonCode, error)
	SetReasonCodes(ctx context.Context, tenantID string, codes []ReasonCode) error
}

func (s *Service) reviews() (ReviewStore, error) {
	if s.d.Reviews == nil {
		return nil, errkind.New(errkind.ErrUnavailable, "reviews_unavailable", "reviews are not configured")
	}
	return s.d.Reviews, nil
}

// SupervisorRequired reports whether approving v needs a supervisor's
// second approval: the machine's decision gave one of the configured
// reasons (DefaultSupervisorReasons unless Deps.SupervisorReasons is set).
func (s *Service) SupervisorRequired(v *Verification) bool {
	if v.Decision == nil {
		return false
	}
	set := s.d.SupervisorReasons
	if set == nil {
		set = DefaultSupervisorReasons
	}
	reasons := v.Decision.Reasons
	if m := machineDecision(v); m != nil {
		reasons = m.Reasons
	}
	for _, r := range reasons {
		if slices.Contains(set, r) {
			return true
		}
	}
	return false
}

// machineDecision is the decision that sent v to review: v.Decision while
// in review. After a review v.Decision is the reviewer's; the machine's
// rules are kept in it, so the explanation survives.
func machineDecision(v *Verification) *Decision {
	if v.Decision != nil && v.Decision.DecidedBy == "machine" {
		return v.Decision
	}
	return nil
}

// FindCase loads a verification of any tenant by ID. Callers must check
// the tenant against what their user may see.
func (s *Service) FindCase(ctx context.Context, id string) (*Verification, error) {
	rs, err := s.reviews()
	if err != nil {
		return nil, err
	}
	if !ids.Valid("ver", id) {
		return nil, notFoundVerification()
	}
	return rs.VerificationAnyTenant(ctx, id)
}

// ReviewQueue lists cases in review, longest waiting first.
func (s *Service) ReviewQueue(ctx context.Context, f QueueFilter) ([]QueueItem, error) {
	rs, err := s.reviews()
	if err != nil {
		return nil, err
	}
	if !f.AllTenants && len(f.Tenants) == 0 {
		return nil, nil
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	if f.Reason != "" && !codeRE.MatchString(f.Reason) {
		return nil, invalid("reason_invalid", "a reason is a code like face_mismatch")
	}
	items, err := rs.ReviewQueue(ctx, f, s.d.Now())
	if err != nil || f.Reason == "" {
		return items, err
	}
	out := items[:0]
	for _, it := range items {
		if d := it.Verification.Decision; d != nil && slices.Contains(d.Reasons, f.Reason) {
			out = append(out, it)
		}
	}
	return out, nil
}

// Claim takes the case in review for actor for ClaimTTL, or renews actor's
// claim. Another reviewer's live claim is a conflict.
func (s *Service) Claim(ctx context.Context, tenantID, id string, actor Actor) (*Claim, error) {
	rs, err := s.reviews()
	if err != nil {
		return nil, err
	}
	var c *Claim
	err = s.d.Store.InTx(ctx, func(ctx context.Context) error {
		v, err := s.lock(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if v.Status != StatusReview {
			return notInReview(v)
		}
		now := s.d.Now().UTC().Truncate(time.Microsecond)
		c = &Claim{TenantID: tenantID, VerificationID: id, Actor: actor, ClaimedAt: now, ExpiresAt: now.Add(ClaimTTL)}
		ok, err := rs.ClaimCase(ctx, *c, now)
		if err != nil {
			return err
		}
		if !ok {
			return errkind.New(errkind.ErrConflict, "claimed_by_other", "another reviewer is working on this case")
		}
		return s.d.Audit.Record(ctx, tenantID, string(actor), "review.claimed", id, map[string]any{"expires_at": c.ExpiresAt})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Unclaim gives the case back to the queue.
func (s *Service) Unclaim(ctx context.Context, tenantID, id string, actor Actor) error {
	rs, err := s.reviews()
	if err != nil {
		return err
	}
	return s.d.Store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.lock(ctx, tenantID, id); err != nil {
			return err
		}
		ok, err := rs.ReleaseClaim(ctx, tenantID, id, actor)
		if err != nil {
			return err
		}
		if !ok {
			return errkind.New(errkind.ErrConflict, "not_claimed", "you do not hold this case")
		}
		return s.d.Audit.Record(ctx, tenantID, string(actor), "review.unclaimed", id, nil)
	})
}

// CaseReviews returns the case's live claim (nil if none) and its reviews,
// oldest first, with comments opened.
func (s *Service) CaseReviews(ctx context.Context, v *Verification) (*Claim, []*Review, error) {
	rs, err := s.reviews()
	if err != nil {
		return nil, nil, err
	}
	c, err := rs.ClaimOf(ctx, v.TenantID, v.ID, s.d.Now())
	if err != nil {
		return nil, nil, err
	}
	list, err := rs.Reviews(ctx, v.TenantID, v.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range list {
		if r.SealedComment == nil {
			continue
		}
		b, err := s.d.Sealer.Open(ctx, v.TenantID, r.SealedComment, reviewCommentAAD(r.ID))
		if err != nil {
			return nil, nil, err
		}
		r.Comment = string(b)
	}
	return c, list, nil
}

// ReasonCodes is the tenant's list of reviewer reason codes, or the defaults.
func (s *Service) ReasonCodes(ctx context.Context, tenantID string) ([]ReasonCode, error) {
	rs, err := s.reviews()
	if err != nil {
		return nil, err
	}
	codes, err := rs.ReasonCodes(ctx, tenantID)
	if err != nil || len(codes) > 0 {
		return codes, err
	}
	return slices.Clone(DefaultReasonCodes), nil
}

// SetReasonCodes replaces the tenant's list of reason codes; an empty list
// goes back to the defaults.
func (s *Service) SetReasonCodes(ctx context.Context, tenantID string, codes []ReasonCode, actor Actor) error {
	rs, err := s.reviews()
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, c := range codes {
		switch {
		case !codeRE.MatchString(c.Code):
			return invalid("reason_code_invalid", "a reason code is 2-64 of a-z, 0-9 and _, starting with a letter")
		case seen[c.Code]:
			return invalid("reason_code_duplicate", "reason code %q is listed twice", c.Code)
		case c.Outcome != OutcomeApprove && c.Outcome != OutcomeReject && c.Outcome != OutcomeResubmit:
			return invalid("outcome_invalid", "reason code %q: outcome must be approve, reject or request_resubmission", c.Code)
		case c.Label == "" || utf8.RuneCountInString(c.Label) > 200:
			return invalid("reason_label_invalid", "reason code %q needs a label of at most 200 characters", c.Code)
		}
		seen[c.Code] = true
	}
	return s.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := rs.SetReasonCodes(ctx, tenantID, codes); err != nil {
			return err
		}
		return s.d.Audit.Record(ctx, tenantID, string(actor), "review.reason_codes_set", tenantID, map[string]any{"count": len(codes)})
	})
}

func reviewCommentAAD(id string) []byte { return []byte("review/" + id + "/comment") }

func notInReview(v *Verification) error {
	return errkind.New(errkind.ErrConflict, "not_in_review", "the verification is %s, not in review", v.Status)
}

// ReviewResult is what a review did.
type ReviewResult struct {
	Verification *Verification
	Review       *Review
	// Stage is StageFirstApproval when the case stays in review waiting for
	// a supervisor, else StageFinal.
	Stage ReviewStage
}

// Review records a reviewer's decision on a case in review that actor has
// claimed. A final decision moves the case to approved or rejected by
// compare-and-swap, in one transaction with the audit entries, the webhook
// event and an identity record that supersedes the machine's. Approving a
// case that needs a supervisor (SupervisorRequired) takes two people: the
// first approval is recorded and the case stays in review until a
// different user with the supervisor's permission approves it.
func (s *Service) Review(ctx context.Context, tenantID, id string, d ReviewDecision, actor Actor) (*ReviewResult, error) {
	rs, err := s.reviews()
	if err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	allowed, err := s.ReasonCodes(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, r := range d.Reasons {
		if !slices.ContainsFunc(allowed, func(c ReasonCode) bool { return c.Code == r && c.Outcome == d.Outcome }) {
			return nil, invalid("reason_code_invalid", "%q is not one of the tenant's reason codes for %s", r, d.Outcome)
		}
	}
	res := &ReviewResult{}
	err = s.d.Store.InTx(ctx, func(ctx context.Context) error {
		v, err := s.lock(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if v.Status != StatusReview {
			return notInReview(v)
		}
		now := s.d.Now().UTC().Truncate(time.Microsecond)
		c, err := rs.ClaimOf(ctx, tenantID, id, now)
		if err != nil {
			return err
		}
		if c == nil || c.Actor != actor {
			return errkind.New(errkind.ErrConflict, "claim_required", "claim the case before deciding it")
		}
		prior, err := rs.Reviews(ctx, tenantID, id)
		if err != nil {
			return err
		}
		var firstBy []Actor
		for _, p := range prior {
			if p.Stage == StageFirstApproval {
				firstBy = append(firstBy, p.Actor)
			}
		}
		r := &Review{ID: ids.New("rvw"), TenantID: tenantID, VerificationID: id, Actor: actor, Outcome: d.Outcome,
			Stage: StageFinal, Reasons: d.Reasons, Steps: d.Steps, CreatedAt: now}
		if r.Steps == nil {
			r.Steps = []string{}
		}
		fourEyes := d.Outcome == OutcomeApprove && s.SupervisorRequired(v)
		if fourEyes {
			switch {
			case slices.Contains(firstBy, actor):
				return errkind.New(errkind.ErrForbidden, "second_approval_same_user",
					"you gave the first approval; a different supervisor must give the second")
			case len(firstBy) == 0:
				r.Stage = StageFirstApproval
			case !d.Supervisor:
				return errkind.New(errkind.ErrForbidden, "supervisor_required",
					"this case needs a supervisor's second approval")
			}
		}
		if d.Comment != "" {
			if r.SealedComment, err = s.d.Sealer.Seal(ctx, tenantID, []byte(d.Comment), reviewCommentAAD(r.ID)); err != nil {
				return err
			}
		}
		if err := rs.InsertReview(ctx, r); err != nil {
			return err
		}
		detail := map[string]any{"review_id": r.ID, "outcome": d.Outcome, "stage": r.Stage, "reasons": d.Reasons,
			"comment": d.Comment != ""}
		if len(d.Steps) > 0 {
			detail["steps"] = d.Steps
		}
		if fourEyes {
			detail["supervisor_required"] = true
			if len(firstBy) > 0 {
				detail["first_approval_by"] = firstBy[0]
			}
		}
		if err := s.d.Audit.Record(ctx, tenantID, string(actor), "review.decided", id, detail); err != nil {
			return err
		}
		// The case goes back to the queue, for the supervisor or for nobody.
		if err := rs.DeleteClaim(ctx, tenantID, id); err != nil {
			return err
		}
		res.Review, res.Stage, res.Verification = r, r.Stage, v
		if r.Stage == StageFirstApproval {
			return nil
		}
		to, reasons := StatusApproved, slices.Clone(d.Reasons)
		rules := []RuleHit{}
		if m := machineDecision(v); m != nil {
			rules = append(rules, m.Rules...)
		}
		switch d.Outcome {
		case OutcomeReject:
			to = StatusRejected
		case OutcomeResubmit:
			to = StatusRejected
			reasons = append(reasons, ReasonResubmissionRequested)
			for _, st := range d.Steps {
				reasons = append(reasons, "resubmit_"+st)
			}
			rules = append(rules, RuleHit{Rule: ReasonResubmissionRequested, Outcome: StatusRejected,
				Detail: "the reviewer asks for a new attempt at: " + strings.Join(d.Steps, ", ")})
		}
		slices.Sort(reasons)
		reasons = slices.Compact(reasons)
		dec := Decision{Status: to, Reasons: reasons, DecidedBy: string(actor), DecidedAt: now, Rules: rules}
		if err := s.transition(ctx, v, to, actor, map[string]any{"review_id": r.ID, "reasons": reasons}, func() {
			v.Decision, v.DecidedAt = &dec, &now
		}); err != nil {
			return err
		}
		in, err := s.openForRecord(ctx, v, actor)
		if err != nil {
			return err
		}
		evidence, err := s.d.Store.ListEvidence(ctx, tenantID, id)
		if err != nil {
			return err
		}
		review := map[string]any{"review_id": r.ID, "outcome": d.Outcome, "reasons": d.Reasons}
		if fourEyes && len(firstBy) > 0 {
			review["first_approval_by"] = firstBy[0]
			review["second_approval_by"] = actor
		}
		if len(d.Steps) > 0 {
			review["steps"] = d.Steps
		}
		return s.appendRecord(ctx, v, in, evidence, map[string]any{"review": review})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// openForRecord opens the applicant and identity for the reviewer's
// identity record, as an audited read.
func (s *Service) openForRecord(ctx context.Context, v *Verification, actor Actor) (JudgeInput, error) {
	return s.openPersonalData(ctx, v, actor, "identity_record")
}
