package cputime

import (
	"os/exec"
	"testing"
	"time"
)

// TestUsedCountsWork: spinning for a while and waiting for a child process
// both show up in Used.
func TestUsedCountsWork(t *testing.T) {
	if !Supported() {
		t.Skip("no CPU time on this system")
	}
	before := Used()
	deadline := time.Now().Add(50 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	if x == 0 {
		t.Fatal("no iterations")
	}
	mid := Used()
	if mid-before < 10*time.Millisecond {
		t.Errorf("50 ms of spinning used %v of CPU; want at least 10 ms", mid-before)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	// A child that spins: its time is counted once it has been waited for.
	if err := exec.Command(sh, "-c", `i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done`).Run(); err != nil {
		t.Fatal(err)
	}
	if d := Used() - mid; d < 10*time.Millisecond {
		t.Errorf("a spinning child added %v of CPU; want at least 10 ms", d)
	}
}
