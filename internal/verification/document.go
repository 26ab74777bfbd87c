package verification

import (
	"context"
	"errors"
	"slices"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// DocumentReading is what a photographed identity document said, as the
// document reader (internal/document through an adapter) found it. Fields
// hold personal data: they are sealed into the verification's identity and
// never written into check details.
type DocumentReading struct {
	Type string // document type code (internal/document)
	Side string
	// Fields are normalised values by field code: name, name_kana,
	// birth_date (ISO), address, document_number, expiry_date (ISO),
	// nationality, sex.
	Fields map[string]string
	// Checks are the document's own validations (check digits, MRZ,
	// expiry) by name, true when passed.
	Checks map[string]bool
}

// DocumentReader reads a photographed document. declaredType is the type
// the person chose ("" when not said).
type DocumentReader interface {
	ReadDocument(ctx context.Context, photo []byte, declaredType string) (*DocumentReading, error)
}

// ErrDocumentUnreadable is what a DocumentReader wraps when the photo holds
// no readable document (no outline, unknown layout).
var ErrDocumentUnreadable = errors.New("verification: document unreadable")

// DocumentReadCheck reads the front of the document (type, fields, its own
// check digits and expiry) for the ホ method. It passes when the type is
// recognised (and is the one the person chose), the name and birth date
// were read, and every validation the document carries passed. What it
// read becomes the verification's identity (sealed), which the decision
// compares with the applicant data and checks for age and expiry.
type DocumentReadCheck struct {
	Reader DocumentReader
}

// Name implements Check.
func (DocumentReadCheck) Name() string { return "document_read" }

// Applies implements Check.
func (DocumentReadCheck) Applies(v *Verification) bool { return v.Method == MethodDocumentImage }

// loadFront reads the latest document front, or says why the check fails.
func loadFront(ctx context.Context, in *Input) (*Evidence, []byte, *CheckResult) {
	var front *Evidence
	for _, e := range in.Evidence {
		if e.Kind == KindDocumentFront && e.DeletedAt == nil {
			front = e // the latest front counts
		}
	}
	if front == nil {
		return nil, nil, &CheckResult{Status: CheckFailed, Reasons: []string{"document_front_missing"}}
	}
	b, err := in.Load(ctx, front)
	if err != nil {
		return nil, nil, &CheckResult{Status: CheckFailed, Reasons: []string{"evidence_unreadable"}}
	}
	return front, b, nil
}

// Run implements Check.
func (c DocumentReadCheck) Run(ctx context.Context, in *Input) CheckResult {
	front, b, refused := loadFront(ctx, in)
	if refused != nil {
		return *refused
	}
	declared := front.Meta["document_type"]
	r, err := c.Reader.ReadDocument(ctx, b, declared)
	if errors.Is(err, ErrDocumentUnreadable) || errkind.Reason(err) != "" {
		return CheckResult{Status: CheckFailed, Reasons: []string{"document_unreadable"}}
	}
	if err != nil {
		return CheckResult{Status: CheckUnavailable, Reasons: []string{"document_reader_error"}}
	}
	var reasons []string
	if declared != "" && r.Type != declared {
		reasons = append(reasons, "document_type_mismatch")
	}
	var read []string
	for f, val := range r.Fields {
		if val != "" {
			read = append(read, f)
		}
	}
	slices.Sort(read)
	if r.Fields["name"] == "" || r.Fields["birth_date"] == "" {
		reasons = append(reasons, "document_fields_unread")
	}
	var failed []string
	for name, ok := range r.Checks {
		if !ok {
			failed = append(failed, name)
		}
	}
	slices.Sort(failed)
	for _, name := range failed {
		if name == "expiry" {
			reasons = append(reasons, "document_expired")
		} else {
			reasons = append(reasons, "document_"+name+"_failed")
		}
	}
	out := CheckResult{Status: CheckPassed, Reasons: []string{},
		Details: map[string]any{"document_type": r.Type, "side": r.Side, "declared_type": declared, "fields_read": read, "validations_failed": failed}}
	if len(reasons) > 0 {
		out.Status, out.Reasons = CheckFailed, reasons
	}
	if r.Fields["name"] != "" && r.Fields["birth_date"] != "" {
		out.identity = &Identity{Source: "document_image:" + r.Type, Name: r.Fields["name"], BirthDate: r.Fields["birth_date"],
			Address: r.Fields["address"], Sex: r.Fields["sex"], Nationality: r.Fields["nationality"],
			DocumentNumber: r.Fields["document_number"], ExpiryDate: r.Fields["expiry_date"]}
	}
	return out
}

// RecaptureDetector judges whether a document photo was taken of a screen
// or a print showing the document rather than of the document itself.
// kind is "screen", "print", or "" for the document itself; cues are
// measurements without personal data, by name.
type RecaptureDetector interface {
	Recapture(ctx context.Context, photo []byte) (score float64, kind string, cues map[string]float64, err error)
}

// DocumentRecaptureCheck looks for a screen or a print in the latest
// document front: a photo of a document shown on a phone or monitor, or of
// a printout or photocopy, is not the document in hand that the ホ method
// asks for. It fails with "document_recaptured" and the kind,
// "document_recaptured_screen" or "document_recaptured_print", when the
// detector flags the photo. The score, kind and cues go into the details
// for the reviewer.
type DocumentRecaptureCheck struct {
	Detector RecaptureDetector
}

// Name implements Check.
func (DocumentRecaptureCheck) Name() string { return "document_recapture" }

// Applies implements Check.
func (DocumentRecaptureCheck) Applies(v *Verification) bool { return v.Method == MethodDocumentImage }

// Run implements Check.
func (c DocumentRecaptureCheck) Run(ctx context.Context, in *Input) CheckResult {
	_, b, refused := loadFront(ctx, in)
	if refused != nil {
		return *refused
	}
	score, kind, cues, err := c.Detector.Recapture(ctx, b)
	if errors.Is(err, ErrDocumentUnreadable) || errkind.Reason(err) != "" {
		return CheckResult{Status: CheckFailed, Reasons: []string{"document_unreadable"}}
	}
	if err != nil {
		return CheckResult{Status: CheckUnavailable, Reasons: []string{"recapture_detector_error"}}
	}
	d := map[string]any{"score": score, "kind": kind}
	if cues != nil {
		d["cues"] = cues
	}
	out := CheckResult{Status: CheckPassed, Reasons: []string{}, Details: d}
	if kind != "" {
		out.Status, out.Reasons = CheckFailed, []string{"document_recaptured", "document_recaptured_" + kind}
	}
	return out
}

// ThicknessReading is what a ThicknessJudge found in the angled photo. It
// holds no personal data.
type ThicknessReading struct {
	Pass    bool
	Score   float64
	Reasons []string       // thickness_edge_missing, thickness_not_same_document, ...
	Details map[string]any // measurements for the reviewer
}

// ThicknessJudge judges the angled photo of a document (厚み) against its
// front: a card edge of plausible thickness, and the same card.
type ThicknessJudge interface {
	Thickness(ctx context.Context, angled, front []byte) (*ThicknessReading, error)
}

// DocumentThicknessCheck judges the latest document_thickness photo against
// the latest document_front. The ホ method asks for an image that shows the
// document's thickness; the laws that require it already refuse a
// submission without the photo (409 evidence_missing). Where the photo is
// optional (law none) and absent, the check passes and says so in its
// details. It fails with the judge's reasons when the edge is missing,
// implausibly thin or thick, or the photo shows another document; the
// decision rejects a confident "another card" (thickness_not_same_document)
// and sends the rest to review.
type DocumentThicknessCheck struct {
	Judge ThicknessJudge
}

// Name implements Check.
func (DocumentThicknessCheck) Name() string { return "document_thickness" }

// Applies implements Check.
func (DocumentThicknessCheck) Applies(v *Verification) bool { return v.Method == MethodDocumentImage }

// Run implements Check.
func (c DocumentThicknessCheck) Run(ctx context.Context, in *Input) CheckResult {
	var angled *Evidence
	for _, e := range in.Evidence {
		if e.Kind == KindDocumentThickness && e.DeletedAt == nil {
			angled = e
		}
	}
	if angled == nil {
		if in.Verification != nil && slices.Contains(requiredEvidence(in.Verification.Method, in.Verification.Face, in.Verification.Law), KindDocumentThickness) {
			return CheckResult{Status: CheckFailed, Reasons: []string{"document_thickness_missing"}}
		}
		return CheckResult{Status: CheckPassed, Reasons: []string{}, Details: map[string]any{"thickness_photo": "absent", "required": false}}
	}
	_, front, refused := loadFront(ctx, in)
	if refused != nil {
		return *refused
	}
	b, err := in.Load(ctx, angled)
	if err != nil {
		return CheckResult{Status: CheckFailed, Reasons: []string{"evidence_unreadable"}}
	}
	r, err := c.Judge.Thickness(ctx, b, front)
	if errors.Is(err, ErrDocumentUnreadable) || errkind.Reason(err) != "" {
		return CheckResult{Status: CheckFailed, Reasons: []string{"document_unreadable"}}
	}
	if err != nil {
		return CheckResult{Status: CheckUnavailable, Reasons: []string{"thickness_judge_error"}}
	}
	score := r.Score
	out := CheckResult{Status: CheckPassed, Reasons: []string{}, Score: &score, Details: r.Details}
	if !r.Pass {
		out.Status, out.Reasons = CheckFailed, slices.Clone(r.Reasons)
		if len(out.Reasons) == 0 {
			out.Reasons = []string{"thickness_failed"}
		}
	}
	return out
}

// TamperReading is what a TamperDetector found in a document photo. It
// holds scores and measurements only, never what the document says.
type TamperReading struct {
	// ReviewOnly is true when the document's type has no layout kakunin
	// can analyse: a person must look at it.
	ReviewOnly bool
	Tampered   bool
	Score      float64
	Reasons    []string           // document_mrz_mismatch, document_portrait_tampered, document_layout_mismatch
	Signals    map[string]float64 // measurements by name
	Analysed   []string           // which signals could be measured
}

// TamperDetector looks for signs that a photographed document was altered:
// a passport's MRZ that disagrees with its visual zone, a portrait pasted
// over, fields out of place. declaredType is the type the person chose ("" when
// not said).
type TamperDetector interface {
	Tamper(ctx context.Context, photo []byte, declaredType string) (*TamperReading, error)
}

// DocumentAuthenticityCheck looks for tampering in the latest document
// front. It fails with the detector's reasons; a type kakunin has no
// layout for fails with "document_review_only", so that a person looks at
// it. Its details hold the score and the measurements, never personal
// data. The decision sends failures to review, except an MRZ that
// disagrees with the visual zone while its check digits hold, which it
// rejects (see internal/decision).
type DocumentAuthenticityCheck struct {
	Detector TamperDetector
}

// Name implements Check.
func (DocumentAuthenticityCheck) Name() string { return "document_authenticity" }

// Applies implements Check.
func (DocumentAuthenticityCheck) Applies(v *Verification) bool {
	return v.Method == MethodDocumentImage
}

// Run implements Check.
func (c DocumentAuthenticityCheck) Run(ctx context.Context, in *Input) CheckResult {
	front, b, refused := loadFront(ctx, in)
	if refused != nil {
		return *refused
	}
	declared := front.Meta["document_type"]
	r, err := c.Detector.Tamper(ctx, b, declared)
	if errors.Is(err, ErrDocumentUnreadable) || errkind.Reason(err) != "" {
		return CheckResult{Status: CheckFailed, Reasons: []string{"document_unreadable"}}
	}
	if err != nil {
		return CheckResult{Status: CheckUnavailable, Reasons: []string{"tamper_detector_error"}}
	}
	if r.ReviewOnly {
		return CheckResult{Status: CheckFailed, Reasons: []string{"document_review_only"},
			Details: map[string]any{"analysed": []string{}, "declared_type": declared}}
	}
	// The detector's score is 1 at its threshold and grows past it; the
	// check's score is 0..1 (the API's contract), so it is capped there
	// and the detector's own goes into the details.
	score := min(max(r.Score, 0), 1)
	analysed := r.Analysed
	if analysed == nil {
		analysed = []string{}
	}
	d := map[string]any{"analysed": analysed, "tamper_score": r.Score}
	if r.Signals != nil {
		d["signals"] = r.Signals
	}
	out := CheckResult{Status: CheckPassed, Reasons: []string{}, Score: &score, Details: d}
	if r.Tampered {
		out.Status, out.Reasons = CheckFailed, slices.Clone(r.Reasons)
		if len(out.Reasons) == 0 {
			out.Reasons = []string{"document_tampered"}
		}
	}
	return out
}
