package app

import (
	"context"
	"sync"

	"github.com/kakunin-dev/kakunin/internal/liveness"
)

// framePrep analyses liveness frames as they are uploaded, on one
// background goroutine, so the check at submission finds them observed.
// When it falls behind it drops work (the check then analyses those frames
// itself); nothing depends on it for correctness.
type framePrep struct {
	an     *liveness.Analyzer
	mu     sync.Mutex
	ch     chan []byte
	closed bool
	done   chan struct{}
}

func newFramePrep(an *liveness.Analyzer) *framePrep {
	p := &framePrep{an: an, ch: make(chan []byte, 256), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for b := range p.ch {
			_ = p.an.Prepare(context.Background(), b) // a failure is found again by the check
		}
	}()
	return p
}

// add queues a stored frame without blocking.
func (p *framePrep) add(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	select {
	case p.ch <- b:
	default:
	}
}

func (p *framePrep) close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.ch)
	}
	p.mu.Unlock()
	<-p.done
}
