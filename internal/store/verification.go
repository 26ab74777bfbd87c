package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

var _ verification.Store = (*Store)(nil)

const verificationCols = `id, tenant_id, mode, method, face, law, reference_id, status, sealed_applicant, metadata,
	redirect_url, client_token_hash, checks, decision, created_at, updated_at, expires_at, submitted_at, decided_at, redacted_at,
	sealed_identity, method_result, face_reference_id`

// InsertVerification stores a new verification.
func (s *Store) InsertVerification(ctx context.Context, v *verification.Verification) error {
	meta, checks, decision, err := encodeVerificationJSON(v)
	if err != nil {
		return err
	}
	result, err := encodeResult(v.MethodResult)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO verifications (`+verificationCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.TenantID, v.Mode, string(v.Method), boolInt(v.Face), string(v.Law), v.ReferenceID, string(v.Status),
		v.SealedApplicant, meta, v.RedirectURL, v.ClientTokenHash, checks, decision,
		us(v.CreatedAt), us(v.UpdatedAt), us(v.ExpiresAt), usPtr(v.SubmittedAt), usPtr(v.DecidedAt), usPtr(v.RedactedAt),
		v.SealedIdentity, result, v.FaceReferenceID)
	return err
}

func encodeVerificationJSON(v *verification.Verification) (meta, checks string, decision any, err error) {
	mb, err := json.Marshal(orEmptyMap(v.Metadata))
	if err != nil {
		return "", "", nil, err
	}
	if v.Checks == nil {
		v.Checks = []verification.CheckResult{}
	}
	cb, err := json.Marshal(v.Checks)
	if err != nil {
		return "", "", nil, err
	}
	if v.Decision != nil {
		db, err := json.Marshal(v.Decision)
		if err != nil {
			return "", "", nil, err
		}
		decision = string(db)
	}
	return string(mb), string(cb), decision, nil
}

func encodeResult(r map[string]any) (string, error) {
	if r == nil {
		return "{}", nil
	}
	b, err := json.Marshal(r)
	return string(b), err
}

func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func scanVerification(sc interface{ Scan(...any) error }) (*verification.Verification, error) {
	var v verification.Verification
	var method, law, status, meta, checks string
	var face int
	var decision sql.NullString
	var created, updated, expires int64
	var submitted, decided, redacted sql.NullInt64
	var result string
	err := sc.Scan(&v.ID, &v.TenantID, &v.Mode, &method, &face, &law, &v.ReferenceID, &status, &v.SealedApplicant, &meta,
		&v.RedirectURL, &v.ClientTokenHash, &checks, &decision, &created, &updated, &expires, &submitted, &decided, &redacted,
		&v.SealedIdentity, &result, &v.FaceReferenceID)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(result), &v.MethodResult); err != nil {
		return nil, err
	}
	v.Method, v.Face, v.Law, v.Status = verification.Method(method), face == 1, verification.Law(law), verification.Status(status)
	v.CreatedAt, v.UpdatedAt, v.ExpiresAt = fromUS(created), fromUS(updated), fromUS(expires)
	v.SubmittedAt, v.DecidedAt, v.RedactedAt = fromNullUS(submitted), fromNullUS(decided), fromNullUS(redacted)
	if err := json.Unmarshal([]byte(meta), &v.Metadata); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(checks), &v.Checks); err != nil {
		return nil, err
	}
	if decision.Valid {
		v.Decision = new(verification.Decision)
		if err := json.Unmarshal([]byte(decision.String), v.Decision); err != nil {
			return nil, err
		}
	}
	return &v, nil
}

// Verification loads one verification of a tenant. forUpdate locks the row
// until the surrounding transaction ends.
func (s *Store) Verification(ctx context.Context, tenantID, id string, forUpdate bool) (*verification.Verification, error) {
	q := `SELECT ` + verificationCols + ` FROM verifications WHERE tenant_id = ? AND id = ?`
	if forUpdate {
		q += s.forUpdate()
	}
	v, err := scanVerification(s.queryRow(ctx, q, tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("verification")
	}
	return v, s.mapErr(err)
}

// VerificationByClientToken finds the verification a capture client token
// belongs to.
func (s *Store) VerificationByClientToken(ctx context.Context, hash []byte) (*verification.Verification, error) {
	v, err := scanVerification(s.queryRow(ctx, `SELECT `+verificationCols+` FROM verifications WHERE client_token_hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("verification")
	}
	return v, s.mapErr(err)
}

// ListVerifications returns a page of a tenant's verifications, newest first.
func (s *Store) ListVerifications(ctx context.Context, tenantID string, f verification.ListFilter) ([]*verification.Verification, error) {
	q := `SELECT ` + verificationCols + ` FROM verifications WHERE tenant_id = ?`
	args := []any{tenantID}
	if f.Mode != "" {
		q += ` AND mode = ?`
		args = append(args, f.Mode)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if f.AfterID != "" {
		q += ` AND id < ?`
		args = append(args, f.AfterID)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.PageSize)
	return s.scanVerifications(ctx, q, args...)
}

// UpdateVerification writes v if its status is still from (compare-and-swap),
// else returns a conflict: two writers can never both move the same
// verification out of one status.
func (s *Store) UpdateVerification(ctx context.Context, v *verification.Verification, from verification.Status) error {
	meta, checks, decision, err := encodeVerificationJSON(v)
	if err != nil {
		return err
	}
	result, err := encodeResult(v.MethodResult)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, `UPDATE verifications SET status = ?, sealed_applicant = ?, metadata = ?, checks = ?, decision = ?,
		updated_at = ?, submitted_at = ?, decided_at = ?, redacted_at = ?, sealed_identity = ?, method_result = ?, face_reference_id = ?
		WHERE tenant_id = ? AND id = ? AND status = ?`,
		string(v.Status), v.SealedApplicant, meta, checks, decision, us(v.UpdatedAt), usPtr(v.SubmittedAt),
		usPtr(v.DecidedAt), usPtr(v.RedactedAt), v.SealedIdentity, result, v.FaceReferenceID, v.TenantID, v.ID, string(from))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errkind.New(errkind.ErrConflict, "status_changed", "the verification changed status concurrently")
	}
	return nil
}

// DueForExpiry lists verifications still waiting for input past their expiry.
func (s *Store) DueForExpiry(ctx context.Context, now time.Time, limit int) ([]*verification.Verification, error) {
	return s.scanVerifications(ctx, `SELECT `+verificationCols+` FROM verifications
		WHERE status IN ('created', 'awaiting_input') AND expires_at <= ? ORDER BY expires_at LIMIT ?`, us(now), limit)
}

// ApprovedByMethod pages through approved, unredacted verifications of one
// method across tenants.
func (s *Store) ApprovedByMethod(ctx context.Context, m verification.Method, afterID string, limit int) ([]*verification.Verification, error) {
	return s.scanVerifications(ctx, `SELECT `+verificationCols+` FROM verifications
		WHERE method = ? AND status = 'approved' AND redacted_at IS NULL AND id > ? ORDER BY id LIMIT ?`, string(m), afterID, limit)
}

func (s *Store) scanVerifications(ctx context.Context, q string, args ...any) ([]*verification.Verification, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*verification.Verification
	for rows.Next() {
		v, err := scanVerification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

const evidenceCols = `id, tenant_id, verification_id, kind, content_type, size, sha256, blob_key, created_at, deleted_at, received_sha256, meta`

// InsertEvidence records an evidence object that is already durably stored.
func (s *Store) InsertEvidence(ctx context.Context, e *verification.Evidence) error {
	meta, err := json.Marshal(orEmptyMap(e.Meta))
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO evidence (`+evidenceCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.TenantID, e.VerificationID, string(e.Kind), e.ContentType, e.Size, e.SHA256, e.BlobKey,
		us(e.CreatedAt), usPtr(e.DeletedAt), e.ReceivedSHA256, string(meta))
	return err
}

// ListEvidence lists a verification's evidence in upload order.
func (s *Store) ListEvidence(ctx context.Context, tenantID, verificationID string) ([]*verification.Evidence, error) {
	return s.scanEvidence(ctx, `SELECT `+evidenceCols+` FROM evidence WHERE tenant_id = ? AND verification_id = ? ORDER BY id`,
		tenantID, verificationID)
}

// MarkEvidenceDeleted records that a verification's evidence objects were erased.
func (s *Store) MarkEvidenceDeleted(ctx context.Context, tenantID, verificationID string, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE evidence SET deleted_at = ? WHERE tenant_id = ? AND verification_id = ? AND deleted_at IS NULL`,
		us(at), tenantID, verificationID)
	return err
}

// EvidenceAfter pages through every tenant's live (not erased) evidence in ID
// order, for integrity sweeps.
func (s *Store) EvidenceAfter(ctx context.Context, afterID string, limit int) ([]*verification.Evidence, error) {
	return s.scanEvidence(ctx, `SELECT `+evidenceCols+` FROM evidence WHERE id > ? AND deleted_at IS NULL ORDER BY id LIMIT ?`, afterID, limit)
}

func (s *Store) scanEvidence(ctx context.Context, q string, args ...any) ([]*verification.Evidence, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*verification.Evidence
	for rows.Next() {
		var e verification.Evidence
		var kind string
		var created int64
		var deleted sql.NullInt64
		var meta string
		if err := rows.Scan(&e.ID, &e.TenantID, &e.VerificationID, &kind, &e.ContentType, &e.Size, &e.SHA256,
			&e.BlobKey, &created, &deleted, &e.ReceivedSHA256, &meta); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(meta), &e.Meta); err != nil {
			return nil, err
		}
		e.Kind, e.CreatedAt, e.DeletedAt = verification.EvidenceKind(kind), fromUS(created), fromNullUS(deleted)
		out = append(out, &e)
	}
	return out, rows.Err()
}
