package liveness

import (
	"container/list"
	"context"
	"crypto/sha256"
	"sync"

	"github.com/kakunin-dev/kakunin/internal/face"
)

// ObservationCache remembers what Observe found in a frame, keyed by the
// SHA-256 of the frame's bytes, so frames can be analysed as they arrive
// and the check at submission only decides. It lives in memory only (an
// observation holds a face embedding: biometric data is not written
// anywhere by it), is bounded, and forgets the least recently used entry
// first. A miss just means the check analyses that frame itself.
type ObservationCache struct {
	mu  sync.Mutex
	max int
	ll  *list.List
	m   map[[32]byte]*list.Element
}

type cacheEntry struct {
	key [32]byte
	obs Observation
}

// NewObservationCache holds at most max observations (a 30-frame capture
// takes 30).
func NewObservationCache(max int) *ObservationCache {
	return &ObservationCache{max: max, ll: list.New(), m: map[[32]byte]*list.Element{}}
}

func (c *ObservationCache) get(k [32]byte) (Observation, bool) {
	if c == nil {
		return Observation{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[k]
	if !ok {
		return Observation{}, false
	}
	c.ll.MoveToFront(el)
	return el.Value.(*cacheEntry).obs, true
}

func (c *ObservationCache) put(k [32]byte, o Observation) {
	if c == nil || c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[k]; ok {
		el.Value.(*cacheEntry).obs = o
		c.ll.MoveToFront(el)
		return
	}
	c.m[k] = c.ll.PushFront(&cacheEntry{key: k, obs: o})
	for c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.m, last.Value.(*cacheEntry).key)
	}
}

// Len is how many observations are held.
func (c *ObservationCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// Prepare analyses one frame ahead of the check (when it is uploaded) and
// keeps the observation in the analyzer's cache. Without a cache it does
// nothing.
func (a *Analyzer) Prepare(ctx context.Context, frame []byte) error {
	if a.Cache == nil {
		return nil
	}
	if err := a.ready(); err != nil {
		return err
	}
	key := sha256.Sum256(frame)
	if _, ok := a.Cache.get(key); ok {
		return nil
	}
	img, err := face.DecodeImage(frame)
	if err != nil {
		return err
	}
	o, err := a.Observe(ctx, img)
	if err != nil {
		return err
	}
	a.Cache.put(key, o)
	return nil
}

// observeFrame is Observe through the cache; img is decoded only on a miss
// (nil otherwise).
func (a *Analyzer) observeFrame(ctx context.Context, data []byte) (Observation, *face.Image, error) {
	key := sha256.Sum256(data)
	if o, ok := a.Cache.get(key); ok {
		return o, nil, nil
	}
	img, err := face.DecodeImage(data)
	if err != nil {
		return Observation{}, nil, err
	}
	o, err := a.Observe(ctx, img)
	if err != nil {
		return Observation{}, nil, err
	}
	a.Cache.put(key, o)
	return o, img, nil
}
