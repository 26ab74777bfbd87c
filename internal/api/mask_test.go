package api_test

import (
	"bytes"
	"context"
	"image"
	"os"
	"slices"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/store/storetest"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// TestMyNumberMaskedBeforeStorage: the photo of a My Number card's back is
// stored with the number and its QR code painted out, and says so; a photo
// said to be the back whose number cannot be located is refused (422) and
// nothing is stored.
func TestMyNumberMaskedBeforeStorage(t *testing.T) {
	fonts, err := synth.LoadFonts()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	var back []byte
	shots, err := synth.SpecimenShots(fonts, document.MyNumberCard, 0, synth.GenerateOptions{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range shots {
		if sh.Truth.Side == document.SideBack {
			back, _ = sh.JPEG()
		}
	}
	if !qrReads(t, back) {
		t.Fatal("the unmasked back's QR code does not read; the test would prove nothing")
	}
	e := newEnv(t, storetest.SQLite(t))
	v := e.create(e.keyA, map[string]any{"method": "document_image", "law": "none", "reference_id": "mask"})

	r := e.uploadWith(v.ID, e.keyA, "document_back", back, map[string]string{"document_type": "my_number_card"})
	if r.Status != 201 {
		t.Fatalf("back: %d %s", r.Status, r.Body)
	}
	var ev struct {
		ID     string   `json:"id"`
		SHA256 string   `json:"sha256"`
		Masked []string `json:"masked"`
	}
	r.json(t, &ev)
	if !slices.Contains(ev.Masked, "my_number") || !slices.Contains(ev.Masked, "my_number_qr") {
		t.Errorf("evidence masked = %v; want my_number and my_number_qr", ev.Masked)
	}
	ctx := context.Background()
	ver, err := e.app.Verifications.Get(ctx, mustTenant(t, e, "a"), v.ID)
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.app.Verifications.Evidence(ctx, ver)
	if err != nil || len(list) != 1 {
		t.Fatalf("evidence: %d, %v", len(list), err)
	}
	stored, err := e.app.Verifications.LoadEvidence(ctx, list[0])
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(stored, back) || qrReads(t, stored) {
		t.Fatal("the stored back still carries a readable My Number QR code")
	}

	// Said to be the back, but no card at all: refused, nothing stored.
	r = e.uploadWith(v.ID, e.keyA, "document_back", photo(t, 900, 600, 3), map[string]string{"document_type": "my_number_card"})
	if r.Status != 422 || !bytes.Contains(r.Body, []byte("my_number_not_masked")) {
		t.Fatalf("unmaskable back: %d %s; want 422 my_number_not_masked", r.Status, r.Body)
	}
	if list, _ := e.app.Verifications.Evidence(ctx, ver); len(list) != 1 {
		t.Fatalf("after the refused upload: %d pieces of evidence; want 1", len(list))
	}
}

func qrReads(t *testing.T, b []byte) bool {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	_, err = qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	return err == nil
}
