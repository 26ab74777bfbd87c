package chip_test

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/chip"
	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

func roundTrip(t *testing.T, b *chip.Bundle) *chip.Bundle {
	t.Helper()
	raw, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out, err := chip.ParseBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func checkReason(t *testing.T, err error, want chip.Reason) {
	t.Helper()
	if got := chip.ReasonOf(err); got != want {
		t.Fatalf("got reason %q (%v); want %q", got, err, want)
	}
	if !errors.Is(err, errkind.ErrInvalid) || errkind.Reason(err) != string(want) {
		t.Errorf("got %v; want errkind.ErrInvalid with reason %s", err, want)
	}
}

func TestVerifyResidenceCard(t *testing.T) {
	pki, err := synth.NewCardPKI(42, synth.ChipReferenceTime())
	if err != nil {
		t.Fatal(err)
	}
	anchored := chip.Options{CurrentTime: pki.Now(), ResidenceCardRoots: []*x509.Certificate{pki.ResidenceCardRoot()}}
	tests := map[synth.CardVariant]chip.Reason{
		synth.CardGood:          "",
		synth.CardAlteredImage:  chip.ReasonBadSignature,
		synth.CardWrongSigner:   chip.ReasonUntrustedSigner,
		synth.CardExpiredSigner: chip.ReasonSignerExpired,
		synth.CardMissingFile:   chip.ReasonMissingFile,
		synth.CardBrokenTLV:     chip.ReasonMalformedFile,
		synth.CardBadImage:      chip.ReasonFaceImageInvalid,
	}
	for v, want := range tests {
		t.Run(v.String(), func(t *testing.T) {
			f, err := pki.ResidenceCard(v, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := chip.Verify(context.Background(), anchored, roundTrip(t, f.Bundle(chip.ResidenceCard, chip.AccessCardNumber)))
			if want != "" {
				checkReason(t, err, want)
				return
			}
			if err != nil {
				t.Fatalf("got %v; want a result", err)
			}
			if res.Signature != chip.SignatureVerified || res.Authenticity != chip.PassiveOnly {
				t.Errorf("got %s/%s; want verified/passive_only", res.Signature, res.Authenticity)
			}
			if res.Face == nil || res.Face.Format != chip.FormatJPEG || res.CardFace == nil || res.CardFace.Format != chip.FormatTIFF {
				t.Errorf("got face %v, card face %v; want a JPEG face and a TIFF front", res.Face, res.CardFace)
			}
		})
	}
	t.Run("no anchor configured", func(t *testing.T) {
		f, err := pki.ResidenceCard(synth.CardGood, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := chip.Verify(context.Background(), chip.Options{CurrentTime: pki.Now()}, f.Bundle(chip.ResidenceCard, chip.AccessCardNumber))
		if err != nil || res.Signature != chip.SignatureUnverified || res.Authenticity != chip.Unverified {
			t.Fatalf("got %+v, %v; want an unverified result", res, err)
		}
	})
	t.Run("altered image without anchor still fails", func(t *testing.T) {
		f, err := pki.ResidenceCard(synth.CardAlteredImage, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = chip.Verify(context.Background(), chip.Options{CurrentTime: pki.Now()}, f.Bundle(chip.ResidenceCard, chip.AccessCardNumber))
		checkReason(t, err, chip.ReasonBadSignature)
	})
}

// signatureFunc is a hand-written SignatureVerifier.
type signatureFunc func(context.Context, *chip.Bundle) (string, error)

func (f signatureFunc) VerifyChipSignature(ctx context.Context, b *chip.Bundle) (string, error) {
	return f(ctx, b)
}

var rejectAll = signatureFunc(func(context.Context, *chip.Bundle) (string, error) {
	return "", &chip.InvalidError{Reason: chip.ReasonBadSignature, Detail: "platform says no"}
})

var acceptAll = signatureFunc(func(context.Context, *chip.Bundle) (string, error) { return "CN=platform", nil })

func TestVerifyDriversLicense(t *testing.T) {
	tests := map[synth.CardVariant]chip.Reason{
		synth.CardGood:        "",
		synth.CardMissingFile: chip.ReasonMissingFile,
		synth.CardBrokenTLV:   chip.ReasonMalformedFile,
		synth.CardBadImage:    chip.ReasonFaceImageInvalid,
		synth.CardBadText:     chip.ReasonMalformedAttributes,
	}
	for v, want := range tests {
		t.Run(v.String(), func(t *testing.T) {
			f, err := synth.DriversLicense(v, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := chip.Verify(context.Background(), chip.Options{}, roundTrip(t, f.Bundle(chip.DriversLicense, chip.AccessPIN)))
			if want != "" {
				checkReason(t, err, want)
				return
			}
			if err != nil {
				t.Fatalf("got %v; want a result", err)
			}
			a := res.Attributes
			want := chip.Attributes{Name: "確認　花子", Address: "東京都架空区試験町一丁目２番３号", Issuer: "東京都公安委員会",
				BirthDate: "1990-01-15", IssueDate: "2025-06-01", ExpiryDate: "2028-07-15", DocumentNumber: synth.LicenseNumber(1234)}
			if a != want {
				t.Errorf("got %+v; want %+v", a, want)
			}
			if res.Signature != chip.SignatureUnverified || res.Authenticity != chip.Unverified || res.Face == nil {
				t.Errorf("got %s/%s face %v; want unverified with a face", res.Signature, res.Authenticity, res.Face != nil)
			}
			if len(res.Notes) != 1 || res.Notes[0] != "signature_verifier_not_configured" {
				t.Errorf("got notes %v; want only signature_verifier_not_configured", res.Notes)
			}
		})
	}
	f, err := synth.DriversLicense(synth.CardGood, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := f.Bundle(chip.DriversLicense, chip.AccessPIN)
	t.Run("pluggable verifier rejects", func(t *testing.T) {
		_, err := chip.Verify(context.Background(), chip.Options{LicenseSignature: rejectAll}, b)
		checkReason(t, err, chip.ReasonBadSignature)
	})
	t.Run("pluggable verifier accepts", func(t *testing.T) {
		res, err := chip.Verify(context.Background(), chip.Options{LicenseSignature: acceptAll}, b)
		if err != nil || res.Signature != chip.SignatureVerified || res.Authenticity != chip.PassiveOnly || res.Signer != "CN=platform" {
			t.Fatalf("got %+v, %v; want verified by the platform", res, err)
		}
	})
	t.Run("platform down is not a rejection", func(t *testing.T) {
		down := signatureFunc(func(context.Context, *chip.Bundle) (string, error) { return "", errors.New("connection refused") })
		_, err := chip.Verify(context.Background(), chip.Options{LicenseSignature: down}, b)
		if err == nil || chip.ReasonOf(err) != "" {
			t.Fatalf("got %v; want a plain error", err)
		}
	})
}

func TestVerifyMyNumberCard(t *testing.T) {
	lawful := chip.Options{MyNumberLawfulPurpose: true}
	tests := map[synth.CardVariant]chip.Reason{
		synth.CardGood:        "",
		synth.CardMissingFile: chip.ReasonMissingFile,
		synth.CardBrokenTLV:   chip.ReasonMalformedFile,
		synth.CardBadImage:    chip.ReasonFaceImageInvalid,
		synth.CardBadText:     chip.ReasonMalformedAttributes,
		synth.CardBadMyNumber: chip.ReasonMyNumberCheckDigit,
	}
	for v, want := range tests {
		t.Run(v.String(), func(t *testing.T) {
			f, err := synth.MyNumberCard(v, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := chip.Verify(context.Background(), lawful, roundTrip(t, f.Bundle(chip.MyNumberCard, chip.AccessPIN)))
			if want != "" {
				checkReason(t, err, want)
				return
			}
			if err != nil {
				t.Fatalf("got %v; want a result", err)
			}
			want := chip.Attributes{Name: "確認 花子", Address: "東京都架空区試験町一丁目2番3号", BirthDate: "1990-01-15", Sex: "2", MyNumber: synth.TestMyNumber}
			if res.Attributes != want {
				t.Errorf("got %+v; want %+v", res.Attributes, want)
			}
			if res.Signature != chip.SignatureUnverified || res.Face == nil {
				t.Errorf("got %s face %v; want unverified with a face", res.Signature, res.Face != nil)
			}
		})
	}
	t.Run("My Number dropped without a lawful purpose", func(t *testing.T) {
		f, err := synth.MyNumberCard(synth.CardBadMyNumber, nil) // not even checked
		if err != nil {
			t.Fatal(err)
		}
		res, err := chip.Verify(context.Background(), chip.Options{}, f.Bundle(chip.MyNumberCard, chip.AccessPIN))
		if err != nil || res.Attributes.MyNumber != "" {
			t.Fatalf("got %+v, %v; want a result without the My Number", res, err)
		}
	})
	t.Run("pluggable verifier rejects", func(t *testing.T) {
		f, _ := synth.MyNumberCard(synth.CardGood, nil)
		_, err := chip.Verify(context.Background(), chip.Options{MyNumberSignature: rejectAll}, f.Bundle(chip.MyNumberCard, chip.AccessPIN))
		checkReason(t, err, chip.ReasonBadSignature)
	})
}
