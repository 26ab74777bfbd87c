package api

import (
	"net/http"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/tenant"
)

// RecordJSON is the wire form of an identity record (確認記録).
type RecordJSON struct {
	ID             string         `json:"id"`
	Object         string         `json:"object"`
	VerificationID string         `json:"verification_id"`
	ReferenceID    string         `json:"reference_id"`
	SupersedesID   string         `json:"supersedes_id,omitempty"`
	RecordedAt     time.Time      `json:"recorded_at"`
	Fields         map[string]any `json:"fields"`
	Attributes     map[string]any `json:"attributes,omitempty"`
}

func (s *Server) listRecords(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	v, err := s.load(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	q, err := query(r)
	if err != nil {
		return err
	}
	withAttrs := false
	switch q.Get("expand") {
	case "":
	case "attributes":
		withAttrs = true
	default:
		return errkind.New(errkind.ErrInvalid, "expand_invalid", "expand may only be \"attributes\"")
	}
	rs, attrs, err := s.Verifications.Records(r.Context(), actorOf(p), v, withAttrs)
	if err != nil {
		return err
	}
	out := ListJSON[RecordJSON]{Object: "list", Data: []RecordJSON{}}
	for i, rec := range rs {
		j := RecordJSON{ID: rec.ID, Object: "identity_record", VerificationID: rec.VerificationID, ReferenceID: rec.ReferenceID,
			SupersedesID: rec.SupersedesID, RecordedAt: rec.RecordedAt, Fields: rec.Fields}
		if withAttrs {
			j.Attributes = attrs[i]
		}
		out.Data = append(out.Data, j)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type closeSubjectRequest struct {
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

func (s *Server) closeSubject(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	body, err := readBody(r, maxJSONBody)
	if err != nil {
		return err
	}
	req := closeSubjectRequest{}
	if len(body) > 0 {
		if err := decodeJSON(body, &req); err != nil {
			return err
		}
	}
	at := time.Now()
	if req.ClosedAt != nil {
		if req.ClosedAt.After(at.Add(time.Minute)) {
			return errkind.New(errkind.ErrInvalid, "closed_at_invalid", "closed_at cannot be in the future")
		}
		at = *req.ClosedAt
	}
	sub, err := s.Verifications.CloseSubject(r.Context(), p.TenantID, r.PathValue("ref"), at, actorOf(p))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "subject", "reference_id": sub.ReferenceID,
		"closed_at": sub.ClosedAt, "purge_after": sub.PurgeAfter})
	return nil
}
