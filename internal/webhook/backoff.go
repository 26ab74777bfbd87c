package webhook

import (
	"math/rand/v2"
	"time"
)

// MaxAttempts is how many times a delivery is tried in all, the first
// attempt included. With Backoff's schedule the last try comes about three
// days after the first, as trusted senders do: long enough to outlast a
// weekend outage, short enough that a stale event is not delivered later.
const MaxAttempts = 21

const (
	backoffBase = time.Minute
	backoffCap  = 6 * time.Hour
	jitter      = 0.10
)

// Backoff returns how long to wait after the attempt-th failed attempt
// (counting from 1) before the next one: 1, 2, 4, ... 256 minutes, then 6
// hours, each varied by up to ±10% so endpoints that failed together are not
// retried together. Attempts below 1 count as 1.
func Backoff(attempt int) time.Duration {
	d := nominalBackoff(attempt)
	return time.Duration(float64(d) * (1 - jitter + 2*jitter*rand.Float64()))
}

// nominalBackoff is Backoff without jitter.
func nominalBackoff(attempt int) time.Duration {
	attempt = max(attempt, 1)
	if attempt > 20 { // 2^20 minutes is far past the cap; avoid overflow
		return backoffCap
	}
	return min(backoffBase<<(attempt-1), backoffCap)
}
