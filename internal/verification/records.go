package verification

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/ids"
)

// RetentionAfterClose is how long identity records are kept after the
// business relationship ends (犯収法 6条: 7 years).
const RetentionAfterClose = 7 * 365 * 24 * time.Hour

// IdentityRecord is one 確認記録 entry. Fields holds the non-personal
// facts; the attributes (name, birth date, address ...) are sealed.
type IdentityRecord struct {
	ID               string
	TenantID         string
	VerificationID   string
	ReferenceID      string
	SupersedesID     string
	RecordedAt       time.Time
	Fields           map[string]any
	SealedAttributes []byte
}

// Subject is a tenant's business relationship with one person.
type Subject struct {
	TenantID    string
	ReferenceID string
	ClosedAt    time.Time
	PurgeAfter  time.Time
	PurgedAt    *time.Time
}

// RecordStore persists identity records and subjects.
type RecordStore interface {
	InsertIdentityRecord(ctx context.Context, r *IdentityRecord) error
	IdentityRecords(ctx context.Context, tenantID, verificationID string) ([]*IdentityRecord, error)
	CloseSubject(ctx context.Context, s Subject) (Subject, error)
	SubjectsDue(ctx context.Context, now time.Time, limit int) ([]Subject, error)
	PurgeSubject(ctx context.Context, s Subject, at time.Time) (int, error)
	VerificationsByReference(ctx context.Context, tenantID, referenceID string) ([]*Verification, error)
}

func recordAAD(id string) []byte { return []byte("identity_record/" + id + "/attributes") }

var ordinanceMethod = map[Method]string{MethodJPKI: "ワ", MethodICChip: "ヘ", MethodDocumentImage: "ホ"}

// appendRecord writes the identity record of a decision, inside the
// decision's transaction: the record exists if and only if the decision does.
// extra adds non-personal fields (a reviewer's decision).
func (s *Service) appendRecord(ctx context.Context, v *Verification, in JudgeInput, evidence []*Evidence, extra map[string]any) error {
	if s.d.Records == nil {
		return nil
	}
	prev, err := s.d.Records.IdentityRecords(ctx, v.TenantID, v.ID)
	if err != nil {
		return err
	}
	r := &IdentityRecord{ID: ids.New("rec"), TenantID: v.TenantID, VerificationID: v.ID, ReferenceID: v.ReferenceID,
		RecordedAt: s.d.Now().UTC().Truncate(time.Microsecond)}
	if len(prev) > 0 {
		r.SupersedesID = prev[len(prev)-1].ID
	}
	ev := []map[string]string{}
	for _, e := range evidence {
		ev = append(ev, map[string]string{"id": e.ID, "kind": string(e.Kind), "sha256": e.SHA256, "received_sha256": e.ReceivedSHA256})
	}
	r.Fields = map[string]any{
		"method": v.Method, "ordinance_method": ordinanceMethod[v.Method], "law": v.Law, "mode": v.Mode,
		"decision": v.Decision.Status, "decided_by": v.Decision.DecidedBy, "decided_at": v.Decision.DecidedAt,
		"reasons": v.Decision.Reasons, "verification_created_at": v.CreatedAt, "evidence": ev,
	}
	for k, x := range extra {
		r.Fields[k] = x
	}
	if j := jpkiResult(v); j != nil {
		r.Fields["document"] = map[string]any{"type": "jpki_signing_certificate", "cert_serial": j["cert_serial"],
			"issuer": j["issuer"], "not_after": j["not_after"], "revocation": j["revocation"], "revocation_checked_at": j["checked_at"]}
	}
	attrs := map[string]any{}
	if in.Identity != nil {
		attrs["identity"] = in.Identity
	}
	if in.Applicant != nil {
		attrs["applicant"] = in.Applicant
	}
	if len(attrs) > 0 {
		b, _ := json.Marshal(attrs)
		if r.SealedAttributes, err = s.d.Sealer.Seal(ctx, v.TenantID, b, recordAAD(r.ID)); err != nil {
			return err
		}
	}
	if err := s.d.Records.InsertIdentityRecord(ctx, r); err != nil {
		return err
	}
	return s.d.Audit.Record(ctx, v.TenantID, string(v.Decision.DecidedBy), "identity_record.appended", v.ID,
		map[string]string{"record_id": r.ID, "supersedes_id": r.SupersedesID})
}

// Records lists a verification's identity records, oldest first. With
// attributes, the sealed attributes are opened and the read is audited.
func (s *Service) Records(ctx context.Context, actor Actor, v *Verification, attributes bool) ([]*IdentityRecord, []map[string]any, error) {
	if s.d.Records == nil {
		return nil, nil, errkind.New(errkind.ErrUnavailable, "records_unavailable", "identity records are not configured")
	}
	rs, err := s.d.Records.IdentityRecords(ctx, v.TenantID, v.ID)
	if err != nil || !attributes {
		return rs, nil, err
	}
	out := make([]map[string]any, len(rs))
	err = s.d.Store.InTx(ctx, func(ctx context.Context) error {
		for i, r := range rs {
			if r.SealedAttributes == nil {
				continue
			}
			b, err := s.d.Sealer.Open(ctx, v.TenantID, r.SealedAttributes, recordAAD(r.ID))
			if err != nil {
				return err
			}
			if err := json.Unmarshal(b, &out[i]); err != nil {
				return err
			}
		}
		return s.d.Audit.Record(ctx, v.TenantID, string(actor), "personal_data.read", v.ID, map[string]string{"fields": "identity_records"})
	})
	return rs, out, err
}

// CloseSubject records that the business relationship with referenceID
// ended at `at`; its records are kept RetentionAfterClose, then purged.
// Closing again keeps the first date.
func (s *Service) CloseSubject(ctx context.Context, tenantID, referenceID string, at time.Time, actor Actor) (Subject, error) {
	if referenceID == "" || len(referenceID) > 128 {
		return Subject{}, invalid("reference_id_invalid", "reference_id is 1-128 characters")
	}
	var sub Subject
	err := s.d.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		sub, err = s.d.Records.CloseSubject(ctx, Subject{TenantID: tenantID, ReferenceID: referenceID,
			ClosedAt: at.UTC().Truncate(time.Microsecond), PurgeAfter: at.UTC().Truncate(time.Microsecond).Add(RetentionAfterClose)})
		if err != nil {
			return err
		}
		return s.d.Audit.Record(ctx, tenantID, string(actor), "subject.closed", referenceID,
			map[string]any{"closed_at": sub.ClosedAt, "purge_after": sub.PurgeAfter})
	})
	return sub, err
}

// PurgeDue purges subjects whose retention ended by now: their
// verifications are redacted and their identity records deleted. It returns
// how many subjects it purged.
func (s *Service) PurgeDue(ctx context.Context, now time.Time) (int, error) {
	due, err := s.d.Records.SubjectsDue(ctx, now, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sub := range due {
		vs, err := s.d.Records.VerificationsByReference(ctx, sub.TenantID, sub.ReferenceID)
		if err != nil {
			return n, err
		}
		for _, v := range vs {
			if v.RedactedAt == nil {
				if _, err := s.Redact(ctx, v.TenantID, v.ID, "retention"); err != nil {
					return n, err
				}
			}
		}
		err = s.d.Store.InTx(ctx, func(ctx context.Context) error {
			deleted, err := s.d.Records.PurgeSubject(ctx, sub, now)
			if err != nil {
				return err
			}
			return s.d.Audit.Record(ctx, sub.TenantID, "retention", "subject.purged", sub.ReferenceID,
				map[string]any{"identity_records_deleted": deleted, "verifications_redacted": len(vs)})
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
