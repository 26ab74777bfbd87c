package api

import (
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	"rsc.io/qr"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/tenant"
	"github.com/kakunin-dev/kakunin/internal/upload"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

// The routes the capture page (client token) and the card client (hand-off
// token) use besides evidence upload and submission.

// HandoffJSON is a new hand-off: the token appears here once.
type HandoffJSON struct {
	Object    string    `json:"object"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Link      string    `json:"link"`
	// QR is the link as a QR code, a data: URL of a PNG.
	QR string `json:"qr"`
}

// createHandoff mints the one-time token the capture page shows as a QR code
// and deep link for the card client.
func (s *Server) createHandoff(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	v, err := s.load(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	t, err := s.Verifications.IssueHandoff(r.Context(), v, s.publicBase(r))
	if err != nil {
		return err
	}
	code, err := qr.Encode(t.Link, qr.M)
	if err != nil {
		return err
	}
	code.Scale = 6
	writeJSON(w, http.StatusCreated, HandoffJSON{Object: "handoff", Token: t.Token, ExpiresAt: t.ExpiresAt, Link: t.Link,
		QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(code.PNG())})
	return nil
}

// publicBase is the base URL the card client should call: the configured
// public URL, else the host this request came to.
func (s *Server) publicBase(r *http.Request) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// QualityJSON is instant feedback on a candidate photo.
type QualityJSON struct {
	Object    string   `json:"object"`
	Kind      string   `json:"kind"`
	Pass      bool     `json:"pass"`
	Score     float64  `json:"score"`
	Reasons   []string `json:"reasons"`
	Width     int      `json:"width"`
	Height    int      `json:"height"`
	Sharpness float64  `json:"sharpness"`
	MeanLuma  float64  `json:"mean_luma"`
	Glare     float64  `json:"glare"`
}

// assessQuality measures a photo before it is sent as evidence; the body is
// the image itself and ?kind= names what it is. Nothing is stored.
func (s *Server) assessQuality(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	v, err := s.load(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || !strings.HasPrefix(mt, "image/") {
		return errkind.New(errkind.ErrUnsupported, "image_required", "send the photo itself as the body, with an image/* Content-Type")
	}
	data, err := upload.ReadLimited(http.MaxBytesReader(w, r.Body, s.Limits.MaxBytes+1), s.Limits.MaxBytes)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errkind.New(errkind.ErrTooLarge, "file_too_large", "the upload is larger than %d bytes", s.Limits.MaxBytes)
	}
	if err != nil {
		return err
	}
	q, err := s.Verifications.AssessPhoto(r.Context(), v, verification.EvidenceKind(r.URL.Query().Get("kind")), data)
	if err != nil {
		return err
	}
	rep := q.Report
	out := QualityJSON{Object: "photo_quality", Kind: string(q.Kind), Pass: rep.Pass, Score: rep.Score, Reasons: rep.Reasons,
		Width: rep.Width, Height: rep.Height, Sharpness: rep.Sharpness, MeanLuma: rep.MeanLuma, Glare: rep.Glare}
	if out.Reasons == nil {
		out.Reasons = []string{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// clientPrincipal resolves a client token (ct_, the capture page) or, when
// card is set, a hand-off token (ht_, the card client) to its verification.
// ok is false when the bearer is neither (an API key, or nothing).
func (s *Server) clientPrincipal(r *http.Request, card bool) (v *verification.Verification, p tenant.Principal, ok bool, err error) {
	tok := bearer(r)
	switch {
	case strings.HasPrefix(tok, "ct_"):
		v, err = s.Verifications.ByClientToken(r.Context(), tok)
		p.KeyID = "client"
	case strings.HasPrefix(tok, verification.HandoffPrefix) && card:
		v, err = s.Verifications.ByHandoffToken(r.Context(), tok)
		p.KeyID = "handoff"
	case strings.HasPrefix(tok, verification.HandoffPrefix):
		return nil, p, true, errkind.New(errkind.ErrForbidden, "handoff_token_scope", "a hand-off token works for the card routes only")
	default:
		return nil, p, false, nil
	}
	if err != nil {
		return nil, p, true, err
	}
	p.TenantID, p.Mode = v.TenantID, tenant.Mode(v.Mode)
	return v, p, true, nil
}
