//go:build race

package engine

// raceDetector skips the accuracy tests, which test no concurrency and run
// ten times slower under the race detector.
const raceDetector = true
