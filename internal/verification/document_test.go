package verification

import (
	"context"
	"errors"
	"testing"
)

type fakeRecapture struct {
	score float64
	kind  string
	err   error
}

func (f fakeRecapture) Recapture(context.Context, []byte) (float64, string, map[string]float64, error) {
	return f.score, f.kind, map[string]float64{"luma_peak": f.score}, f.err
}

func TestDocumentRecaptureCheck(t *testing.T) {
	front := &Evidence{Kind: KindDocumentFront}
	in := &Input{Evidence: []*Evidence{front}, Load: func(context.Context, *Evidence) ([]byte, error) { return []byte("jpeg"), nil }}
	c := DocumentRecaptureCheck{Detector: fakeRecapture{score: 11, kind: "screen"}}
	if c.Name() != "document_recapture" || !c.Applies(&Verification{Method: MethodDocumentImage}) {
		t.Fatal("name or applicability wrong")
	}
	r := c.Run(context.Background(), in)
	if r.Status != CheckFailed || len(r.Reasons) != 2 || r.Reasons[0] != "document_recaptured" || r.Reasons[1] != "document_recaptured_screen" || r.Details.(map[string]any)["score"] != 11.0 {
		t.Errorf("flagged: %+v", r)
	}
	r = DocumentRecaptureCheck{Detector: fakeRecapture{score: 7.5, kind: "print"}}.Run(context.Background(), in)
	if r.Status != CheckFailed || len(r.Reasons) != 2 || r.Reasons[1] != "document_recaptured_print" || r.Details.(map[string]any)["kind"] != "print" {
		t.Errorf("print: %+v", r)
	}
	r = DocumentRecaptureCheck{Detector: fakeRecapture{score: 4}}.Run(context.Background(), in)
	if r.Status != CheckPassed || len(r.Reasons) != 0 {
		t.Errorf("genuine: %+v", r)
	}
	r = DocumentRecaptureCheck{Detector: fakeRecapture{err: ErrDocumentUnreadable}}.Run(context.Background(), in)
	if r.Status != CheckFailed || r.Reasons[0] != "document_unreadable" {
		t.Errorf("unreadable: %+v", r)
	}
	r = DocumentRecaptureCheck{Detector: fakeRecapture{err: errors.New("boom")}}.Run(context.Background(), in)
	if r.Status != CheckUnavailable {
		t.Errorf("error: %+v", r)
	}
	r = c.Run(context.Background(), &Input{Load: in.Load})
	if r.Status != CheckFailed || r.Reasons[0] != "document_front_missing" {
		t.Errorf("no front: %+v", r)
	}
}

type fakeThickness struct {
	r   ThicknessReading
	err error
}

func (f fakeThickness) Thickness(context.Context, []byte, []byte) (*ThicknessReading, error) {
	return &f.r, f.err
}

func TestDocumentThicknessCheck(t *testing.T) {
	front := &Evidence{Kind: KindDocumentFront}
	angled := &Evidence{Kind: KindDocumentThickness}
	load := func(context.Context, *Evidence) ([]byte, error) { return []byte("jpeg"), nil }
	none := &Verification{Method: MethodDocumentImage, Law: LawNone}
	aml := &Verification{Method: MethodDocumentImage, Law: LawAML}
	c := DocumentThicknessCheck{Judge: fakeThickness{r: ThicknessReading{Reasons: []string{"thickness_not_same_document"}, Score: 0.1}}}
	if c.Name() != "document_thickness" || !c.Applies(none) {
		t.Fatal("name or applicability wrong")
	}
	r := c.Run(context.Background(), &Input{Verification: none, Evidence: []*Evidence{front, angled}, Load: load})
	if r.Status != CheckFailed || len(r.Reasons) != 1 || r.Reasons[0] != "thickness_not_same_document" || *r.Score != 0.1 {
		t.Errorf("other card: %+v", r)
	}
	r = DocumentThicknessCheck{Judge: fakeThickness{r: ThicknessReading{Pass: true, Score: 0.9}}}.Run(context.Background(), &Input{Verification: none, Evidence: []*Evidence{front, angled}, Load: load})
	if r.Status != CheckPassed || len(r.Reasons) != 0 {
		t.Errorf("genuine: %+v", r)
	}
	// Optional under law none: absent passes and says so.
	r = c.Run(context.Background(), &Input{Verification: none, Evidence: []*Evidence{front}, Load: load})
	if r.Status != CheckPassed || r.Details.(map[string]any)["thickness_photo"] != "absent" {
		t.Errorf("absent under none: %+v", r)
	}
	// Required under aml.
	r = c.Run(context.Background(), &Input{Verification: aml, Evidence: []*Evidence{front}, Load: load})
	if r.Status != CheckFailed || r.Reasons[0] != "document_thickness_missing" {
		t.Errorf("absent under aml: %+v", r)
	}
	r = c.Run(context.Background(), &Input{Verification: aml, Evidence: []*Evidence{angled}, Load: load})
	if r.Status != CheckFailed || r.Reasons[0] != "document_front_missing" {
		t.Errorf("no front: %+v", r)
	}
	r = DocumentThicknessCheck{Judge: fakeThickness{err: errors.New("boom")}}.Run(context.Background(), &Input{Verification: aml, Evidence: []*Evidence{front, angled}, Load: load})
	if r.Status != CheckUnavailable {
		t.Errorf("error: %+v", r)
	}
}

type fakeTamper struct {
	r        TamperReading
	err      error
	declared *string
}

func (f fakeTamper) Tamper(_ context.Context, _ []byte, declared string) (*TamperReading, error) {
	if f.declared != nil {
		*f.declared = declared
	}
	return &f.r, f.err
}

func TestDocumentAuthenticityCheck(t *testing.T) {
	front := &Evidence{Kind: KindDocumentFront, Meta: map[string]string{"document_type": "passport"}}
	in := &Input{Evidence: []*Evidence{front}, Load: func(context.Context, *Evidence) ([]byte, error) { return []byte("jpeg"), nil }}
	var declared string
	c := DocumentAuthenticityCheck{Detector: fakeTamper{declared: &declared, r: TamperReading{Tampered: true, Score: 1.5,
		Reasons: []string{"document_mrz_mismatch"}, Signals: map[string]float64{"mrz_viz_disagreements": 3}, Analysed: []string{"mrz_viz", "portrait"}}}}
	if c.Name() != "document_authenticity" || !c.Applies(&Verification{Method: MethodDocumentImage}) || c.Applies(&Verification{Method: MethodICChip}) {
		t.Fatal("name or applicability wrong")
	}
	r := c.Run(context.Background(), in)
	if r.Status != CheckFailed || len(r.Reasons) != 1 || r.Reasons[0] != "document_mrz_mismatch" || *r.Score != 1 || r.Details.(map[string]any)["tamper_score"] != 1.5 || declared != "passport" {
		t.Errorf("tampered: %+v (declared %q)", r, declared)
	}
	if s := r.Details.(map[string]any)["signals"].(map[string]float64); s["mrz_viz_disagreements"] != 3 {
		t.Errorf("signals not in details: %+v", r.Details)
	}
	r = DocumentAuthenticityCheck{Detector: fakeTamper{r: TamperReading{Score: 0.2, Analysed: []string{"portrait"}}}}.Run(context.Background(), in)
	if r.Status != CheckPassed || len(r.Reasons) != 0 {
		t.Errorf("genuine: %+v", r)
	}
	r = DocumentAuthenticityCheck{Detector: fakeTamper{r: TamperReading{ReviewOnly: true}}}.Run(context.Background(), in)
	if r.Status != CheckFailed || r.Reasons[0] != "document_review_only" {
		t.Errorf("review only: %+v", r)
	}
	r = DocumentAuthenticityCheck{Detector: fakeTamper{err: ErrDocumentUnreadable}}.Run(context.Background(), in)
	if r.Status != CheckFailed || r.Reasons[0] != "document_unreadable" {
		t.Errorf("unreadable: %+v", r)
	}
	r = DocumentAuthenticityCheck{Detector: fakeTamper{err: errors.New("boom")}}.Run(context.Background(), in)
	if r.Status != CheckUnavailable {
		t.Errorf("error: %+v", r)
	}
	r = c.Run(context.Background(), &Input{Load: in.Load})
	if r.Status != CheckFailed || r.Reasons[0] != "document_front_missing" {
		t.Errorf("no front: %+v", r)
	}
}
