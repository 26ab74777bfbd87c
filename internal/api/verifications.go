package api

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/store"
	"github.com/kakunin-dev/kakunin/internal/tenant"
	"github.com/kakunin-dev/kakunin/internal/upload"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

// VerificationJSON is the wire form of a verification.
type VerificationJSON struct {
	ID              string                      `json:"id"`
	Object          string                      `json:"object"`
	Mode            string                      `json:"mode"`
	Status          verification.Status         `json:"status"`
	Method          verification.Method         `json:"method"`
	Face            bool                        `json:"face"`
	Law             verification.Law            `json:"law"`
	ReferenceID     string                      `json:"reference_id"`
	Applicant       *verification.Applicant     `json:"applicant,omitempty"`
	HasApplicant    bool                        `json:"has_applicant"`
	Identity        *verification.Identity      `json:"identity,omitempty"`
	HasIdentity     bool                        `json:"has_identity"`
	MethodResult    map[string]any              `json:"method_result"`
	FaceReferenceID string                      `json:"face_reference_id,omitempty"`
	Metadata        map[string]string           `json:"metadata"`
	RedirectURL     string                      `json:"redirect_url,omitempty"`
	CaptureURL      string                      `json:"capture_url,omitempty"`
	ClientToken     string                      `json:"client_token,omitempty"`
	Evidence        []EvidenceJSON              `json:"evidence"`
	Missing         []verification.EvidenceKind `json:"missing_evidence"`
	Checks          []verification.CheckResult  `json:"checks"`
	Decision        *verification.Decision      `json:"decision"`
	CreatedAt       time.Time                   `json:"created_at"`
	UpdatedAt       time.Time                   `json:"updated_at"`
	ExpiresAt       time.Time                   `json:"expires_at"`
	SubmittedAt     *time.Time                  `json:"submitted_at"`
	DecidedAt       *time.Time                  `json:"decided_at"`
	RedactedAt      *time.Time                  `json:"redacted_at"`
}

// EvidenceJSON is the wire form of one piece of evidence (never its bytes).
type EvidenceJSON struct {
	ID          string                    `json:"id"`
	Kind        verification.EvidenceKind `json:"kind"`
	ContentType string                    `json:"content_type"`
	Size        int64                     `json:"size"`
	SHA256      string                    `json:"sha256"`
	CreatedAt   time.Time                 `json:"created_at"`
	Deleted     bool                      `json:"deleted"`
	// Masked lists what was painted out of the photo before it was stored
	// ("my_number", "my_number_qr"); SHA256 is of the masked photo.
	Masked []string `json:"masked,omitempty"`
}

func evidenceJSON(e *verification.Evidence) EvidenceJSON {
	out := EvidenceJSON{ID: e.ID, Kind: e.Kind, ContentType: e.ContentType, Size: e.Size, SHA256: e.SHA256,
		CreatedAt: e.CreatedAt, Deleted: e.DeletedAt != nil}
	if m := e.Meta["masked"]; m != "" {
		out.Masked = strings.Split(m, ",")
	}
	return out
}

func (s *Server) verificationJSON(ctx context.Context, v *verification.Verification, withEvidence bool) (*VerificationJSON, error) {
	out := &VerificationJSON{
		ID: v.ID, Object: "verification", Mode: v.Mode, Status: v.Status, Method: v.Method, Face: v.Face, Law: v.Law,
		ReferenceID: v.ReferenceID, HasApplicant: v.SealedApplicant != nil, Metadata: v.Metadata, RedirectURL: v.RedirectURL,
		HasIdentity: v.SealedIdentity != nil, MethodResult: v.MethodResult, FaceReferenceID: v.FaceReferenceID,
		Evidence: []EvidenceJSON{}, Missing: []verification.EvidenceKind{}, Checks: v.Checks, Decision: v.Decision,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, ExpiresAt: v.ExpiresAt, SubmittedAt: v.SubmittedAt,
		DecidedAt: v.DecidedAt, RedactedAt: v.RedactedAt,
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	if out.Checks == nil {
		out.Checks = []verification.CheckResult{}
	}
	if out.MethodResult == nil {
		out.MethodResult = map[string]any{}
	}
	if withEvidence {
		ev, err := s.Verifications.Evidence(ctx, v)
		if err != nil {
			return nil, err
		}
		for _, e := range ev {
			out.Evidence = append(out.Evidence, evidenceJSON(e))
		}
		if v.Status.AcceptsInput() {
			out.Missing = append(out.Missing, verification.MissingEvidence(v, ev)...)
		}
	}
	return out, nil
}

func readBody(r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errkind.New(errkind.ErrTooLarge, "body_too_large", "the body is larger than %d bytes", limit)
	}
	if err != nil {
		return nil, errkind.Wrap(err, errkind.ErrMalformed, "body_unreadable", "the request body could not be read")
	}
	return b, nil
}

func (s *Server) createVerification(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	body, err := readBody(r, maxJSONBody)
	if err != nil {
		return err
	}
	return s.idempotent(w, r, p, body, func(ctx context.Context) (int, any, error) {
		var req verification.CreateRequest
		if err := decodeJSON(body, &req); err != nil {
			return 0, nil, err
		}
		c, err := s.Verifications.Create(ctx, p.TenantID, string(p.Mode), actorOf(p), req)
		if err != nil {
			return 0, nil, err
		}
		out, err := s.verificationJSON(ctx, c.Verification, false)
		if err != nil {
			return 0, nil, err
		}
		out.Missing = verification.MissingEvidence(c.Verification, nil)
		out.ClientToken, out.CaptureURL = c.ClientToken, s.Verifications.CaptureURL(c.ClientToken)
		return http.StatusCreated, out, nil
	})
}

// idempotent runs a creating POST at most once per Idempotency-Key: the
// operation and the stored response commit in one transaction; a repeat with
// the same body replays the response, with a different body is refused.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, p tenant.Principal, body []byte,
	op func(ctx context.Context) (int, any, error)) error {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		status, v, err := op(r.Context())
		if err != nil {
			return err
		}
		writeJSON(w, status, v)
		return nil
	}
	if len(key) > 255 {
		return errkind.New(errkind.ErrMalformed, "idempotency_key_invalid", "Idempotency-Key is at most 255 characters")
	}
	sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), body...))
	hash := hex.EncodeToString(sum[:])
	aad := []byte("idempotency/" + p.TenantID + "/" + key)
	scoped := string(p.Mode) + ":" + key
	replay := func(rec *store.IdempotencyRecord) error {
		if rec.RequestHash != hash {
			return errkind.New(errkind.ErrInvalid, "idempotency_key_reused",
				"this Idempotency-Key was used with a different request; use a new key")
		}
		b, err := s.Sealer.Open(r.Context(), p.TenantID, rec.SealedBody, aad)
		if err != nil {
			return err
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Status)
		_, _ = w.Write(b)
		return nil
	}
	var stored *store.IdempotencyRecord
	var status int
	var resp []byte
	err := s.Idempotency.InTx(r.Context(), func(ctx context.Context) error {
		rec, err := s.Idempotency.Idempotency(ctx, p.TenantID, scoped)
		if err != nil {
			return err
		}
		if rec != nil {
			stored = rec
			return nil
		}
		st, v, err := op(ctx)
		if err != nil {
			return err
		}
		if resp, err = json.Marshal(v); err != nil {
			return err
		}
		sealed, err := s.Sealer.Seal(ctx, p.TenantID, resp, aad)
		if err != nil {
			return err
		}
		status = st
		return s.Idempotency.PutIdempotency(ctx, store.IdempotencyRecord{TenantID: p.TenantID, Key: scoped,
			RequestHash: hash, Status: st, SealedBody: sealed, CreatedAt: time.Now().UTC()})
	})
	if errors.Is(err, errkind.ErrConflict) && errkind.Reason(err) == "already_exists" {
		// A concurrent request with the same key won; ours rolled back.
		rec, rerr := s.Idempotency.Idempotency(r.Context(), p.TenantID, scoped)
		if rerr == nil && rec != nil {
			return replay(rec)
		}
	}
	if err != nil {
		return err
	}
	if stored != nil {
		return replay(stored)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(resp, '\n'))
	return nil
}

// load gets a verification the principal may see: same tenant and mode.
func (s *Server) load(ctx context.Context, p tenant.Principal, id string) (*verification.Verification, error) {
	v, err := s.Verifications.Get(ctx, p.TenantID, id)
	if err != nil {
		return nil, err
	}
	if v.Mode != string(p.Mode) {
		return nil, errkind.New(errkind.ErrNotFound, "verification_not_found", "no such verification")
	}
	return v, nil
}

func (s *Server) getVerification(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	v, err := s.load(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	out, err := s.verificationJSON(r.Context(), v, true)
	if err != nil {
		return err
	}
	q, err := query(r)
	if err != nil {
		return err
	}
	// Personal data only on explicit request, and every such read is audited.
	for _, x := range strings.Split(q.Get("expand"), ",") {
		switch x {
		case "":
		case "applicant":
			if out.Applicant, err = s.Verifications.Applicant(r.Context(), actorOf(p), v); err != nil {
				return err
			}
		case "identity":
			if out.Identity, err = s.Verifications.Identity(r.Context(), actorOf(p), v); err != nil {
				return err
			}
		default:
			return errkind.New(errkind.ErrInvalid, "expand_invalid", "expand takes applicant and/or identity, comma-separated")
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ListJSON is a page of a list.
type ListJSON[T any] struct {
	Object        string `json:"object"`
	Data          []T    `json:"data"`
	NextPageToken string `json:"next_page_token"`
}

func encodeToken(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeToken(t string) (string, error) {
	if t == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil || len(b) > 64 {
		return "", errkind.New(errkind.ErrInvalid, "page_token_invalid", "page_token is not one this API returned")
	}
	return string(b), nil
}

// query parses the query string strictly: a malformed one is refused
// rather than silently dropped.
func query(r *http.Request) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errkind.New(errkind.ErrMalformed, "query_malformed", "the query string is not valid URL encoding")
	}
	return q, nil
}

func pageSize(q url.Values) (int, error) {
	ps := q.Get("page_size")
	if ps == "" {
		return 20, nil
	}
	n, err := strconv.Atoi(ps)
	if err != nil || n < 1 || n > 100 {
		return 0, errkind.New(errkind.ErrInvalid, "page_size_invalid", "page_size must be an integer 1..100")
	}
	return n, nil
}

func (s *Server) listVerifications(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	q, err := query(r)
	if err != nil {
		return err
	}
	size, err := pageSize(q)
	if err != nil {
		return err
	}
	after, err := decodeToken(q.Get("page_token"))
	if err != nil {
		return err
	}
	vs, next, err := s.Verifications.List(r.Context(), p.TenantID, verification.ListFilter{
		Mode: string(p.Mode), Status: verification.Status(q.Get("status")), AfterID: after, PageSize: size})
	if err != nil {
		return err
	}
	out := ListJSON[*VerificationJSON]{Object: "list", Data: []*VerificationJSON{}}
	for _, v := range vs {
		j, err := s.verificationJSON(r.Context(), v, false)
		if err != nil {
			return err
		}
		out.Data = append(out.Data, j)
	}
	if next != "" {
		out.NextPageToken = encodeToken(next)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) respondVerification(w http.ResponseWriter, r *http.Request, v *verification.Verification) error {
	out, err := s.verificationJSON(r.Context(), v, true)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) cancelVerification(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	if _, err := s.load(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	v, err := s.Verifications.Cancel(r.Context(), p.TenantID, r.PathValue("id"), actorOf(p))
	if err != nil {
		return err
	}
	return s.respondVerification(w, r, v)
}

func (s *Server) redactVerification(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	if _, err := s.load(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	v, err := s.Verifications.Redact(r.Context(), p.TenantID, r.PathValue("id"), actorOf(p))
	if err != nil {
		return err
	}
	return s.respondVerification(w, r, v)
}

func (s *Server) submitVerification(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	if _, err := s.load(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	v, err := s.Verifications.Submit(r.Context(), p.TenantID, r.PathValue("id"), actorOf(p))
	if err != nil {
		return err
	}
	return s.respondVerification(w, r, v)
}

// addEvidence takes multipart/form-data with a "kind" field and a "file"
// part; it streams the parts with hard caps (no temporary files).
func (s *Server) addEvidence(w http.ResponseWriter, r *http.Request, p tenant.Principal) error {
	v, err := s.load(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return errkind.New(errkind.ErrUnsupported, "multipart_required", "send multipart/form-data with fields kind and file")
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.Limits.MaxBytes+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return errkind.Wrap(err, errkind.ErrMalformed, "multipart_malformed", "the multipart body could not be read")
	}
	var kind, capturedAt, nonce, docType string
	var data []byte
	for parts := 0; ; parts++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errkind.New(errkind.ErrTooLarge, "file_too_large", "the upload is larger than %d bytes", s.Limits.MaxBytes)
		}
		if err != nil || parts > 6 {
			return errkind.New(errkind.ErrMalformed, "multipart_malformed", "the multipart body could not be read")
		}
		switch part.FormName() {
		case "kind":
			b, err := io.ReadAll(io.LimitReader(part, 65))
			if err != nil || len(b) > 64 {
				return errkind.New(errkind.ErrMalformed, "multipart_malformed", "the kind field is malformed")
			}
			kind = string(b)
		case "captured_at", "nonce", "document_type":
			b, err := io.ReadAll(io.LimitReader(part, 129))
			if err != nil || len(b) > 128 {
				return errkind.New(errkind.ErrMalformed, "multipart_malformed", "the %s field is malformed", part.FormName())
			}
			switch part.FormName() {
			case "nonce":
				nonce = string(b)
			case "captured_at":
				capturedAt = string(b)
			default:
				docType = string(b)
			}
		case "file":
			if data, err = upload.ReadLimited(part, s.Limits.MaxBytes); err != nil {
				if errors.As(err, &mbe) {
					return errkind.New(errkind.ErrTooLarge, "file_too_large", "the upload is larger than %d bytes", s.Limits.MaxBytes)
				}
				return err
			}
		default:
			return errkind.New(errkind.ErrMalformed, "multipart_unknown_field", "unknown form field %q (want kind, file and, for some kinds, captured_at, nonce or document_type)", part.FormName())
		}
	}
	if kind == "" || data == nil {
		return errkind.New(errkind.ErrInvalid, "evidence_incomplete", "both the kind field and the file part are required")
	}
	var e *verification.Evidence
	if verification.EvidenceKind(kind) == verification.KindLivenessFrame {
		at, perr := time.Parse(time.RFC3339Nano, capturedAt)
		if perr != nil {
			return errkind.New(errkind.ErrInvalid, "captured_at_invalid", "a liveness_frame needs captured_at, an RFC 3339 time")
		}
		e, err = s.Verifications.AddFrame(r.Context(), v, data, at, nonce, actorOf(p))
	} else if docType != "" {
		e, err = s.Verifications.AddDocumentPhoto(r.Context(), v, verification.EvidenceKind(kind), data, docType, actorOf(p))
	} else {
		e, err = s.Verifications.AddEvidence(r.Context(), v, verification.EvidenceKind(kind), data, actorOf(p))
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, evidenceJSON(e))
	return nil
}
