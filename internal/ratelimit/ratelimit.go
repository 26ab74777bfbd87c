// Package ratelimit holds token buckets keyed by caller (an API key, a
// client token, a client address).
package ratelimit

import (
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed holds one token bucket per key (an API key, a client token, a
// client address), so one caller's burst cannot starve the others. Buckets
// idle for long are dropped. A nil *Keyed allows everything.
type Keyed struct {
	rps   rate.Limit
	burst int
	mu    sync.Mutex
	keys  map[string]*bucket
	sweep time.Time
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

// New returns a Keyed allowing rps requests per second per key, with
// bursts of burst; nil (no limit) when rps is not positive.
func New(rps float64, burst int) *Keyed {
	if rps <= 0 {
		return nil
	}
	return &Keyed{rps: rate.Limit(rps), burst: burst, keys: map[string]*bucket{}}
}

// Allow reports whether the key may make a request now, and if not, how
// many whole seconds to wait (for a Retry-After header).
func (k *Keyed) Allow(key string, now time.Time) (bool, string) {
	if k == nil {
		return true, ""
	}
	k.mu.Lock()
	b, ok := k.keys[key]
	if !ok {
		b = &bucket{l: rate.NewLimiter(k.rps, k.burst)}
		k.keys[key] = b
	}
	b.seen = now
	if now.Sub(k.sweep) > time.Minute {
		for id, x := range k.keys {
			if now.Sub(x.seen) > 10*time.Minute {
				delete(k.keys, id)
			}
		}
		k.sweep = now
	}
	k.mu.Unlock()
	r := b.l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, strconv.Itoa(int(math.Ceil(d.Seconds())))
	}
	return true, ""
}

// Rate is the requests per second allowed per key (0 for a nil Keyed).
func (k *Keyed) Rate() float64 {
	if k == nil {
		return 0
	}
	return float64(k.rps)
}
