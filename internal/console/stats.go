package console

import "time"

// StatsQuery selects the verifications the dashboard counts.
type StatsQuery struct {
	Tenants    []string // tenant IDs; with AllTenants false and none listed, nothing is counted
	AllTenants bool
	Mode       string    // "live", "test", or "" for both
	From, To   time.Time // [From, To) on the verification's creation (reviews: on the review's time)
	Now        time.Time // the age of the cases waiting in review is counted up to Now
}

// DayCount is the number of verifications created on one JST day with one method.
type DayCount struct {
	Day    string // 2006-01-02, JST
	Method string
	Count  int
}

// OutcomeCount is the number of verifications in one status, split by
// whether a reviewer decided them.
type OutcomeCount struct {
	Status   string
	Reviewed bool
	Count    int
}

// ReasonCount is how often a reason code decided a rejection.
type ReasonCount struct {
	Reason string
	Count  int
}

// Stats is what the dashboard shows.
type Stats struct {
	Volumes  []DayCount     // by day, then method
	Outcomes []OutcomeCount // of the verifications created in the period
	// RejectionReasons counts the reasons of the rejected verifications
	// created in the period, most frequent first.
	RejectionReasons []ReasonCount
	// ReviewWaits is, for each final review given in the period, the time
	// from the machine's decision (sending the case to review) to the
	// reviewer's.
	ReviewWaits []time.Duration
	// Waiting is, for each case in review now, how long it has waited.
	Waiting []time.Duration
}
