package store

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/console"
)

const (
	dayUS = int64(24 * time.Hour / time.Microsecond)
	jstUS = int64(9 * time.Hour / time.Microsecond)
)

// statsScope is the WHERE clause of a dashboard query on verifications v:
// the tenants and mode, and with period the creation period.
func statsScope(q console.StatsQuery, period bool) (string, []any, bool) {
	if !q.AllTenants && len(q.Tenants) == 0 {
		return "", nil, false
	}
	w, args := ` WHERE v.tenant_id <> 'console'`, []any{}
	if !q.AllTenants {
		w += ` AND v.tenant_id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(q.Tenants)), ", ") + `)`
		for _, t := range q.Tenants {
			args = append(args, t)
		}
	}
	if q.Mode != "" {
		w += ` AND v.mode = ?`
		args = append(args, q.Mode)
	}
	if period {
		w += ` AND v.created_at >= ? AND v.created_at < ?`
		args = append(args, us(q.From), us(q.To))
	}
	return w, args, true
}

// DashboardStats counts the console dashboard's figures. Days are JST
// days; the bucketing is integer arithmetic on microseconds, the same on
// both dialects.
func (s *Store) DashboardStats(ctx context.Context, q console.StatsQuery) (console.Stats, error) {
	var st console.Stats
	where, args, ok := statsScope(q, true)
	if !ok {
		return st, nil
	}
	// Volumes per JST day and method.
	rows, err := s.query(ctx, `SELECT day, method, COUNT(*) FROM (SELECT (v.created_at + ?) / ? AS day, v.method AS method
		FROM verifications v`+where+`) x GROUP BY day, method ORDER BY day, method`, append([]any{jstUS, dayUS}, args...)...)
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var day int64
		var c console.DayCount
		if err := rows.Scan(&day, &c.Method, &c.Count); err != nil {
			rows.Close()
			return st, err
		}
		c.Day = time.UnixMicro(day * dayUS).UTC().Format(time.DateOnly)
		st.Volumes = append(st.Volumes, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}

	// Outcomes, and whether a reviewer gave them.
	rows, err = s.query(ctx, `SELECT status, reviewed, COUNT(*) FROM (SELECT v.status AS status,
		CASE WHEN EXISTS (SELECT 1 FROM reviews r WHERE r.tenant_id = v.tenant_id AND r.verification_id = v.id AND r.stage = 'final')
		THEN 1 ELSE 0 END AS reviewed FROM verifications v`+where+`) x GROUP BY status, reviewed ORDER BY status, reviewed`, args...)
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var c console.OutcomeCount
		var reviewed int
		if err := rows.Scan(&c.Status, &reviewed, &c.Count); err != nil {
			rows.Close()
			return st, err
		}
		c.Reviewed = reviewed == 1
		st.Outcomes = append(st.Outcomes, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}

	// Rejection reasons: the decision is JSON, so they are counted here.
	rows, err = s.query(ctx, `SELECT v.decision FROM verifications v`+where+` AND v.status = 'rejected' AND v.decision IS NOT NULL`, args...)
	if err != nil {
		return st, err
	}
	counts := map[string]int{}
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			rows.Close()
			return st, err
		}
		var d struct {
			Reasons []string `json:"reasons"`
		}
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			rows.Close()
			return st, err
		}
		for _, r := range d.Reasons {
			counts[r]++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	for r, n := range counts {
		st.RejectionReasons = append(st.RejectionReasons, console.ReasonCount{Reason: r, Count: n})
	}
	sort.Slice(st.RejectionReasons, func(i, j int) bool {
		a, b := st.RejectionReasons[i], st.RejectionReasons[j]
		return a.Count > b.Count || (a.Count == b.Count && a.Reason < b.Reason)
	})

	// Review waits: from the machine's identity record (written with its
	// decision) to the final review, for the reviews given in the period.
	scope, scopeArgs, _ := statsScope(q, false)
	rows, err = s.query(ctx, `SELECT r.created_at - ir.recorded_at FROM reviews r
		JOIN verifications v ON v.id = r.verification_id AND v.tenant_id = r.tenant_id
		JOIN identity_records ir ON ir.tenant_id = r.tenant_id AND ir.verification_id = r.verification_id AND ir.supersedes_id = ''`+
		scope+` AND r.stage = 'final' AND r.created_at >= ? AND r.created_at < ? ORDER BY r.created_at`,
		append(scopeArgs, us(q.From), us(q.To))...)
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return st, err
		}
		st.ReviewWaits = append(st.ReviewWaits, time.Duration(max(d, 0))*time.Microsecond)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}

	// The cases waiting now, whenever they were created.
	rows, err = s.query(ctx, `SELECT v.decided_at FROM verifications v`+scope+` AND v.status = 'review' AND v.decided_at IS NOT NULL
		ORDER BY v.decided_at`, scopeArgs...)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return st, err
		}
		st.Waiting = append(st.Waiting, max(q.Now.Sub(fromUS(at)), 0))
	}
	return st, rows.Err()
}
