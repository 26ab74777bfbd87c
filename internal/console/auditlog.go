package console

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/audit"
)

// AuditQuery selects one tenant's audit entries.
type AuditQuery struct {
	TenantID                string
	From, To                time.Time // [From, To); zero: open
	Actor, Action, ObjectID string    // exact matches; "": any
	AfterSeq                int64     // cursor: entries after this sequence number
	Limit                   int
}

// Audit page and export sizes.
const (
	auditPageSize  = 200
	maxExportItems = 200_000
)

type auditTenant struct{ ID, Name string }

type auditRow struct {
	Seq                                 int64
	At, Actor, Action, ObjectID, Detail string
}

type auditData struct {
	Tenants                                 []auditTenant
	Tenant, From, To, Actor, Action, Object string
	Rows                                    []auditRow
	Next                                    string // query string of the next page
	Export                                  string // query string of the filter
	ExportCSV, ExportJSON                   string // export URLs
	CanExport                               bool
}

// auditQuery reads the filter form. The tenant must be one the user may
// see; users who see every tenant also see the console's own chain.
func (h *Handler) auditQuery(r *http.Request, u User) (AuditQuery, auditData, []auditTenant, bool, error) {
	ts, err := h.d.Store.ConsoleTenants(r.Context())
	if err != nil {
		return AuditQuery{}, auditData{}, nil, false, err
	}
	var allowed []auditTenant
	for _, t := range ts {
		if u.CanAccessTenant(t.ID) {
			allowed = append(allowed, auditTenant{t.ID, t.Name})
		}
	}
	if len(u.Tenants) == 0 {
		allowed = append(allowed, auditTenant{AuditTenant, "console sign-ins"})
	}
	q := r.URL.Query()
	d := auditData{Tenants: allowed, Tenant: q.Get("tenant"), From: q.Get("from"), To: q.Get("to"),
		Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")), Object: strings.TrimSpace(q.Get("object"))}
	aq := AuditQuery{Actor: d.Actor, Action: d.Action, ObjectID: d.Object, Limit: auditPageSize}
	if d.Tenant == "" {
		return aq, d, allowed, true, nil
	}
	ok := false
	for _, t := range allowed {
		ok = ok || t.ID == d.Tenant
	}
	aq.TenantID = d.Tenant
	if f, err := time.ParseInLocation("2006-01-02", d.From, jst); err == nil {
		aq.From = f
	} else {
		d.From = ""
	}
	if to, err := time.ParseInLocation("2006-01-02", d.To, jst); err == nil {
		aq.To = to.AddDate(0, 0, 1) // the whole last day
	} else {
		d.To = ""
	}
	aq.AfterSeq, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	v := url.Values{"tenant": {d.Tenant}}
	for k, x := range map[string]string{"from": d.From, "to": d.To, "actor": d.Actor, "action": d.Action, "object": d.Object} {
		if x != "" {
			v.Set(k, x)
		}
	}
	d.Export = v.Encode()
	d.ExportCSV, d.ExportJSON = "/console/audit/export.csv?"+d.Export, "/console/audit/export.json?"+d.Export
	return aq, d, allowed, ok, nil
}

func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request, st *reqState) {
	aq, d, _, ok, err := h.auditQuery(r, st.user)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if !ok {
		h.fail(w, r, http.StatusNotFound, "There is no such tenant.")
		return
	}
	d.CanExport = st.user.Can(PermExport)
	if aq.TenantID != "" {
		entries, err := h.d.Store.SearchAudit(r.Context(), aq)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		for _, e := range entries {
			d.Rows = append(d.Rows, auditRow{Seq: e.Seq, At: e.At.In(jst).Format("2006-01-02 15:04:05"), Actor: e.Actor,
				Action: e.Action, ObjectID: e.ObjectID, Detail: e.Detail})
		}
		if len(entries) == auditPageSize {
			d.Next = "/console/audit?" + d.Export + "&after=" + strconv.FormatInt(entries[len(entries)-1].Seq, 10)
		}
	}
	h.render(w, r, http.StatusOK, "audit", page{Title: "Audit log", CSRF: st.sess.CSRFSecret, User: &st.user, Wide: true, Data: d})
}

// auditExport streams the selected entries as CSV or JSON. The export is
// itself recorded in the exported tenant's chain.
func (h *Handler) auditExport(format string) func(http.ResponseWriter, *http.Request, *reqState) {
	return func(w http.ResponseWriter, r *http.Request, st *reqState) {
		aq, d, allowed, ok, err := h.auditQuery(r, st.user)
		if err != nil {
			h.internal(w, r, err)
			return
		}
		if !ok || aq.TenantID == "" {
			h.fail(w, r, http.StatusNotFound, "There is no such tenant.")
			return
		}
		name := aq.TenantID
		for _, t := range allowed {
			if t.ID == aq.TenantID && t.ID != AuditTenant {
				name = t.Name
			}
		}
		ctx := r.Context()
		var entries []audit.Entry
		aq.Limit = 1000
		for len(entries) < maxExportItems {
			page, err := h.d.Store.SearchAudit(ctx, aq)
			if err != nil {
				h.internal(w, r, err)
				return
			}
			entries = append(entries, page...)
			if len(page) < aq.Limit {
				break
			}
			aq.AfterSeq = page[len(page)-1].Seq
		}
		if err := h.d.Audit.Record(ctx, aq.TenantID, actorOf(st.user), "audit.exported", aq.TenantID,
			map[string]any{"format": format, "entries": len(entries), "from": d.From, "to": d.To}); err != nil {
			h.internal(w, r, err)
			return
		}
		file := "audit-" + safeName(name) + "-" + strings.ReplaceAll(d.From+"_"+d.To, "-", "") + "." + format
		w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
		if format == "json" {
			w.Header().Set("Content-Type", "application/json")
			if entries == nil {
				entries = []audit.Entry{}
			}
			_ = json.NewEncoder(w).Encode(entries)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"tenant_id", "seq", "at", "actor", "action", "object_id", "detail", "prev_hash", "hash"})
		for _, e := range entries {
			_ = cw.Write([]string{e.TenantID, strconv.FormatInt(e.Seq, 10), e.At.Format(time.RFC3339Nano), csvSafe(e.Actor),
				csvSafe(e.Action), csvSafe(e.ObjectID), csvSafe(e.Detail), e.PrevHash, e.Hash})
		}
		cw.Flush()
	}
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
