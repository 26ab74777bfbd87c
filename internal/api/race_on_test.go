//go:build race

package api_test

// raceDetector: this build runs under the race detector, where neural-net
// inference is 10–20× slower than normal.
const raceDetector = true
