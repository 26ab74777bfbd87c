package api

import (
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyLimiter holds one token bucket per API key (or client token), so one
// integration's burst cannot starve the others. Buckets idle for long are
// dropped.
type keyLimiter struct {
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

func newKeyLimiter(rps float64, burst int) *keyLimiter {
	if rps <= 0 {
		return nil
	}
	return &keyLimiter{rps: rate.Limit(rps), burst: burst, keys: map[string]*bucket{}}
}

// allow reports whether the key may make a request now, and if not, how
// many whole seconds to wait.
func (k *keyLimiter) allow(key string, now time.Time) (bool, string) {
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
