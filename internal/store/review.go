package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/tenant"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

var _ verification.ReviewStore = (*Store)(nil)

// ClaimCase takes or renews a claim in one conditional upsert: the row is
// written only if there is none, it has expired, or it is the same actor's.
func (s *Store) ClaimCase(ctx context.Context, c verification.Claim, now time.Time) (bool, error) {
	res, err := s.exec(ctx, `INSERT INTO review_claims (verification_id, tenant_id, actor, claimed_at, expires_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (verification_id) DO UPDATE SET actor = excluded.actor, claimed_at = excluded.claimed_at,
			expires_at = excluded.expires_at
		WHERE review_claims.expires_at <= ? OR review_claims.actor = excluded.actor`,
		c.VerificationID, c.TenantID, string(c.Actor), us(c.ClaimedAt), us(c.ExpiresAt), us(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseClaim drops actor's claim on the case.
func (s *Store) ReleaseClaim(ctx context.Context, tenantID, verificationID string, actor verification.Actor) (bool, error) {
	res, err := s.exec(ctx, `DELETE FROM review_claims WHERE tenant_id = ? AND verification_id = ? AND actor = ?`,
		tenantID, verificationID, string(actor))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeleteClaim drops any claim on the case.
func (s *Store) DeleteClaim(ctx context.Context, tenantID, verificationID string) error {
	_, err := s.exec(ctx, `DELETE FROM review_claims WHERE tenant_id = ? AND verification_id = ?`, tenantID, verificationID)
	return err
}

// ClaimOf returns the case's claim if it is still live at now.
func (s *Store) ClaimOf(ctx context.Context, tenantID, verificationID string, now time.Time) (*verification.Claim, error) {
	c := verification.Claim{TenantID: tenantID, VerificationID: verificationID}
	var actor string
	var claimed, expires int64
	err := s.queryRow(ctx, `SELECT actor, claimed_at, expires_at FROM review_claims
		WHERE tenant_id = ? AND verification_id = ? AND expires_at > ?`, tenantID, verificationID, us(now)).Scan(&actor, &claimed, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.mapErr(err)
	}
	c.Actor, c.ClaimedAt, c.ExpiresAt = verification.Actor(actor), fromUS(claimed), fromUS(expires)
	return &c, nil
}

// InsertReview appends a reviewer decision.
func (s *Store) InsertReview(ctx context.Context, r *verification.Review) error {
	reasons, err := json.Marshal(r.Reasons)
	if err != nil {
		return err
	}
	steps, err := json.Marshal(r.Steps)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO reviews (id, tenant_id, verification_id, actor, outcome, stage, reasons, steps, sealed_comment, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.TenantID, r.VerificationID, string(r.Actor), string(r.Outcome),
		string(r.Stage), string(reasons), string(steps), r.SealedComment, us(r.CreatedAt))
	return err
}

// Reviews lists a case's reviewer decisions, oldest first.
func (s *Store) Reviews(ctx context.Context, tenantID, verificationID string) ([]*verification.Review, error) {
	rows, err := s.query(ctx, `SELECT id, tenant_id, verification_id, actor, outcome, stage, reasons, steps, sealed_comment, created_at
		FROM reviews WHERE tenant_id = ? AND verification_id = ? ORDER BY created_at, id`, tenantID, verificationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*verification.Review
	for rows.Next() {
		var r verification.Review
		var actor, outcome, stage, reasons, steps string
		var created int64
		if err := rows.Scan(&r.ID, &r.TenantID, &r.VerificationID, &actor, &outcome, &stage, &reasons, &steps,
			&r.SealedComment, &created); err != nil {
			return nil, err
		}
		r.Actor, r.Outcome, r.Stage, r.CreatedAt = verification.Actor(actor), verification.ReviewOutcome(outcome),
			verification.ReviewStage(stage), fromUS(created)
		if err := json.Unmarshal([]byte(reasons), &r.Reasons); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(steps), &r.Steps); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// prefixedVerificationCols is verificationCols qualified with "v.", for joins.
var prefixedVerificationCols = func() string {
	cols := strings.Split(verificationCols, ",")
	for i, c := range cols {
		cols[i] = "v." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}()

// scanWith scans a row's leading columns with one scanner and the rest into extra.
type scanWith struct {
	sc    interface{ Scan(...any) error }
	extra []any
}

func (w scanWith) Scan(dest ...any) error { return w.sc.Scan(append(dest, w.extra...)...) }

// ReviewQueue lists cases in review, the longest waiting first, with each
// one's live claim and how many first approvals wait for a supervisor.
func (s *Store) ReviewQueue(ctx context.Context, f verification.QueueFilter, now time.Time) ([]verification.QueueItem, error) {
	if !f.AllTenants && len(f.Tenants) == 0 {
		return nil, nil
	}
	q := `SELECT ` + prefixedVerificationCols + `, c.actor, c.claimed_at, c.expires_at,
		(SELECT COUNT(*) FROM reviews r WHERE r.tenant_id = v.tenant_id AND r.verification_id = v.id AND r.stage = 'first_approval')
		FROM verifications v LEFT JOIN review_claims c ON c.verification_id = v.id AND c.expires_at > ?
		WHERE v.status = 'review'`
	args := []any{us(now)}
	if !f.AllTenants {
		q += ` AND v.tenant_id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(f.Tenants)), ", ") + `)`
		for _, t := range f.Tenants {
			args = append(args, t)
		}
	}
	if f.Method != "" {
		q += ` AND v.method = ?`
		args = append(args, string(f.Method))
	}
	if f.Law != "" {
		q += ` AND v.law = ?`
		args = append(args, string(f.Law))
	}
	if f.Reason != "" {
		// A coarse filter (the caller keeps exact matches): codes are
		// [a-z0-9_], so only "_" is a LIKE wildcard, matching itself too.
		q += ` AND v.decision LIKE ?`
		args = append(args, `%"`+f.Reason+`"%`)
	}
	if f.MinWaiting > 0 {
		q += ` AND v.decided_at <= ?`
		args = append(args, us(now.Add(-f.MinWaiting)))
	}
	if f.ClaimedBy != "" {
		q += ` AND c.actor = ?`
		args = append(args, string(f.ClaimedBy))
	}
	q += ` ORDER BY v.decided_at, v.id LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []verification.QueueItem
	for rows.Next() {
		var actor sql.NullString
		var claimed, expires sql.NullInt64
		var firsts int
		v, err := scanVerification(scanWith{rows, []any{&actor, &claimed, &expires, &firsts}})
		if err != nil {
			return nil, err
		}
		it := verification.QueueItem{Verification: v, FirstApprovals: firsts}
		if actor.Valid {
			it.Claim = &verification.Claim{TenantID: v.TenantID, VerificationID: v.ID, Actor: verification.Actor(actor.String),
				ClaimedAt: fromUS(claimed.Int64), ExpiresAt: fromUS(expires.Int64)}
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// VerificationAnyTenant loads a verification by ID alone.
func (s *Store) VerificationAnyTenant(ctx context.Context, id string) (*verification.Verification, error) {
	v, err := scanVerification(s.queryRow(ctx, `SELECT `+verificationCols+` FROM verifications WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("verification")
	}
	return v, s.mapErr(err)
}

// ReasonCodes lists the tenant's own reason codes in their order; none
// means the tenant uses the defaults.
func (s *Store) ReasonCodes(ctx context.Context, tenantID string) ([]verification.ReasonCode, error) {
	rows, err := s.query(ctx, `SELECT code, outcome, label FROM review_reason_codes WHERE tenant_id = ? ORDER BY position`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []verification.ReasonCode
	for rows.Next() {
		var c verification.ReasonCode
		var outcome string
		if err := rows.Scan(&c.Code, &outcome, &c.Label); err != nil {
			return nil, err
		}
		c.Outcome = verification.ReviewOutcome(outcome)
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetReasonCodes replaces the tenant's list.
func (s *Store) SetReasonCodes(ctx context.Context, tenantID string, codes []verification.ReasonCode) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.exec(ctx, `DELETE FROM review_reason_codes WHERE tenant_id = ?`, tenantID); err != nil {
			return err
		}
		for i, c := range codes {
			if _, err := s.exec(ctx, `INSERT INTO review_reason_codes (tenant_id, code, outcome, label, position) VALUES (?, ?, ?, ?, ?)`,
				tenantID, c.Code, string(c.Outcome), c.Label, i); err != nil {
				return err
			}
		}
		return nil
	})
}

// ConsoleTenants lists every tenant but the console pseudo-tenant, by name.
func (s *Store) ConsoleTenants(ctx context.Context) ([]tenant.Tenant, error) {
	rows, err := s.query(ctx, `SELECT id, name, created_at FROM tenants WHERE id <> 'console' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tenant.Tenant
	for rows.Next() {
		var t tenant.Tenant
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &created); err != nil {
			return nil, err
		}
		t.CreatedAt = fromUS(created)
		out = append(out, t)
	}
	return out, rows.Err()
}
