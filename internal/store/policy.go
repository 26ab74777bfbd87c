package store

import (
	"context"

	"github.com/kakunin-dev/kakunin/internal/verification"
)

var _ verification.PolicyStore = (*Store)(nil)

// TenantPolicies lists the tenant's own decision policies by law.
func (s *Store) TenantPolicies(ctx context.Context, tenantID string) ([]verification.TenantPolicy, error) {
	rows, err := s.query(ctx, `SELECT law, min_age, match_applicant, review_all, updated_at
		FROM tenant_policies WHERE tenant_id = ? ORDER BY law`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []verification.TenantPolicy
	for rows.Next() {
		var p verification.TenantPolicy
		var law string
		var match, all int
		var updated int64
		if err := rows.Scan(&law, &p.MinAge, &match, &all, &updated); err != nil {
			return nil, err
		}
		p.Law, p.MatchApplicant, p.ReviewAll, p.UpdatedAt = verification.Law(law), match != 0, all != 0, fromUS(updated)
		out = append(out, p)
	}
	return out, rows.Err()
}

// SetTenantPolicy inserts or replaces the tenant's policy for p.Law.
func (s *Store) SetTenantPolicy(ctx context.Context, tenantID string, p verification.TenantPolicy) error {
	_, err := s.exec(ctx, `INSERT INTO tenant_policies (tenant_id, law, min_age, match_applicant, review_all, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, law) DO UPDATE SET min_age = excluded.min_age, match_applicant = excluded.match_applicant,
			review_all = excluded.review_all, updated_at = excluded.updated_at`,
		tenantID, string(p.Law), p.MinAge, boolInt(p.MatchApplicant), boolInt(p.ReviewAll), us(p.UpdatedAt))
	return err
}

// DeleteTenantPolicy removes the tenant's policy for law.
func (s *Store) DeleteTenantPolicy(ctx context.Context, tenantID string, law verification.Law) (bool, error) {
	res, err := s.exec(ctx, `DELETE FROM tenant_policies WHERE tenant_id = ? AND law = ?`, tenantID, string(law))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
