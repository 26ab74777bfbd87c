package api_test

import (
	"bytes"
	"image/jpeg"
	"net/http"
	"os"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/imagequality"
	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/synth"
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
