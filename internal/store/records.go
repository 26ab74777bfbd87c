package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/kakunin-dev/kakunin/internal/verification"
)

var _ verification.RecordStore = (*Store)(nil)

// InsertIdentityRecord appends an identity record; records are never updated.
func (s *Store) InsertIdentityRecord(ctx context.Context, r *verification.IdentityRecord) error {
	fields, err := json.Marshal(r.Fields)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO identity_records (id, tenant_id, verification_id, reference_id, supersedes_id, recorded_at, fields, sealed_attributes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.TenantID, r.VerificationID, r.ReferenceID, r.SupersedesID, us(r.RecordedAt), string(fields), r.SealedAttributes)
	return err
}

// IdentityRecords lists a verification's records, oldest first.
func (s *Store) IdentityRecords(ctx context.Context, tenantID, verificationID string) ([]*verification.IdentityRecord, error) {
	rows, err := s.query(ctx, `SELECT id, tenant_id, verification_id, reference_id, supersedes_id, recorded_at, fields, sealed_attributes
		FROM identity_records WHERE tenant_id = ? AND verification_id = ? ORDER BY id`, tenantID, verificationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*verification.IdentityRecord
	for rows.Next() {
		var r verification.IdentityRecord
		var at int64
		var fields string
		if err := rows.Scan(&r.ID, &r.TenantID, &r.VerificationID, &r.ReferenceID, &r.SupersedesID, &at, &fields, &r.SealedAttributes); err != nil {
			return nil, err
		}
		r.RecordedAt = fromUS(at)
		if err := json.Unmarshal([]byte(fields), &r.Fields); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// CloseSubject records the end of a relationship; an earlier close wins.
func (s *Store) CloseSubject(ctx context.Context, sub verification.Subject) (verification.Subject, error) {
	if _, err := s.exec(ctx, `INSERT INTO subjects (tenant_id, reference_id, closed_at, purge_after) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant_id, reference_id) DO NOTHING`, sub.TenantID, sub.ReferenceID, us(sub.ClosedAt), us(sub.PurgeAfter)); err != nil {
		return sub, err
	}
	var closed, purge int64
	var purged sql.NullInt64
	err := s.queryRow(ctx, `SELECT closed_at, purge_after, purged_at FROM subjects WHERE tenant_id = ? AND reference_id = ?`,
		sub.TenantID, sub.ReferenceID).Scan(&closed, &purge, &purged)
	sub.ClosedAt, sub.PurgeAfter, sub.PurgedAt = fromUS(closed), fromUS(purge), fromNullUS(purged)
	return sub, s.mapErr(err)
}

// SubjectsDue lists closed subjects whose retention ended and that are not purged yet.
func (s *Store) SubjectsDue(ctx context.Context, now time.Time, limit int) ([]verification.Subject, error) {
	rows, err := s.query(ctx, `SELECT tenant_id, reference_id, closed_at, purge_after FROM subjects
		WHERE purge_after <= ? AND purged_at IS NULL ORDER BY purge_after LIMIT ?`, us(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []verification.Subject
	for rows.Next() {
		var sub verification.Subject
		var closed, purge int64
		if err := rows.Scan(&sub.TenantID, &sub.ReferenceID, &closed, &purge); err != nil {
			return nil, err
		}
		sub.ClosedAt, sub.PurgeAfter = fromUS(closed), fromUS(purge)
		out = append(out, sub)
	}
	return out, rows.Err()
}

// PurgeSubject deletes a subject's identity records and marks it purged.
func (s *Store) PurgeSubject(ctx context.Context, sub verification.Subject, at time.Time) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM identity_records WHERE tenant_id = ? AND reference_id = ?`, sub.TenantID, sub.ReferenceID)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	_, err = s.exec(ctx, `UPDATE subjects SET purged_at = ? WHERE tenant_id = ? AND reference_id = ?`, us(at), sub.TenantID, sub.ReferenceID)
	return int(n), err
}

// VerificationsByReference lists a tenant's verifications of one subject.
func (s *Store) VerificationsByReference(ctx context.Context, tenantID, referenceID string) ([]*verification.Verification, error) {
	return s.scanVerifications(ctx, `SELECT `+verificationCols+` FROM verifications WHERE tenant_id = ? AND reference_id = ? ORDER BY id`,
		tenantID, referenceID)
}
