package api

import (
	"net/http"

	"github.com/kakunin-dev/kakunin/internal/tenant"
)

// maxBundleBody caps a chip-read bundle (the bundle format's own cap is 512 KiB).
const maxBundleBody = 520 << 10

func (s *Server) chipChallenge(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	v, err := s.load(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := s.Verifications.IssueChipChallenge(r.Context(), v)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// submitChip takes the chip-read bundle (docs/chip-bundle.md) as the body.
func (s *Server) submitChip(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	v, err := s.load(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	body, err := readBody(r, maxBundleBody)
	if err != nil {
		return err
	}
	if v, err = s.Verifications.SubmitChip(r.Context(), v, body, actorOf(p)); err != nil {
		return err
	}
	s.retireHandoff(r, p)
	return s.respondVerification(w, r, v)
}
