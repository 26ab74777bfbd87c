package webhook

import (
	"testing"
	"time"
)

func TestBackoffScheduleSpansAboutThreeDays(t *testing.T) {
	const day = 24 * time.Hour
	for run := range 200 {
		var total time.Duration
		for attempt := 1; attempt < MaxAttempts; attempt++ {
			total += Backoff(attempt)
		}
		if total < 5*day/2 || total > 7*day/2 {
			t.Fatalf("run %d: schedule spans %s; want between 2.5 and 3.5 days", run, total)
		}
	}
}

func TestBackoffNominalNonDecreasing(t *testing.T) {
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}
	for i, w := range want {
		if got := nominalBackoff(i + 1); got != w {
			t.Errorf("nominalBackoff(%d) = %s; want %s", i+1, got, w)
		}
	}
	for attempt := 2; attempt <= MaxAttempts+50; attempt++ {
		prev, cur := nominalBackoff(attempt-1), nominalBackoff(attempt)
		if cur < prev {
			t.Errorf("nominalBackoff(%d) = %s < nominalBackoff(%d) = %s", attempt, cur, attempt-1, prev)
		}
		if cur <= 0 || cur > backoffCap {
			t.Errorf("nominalBackoff(%d) = %s; want within (0, %s]", attempt, cur, backoffCap)
		}
	}
	for _, attempt := range []int{0, -5} {
		if got := nominalBackoff(attempt); got != time.Minute {
			t.Errorf("nominalBackoff(%d) = %s; want 1m", attempt, got)
		}
	}
}

func TestBackoffJitterWithinTenPercent(t *testing.T) {
	for _, attempt := range []int{1, 5, 12, MaxAttempts - 1} {
		nominal := nominalBackoff(attempt)
		lo, hi := nominal*9/10, nominal*11/10
		seen := map[time.Duration]bool{}
		for range 500 {
			d := Backoff(attempt)
			if d < lo || d > hi {
				t.Fatalf("Backoff(%d) = %s; want within [%s, %s]", attempt, d, lo, hi)
			}
			seen[d] = true
		}
		if len(seen) < 100 {
			t.Errorf("Backoff(%d) took %d distinct values in 500 draws; want jitter", attempt, len(seen))
		}
	}
}
