package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/tenant"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

func (s *Server) jpkiNonce(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	v, err := s.load(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := s.Verifications.IssueJPKINonce(r.Context(), v)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// submitJPKI takes {certificate, signature | cms, payload}, each base64.
func (s *Server) submitJPKI(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	v, err := s.load(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	body, err := readBody(r, maxJSONBody)
	if err != nil {
		return err
	}
	var sub verification.JPKISubmission
	if err := decodeJSON(body, &sub); err != nil {
		return err
	}
	if v, err = s.Verifications.SubmitJPKI(r.Context(), v, sub, actorOf(p)); err != nil {
		return err
	}
	return s.respondVerification(w, r, v)
}

// ClientVerificationJSON is what the applicant's device may know about its
// verification: no tenant data, no personal data.
type ClientVerificationJSON struct {
	ID              string                      `json:"id"`
	Object          string                      `json:"object"`
	Status          verification.Status         `json:"status"`
	Method          verification.Method         `json:"method"`
	Face            bool                        `json:"face"`
	MissingEvidence []verification.EvidenceKind `json:"missing_evidence"`
	ExpiresAt       time.Time                   `json:"expires_at"`
	RedirectURL     string                      `json:"redirect_url,omitempty"`
}

// clientVerification serves GET /v1/client/verification to the holder of a
// client token.
func (s *Server) clientVerification(w http.ResponseWriter, r *http.Request) {
	tok := bearer(r)
	if !strings.HasPrefix(tok, "ct_") {
		s.writeError(w, r, errkind.New(errkind.ErrUnauthenticated, "client_token_invalid", "send the verification's client token"))
		return
	}
	v, err := s.Verifications.ByClientToken(r.Context(), tok)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ev, err := s.Verifications.Evidence(r.Context(), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := ClientVerificationJSON{ID: v.ID, Object: "client_verification", Status: v.Status, Method: v.Method, Face: v.Face,
		MissingEvidence: []verification.EvidenceKind{}, ExpiresAt: v.ExpiresAt, RedirectURL: v.RedirectURL}
	if v.Status.AcceptsInput() {
		out.MissingEvidence = append(out.MissingEvidence, verification.MissingEvidence(v, ev)...)
	}
	writeJSON(w, http.StatusOK, out)
}
