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
	s.retireHandoff(r, p)
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
	// FaceBinding is what a JPKI+face signature must cover (jpki with face
	// only): the hashes of the selfie and frames as the server received them,
	// so a card client that did not take them can still sign over them.
	FaceBinding *FaceBindingJSON `json:"face_binding,omitempty"`
	// ResubmitSteps lists the steps a reviewer asked the person to redo
	// (decision reason resubmit_<step>); the business starts a new
	// verification for them, reached through redirect_url.
	ResubmitSteps []string `json:"resubmit_steps,omitempty"`
}

// FaceBindingJSON holds the digests of docs/jpki-face.md.
type FaceBindingJSON struct {
	SelfieSHA256 string `json:"selfie_sha256"`
	FramesSHA256 string `json:"frames_sha256"`
	Selfie       bool   `json:"selfie"` // whether a selfie has arrived
}

// clientVerification serves GET /v1/client/verification to the holder of a
// client token (the capture page) or a hand-off token (the card client).
func (s *Server) clientVerification(w http.ResponseWriter, r *http.Request) {
	v, _, ok, err := s.clientPrincipal(r, true)
	if !ok {
		err = errkind.New(errkind.ErrUnauthenticated, "client_token_invalid", "send the verification's client token")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.allow(w, r, "client:"+v.ID) {
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
	if v.Decision != nil {
		for _, r := range v.Decision.Reasons {
			if step, ok := strings.CutPrefix(r, "resubmit_"); ok {
				out.ResubmitSteps = append(out.ResubmitSteps, step)
			}
		}
	}
	if v.Method == verification.MethodJPKI && v.Face {
		selfie, frames, selfieID, err := s.Verifications.FaceDigests(r.Context(), v)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out.FaceBinding = &FaceBindingJSON{SelfieSHA256: selfie, FramesSHA256: frames, Selfie: selfieID != ""}
	}
	writeJSON(w, http.StatusOK, out)
}

// retireHandoff ends a hand-off token's use once its card data is accepted.
// The data is already stored; a failure here only leaves the token to expire.
func (s *Server) retireHandoff(r *http.Request, p tenant.Principal) {
	if p.KeyID != "handoff" {
		return
	}
	if err := s.Verifications.UseHandoff(r.Context(), bearer(r)); err != nil {
		s.log.Warn("hand-off token not retired", "err", err)
	}
}
