package console

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The dashboard: volumes, outcomes, rejection reasons and review waiting
// times of the user's tenants, as SVG charts drawn on the server (no
// JavaScript; the CSP allows none inline anyway).

var (
	dashPeriods = []string{"7", "30", "90"}
	dashModes   = []string{"live", "test"}
	dashMethods = []string{"document_image", "ic_chip", "jpki"}
	// waitBuckets are the upper bounds of the waiting-time histogram.
	waitBuckets = []struct {
		Label string
		Max   time.Duration
	}{{"< 1 h", time.Hour}, {"1–4 h", SLAWarn}, {"4–24 h", SLALate}, {"1–3 days", 72 * time.Hour}, {"> 3 days", math.MaxInt64}}
)

type svgRect struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

type svgText struct {
	X, Y   float64
	Text   string
	Anchor string // start, middle, end
	Class  string
}

type svgLine struct{ X1, Y1, X2, Y2 float64 }

// chart is one SVG chart: shapes in viewBox units, and a legend.
type chart struct {
	ID, Title, Summary string
	W, H               float64
	Rects              []svgRect
	Texts              []svgText
	Lines              []svgLine
	Legend             []legendItem
	Empty              bool
}

type legendItem struct{ Class, Label string }

type rate struct {
	Label, Value, Detail string
}

type dashData struct {
	Days, Mode, Tenant string
	Periods, Modes     []string
	Tenants            []auditTenant
	From, To           string
	Rates              []rate
	Volume, Outcomes   chart
	Reasons, Waits     chart
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, st *reqState) {
	ctx, u, q := r.Context(), st.user, r.URL.Query()
	d := dashData{Days: "30", Periods: dashPeriods, Modes: dashModes}
	if p := q.Get("days"); slices.Contains(dashPeriods, p) {
		d.Days = p
	}
	if m := q.Get("mode"); slices.Contains(dashModes, m) {
		d.Mode = m
	}
	ts, err := h.d.Store.ConsoleTenants(ctx)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	for _, t := range ts {
		if u.CanAccessTenant(t.ID) {
			d.Tenants = append(d.Tenants, auditTenant{t.ID, t.Name})
		}
	}
	sq := StatsQuery{Mode: d.Mode, Now: h.d.Now()}
	switch tid := q.Get("tenant"); {
	case tid != "" && u.CanAccessTenant(tid):
		d.Tenant, sq.Tenants = tid, []string{tid}
	case len(u.Tenants) == 0 && u.Role != RoleBPO:
		sq.AllTenants = true
	default:
		sq.Tenants = u.Tenants
	}
	days, _ := strconv.Atoi(d.Days)
	now := h.d.Now().In(jst)
	end := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, jst) // the end of today, JST
	sq.From, sq.To = end.AddDate(0, 0, -days), end
	d.From, d.To = sq.From.Format(time.DateOnly), end.AddDate(0, 0, -1).Format(time.DateOnly)
	stats, err := h.d.Store.DashboardStats(ctx, sq)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	d.Volume = volumeChart(stats.Volumes, sq.From, days)
	d.Rates, d.Outcomes = outcomeChart(stats.Outcomes)
	d.Reasons = reasonChart(stats.RejectionReasons)
	d.Waits = waitChart(stats.ReviewWaits, stats.Waiting)
	d.Rates = append(d.Rates, waitRates(stats.ReviewWaits, stats.Waiting)...)
	h.render(w, r, http.StatusOK, "dashboard", page{Title: "Dashboard", CSRF: st.sess.CSRFSecret, User: &u, Wide: true, Data: d})
}

// niceMax rounds a chart's maximum up to 1, 2 or 5 times a power of ten.
func niceMax(n int) int {
	if n <= 4 {
		return 4
	}
	p := int(math.Pow(10, math.Floor(math.Log10(float64(n)))))
	for _, m := range []int{1, 2, 5, 10} {
		if m*p >= n {
			return m * p
		}
	}
	return 10 * p
}

// yAxis draws the horizontal grid of a vertical bar chart.
func yAxis(c *chart, left, top, height float64, max int) {
	for i := 0; i <= 4; i++ {
		y := top + height - height*float64(i)/4
		c.Lines = append(c.Lines, svgLine{left, y, c.W - 8, y})
		c.Texts = append(c.Texts, svgText{X: left - 6, Y: y + 4, Text: strconv.Itoa(max * i / 4), Anchor: "end", Class: "axis"})
	}
}

func volumeChart(vols []DayCount, from time.Time, days int) chart {
	c := chart{ID: "volume", Title: "Verifications created per day and method", W: 960, H: 260}
	for _, m := range dashMethods {
		c.Legend = append(c.Legend, legendItem{"m-" + m, m})
	}
	byDay := map[string]map[string]int{}
	total, peak := 0, 0
	for _, v := range vols {
		if byDay[v.Day] == nil {
			byDay[v.Day] = map[string]int{}
		}
		byDay[v.Day][v.Method] += v.Count
		total += v.Count
	}
	for _, m := range byDay {
		sum := 0
		for _, n := range m {
			sum += n
		}
		peak = max(peak, sum)
	}
	c.Summary = fmt.Sprintf("%d verifications in %d days, at most %d a day.", total, days, peak)
	c.Empty = total == 0
	const left, top, bottom = 44.0, 10.0, 30.0
	height := c.H - top - bottom
	top0 := niceMax(peak)
	yAxis(&c, left, top, height, top0)
	slot := (c.W - left - 8) / float64(days)
	every := max(1, days/10)
	for i := range days {
		day := from.AddDate(0, 0, i).Format(time.DateOnly)
		x := left + float64(i)*slot
		y := top + height
		for _, m := range dashMethods {
			n := byDay[day][m]
			if n == 0 {
				continue
			}
			hgt := height * float64(n) / float64(top0)
			y -= hgt
			c.Rects = append(c.Rects, svgRect{X: x + slot*0.15, Y: y, W: slot * 0.7, H: hgt, Class: "m-" + m,
				Title: fmt.Sprintf("%s: %d %s", day, n, m)})
		}
		if i%every == 0 {
			c.Texts = append(c.Texts, svgText{X: x + slot/2, Y: c.H - 10, Text: day[5:], Anchor: "middle", Class: "axis"})
		}
	}
	return c
}

func percent(n, of int) string {
	if of == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(n)/float64(of))
}

// outcomeChart is one bar split by how the period's cases ended, with the
// rates the dashboard headlines.
func outcomeChart(outs []OutcomeCount) ([]rate, chart) {
	var autoOK, autoNG, revOK, revNG, review, open int
	for _, o := range outs {
		switch {
		case o.Status == "approved" && o.Reviewed:
			revOK += o.Count
		case o.Status == "approved":
			autoOK += o.Count
		case o.Status == "rejected" && o.Reviewed:
			revNG += o.Count
		case o.Status == "rejected":
			autoNG += o.Count
		case o.Status == "review":
			review += o.Count
		default:
			open += o.Count
		}
	}
	decided := autoOK + autoNG + revOK + revNG + review
	final := autoOK + autoNG + revOK + revNG
	rates := []rate{
		{"Decided by the machine alone", percent(autoOK+autoNG, decided), fmt.Sprintf("%d of %d decided cases", autoOK+autoNG, decided)},
		{"Approved", percent(autoOK+revOK, final), fmt.Sprintf("%d of %d final decisions", autoOK+revOK, final)},
		{"Rejected", percent(autoNG+revNG, final), fmt.Sprintf("%d of %d final decisions", autoNG+revNG, final)},
	}
	c := chart{ID: "outcomes", Title: "How the period's cases ended", W: 960, H: 56, Empty: decided == 0,
		Summary: fmt.Sprintf("%d approved by the machine, %d rejected by the machine, %d approved by a reviewer, %d rejected by a reviewer, %d in review; %d not finished (not submitted, processing, expired or canceled).",
			autoOK, autoNG, revOK, revNG, review, open)}
	x := 0.0
	for _, seg := range []struct {
		n            int
		class, label string
	}{{autoOK, "o-auto-approved", "approved by the machine"}, {autoNG, "o-auto-rejected", "rejected by the machine"},
		{revOK, "o-review-approved", "approved by a reviewer"}, {revNG, "o-review-rejected", "rejected by a reviewer"},
		{review, "o-review", "in review"}} {
		c.Legend = append(c.Legend, legendItem{seg.class, seg.label})
		if seg.n == 0 || decided == 0 {
			continue
		}
		wd := c.W * float64(seg.n) / float64(decided)
		c.Rects = append(c.Rects, svgRect{X: x, Y: 4, W: wd, H: 48, Class: seg.class, Title: fmt.Sprintf("%d %s (%s)", seg.n, seg.label, percent(seg.n, decided))})
		if wd > 60 {
			c.Texts = append(c.Texts, svgText{X: x + wd/2, Y: 33, Text: percent(seg.n, decided), Anchor: "middle", Class: "on-bar"})
		}
		x += wd
	}
	return rates, c
}

func reasonChart(reasons []ReasonCount) chart {
	if len(reasons) > 10 {
		reasons = reasons[:10]
	}
	c := chart{ID: "reasons", Title: "Top rejection reasons", W: 960, H: float64(max(1, len(reasons)))*28 + 8, Empty: len(reasons) == 0,
		Summary: "The reasons of the period's rejected cases, machine's and reviewers', most frequent first."}
	peak := 1
	for _, r := range reasons {
		peak = max(peak, r.Count)
	}
	const left, right = 260.0, 60.0
	for i, r := range reasons {
		y := 4 + float64(i)*28
		wd := (c.W - left - right) * float64(r.Count) / float64(peak)
		c.Texts = append(c.Texts, svgText{X: left - 8, Y: y + 17, Text: r.Reason, Anchor: "end", Class: "label"},
			svgText{X: left + wd + 6, Y: y + 17, Text: strconv.Itoa(r.Count), Anchor: "start", Class: "label"})
		c.Rects = append(c.Rects, svgRect{X: left, Y: y, W: wd, H: 22, Class: "reason", Title: fmt.Sprintf("%s: %d", r.Reason, r.Count)})
	}
	return c
}

func bucketOf(d time.Duration) int {
	for i, b := range waitBuckets {
		if d < b.Max {
			return i
		}
	}
	return len(waitBuckets) - 1
}

// waitChart is a histogram of the waits of the period's reviews beside
// the waits of the cases in review now.
func waitChart(done, waiting []time.Duration) chart {
	c := chart{ID: "waits", Title: "Review waiting times", W: 960, H: 240, Empty: len(done)+len(waiting) == 0,
		Legend:  []legendItem{{"w-done", "reviewed in the period (machine's decision to reviewer's)"}, {"w-now", "waiting in the queue now"}},
		Summary: fmt.Sprintf("%d cases reviewed in the period; %d waiting now.", len(done), len(waiting))}
	counts := make([][2]int, len(waitBuckets))
	for _, d := range done {
		counts[bucketOf(d)][0]++
	}
	for _, d := range waiting {
		counts[bucketOf(d)][1]++
	}
	peak := 0
	for _, n := range counts {
		peak = max(peak, n[0], n[1])
	}
	const left, top, bottom = 44.0, 10.0, 30.0
	height := c.H - top - bottom
	top0 := niceMax(peak)
	yAxis(&c, left, top, height, top0)
	slot := (c.W - left - 8) / float64(len(waitBuckets))
	for i, b := range waitBuckets {
		x := left + float64(i)*slot
		for j, class := range []string{"w-done", "w-now"} {
			n := counts[i][j]
			hgt := height * float64(n) / float64(top0)
			bx := x + slot*0.2 + float64(j)*slot*0.3
			if n > 0 {
				c.Rects = append(c.Rects, svgRect{X: bx, Y: top + height - hgt, W: slot * 0.28, H: hgt, Class: class,
					Title: fmt.Sprintf("%s: %d %s", b.Label, n, map[string]string{"w-done": "reviewed", "w-now": "waiting now"}[class])})
				c.Texts = append(c.Texts, svgText{X: bx + slot*0.14, Y: top + height - hgt - 4, Text: strconv.Itoa(n), Anchor: "middle", Class: "axis"})
			}
		}
		c.Texts = append(c.Texts, svgText{X: x + slot/2, Y: c.H - 10, Text: b.Label, Anchor: "middle", Class: "axis"})
	}
	return c
}

func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(math.Ceil(q*float64(len(s))))-1]
}

func waitRates(done, waiting []time.Duration) []rate {
	out := []rate{{"Median review wait", "—", "no review in the period"}, {"90th percentile", "—", ""},
		{"Waiting now", strconv.Itoa(len(waiting)), ""}}
	if len(done) > 0 {
		out[0].Value, out[0].Detail = durationText(quantile(done, 0.5)), fmt.Sprintf("over %d reviews", len(done))
		out[1].Value = durationText(quantile(done, 0.9))
	}
	late := 0
	for _, d := range waiting {
		if d >= SLALate {
			late++
		}
	}
	if len(waiting) > 0 {
		out[2].Detail = fmt.Sprintf("%d over 24 h; the longest %s", late, durationText(slices.Max(waiting)))
	}
	return out
}

func durationText(d time.Duration) string {
	if d < time.Minute {
		return "under a minute"
	}
	return waitingText(d)
}
