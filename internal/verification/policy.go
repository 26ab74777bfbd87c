package verification

import (
	"context"
	"slices"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// TenantPolicy is a tenant's own decision policy for verifications under
// one law. It replaces that law's default policy (internal/decision) for
// the tenant's verifications decided after it was set.
type TenantPolicy struct {
	Law Law `json:"law"`
	// MinAge is the youngest age accepted on the verification's date;
	// younger goes to review ("underage"). 0: no age check.
	MinAge int `json:"min_age"`
	// MatchApplicant compares the applicant data the tenant sent with the
	// identity the evidence proved; a difference goes to review.
	MatchApplicant bool `json:"match_applicant"`
	// ReviewAll sends every case to a reviewer, even when every check
	// passed ("policy_review_all").
	ReviewAll bool      `json:"review_all"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MaxMinAge bounds TenantPolicy.MinAge.
const MaxMinAge = 120

// Laws lists the law profiles a verification can declare.
var Laws = []Law{LawAML, LawMobilePhone, LawNone}

// PolicyStore keeps tenants' decision policies.
type PolicyStore interface {
	// TenantPolicies lists the tenant's own policies (laws without one use
	// the default).
	TenantPolicies(ctx context.Context, tenantID string) ([]TenantPolicy, error)
	SetTenantPolicy(ctx context.Context, tenantID string, p TenantPolicy) error
	// DeleteTenantPolicy returns the law to its default; false when the
	// tenant had no policy of its own for it.
	DeleteTenantPolicy(ctx context.Context, tenantID string, law Law) (bool, error)
}

// TenantPolicies returns the tenant's own policies by law (empty when
// policies are not configured or the tenant set none).
func (s *Service) TenantPolicies(ctx context.Context, tenantID string) (map[Law]TenantPolicy, error) {
	out := map[Law]TenantPolicy{}
	if s.d.Policies == nil {
		return out, nil
	}
	list, err := s.d.Policies.TenantPolicies(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, p := range list {
		out[p.Law] = p
	}
	return out, nil
}

// SetTenantPolicy validates p and makes it the tenant's policy for p.Law,
// with an audit entry in the tenant's chain, all or nothing.
func (s *Service) SetTenantPolicy(ctx context.Context, tenantID string, p TenantPolicy, actor Actor) error {
	if s.d.Policies == nil {
		return errkind.New(errkind.ErrUnavailable, "policies_unavailable", "tenant policies are not configured")
	}
	if !validLaw(p.Law) {
		return invalid("law_invalid", "the law must be aml, mobile_phone or none")
	}
	if p.MinAge < 0 || p.MinAge > MaxMinAge {
		return invalid("min_age_invalid", "the minimum age must be between 0 (no check) and %d", MaxMinAge)
	}
	p.UpdatedAt = s.d.Now().UTC().Truncate(time.Microsecond)
	return s.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.Policies.SetTenantPolicy(ctx, tenantID, p); err != nil {
			return err
		}
		return s.d.Audit.Record(ctx, tenantID, string(actor), "policy.set", tenantID, map[string]any{
			"law": p.Law, "min_age": p.MinAge, "match_applicant": p.MatchApplicant, "review_all": p.ReviewAll})
	})
}

// ResetTenantPolicy returns the tenant's verifications under law to the
// law's default policy.
func (s *Service) ResetTenantPolicy(ctx context.Context, tenantID string, law Law, actor Actor) error {
	if s.d.Policies == nil {
		return errkind.New(errkind.ErrUnavailable, "policies_unavailable", "tenant policies are not configured")
	}
	if !validLaw(law) {
		return invalid("law_invalid", "the law must be aml, mobile_phone or none")
	}
	return s.d.Store.InTx(ctx, func(ctx context.Context) error {
		had, err := s.d.Policies.DeleteTenantPolicy(ctx, tenantID, law)
		if err != nil || !had {
			return err
		}
		return s.d.Audit.Record(ctx, tenantID, string(actor), "policy.reset", tenantID, map[string]any{"law": law})
	})
}

// policyFor is the tenant's own policy for v's law, nil for the default.
func (s *Service) policyFor(ctx context.Context, v *Verification) (*TenantPolicy, error) {
	all, err := s.TenantPolicies(ctx, v.TenantID)
	if err != nil {
		return nil, err
	}
	if p, ok := all[v.Law]; ok {
		return &p, nil
	}
	return nil, nil
}

func validLaw(l Law) bool { return slices.Contains(Laws, l) }
