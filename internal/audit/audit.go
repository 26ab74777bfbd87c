// Package audit keeps the append-only, per-tenant hash chain of everything
// that happens to identity data: state changes, reads of personal data,
// decisions. Each entry's hash covers the previous entry's hash, so editing or
// deleting any entry breaks every link after it; Verify names the first one.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Genesis is the previous hash of a tenant's first entry.
var Genesis = strings.Repeat("0", 64)

// Entry is one link of the chain.
type Entry struct {
	TenantID string    `json:"tenant_id"`
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`     // "api_key:key_...", "capture", "worker", "cli", "reviewer:usr_..."
	Action   string    `json:"action"`    // "verification.created", "personal_data.read", ...
	ObjectID string    `json:"object_id"` // the verification or other object acted on
	Detail   string    `json:"detail"`    // JSON object; never personal data itself
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// ComputeHash is SHA-256 over the previous hash and a length-prefixed
// encoding of every field, so no two different entries encode alike.
func ComputeHash(e Entry) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(e.PrevHash)
	field(e.TenantID)
	field(fmt.Sprint(e.Seq))
	field(fmt.Sprint(e.At.UnixMicro()))
	field(e.Actor)
	field(e.Action)
	field(e.ObjectID)
	field(e.Detail)
	return hex.EncodeToString(h.Sum(nil))
}

// Store is what the chain needs from persistence.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// AuditHead returns the tenant's last seq and hash (0, Genesis when
	// empty), locking the head until the transaction ends.
	AuditHead(ctx context.Context, tenantID string) (int64, string, error)
	// AppendAudit inserts e and moves the head to it.
	AppendAudit(ctx context.Context, e Entry) error
	// AuditEntries returns up to limit entries with seq > after, in order.
	AuditEntries(ctx context.Context, tenantID string, after int64, limit int) ([]Entry, error)
	// AuditTenants lists tenant IDs that have entries.
	AuditTenants(ctx context.Context) ([]string, error)
}

// Log appends to and verifies the chains.
type Log struct {
	store Store
	now   func() time.Time
}

// New returns a Log over store.
func New(store Store, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{store: store, now: now}
}

// Record appends an entry. Called inside the caller's transaction, it
// commits or rolls back with the change it records.
func (l *Log) Record(ctx context.Context, tenantID, actor, action, objectID string, detail any) error {
	d := "{}"
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("audit: detail: %w", err)
		}
		d = string(b)
	}
	return l.store.InTx(ctx, func(ctx context.Context) error {
		seq, prev, err := l.store.AuditHead(ctx, tenantID)
		if err != nil {
			return err
		}
		e := Entry{TenantID: tenantID, Seq: seq + 1, At: l.now().UTC().Truncate(time.Microsecond),
			Actor: actor, Action: action, ObjectID: objectID, Detail: d, PrevHash: prev}
		e.Hash = ComputeHash(e)
		return l.store.AppendAudit(ctx, e)
	})
}

// Report is the outcome of verifying one tenant's chain.
type Report struct {
	TenantID string `json:"tenant_id"`
	Entries  int64  `json:"entries"`
	OK       bool   `json:"ok"`
	// BrokenAt is the seq of the first entry whose link does not hold.
	BrokenAt int64  `json:"broken_at,omitempty"`
	Problem  string `json:"problem,omitempty"`
}

// Verify recomputes a tenant's chain from the start.
func (l *Log) Verify(ctx context.Context, tenantID string) (Report, error) {
	r := Report{TenantID: tenantID, OK: true}
	prev, want := Genesis, int64(1)
	for {
		page, err := l.store.AuditEntries(ctx, tenantID, want-1, 1000)
		if err != nil {
			return r, err
		}
		for _, e := range page {
			switch {
			case e.Seq != want:
				return r.broken(want, fmt.Sprintf("entry %d is missing (next stored is %d)", want, e.Seq)), nil
			case e.PrevHash != prev:
				return r.broken(e.Seq, "prev_hash does not match the previous entry's hash"), nil
			case ComputeHash(e) != e.Hash:
				return r.broken(e.Seq, "hash does not match the entry's contents"), nil
			}
			prev, want = e.Hash, want+1
			r.Entries++
		}
		if len(page) < 1000 {
			return r, nil
		}
	}
}

// VerifyAll verifies every tenant's chain.
func (l *Log) VerifyAll(ctx context.Context) ([]Report, error) {
	ts, err := l.store.AuditTenants(ctx)
	if err != nil {
		return nil, err
	}
	var out []Report
	for _, t := range ts {
		r, err := l.Verify(ctx, t)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (r Report) broken(seq int64, problem string) Report {
	r.OK, r.BrokenAt, r.Problem = false, seq, problem
	return r
}
