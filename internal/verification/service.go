package verification

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/ids"
	"github.com/kakunin-dev/kakunin/internal/upload"
)

// Store is what verifications need from persistence.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	InsertVerification(ctx context.Context, v *Verification) error
	Verification(ctx context.Context, tenantID, id string, forUpdate bool) (*Verification, error)
	VerificationByClientToken(ctx context.Context, hash []byte) (*Verification, error)
	ListVerifications(ctx context.Context, tenantID string, f ListFilter) ([]*Verification, error)
	UpdateVerification(ctx context.Context, v *Verification, from Status) error
	DueForExpiry(ctx context.Context, now time.Time, limit int) ([]*Verification, error)
	// ApprovedByMethod pages through every tenant's approved, unredacted
	// verifications of one method, in ID order.
	ApprovedByMethod(ctx context.Context, m Method, afterID string, limit int) ([]*Verification, error)
	InsertEvidence(ctx context.Context, e *Evidence) error
	ListEvidence(ctx context.Context, tenantID, verificationID string) ([]*Evidence, error)
	MarkEvidenceDeleted(ctx context.Context, tenantID, verificationID string, at time.Time) error
	PutHandoff(ctx context.Context, h Handoff) error
	HandoffByHash(ctx context.Context, hash string) (*Handoff, error)
	UseHandoff(ctx context.Context, hash string, now time.Time) error
}

// Sealer encrypts personal data and evidence with the tenant's key.
type Sealer interface {
	Seal(ctx context.Context, tenantID string, plaintext, aad []byte) ([]byte, error)
	Open(ctx context.Context, tenantID string, ciphertext, aad []byte) ([]byte, error)
}

// Blobs stores evidence objects durably.
type Blobs interface {
	Put(ctx context.Context, key string, data []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
}

// Auditor appends to the tenant's audit chain within the caller's transaction.
type Auditor interface {
	Record(ctx context.Context, tenantID, actor, action, objectID string, detail any) error
}

// Publisher emits tenant events (webhooks) within the caller's transaction.
type Publisher interface {
	Publish(ctx context.Context, tenantID, mode, eventType, objectID string, data any) error
}

// Enqueuer schedules processing within the caller's transaction, so a
// submission is acknowledged only together with its job.
type Enqueuer interface {
	EnqueueProcessing(ctx context.Context, tenantID, verificationID string) error
}

// JudgeInput is what the decision sees: the verification, its check
// results, and the personal data it compares (decrypted for this call only).
type JudgeInput struct {
	Verification *Verification
	Checks       []CheckResult
	Applicant    *Applicant // what the tenant declared, if anything
	Identity     *Identity  // what the evidence proved, if anything
	// Policy is the tenant's own policy for the verification's law; nil:
	// the law's default.
	Policy *TenantPolicy
}

// Judge turns check results into a decision.
type Judge func(in JudgeInput) Decision

// Deps are the Service's collaborators.
type Deps struct {
	Store  Store
	Sealer Sealer
	Blobs  Blobs
	Audit  Auditor
	Events Publisher
	Jobs   Enqueuer
	Judge  Judge
	Checks []Check
	// Records keeps the identity records (確認記録); nil: none are kept.
	Records RecordStore
	// Reviews keeps reviewers' claims and decisions; nil: no reviews.
	Reviews ReviewStore
	// Policies keeps tenants' decision policies; nil: every tenant uses
	// the laws' defaults.
	Policies PolicyStore
	// SupervisorReasons are the machine reasons whose cases need a second,
	// supervisor's approval (nil: DefaultSupervisorReasons).
	SupervisorReasons []string
	// MethodAllowed refuses a method the declared law no longer accepts at a
	// given time.
	MethodAllowed func(law Law, m Method, at time.Time) error
	// Chip, if set, enables the ic_chip method's bundle submission.
	Chip *ChipDeps
	// JPKI, if set, enables the jpki method's signature submission.
	JPKI *JPKIDeps
	// ObserveCheck, if set, sees every check's outcome and duration (metrics).
	ObserveCheck func(name string, status CheckStatus, d time.Duration)
	PublicURL    string
	TTL          time.Duration
	// ChallengeTTL is how long a liveness challenge may be answered
	// (0: liveness.DefaultChallengeTTL).
	ChallengeTTL time.Duration
	// FrameStored, if set, is told each liveness frame as stored, once it is
	// committed, so it can be analysed while the capture goes on. It must
	// not block.
	FrameStored func(stored []byte)
	// Masker, if set, paints out of document photos what may not be
	// stored (the My Number) before they are encrypted and kept.
	Masker DocumentMasker
	Limits upload.Limits
	Now    func() time.Time
}

// Service is the verification use cases.
type Service struct{ d Deps }

// NewService returns a Service; Now defaults to time.Now.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.TTL == 0 {
		d.TTL = 24 * time.Hour
	}
	if d.Limits == (upload.Limits{}) {
		d.Limits = upload.DefaultLimits()
	}
	return &Service{d: d}
}

// Actor identifies who acts, for the audit chain.
type Actor string

// CreateRequest is the tenant's request to start a verification.
type CreateRequest struct {
	Method      Method            `json:"method"`
	Face        bool              `json:"face"`
	ReferenceID string            `json:"reference_id"`
	Law         Law               `json:"law"`
	Applicant   *Applicant        `json:"applicant,omitempty"`
	RedirectURL string            `json:"redirect_url,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

var birthDateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func invalid(reason, format string, args ...any) error {
	return errkind.New(errkind.ErrInvalid, reason, format, args...)
}

// Validate checks the request and fills defaults.
func (r *CreateRequest) Validate() error {
	switch r.Method {
	case MethodJPKI, MethodICChip, MethodDocumentImage:
	case "":
		return invalid("method_required", "method is required: jpki, ic_chip or document_image")
	default:
		return invalid("method_invalid", "method must be jpki, ic_chip or document_image")
	}
	switch r.Law {
	case "":
		r.Law = LawAML
	case LawAML, LawMobilePhone, LawNone:
	default:
		return invalid("law_invalid", "law must be aml, mobile_phone or none")
	}
	if r.ReferenceID == "" || utf8.RuneCountInString(r.ReferenceID) > 128 || !utf8.ValidString(r.ReferenceID) {
		return invalid("reference_id_invalid", "reference_id is required, at most 128 characters")
	}
	if a := r.Applicant; a != nil {
		for name, v := range map[string]string{"name": a.Name, "name_kana": a.NameKana, "address": a.Address} {
			if utf8.RuneCountInString(v) > 256 || !utf8.ValidString(v) {
				return invalid("applicant_invalid", "applicant.%s must be valid UTF-8 of at most 256 characters", name)
			}
		}
		if a.BirthDate != "" {
			if _, err := time.Parse("2006-01-02", a.BirthDate); err != nil || !birthDateRE.MatchString(a.BirthDate) {
				return invalid("applicant_invalid", "applicant.birth_date must be an ISO date YYYY-MM-DD")
			}
		}
	}
	if r.RedirectURL != "" {
		u, err := url.Parse(r.RedirectURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(r.RedirectURL) > 2048 {
			return invalid("redirect_url_invalid", "redirect_url must be an absolute http(s) URL")
		}
	}
	if len(r.Metadata) > 20 {
		return invalid("metadata_invalid", "metadata holds at most 20 keys")
	}
	for k, v := range r.Metadata {
		if len(k) == 0 || len(k) > 40 || len(v) > 500 {
			return invalid("metadata_invalid", "metadata keys are 1-40 bytes and values at most 500 bytes")
		}
	}
	return nil
}

// Created is a new verification with its one-time client token.
type Created struct {
	*Verification
	ClientToken string
}

func applicantAAD(id string) []byte { return []byte("verification/" + id + "/applicant") }
func evidenceAAD(id string) []byte  { return []byte("evidence/" + id) }

// HashClientToken is how client tokens are stored and looked up.
func HashClientToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Create starts a verification.
func (s *Service) Create(ctx context.Context, tenantID, mode string, actor Actor, req CreateRequest) (*Created, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	now := s.d.Now().UTC().Truncate(time.Microsecond)
	if s.d.MethodAllowed != nil {
		if err := s.d.MethodAllowed(req.Law, req.Method, now); err != nil {
			return nil, err
		}
	}
	token := ids.Secret("ct_")
	v := &Verification{
		ID: ids.New("ver"), TenantID: tenantID, Mode: mode, Method: req.Method, Face: req.Face, Law: req.Law,
		ReferenceID: req.ReferenceID, Status: StatusCreated, Metadata: req.Metadata, RedirectURL: req.RedirectURL,
		ClientTokenHash: HashClientToken(token), Checks: []CheckResult{},
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.d.TTL),
	}
	// JPKI+face and IC chip always carry a selfie; the flag records that the
	// face is part of the evidence.
	if v.Method == MethodICChip || v.Method == MethodDocumentImage {
		v.Face = true
	}
	err := s.d.Store.InTx(ctx, func(ctx context.Context) error {
		if req.Applicant != nil && *req.Applicant != (Applicant{}) {
			b, _ := json.Marshal(req.Applicant)
			sealed, err := s.d.Sealer.Seal(ctx, tenantID, b, applicantAAD(v.ID))
			if err != nil {
				return err
			}
			v.SealedApplicant = sealed
		}
		if err := s.d.Store.InsertVerification(ctx, v); err != nil {
			return err
		}
		if err := s.d.Audit.Record(ctx, tenantID, string(actor), "verification.created", v.ID,
			map[string]any{"method": v.Method, "law": v.Law, "face": v.Face}); err != nil {
			return err
		}
		return s.d.Events.Publish(ctx, tenantID, mode, "verification.created", v.ID, s.EventData(v))
	})
	if err != nil {
		return nil, err
	}
	return &Created{Verification: v, ClientToken: token}, nil
}

// CaptureURL is where the applicant goes to provide evidence.
func (s *Service) CaptureURL(token string) string { return s.d.PublicURL + "/c/" + token }

// Get loads a tenant's verification. Unknown and other tenants' IDs are the
// same not-found.
func (s *Service) Get(ctx context.Context, tenantID, id string) (*Verification, error) {
	if !ids.Valid("ver", id) {
		return nil, notFoundVerification()
	}
	return s.d.Store.Verification(ctx, tenantID, id, false)
}

func notFoundVerification() error {
	return errkind.New(errkind.ErrNotFound, "verification_not_found", "no such verification")
}

// ByClientToken resolves a capture client token to its verification.
func (s *Service) ByClientToken(ctx context.Context, token string) (*Verification, error) {
	if !strings.HasPrefix(token, "ct_") || len(token) > 80 {
		return nil, errkind.New(errkind.ErrUnauthenticated, "client_token_invalid", "the client token is unknown")
	}
	v, err := s.d.Store.VerificationByClientToken(ctx, HashClientToken(token))
	if errors.Is(err, errkind.ErrNotFound) {
		return nil, errkind.New(errkind.ErrUnauthenticated, "client_token_invalid", "the client token is unknown")
	}
	return v, err
}

// Applicant decrypts the applicant data; every call is an audited read of
// personal data.
func (s *Service) Applicant(ctx context.Context, actor Actor, v *Verification) (*Applicant, error) {
	if v.SealedApplicant == nil {
		return nil, nil
	}
	var a Applicant
	err := s.d.Store.InTx(ctx, func(ctx context.Context) error {
		b, err := s.d.Sealer.Open(ctx, v.TenantID, v.SealedApplicant, applicantAAD(v.ID))
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &a); err != nil {
			return err
		}
		return s.d.Audit.Record(ctx, v.TenantID, string(actor), "personal_data.read", v.ID, map[string]string{"fields": "applicant"})
	})
	return &a, err
}

// List returns a page of verifications and the cursor of the next page ("" at the end).
func (s *Service) List(ctx context.Context, tenantID string, f ListFilter) ([]*Verification, string, error) {
	if f.Status != "" && !ValidStatus(f.Status) {
		return nil, "", invalid("status_invalid", "unknown status %q", f.Status)
	}
	if f.PageSize == 0 {
		f.PageSize = 20
	}
	if f.PageSize < 1 || f.PageSize > 100 {
		return nil, "", invalid("page_size_invalid", "page_size must be 1..100")
	}
	if f.AfterID != "" && !ids.Valid("ver", f.AfterID) {
		return nil, "", invalid("page_token_invalid", "page_token is not one this API returned")
	}
	want := f.PageSize
	f.PageSize++
	vs, err := s.d.Store.ListVerifications(ctx, tenantID, f)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(vs) > want {
		vs = vs[:want]
		next = vs[want-1].ID
	}
	return vs, next, nil
}

// Evidence lists a verification's evidence.
func (s *Service) Evidence(ctx context.Context, v *Verification) ([]*Evidence, error) {
	return s.d.Store.ListEvidence(ctx, v.TenantID, v.ID)
}

// transition moves v to status `to` inside a transaction, with audit entry and event.
func (s *Service) transition(ctx context.Context, v *Verification, to Status, actor Actor, detail map[string]any, mutate func()) error {
	if err := CheckTransition(v.Status, to); err != nil {
		return err
	}
	from := v.Status
	v.Status = to
	v.UpdatedAt = s.d.Now().UTC().Truncate(time.Microsecond)
	if mutate != nil {
		mutate()
	}
	if err := s.d.Store.UpdateVerification(ctx, v, from); err != nil {
		return err
	}
	if detail == nil {
		detail = map[string]any{}
	}
	detail["from"], detail["to"] = from, to
	if err := s.d.Audit.Record(ctx, v.TenantID, string(actor), "verification.status_changed", v.ID, detail); err != nil {
		return err
	}
	if to == StatusAwaitingInput {
		return nil // not an event tenants subscribe to
	}
	return s.d.Events.Publish(ctx, v.TenantID, v.Mode, "verification."+string(to), v.ID, s.EventData(v))
}

// Cancel stops a verification that has not been decided.
func (s *Service) Cancel(ctx context.Context, tenantID, id string, actor Actor) (*Verification, error) {
	var v *Verification
	err := s.d.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if v, err = s.lock(ctx, tenantID, id); err != nil {
			return err
		}
		return s.transition(ctx, v, StatusCanceled, actor, nil, nil)
	})
	return v, err
}

func (s *Service) lock(ctx context.Context, tenantID, id string) (*Verification, error) {
	if !ids.Valid("ver", id) {
		return nil, notFoundVerification()
	}
	return s.d.Store.Verification(ctx, tenantID, id, true)
}

// AddEvidence sanitizes, encrypts and durably stores one piece of evidence,
// then records it. Nothing is recorded for refused input.
func (s *Service) AddEvidence(ctx context.Context, v *Verification, kind EvidenceKind, data []byte, actor Actor) (*Evidence, error) {
	if !ClientKind(kind) {
		return nil, invalid("evidence_kind_invalid", "unknown evidence kind %q", kind)
	}
	return s.addEvidence(ctx, v, kind, data, actor, nil)
}

// documentTypeRE is the shape of a document type code (internal/document
// holds the registry of codes).
var documentTypeRE = regexp.MustCompile(`^[a-z][a-z_]{1,63}$`)

// AddDocumentPhoto stores a photo of an identity document with the type the
// person said it is (empty: not said).
func (s *Service) AddDocumentPhoto(ctx context.Context, v *Verification, kind EvidenceKind, data []byte, documentType string, actor Actor) (*Evidence, error) {
	switch kind {
	case KindDocumentFront, KindDocumentBack, KindDocumentThickness:
	default:
		return nil, invalid("document_type_unexpected", "document_type goes with document photos only, not %q", kind)
	}
	if documentType == "" {
		return s.addEvidence(ctx, v, kind, data, actor, nil)
	}
	if !documentTypeRE.MatchString(documentType) {
		return nil, invalid("document_type_invalid", "document_type must be a document type code such as drivers_license")
	}
	return s.addEvidence(ctx, v, kind, data, actor, map[string]string{"document_type": documentType})
}

func (s *Service) addEvidence(ctx context.Context, v *Verification, kind EvidenceKind, data []byte, actor Actor, meta map[string]string) (*Evidence, error) {
	e, _, err := s.addEvidenceStored(ctx, v, kind, data, actor, meta)
	return e, err
}

// addEvidenceStored is addEvidence, also returning the bytes as stored
// (sanitized, before encryption).
func (s *Service) addEvidenceStored(ctx context.Context, v *Verification, kind EvidenceKind, data []byte, actor Actor, meta map[string]string) (*Evidence, []byte, error) {
	info, ok := kindInfo[kind]
	if !ok {
		return nil, nil, invalid("evidence_kind_invalid", "unknown evidence kind %q", kind)
	}
	if !v.Status.AcceptsInput() {
		return nil, nil, errkind.New(errkind.ErrConflict, "not_accepting_input", "a verification in status %q accepts no evidence", v.Status)
	}
	res, err := upload.Sanitize(data, info.types, s.d.Limits)
	if err != nil {
		return nil, nil, err
	}
	if meta, err = s.mask(ctx, kind, res, meta); err != nil {
		return nil, nil, err
	}
	received := sha256.Sum256(data)
	e := &Evidence{
		ID: ids.New("evd"), TenantID: v.TenantID, VerificationID: v.ID, Kind: kind, ContentType: res.ContentType,
		Size: int64(len(res.Data)), SHA256: hex.EncodeToString(res.SHA256[:]), ReceivedSHA256: hex.EncodeToString(received[:]),
		CreatedAt: s.d.Now().UTC().Truncate(time.Microsecond), Meta: meta,
	}
	e.BlobKey = fmt.Sprintf("t/%s/%s/%s", v.TenantID, v.ID, e.ID)
	sealed, err := s.d.Sealer.Seal(ctx, v.TenantID, res.Data, evidenceAAD(e.ID))
	if err != nil {
		return nil, nil, err
	}
	// The object is durable before any row references it.
	if err := s.d.Blobs.Put(ctx, e.BlobKey, sealed); err != nil {
		return nil, nil, err
	}
	err = s.d.Store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.lock(ctx, v.TenantID, v.ID)
		if err != nil {
			return err
		}
		if !cur.Status.AcceptsInput() {
			return errkind.New(errkind.ErrConflict, "not_accepting_input", "a verification in status %q accepts no evidence", cur.Status)
		}
		have, err := s.d.Store.ListEvidence(ctx, v.TenantID, v.ID)
		if err != nil {
			return err
		}
		n := 0
		for _, h := range have {
			if h.Kind == kind {
				n++
			}
		}
		if n >= info.max {
			return errkind.New(errkind.ErrConflict, "evidence_limit_reached", "a verification holds at most %d pieces of %s", info.max, kind)
		}
		if err := s.d.Store.InsertEvidence(ctx, e); err != nil {
			return err
		}
		if err := s.d.Audit.Record(ctx, v.TenantID, string(actor), "evidence.added", v.ID,
			map[string]any{"evidence_id": e.ID, "kind": kind, "sha256": e.SHA256}); err != nil {
			return err
		}
		if cur.Status == StatusCreated {
			if err := s.transition(ctx, cur, StatusAwaitingInput, actor, nil, nil); err != nil {
				return err
			}
		}
		*v = *cur
		return nil
	})
	if err != nil {
		// The row was never written: remove the orphan object (best effort).
		_ = s.d.Blobs.Delete(context.WithoutCancel(ctx), e.BlobKey)
		return nil, nil, err
	}
	return e, res.Data, nil
}

// LoadEvidence reads and decrypts one evidence object, checking its hash.
func (s *Service) LoadEvidence(ctx context.Context, e *Evidence) ([]byte, error) {
	if e.DeletedAt != nil {
		return nil, errkind.New(errkind.ErrNotFound, "evidence_deleted", "the evidence was erased")
	}
	sealed, err := s.d.Blobs.Get(ctx, e.BlobKey)
	if err != nil {
		return nil, err
	}
	b, err := s.d.Sealer.Open(ctx, e.TenantID, sealed, evidenceAAD(e.ID))
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != e.SHA256 {
		return nil, errkind.New(errkind.ErrInvalid, "evidence_corrupt", "evidence %s does not match its recorded hash", e.ID)
	}
	return b, nil
}

// MissingEvidence lists the kinds submit still needs.
func MissingEvidence(v *Verification, have []*Evidence) []EvidenceKind {
	got := map[EvidenceKind]bool{}
	for _, e := range have {
		got[e.Kind] = true
	}
	var missing []EvidenceKind
	for _, k := range requiredEvidence(v.Method, v.Face, v.Law) {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	return missing
}

// Submit starts processing once the method's required evidence is present.
// The status change and the processing job commit together.
func (s *Service) Submit(ctx context.Context, tenantID, id string, actor Actor) (*Verification, error) {
	var v *Verification
	err := s.d.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if v, err = s.lock(ctx, tenantID, id); err != nil {
			return err
		}
		if !v.Status.AcceptsInput() {
			return CheckTransition(v.Status, StatusProcessing)
		}
		have, err := s.d.Store.ListEvidence(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if missing := MissingEvidence(v, have); len(missing) > 0 {
			names := make([]string, len(missing))
			for i, m := range missing {
				names[i] = string(m)
			}
			return errkind.New(errkind.ErrConflict, "evidence_missing", "missing evidence: %s", strings.Join(names, ", "))
		}
		now := s.d.Now().UTC().Truncate(time.Microsecond)
		if err := s.transition(ctx, v, StatusProcessing, actor, nil, func() { v.SubmittedAt = &now }); err != nil {
			return err
		}
		return s.d.Jobs.EnqueueProcessing(ctx, tenantID, id)
	})
	return v, err
}

// Redact erases a verification's personal data and evidence; the record
// keeps its ID, dates, method and decision. A verification still waiting for
// input is canceled first; one being processed must finish first.
func (s *Service) Redact(ctx context.Context, tenantID, id string, actor Actor) (*Verification, error) {
	var v *Verification
	var evidence []*Evidence
	err := s.d.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if v, err = s.lock(ctx, tenantID, id); err != nil {
			return err
		}
		if v.Status == StatusProcessing {
			return errkind.New(errkind.ErrConflict, "processing", "the verification is being processed; redact it once it is decided")
		}
		if v.Status.AcceptsInput() {
			if err := s.transition(ctx, v, StatusCanceled, actor, nil, nil); err != nil {
				return err
			}
		}
		if evidence, err = s.d.Store.ListEvidence(ctx, tenantID, id); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if v.RedactedAt != nil {
		return v, nil
	}
	// Erase the objects first: if we crash after this, the redaction is
	// simply repeated; the record never claims an erasure that did not happen.
	for _, e := range evidence {
		if err := s.d.Blobs.Delete(ctx, e.BlobKey); err != nil {
			return nil, err
		}
	}
	err = s.d.Store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.lock(ctx, tenantID, id)
		if err != nil {
			return err
		}
		now := s.d.Now().UTC().Truncate(time.Microsecond)
		cur.SealedApplicant, cur.SealedIdentity, cur.Metadata, cur.RedactedAt, cur.UpdatedAt = nil, nil, nil, &now, now
		if err := s.d.Store.UpdateVerification(ctx, cur, cur.Status); err != nil {
			return err
		}
		if err := s.d.Store.MarkEvidenceDeleted(ctx, tenantID, id, now); err != nil {
			return err
		}
		if err := s.d.Audit.Record(ctx, tenantID, string(actor), "verification.redacted", id,
			map[string]any{"evidence_erased": len(evidence)}); err != nil {
			return err
		}
		v = cur
		return s.d.Events.Publish(ctx, tenantID, cur.Mode, "verification.redacted", id, s.EventData(cur))
	})
	return v, err
}

// ExpireDue moves verifications past their deadline to expired; it returns
// how many it expired.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	due, err := s.d.Store.DueForExpiry(ctx, s.d.Now(), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		err := s.d.Store.InTx(ctx, func(ctx context.Context) error {
			v, err := s.lock(ctx, d.TenantID, d.ID)
			if err != nil {
				return err
			}
			if !v.Status.AcceptsInput() {
				return nil
			}
			return s.transition(ctx, v, StatusExpired, "system", nil, nil)
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// EventData is what webhooks carry about a verification: no personal data.
func (s *Service) EventData(v *Verification) map[string]any {
	d := map[string]any{
		"id": v.ID, "object": "verification", "status": v.Status, "method": v.Method,
		"reference_id": v.ReferenceID, "law": v.Law,
	}
	if v.Decision != nil {
		d["decision"] = v.Decision
	}
	return d
}
