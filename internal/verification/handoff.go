package verification

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/imagequality"
	"github.com/kakunin-dev/kakunin/internal/upload"
)

// HandoffTTL is how long a hand-off token works: long enough to find the
// card and the phone, short enough that a photographed QR code goes stale.
const HandoffTTL = 10 * time.Minute

// HandoffPrefix starts every hand-off token.
const HandoffPrefix = "ht_"

// CardLinkScheme is the deep link the card client registers for.
const CardLinkScheme = "kakunin-card"

// Handoff is a hand-off token as stored (its hash only). It lets the card
// client (the phone that reads the My Number card or the IC chip) act for
// one verification on the card routes only.
type Handoff struct {
	TokenHash      string
	TenantID       string
	VerificationID string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	UsedAt         *time.Time
}

// HandoffTicket is a freshly issued hand-off: the secret appears here once.
type HandoffTicket struct {
	Token     string
	ExpiresAt time.Time
	// Link is the deep link the QR code carries:
	// kakunin-card://v1/handoff?server=<public URL>&token=<token>.
	Link string
}

// HashHandoffToken is what is stored for a token.
func HashHandoffToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// IssueHandoff mints a hand-off token for a verification still waiting for
// its card data; any earlier unused token of the verification stops working.
// server is the base URL the card client should call.
func (s *Service) IssueHandoff(ctx context.Context, v *Verification, server string) (*HandoffTicket, error) {
	if v.Method != MethodJPKI && v.Method != MethodICChip {
		return nil, errkind.New(errkind.ErrConflict, "handoff_not_applicable", "method %s reads no card", v.Method)
	}
	if !v.Status.AcceptsInput() {
		return nil, errkind.New(errkind.ErrConflict, "not_accepting_input", "a verification in status %q accepts no evidence", v.Status)
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	tok := HandoffPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := s.d.Now().UTC().Truncate(time.Microsecond)
	h := Handoff{TokenHash: HashHandoffToken(tok), TenantID: v.TenantID, VerificationID: v.ID, CreatedAt: now, ExpiresAt: now.Add(HandoffTTL)}
	err := s.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.Store.PutHandoff(ctx, h); err != nil {
			return err
		}
		return s.d.Audit.Record(ctx, v.TenantID, "capture_client", "verification.handoff_issued", v.ID, map[string]any{"expires_at": h.ExpiresAt})
	})
	if err != nil {
		return nil, err
	}
	q := url.Values{"server": {strings.TrimRight(server, "/")}, "token": {tok}}
	return &HandoffTicket{Token: tok, ExpiresAt: h.ExpiresAt, Link: CardLinkScheme + "://v1/handoff?" + q.Encode()}, nil
}

// ByHandoffToken resolves a live hand-off token to its verification.
func (s *Service) ByHandoffToken(ctx context.Context, token string) (*Verification, error) {
	refuse := func(reason, detail string) error {
		return errkind.New(errkind.ErrUnauthenticated, reason, "%s", detail)
	}
	if !strings.HasPrefix(token, HandoffPrefix) || len(token) > 80 {
		return nil, refuse("handoff_token_invalid", "the hand-off token is unknown")
	}
	h, err := s.d.Store.HandoffByHash(ctx, HashHandoffToken(token))
	if errors.Is(err, errkind.ErrNotFound) {
		return nil, refuse("handoff_token_invalid", "the hand-off token is unknown")
	}
	if err != nil {
		return nil, err
	}
	switch {
	case h.UsedAt != nil:
		return nil, refuse("handoff_token_used", "this hand-off token has been used or replaced: scan the new QR code")
	case !s.d.Now().Before(h.ExpiresAt):
		return nil, refuse("handoff_token_expired", "this hand-off token has expired: show a new QR code")
	}
	return s.d.Store.Verification(ctx, h.TenantID, h.VerificationID, false)
}

// UseHandoff retires a hand-off token once the card data it carried has
// been accepted.
func (s *Service) UseHandoff(ctx context.Context, token string) error {
	return s.d.Store.UseHandoff(ctx, HashHandoffToken(token), s.d.Now().UTC())
}

// FaceDigests are the hashes a JPKI+face signature must cover, computed from
// the evidence as received: the latest selfie's SHA-256 (of nothing when
// there is none) and frames_sha256 over the liveness frames in upload order,
// with the selfie's evidence ID ("" when there is none).
func (s *Service) FaceDigests(ctx context.Context, v *Verification) (selfie, frames, selfieID string, err error) {
	evidence, err := s.d.Store.ListEvidence(ctx, v.TenantID, v.ID)
	if err != nil {
		return "", "", "", err
	}
	selfie = emptySHA256
	var frameDigests []byte
	for _, e := range evidence {
		switch e.Kind {
		case KindSelfie:
			selfie, selfieID = e.ReceivedSHA256, e.ID // the latest selfie is the one bound
		case KindLivenessFrame:
			d, _ := hex.DecodeString(e.ReceivedSHA256)
			frameDigests = append(frameDigests, d...)
		}
	}
	fd := sha256.Sum256(frameDigests)
	return selfie, hex.EncodeToString(fd[:]), selfieID, nil
}

// PhotoQuality is instant feedback on a photo the client is about to send:
// nothing is stored.
type PhotoQuality struct {
	Kind   EvidenceKind
	Report imagequality.Report
}

// AssessPhoto decodes a candidate photo under the upload limits and measures
// it with the thresholds for its kind: documents must be larger and free of
// glare; a selfie is held to the general photo standard.
func (s *Service) AssessPhoto(ctx context.Context, v *Verification, kind EvidenceKind, data []byte) (*PhotoQuality, error) {
	info, ok := kindInfo[kind]
	if !ok || !kind.IsImage() || kind == KindLivenessFrame || kind == KindChipFace {
		return nil, invalid("evidence_kind_invalid", "quality is measured for photos only (document_front, document_back, document_thickness, selfie), not %q", kind)
	}
	if !v.Status.AcceptsInput() {
		return nil, errkind.New(errkind.ErrConflict, "not_accepting_input", "a verification in status %q accepts no evidence", v.Status)
	}
	res, err := upload.Sanitize(data, info.types, s.d.Limits)
	if err != nil {
		return nil, err
	}
	t := imagequality.DefaultThresholds()
	switch kind {
	case KindDocumentFront, KindDocumentBack, KindDocumentThickness:
		t = imagequality.DocumentThresholds()
	}
	return &PhotoQuality{Kind: kind, Report: imagequality.Assess(res.Image, t)}, nil
}
