// Package decision is kakunin's auto-judgment: a tenant policy turns a
// verification's check results and evidence into approved, rejected or
// review, with every rule that fired listed as the explanation. It knows the
// law's dates: a method a law has abolished is refused, naming the rule and
// the date, on either side of which the tests run with an injected clock.
package decision

import (
	"fmt"
	"sort"
	"time"

	"github.com/kakunin-dev/kakunin/internal/verification"
)

// Policy is a tenant's decision policy.
type Policy struct {
	// MinAge is the youngest accepted age at the verification date (0: no check).
	MinAge int
	// MatchApplicant compares the tenant's declared applicant data with the
	// identity the evidence proved.
	MatchApplicant bool
	// ReviewAll sends every case to review, even when nothing else fired.
	ReviewAll bool
}

// DefaultPolicy is the policy of a law profile.
func DefaultPolicy(law verification.Law) Policy {
	return Policy{MinAge: 18, MatchApplicant: true}
}

// Judge decides with the tenant's own policy for the verification's law
// (in.Policy) or, without one, the law's default policy.
func Judge(in verification.JudgeInput) verification.Decision {
	p := DefaultPolicy(in.Verification.Law)
	if tp := in.Policy; tp != nil && tp.Law == in.Verification.Law {
		p = Policy{MinAge: tp.MinAge, MatchApplicant: tp.MatchApplicant, ReviewAll: tp.ReviewAll}
	}
	return p.Judge(in)
}

// Judge applies the policy. Rules, in order:
//   - a method the law abolished at the verification's creation time → rejected;
//   - a required check that does not exist or could not run → review
//     ("checks_unavailable": never approved on checks that did not run);
//   - a required check that failed → review, with the check's reasons;
//     a reason in RejectingReasons → rejected;
//   - the proven identity younger than MinAge → review ("underage");
//   - declared name / birth date / address differing from the proven
//     identity after normalization → review;
//   - ReviewAll → review ("policy_review_all");
//   - otherwise approved.
//
// Rejection wins over review; the reasons are every fired rule's code.
func (p Policy) Judge(in verification.JudgeInput) verification.Decision {
	v := in.Verification
	var hits []verification.RuleHit
	fire := func(rule string, outcome verification.Status, format string, args ...any) {
		hits = append(hits, verification.RuleHit{Rule: rule, Outcome: outcome, Detail: fmt.Sprintf(format, args...)})
	}
	if err := MethodAllowed(v.Law, v.Method, v.CreatedAt); err != nil {
		for _, a := range Abolitions {
			if a.Law == v.Law && a.Method == v.Method {
				fire(a.Rule, verification.StatusRejected, "%s; created %s", a.Source, v.CreatedAt.In(jst).Format("2006-01-02"))
			}
		}
	}
	if len(in.Checks) == 0 {
		fire("no_checks_run", verification.StatusReview, "no check ran")
	}
	for _, c := range in.Checks {
		if !c.Required {
			continue
		}
		switch c.Status {
		case verification.CheckUnavailable:
			fire("checks_unavailable", verification.StatusReview, "required check %s is unavailable", c.Name)
			fire(c.Name+"_unavailable", verification.StatusReview, "required check %s did not run", c.Name)
		case verification.CheckFailed:
			fire(c.Name+"_failed", verification.StatusReview, "required check %s failed", c.Name)
			for _, r := range c.Reasons {
				if why, ok := RejectingReasons[r]; ok {
					fire(r, verification.StatusRejected, "reported by %s: %s", c.Name, why)
					continue
				}
				fire(r, verification.StatusReview, "reported by %s", c.Name)
			}
		case verification.CheckPassed:
		default:
			fire(c.Name+"_status_unknown", verification.StatusReview, "check %s reported %q", c.Name, c.Status)
		}
	}
	if idn := in.Identity; idn != nil {
		if p.MinAge > 0 && idn.BirthDate != "" {
			age, ok := ageAt(idn.BirthDate, v.CreatedAt)
			switch {
			case !ok:
				fire("birth_date_unreadable", verification.StatusReview, "the proven birth date is not an ISO date")
			case age < p.MinAge:
				fire("underage", verification.StatusReview, "the person is %d at the verification date; the policy asks for %d", age, p.MinAge)
			}
		}
		if idn.ExpiryDate != "" {
			if exp, err := time.ParseInLocation("2006-01-02", idn.ExpiryDate, jst); err != nil {
				fire("expiry_date_unreadable", verification.StatusReview, "the document's expiry date is not an ISO date")
			} else if !v.CreatedAt.Before(exp.AddDate(0, 0, 1)) {
				fire("document_expired", verification.StatusReview, "the document expired on %s, before the verification", idn.ExpiryDate)
			}
		}
		if a := in.Applicant; p.MatchApplicant && a != nil {
			if a.Name != "" && NormalizeName(a.Name) != NormalizeName(idn.Name) {
				fire("applicant_name_mismatch", verification.StatusReview, "the declared name differs from the proven one")
			}
			if a.BirthDate != "" && a.BirthDate != idn.BirthDate {
				fire("applicant_birth_date_mismatch", verification.StatusReview, "the declared birth date differs from the proven one")
			}
			if a.Address != "" && !sameAddress(a.Address, idn.Address) {
				fire("applicant_address_mismatch", verification.StatusReview, "the declared address differs from the proven one")
			}
		}
	}
	if p.ReviewAll {
		fire("policy_review_all", verification.StatusReview, "the tenant's policy sends every case to a reviewer")
	}
	d := verification.Decision{Status: verification.StatusApproved, DecidedBy: "machine", Reasons: []string{}, Rules: hits}
	if d.Rules == nil {
		d.Rules = []verification.RuleHit{}
	}
	seen := map[string]bool{}
	for _, h := range hits {
		if !seen[h.Rule] {
			seen[h.Rule] = true
			d.Reasons = append(d.Reasons, h.Rule)
		}
		switch {
		case h.Outcome == verification.StatusRejected:
			d.Status = verification.StatusRejected
		case d.Status != verification.StatusRejected:
			d.Status = verification.StatusReview
		}
	}
	sort.Strings(d.Reasons)
	return d
}

// RejectingReasons are the check reasons strong enough to reject without a
// person looking, with why. Every other failed check goes to review.
//
// document_mrz_mismatch: the passport's MRZ passed its check digits, so it
// was read exactly, and at least two kinds of field (number, name, birth
// date, expiry) of the visual zone disagree with it beyond OCR tolerance.
// An issuer prints both zones from one record; a genuine passport read
// that well does not disagree with itself on two fields (none of the
// genuine specimens did, TestTamperMRZ), while a forger who changes the
// visual zone, or prints someone else's MRZ, leaves exactly this. The other
// tampering reasons (a pasted portrait, a field out of place) come from
// image measures that also fire on bent, glared or badly outlined photos,
// so they go to review.
//
// thickness_not_same_document: the thickness photo (厚み) shows a card
// whose layout matches the front's, so its outline was found and aligned,
// but whose name, numbers and portrait do not: another card of the type,
// shown with someone's front. document.Thickness gives it only then; a
// content score between the two bands, or a layout that does not match
// either (the outline may be wrong), gives thickness_same_document_unsure,
// which goes to review. No genuine pair got it (docs/documents.md,
// Thickness).
var RejectingReasons = map[string]string{
	"document_mrz_mismatch":       "the passport's valid MRZ disagrees with its visual zone",
	"thickness_not_same_document": "the thickness photo shows another card of the type than the front photo",
}

// sameAddress accepts the declared address when, normalized, it equals the
// proven one or the proven one ends with it (a declared address may omit
// the prefecture).
func sameAddress(declared, proven string) bool {
	d, p := NormalizeAddress(declared), NormalizeAddress(proven)
	return d == p || (len(d) >= 6 && len(p) > len(d) && p[len(p)-len(d):] == d)
}

// ageAt is the age in whole years on day at (JST), from an ISO birth date.
func ageAt(birth string, at time.Time) (int, bool) {
	b, err := time.Parse("2006-01-02", birth)
	if err != nil {
		return 0, false
	}
	d := at.In(jst)
	age := d.Year() - b.Year()
	if d.Month() < b.Month() || (d.Month() == b.Month() && d.Day() < b.Day()) {
		age--
	}
	return age, true
}
