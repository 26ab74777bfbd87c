package verification

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"image/jpeg"
	"time"

	"github.com/kakunin-dev/kakunin/internal/chip"
	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/jpki"
)

// ChipDeps wires IC chip verification (ヘ) into the service.
type ChipDeps struct {
	// Options returns the trust set-up for a mode: live trusts the
	// configured CSCA master list; test may add the synthetic test PKIs.
	Options func(mode string) chip.Options
	Nonces  NonceStore
	TTL     time.Duration
	// JPEG2000 decodes JPEG 2000 chip photos (licences, My Number cards,
	// some passports). With nil such a photo is recorded as
	// "undecodable_jpeg2000" and the face match fails chip_photo_missing.
	JPEG2000 chip.JPEG2000Decoder
}

// ChipChallenge is the random challenge the chip must sign (active
// authentication), single use.
type ChipChallenge struct {
	VerificationID string    `json:"verification_id"`
	Challenge      []byte    `json:"challenge"`
	ExpiresAt      time.Time `json:"expires_at"`
}

func (s *Service) chipReady(v *Verification) error {
	if s.d.Chip == nil {
		return errkind.New(errkind.ErrUnavailable, "chip_unavailable", "IC chip verification is not configured")
	}
	if v.Method != MethodICChip {
		return errkind.New(errkind.ErrConflict, "method_mismatch", "this verification's method is %s, not ic_chip", v.Method)
	}
	if !v.Status.AcceptsInput() {
		return errkind.New(errkind.ErrConflict, "not_accepting_input", "a verification in status %q accepts no evidence", v.Status)
	}
	return nil
}

// IssueChipChallenge issues the challenge for active authentication.
func (s *Service) IssueChipChallenge(ctx context.Context, v *Verification) (*ChipChallenge, error) {
	if err := s.chipReady(v); err != nil {
		return nil, err
	}
	c := chip.NewChallenge()
	ttl := s.d.Chip.TTL
	if ttl == 0 {
		ttl = 10 * time.Minute
	}
	exp := s.d.Now().UTC().Add(ttl).Truncate(time.Second)
	if err := s.d.Chip.Nonces.IssueNonce(ctx, v.ID, "chip:"+hex.EncodeToString(c), exp); err != nil {
		return nil, err
	}
	return &ChipChallenge{VerificationID: v.ID, Challenge: c, ExpiresAt: exp}, nil
}

// SubmitChip verifies a chip-read bundle (docs/chip-bundle.md): the
// issuer's signature over what was read, and — when the bundle answers this
// verification's challenge — the chip's active authentication. The bundle
// and the chip's photo become evidence, the chip's attributes the sealed
// identity.
func (s *Service) SubmitChip(ctx context.Context, v *Verification, data []byte, actor Actor) (*Verification, error) {
	if err := s.chipReady(v); err != nil {
		return nil, err
	}
	b, err := chip.ParseBundle(data)
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	opts := s.d.Chip.Options(v.Mode)
	opts.CurrentTime = now
	if len(b.Challenge) > 0 {
		err := s.d.Chip.Nonces.Consume(ctx, v.ID, "chip:"+hex.EncodeToString(b.Challenge), now)
		switch {
		case errors.Is(err, jpki.ErrNonceReused):
			return nil, s.chipRejected(ctx, v, actor, "challenge_reused", "this challenge was already answered; ask for a new one")
		case errors.Is(err, jpki.ErrNonceExpired):
			return nil, s.chipRejected(ctx, v, actor, "challenge_expired", "the challenge expired; ask for a new one")
		case errors.Is(err, jpki.ErrNonceUnknown):
			return nil, s.chipRejected(ctx, v, actor, "challenge_unknown", "the bundle answers a challenge this verification never issued")
		case err != nil:
			return nil, err
		}
		opts.Challenge = b.Challenge
	}
	res, err := chip.Verify(ctx, opts, b)
	if err != nil {
		if r := errkind.Reason(err); r != "" {
			_ = s.d.Audit.Record(ctx, v.TenantID, string(actor), "chip.rejected", v.ID, map[string]string{"reason": r})
		}
		return nil, err
	}
	if _, err := s.AddEvidence(ctx, v, KindChipData, data, actor); err != nil {
		return nil, err
	}
	photo := ""
	if res.Face != nil {
		img, derr := chip.DecodeImage(res.Face, s.d.Chip.JPEG2000)
		if derr != nil {
			photo = "undecodable_" + string(res.Face.Format)
		} else {
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
				return nil, err
			}
			e, err := s.addEvidence(ctx, v, KindChipFace, buf.Bytes(), actor, nil)
			if err != nil {
				return nil, err
			}
			photo = e.ID
		}
	}
	a := res.Attributes
	idn := Identity{Source: "ic_chip:" + string(res.DocumentType), Name: a.Name, Sex: a.Sex, BirthDate: a.BirthDate,
		Address: a.Address, Nationality: a.Nationality, DocumentNumber: a.DocumentNumber, IssuingState: a.IssuingState,
		IssueDate: a.IssueDate, ExpiryDate: a.ExpiryDate}
	result := map[string]any{
		"ordinance_method": "ヘ", "document_type": res.DocumentType, "authenticity": res.Authenticity,
		"signature": res.Signature, "challenge": res.Challenge, "signer": res.Signer,
		"revocation_checked": res.RevocationChecked, "notes": res.Notes, "photo_evidence_id": photo, "checked_at": now.UTC(),
	}
	return v, s.setIdentity(ctx, v, "chip", idn, result, actor, "chip.verified")
}

func (s *Service) chipRejected(ctx context.Context, v *Verification, actor Actor, reason, detail string) error {
	_ = s.d.Audit.Record(ctx, v.TenantID, string(actor), "chip.rejected", v.ID, map[string]string{"reason": reason})
	return errkind.New(errkind.ErrInvalid, reason, "%s", detail)
}

// ChipAuthenticityCheck passes for a passport whose issuer signature was
// verified AND that proved its presence by signing this verification's
// challenge (passive authentication alone cannot tell a clone), and for a
// Japanese card whose issuer signature was verified against a configured
// anchor (an unverified licence or My Number card never passes).
type ChipAuthenticityCheck struct{}

// Name implements Check.
func (ChipAuthenticityCheck) Name() string { return "chip_authenticity" }

// Applies implements Check.
func (ChipAuthenticityCheck) Applies(v *Verification) bool { return v.Method == MethodICChip }

// Run implements Check.
func (ChipAuthenticityCheck) Run(_ context.Context, in *Input) CheckResult {
	r, _ := in.Verification.MethodResult["chip"].(map[string]any)
	if r == nil {
		return CheckResult{Status: CheckFailed, Reasons: []string{"chip_not_read"}}
	}
	details := map[string]any{"document_type": r["document_type"], "authenticity": r["authenticity"],
		"signature": r["signature"], "challenge": r["challenge"], "signer": r["signer"], "notes": r["notes"]}
	// A passport can prove it is no clone (active authentication), so it
	// must; the Japanese cards have no such answer, and pass on an issuer
	// signature verified against a configured anchor.
	if r["document_type"] == string(chip.Passport) {
		if r["authenticity"] != string(chip.ChipVerified) {
			return CheckResult{Status: CheckFailed, Reasons: []string{"chip_" + toString(r["authenticity"])}, Details: details}
		}
		return CheckResult{Status: CheckPassed, Details: details}
	}
	if r["signature"] != string(chip.SignatureVerified) {
		return CheckResult{Status: CheckFailed, Reasons: []string{"chip_signature_" + toString(r["signature"])}, Details: details}
	}
	return CheckResult{Status: CheckPassed, Details: details}
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}
