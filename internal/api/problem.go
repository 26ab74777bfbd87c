package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Reason    string `json:"reason"`
	RequestID string `json:"request_id"`
}

// statusOf is the one place that maps error kinds to HTTP statuses.
func statusOf(err error) int {
	switch {
	case errors.Is(err, errkind.ErrMalformed):
		return http.StatusBadRequest
	case errors.Is(err, errkind.ErrInvalid):
		return http.StatusUnprocessableEntity
	case errors.Is(err, errkind.ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, errkind.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, errkind.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, errkind.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, errkind.ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errkind.ErrUnsupported):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, errkind.ErrRateLimited):
		return http.StatusTooManyRequests
	case errors.Is(err, errkind.ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// writeError renders err as problem+json. Server errors carry no internal
// detail; they are logged with the request ID instead.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	p := Problem{Status: status, Title: http.StatusText(status), RequestID: requestID(r.Context())}
	var e *errkind.Error
	if status < 500 && errors.As(err, &e) {
		p.Reason, p.Detail = e.Reason, e.Detail
	} else if status < 500 {
		p.Reason, p.Detail = "request_refused", http.StatusText(status)
	} else {
		p.Reason, p.Detail = "internal_error", "the server could not complete the request; quote request_id when reporting it"
		if status == http.StatusServiceUnavailable {
			p.Reason, p.Detail = "unavailable", "the service is temporarily unavailable; retry later"
			w.Header().Set("Retry-After", "1")
		}
		s.log.ErrorContext(r.Context(), "request failed", slog.String("request_id", p.RequestID),
			slog.String("route", r.Pattern), slog.Any("error", err))
	}
	p.Type = "https://kakunin.dev/problems/" + p.Reason
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
