// Package verification is the Verification aggregate: its methods, evidence,
// the one state machine that owns its statuses, and the processing pipeline
// of named checks that ends in a decision.
package verification

import (
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Status is where a verification is in its life.
type Status string

// Statuses.
const (
	StatusCreated       Status = "created"
	StatusAwaitingInput Status = "awaiting_input"
	StatusProcessing    Status = "processing"
	StatusApproved      Status = "approved"
	StatusRejected      Status = "rejected"
	StatusReview        Status = "review"
	StatusExpired       Status = "expired"
	StatusCanceled      Status = "canceled"
)

// transitions is the state machine: every legal move, in one place.
var transitions = map[Status][]Status{
	StatusCreated:       {StatusAwaitingInput, StatusProcessing, StatusExpired, StatusCanceled},
	StatusAwaitingInput: {StatusProcessing, StatusExpired, StatusCanceled},
	StatusProcessing:    {StatusApproved, StatusRejected, StatusReview},
	StatusReview:        {StatusApproved, StatusRejected, StatusCanceled},
}

// ValidStatus reports whether s is a known status.
func ValidStatus(s Status) bool {
	switch s {
	case StatusCreated, StatusAwaitingInput, StatusProcessing, StatusApproved, StatusRejected,
		StatusReview, StatusExpired, StatusCanceled:
		return true
	}
	return false
}

// Terminal reports whether no transition leaves s.
func (s Status) Terminal() bool { return len(transitions[s]) == 0 }

// AcceptsInput reports whether evidence may still be added.
func (s Status) AcceptsInput() bool { return s == StatusCreated || s == StatusAwaitingInput }

// CheckTransition returns nil if from -> to is legal, else a conflict error
// naming both statuses.
func CheckTransition(from, to Status) error {
	for _, s := range transitions[from] {
		if s == to {
			return nil
		}
	}
	return errkind.New(errkind.ErrConflict, "invalid_transition",
		"a verification in status %q cannot move to %q", from, to)
}

// Method is the law's verification method.
type Method string

// Methods (犯収法 施行規則 6条1項1号: ワ, ヘ, ホ).
const (
	MethodJPKI          Method = "jpki"
	MethodICChip        Method = "ic_chip"
	MethodDocumentImage Method = "document_image"
)

// Law is the law whose rules a verification must satisfy.
type Law string

// Laws.
const (
	LawAML         Law = "aml"
	LawMobilePhone Law = "mobile_phone"
	LawNone        Law = "none"
)

// EvidenceKind names a piece of uploaded evidence.
type EvidenceKind string

// Evidence kinds.
const (
	KindDocumentFront     EvidenceKind = "document_front"
	KindDocumentBack      EvidenceKind = "document_back"
	KindDocumentThickness EvidenceKind = "document_thickness"
	KindSelfie            EvidenceKind = "selfie"
	KindLivenessFrame     EvidenceKind = "liveness_frame"
	KindChipData          EvidenceKind = "chip_data"
	KindJPKISignature     EvidenceKind = "jpki_signature"
	// KindChipFace is the photo read from an IC chip; the server stores it,
	// clients cannot upload it.
	KindChipFace EvidenceKind = "chip_face"
)

// kindInfo says which content types a kind accepts, and how many of it a
// verification may hold.
var kindInfo = map[EvidenceKind]struct {
	types []string
	max   int
}{
	KindDocumentFront:     {imageTypes, 3},
	KindDocumentBack:      {imageTypes, 3},
	KindDocumentThickness: {imageTypes, 3},
	KindSelfie:            {imageTypes, 3},
	KindLivenessFrame:     {imageTypes, 120},
	KindChipData:          {[]string{"application/json", "application/x-der"}, 3},
	KindJPKISignature:     {[]string{"application/json", "application/x-der"}, 3},
	KindChipFace:          {imageTypes, 1},
}

// ClientKind reports whether clients may upload evidence of this kind.
func ClientKind(k EvidenceKind) bool { _, ok := kindInfo[k]; return ok && k != KindChipFace }

var imageTypes = []string{"image/jpeg", "image/png", "image/webp"}

// IsImage reports whether evidence of this kind is a photo.
func (k EvidenceKind) IsImage() bool { return len(kindInfo[k].types) == len(imageTypes) }

// requiredEvidence is what submit needs per method.
func requiredEvidence(m Method, face bool, law Law) []EvidenceKind {
	switch m {
	case MethodJPKI:
		if face {
			return []EvidenceKind{KindJPKISignature, KindSelfie}
		}
		return []EvidenceKind{KindJPKISignature}
	case MethodICChip:
		return []EvidenceKind{KindChipData, KindSelfie}
	default:
		if law == LawAML || law == LawMobilePhone {
			// 犯収法施行規則 6条1項1号ホ (and the mobile phone law's rule modelled
			// on it): the document's photograph must show its thickness and
			// other features, so the angled view is required evidence.
			return []EvidenceKind{KindDocumentFront, KindDocumentThickness, KindSelfie}
		}
		return []EvidenceKind{KindDocumentFront, KindSelfie}
	}
}

// Applicant is what the tenant says about the person (基本4情報 less sex).
// It is personal data: sealed at rest, returned only on request.
type Applicant struct {
	Name      string `json:"name,omitempty"`
	NameKana  string `json:"name_kana,omitempty"`
	BirthDate string `json:"birth_date,omitempty"`
	Address   string `json:"address,omitempty"`
}

// Verification is the aggregate.
type Verification struct {
	ID          string
	TenantID    string
	Mode        string
	Method      Method
	Face        bool
	Law         Law
	ReferenceID string
	Status      Status
	// SealedApplicant is the applicant JSON encrypted with the tenant's key;
	// nil when none was given or after redaction.
	SealedApplicant []byte
	Metadata        map[string]string
	RedirectURL     string
	ClientTokenHash []byte
	// SealedIdentity is what the evidence proved about the person (a JPKI
	// certificate's 4 attributes, a chip's data page), sealed.
	SealedIdentity []byte
	// MethodResult holds the method's non-personal facts, by method name
	// ("jpki": certificate serial, issuer, revocation ...).
	MethodResult map[string]any
	// FaceReferenceID is the evidence ID of the verified face reference.
	FaceReferenceID string
	Checks          []CheckResult
	Decision        *Decision
	CreatedAt       time.Time
	UpdatedAt       time.Time
	ExpiresAt       time.Time
	SubmittedAt     *time.Time
	DecidedAt       *time.Time
	RedactedAt      *time.Time
}

// CheckStatus is the outcome of one check.
type CheckStatus string

// Check outcomes.
const (
	CheckPassed      CheckStatus = "passed"
	CheckFailed      CheckStatus = "failed"
	CheckUnavailable CheckStatus = "unavailable" // the check does not exist yet or could not run
)

// CheckResult is one named check's record on the verification.
type CheckResult struct {
	Name       string      `json:"name"`
	Status     CheckStatus `json:"status"`
	Required   bool        `json:"required"`
	Score      *float64    `json:"score,omitempty"`
	Reasons    []string    `json:"reasons"`
	Details    any         `json:"details,omitempty"`
	StartedAt  time.Time   `json:"started_at"`
	DurationMS float64     `json:"duration_ms"`
	// identity is what the check read about the person (a document's
	// fields): sealed into the verification by Process, never serialised
	// with the check.
	identity *Identity
}

// Decision is how the verification was decided and why.
type Decision struct {
	Status    Status    `json:"status"`
	Reasons   []string  `json:"reasons"`
	DecidedBy string    `json:"decided_by"`
	DecidedAt time.Time `json:"decided_at"`
	// Rules lists every rule that fired, in order: the explanation.
	Rules []RuleHit `json:"rules"`
}

// RuleHit is one rule of the decision policy that fired.
type RuleHit struct {
	Rule    string `json:"rule"`    // stable code
	Outcome Status `json:"outcome"` // what it asks for: review or rejected
	Detail  string `json:"detail"`  // for people; never personal data
}

// Evidence is one stored piece of evidence (the bytes live in the blob store,
// encrypted).
type Evidence struct {
	ID             string
	TenantID       string
	VerificationID string
	Kind           EvidenceKind
	ContentType    string
	Size           int64
	SHA256         string // of the sanitized plaintext
	ReceivedSHA256 string // of the bytes exactly as uploaded
	// Meta is what the client sent with the evidence (liveness frames:
	// captured_at, nonce).
	Meta      map[string]string
	BlobKey   string
	CreatedAt time.Time
	DeletedAt *time.Time
}

// ListFilter selects a page of verifications.
type ListFilter struct {
	Mode     string // only this mode's verifications (test keys never see live data)
	Status   Status
	AfterID  string // exclusive cursor: IDs sort by creation time, newest first
	PageSize int
}
