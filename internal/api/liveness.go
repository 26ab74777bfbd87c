package api

import (
	"net/http"

	"github.com/kakunin-dev/kakunin/internal/tenant"
)

// livenessChallenge serves the active liveness challenge: GET returns the
// current one while it has time left (a page reload keeps the same actions),
// POST always issues a new one (a retry after a failed attempt).
func (s *Server) livenessChallenge(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	v, err := s.load(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	ch, err := s.Verifications.LivenessChallenge(r.Context(), v, r.Method == http.MethodPost)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ch)
	return nil
}
