package ratelimit

import (
	"testing"
	"time"
)

func TestKeyed(t *testing.T) {
	l := New(2, 3)
	now := time.Unix(1_700_000_000, 0)
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("a", now); !ok {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	ok, retry := l.Allow("a", now)
	if ok || retry != "1" {
		t.Fatalf("4th request at once: got %v, retry %q; want refused, retry 1", ok, retry)
	}
	if ok, _ := l.Allow("b", now); !ok {
		t.Fatal("another key shares the first key's bucket")
	}
	if ok, _ := l.Allow("a", now.Add(600*time.Millisecond)); !ok {
		t.Fatal("after refilling one token (2/s), the request was refused")
	}
	if ok, _ := (*Keyed)(nil).Allow("x", now); !ok {
		t.Fatal("a nil limiter (no limit) refused")
	}
}
