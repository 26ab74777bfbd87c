package api

import (
	"net/http"

	"github.com/kakunin-dev/kakunin/internal/tenant"
)

// livenessChallenge issues the active liveness challenge (a new one each call).
func (s *Server) livenessChallenge(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	v, err := s.load(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	ch, err := s.Verifications.IssueLivenessChallenge(r.Context(), v)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ch)
	return nil
}
