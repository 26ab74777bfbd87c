// Package cputime reads the CPU time a process has used, its own and that
// of the child processes it has waited for (tesseract), for benchmarks
// that must not depend on what else runs on a shared machine.
package cputime

import "time"

// Used is the user and system time of this process and of its children
// that have been waited for. Where the system cannot tell (not unix) it is
// 0, and Supported reports false.
func Used() time.Duration {
	t, _ := used()
	return time.Duration(t)
}

// Supported reports whether Used measures anything on this system.
func Supported() bool {
	_, ok := used()
	return ok
}
