package api_test

import (
	"bytes"
	"image/jpeg"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/decision"
	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/imagequality"
	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/synth"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

// TestDocumentRead: ホ with a photographed document. The front of a
// synthetic residence card is read by OCR in the pipeline; what it says
// becomes the verification's (sealed) identity, equal to the card's ground
// truth, and the check records which fields were read but not their values.
func TestDocumentRead(t *testing.T) {
	fonts, err := synth.LoadFonts()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	e := newEnv(t, storetest.SQLite(t))
	var front []byte
	var truth synth.Truth
	for i := 0; i < 10 && front == nil; i++ {
		shots, err := synth.SpecimenShots(fonts, document.ResidenceCard, i, synth.GenerateOptions{N: 1, Seed: 11})
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range shots {
			if sh.Truth.View != synth.ViewFlat || sh.Truth.Camera.Level != synth.LevelClean {
				continue
			}
			b, _ := sh.JPEG()
			img, _ := jpeg.Decode(bytes.NewReader(b))
			if imagequality.Assess(img, imagequality.DocumentThresholds()).Pass {
				front, truth = b, sh.Truth
			}
		}
	}
	if front == nil {
		t.Fatal("no clean residence card photo passes the quality gate")
	}
	v := e.create(e.keyA, map[string]any{"method": "document_image", "law": "none", "reference_id": "doc-read"})
	r := e.uploadWith(v.ID, e.keyA, "document_front", front, map[string]string{"document_type": "residence_card"})
	if r.Status != 201 {
		t.Fatalf("front: %d %s", r.Status, r.Body)
	}
	if r := e.upload(v.ID, e.keyA, "selfie", photo(t, 640, 480, 9)); r.Status != 201 {
		t.Fatal(r.Status)
	}
	e.do(http.MethodPost, "/v1/verifications/"+v.ID+"/submit", e.keyA, nil, "")
	got := e.waitDecided(v.ID, e.keyA)
	var read *struct{ Status string }
	for _, c := range got.Checks {
		if c.Name == "document_read" {
			read = &struct{ Status string }{c.Status}
			if c.Status != "passed" {
				t.Errorf("document_read %s %v; want passed", c.Status, c.Reasons)
			}
		}
	}
	if read == nil {
		t.Fatalf("no document_read check in %+v (is tesseract installed?)", got.Checks)
	}
	var withID struct {
		Identity map[string]string `json:"identity"`
	}
	e.do(http.MethodGet, "/v1/verifications/"+v.ID+"?expand=identity", e.keyA, nil, "").json(t, &withID)
	for field, want := range map[string]string{
		"name":       truth.Fields[document.FieldName].Value,
		"birth_date": truth.Fields[document.FieldBirthDate].Value,
		"source":     "document_image:residence_card",
	} {
		if withID.Identity[field] != want {
			t.Errorf("identity %s: got %q; want %q", field, withID.Identity[field], want)
		}
	}
	if bytes.Contains(e.do(http.MethodGet, "/v1/verifications/"+v.ID, e.keyA, nil, "").Body, []byte(truth.Fields[document.FieldBirthDate].Value)) {
		t.Error("the birth date appears in the verification without expand=identity")
	}
}

// TestDocumentThicknessOtherCard: ホ under the AML law (or, once the law
// no longer accepts ホ, under no law; the thickness photo is judged all
// the same). A synthetic residence card's front goes with the angled photo
// of another residence card: the document_thickness check finds the
// layout the same and the name, number and portrait not, and the
// verification is rejected with thickness_not_same_document. The same
// front with its own angled photo passes the check.
func TestDocumentThicknessOtherCard(t *testing.T) {
	if testing.Short() {
		t.Skip("renders specimens and runs the document checks")
	}
	fonts, err := synth.LoadFonts()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	shots := func(i int) (front, angled synth.Shot) {
		ss, err := synth.SpecimenShots(fonts, document.ResidenceCard, i, synth.GenerateOptions{N: 1, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			switch {
			case s.Truth.View == synth.ViewThickness:
				angled = s
			case s.Truth.Side == document.SideFront:
				front = s
			}
		}
		return front, angled
	}
	front, genuine := shots(0) // a clean shot (document 0 of each type is clean)
	other, _ := shots(1)
	ph, cam := synth.AngledPhoto(other.Specimen, synth.LevelClean, document.ID1ThicknessMM, 17)
	otherAngled, err := synth.Shot{Photo: ph, Truth: synth.Truth{Camera: cam}}.JPEG()
	if err != nil {
		t.Fatal(err)
	}
	frontJPEG, err := front.JPEG()
	if err != nil {
		t.Fatal(err)
	}
	genuineJPEG, err := genuine.JPEG()
	if err != nil {
		t.Fatal(err)
	}
	law := "aml"
	if decision.MethodAllowed(verification.LawAML, verification.MethodDocumentImage, time.Now()) != nil {
		law = "none"
	}
	e := newEnv(t, storetest.SQLite(t))
	// run submits one verification and returns it with its
	// document_thickness check's status and reasons.
	run := func(ref string, angled []byte) (verificationJSON, string, []string) {
		v := e.create(e.keyA, map[string]any{"method": "document_image", "law": law, "reference_id": ref})
		if r := e.uploadWith(v.ID, e.keyA, "document_front", frontJPEG, map[string]string{"document_type": "residence_card"}); r.Status != 201 {
			t.Fatalf("front: %d %s", r.Status, r.Body)
		}
		if r := e.upload(v.ID, e.keyA, "document_thickness", angled); r.Status != 201 {
			t.Fatalf("thickness: %d %s", r.Status, r.Body)
		}
		if r := e.upload(v.ID, e.keyA, "selfie", photo(t, 640, 480, 9)); r.Status != 201 {
			t.Fatal(r.Status)
		}
		if r := e.do(http.MethodPost, "/v1/verifications/"+v.ID+"/submit", e.keyA, nil, ""); r.Status != http.StatusOK {
			t.Fatalf("submit: %d %s", r.Status, r.Body)
		}
		got := e.waitDecided(v.ID, e.keyA)
		for _, c := range got.Checks {
			if c.Name == "document_thickness" {
				return got, c.Status, c.Reasons
			}
		}
		t.Fatalf("no document_thickness check in %+v", got.Checks)
		return got, "", nil
	}
	got, status, reasons := run("thickness-other-card", otherAngled)
	if status != "failed" || !slices.Contains(reasons, "thickness_not_same_document") {
		t.Errorf("other card: document_thickness %s %v; want failed with thickness_not_same_document", status, reasons)
	}
	if got.Status != "rejected" || got.Decision == nil || !slices.Contains(got.Decision.Reasons, "thickness_not_same_document") {
		t.Errorf("other card: verification %s %+v; want rejected for thickness_not_same_document", got.Status, got.Decision)
	}
	got, status, reasons = run("thickness-genuine", genuineJPEG)
	if status != "passed" {
		t.Errorf("genuine: document_thickness %s %v; want passed", status, reasons)
	}
	if got.Status == "rejected" {
		t.Errorf("genuine: verification rejected %+v", got.Decision)
	}
}
