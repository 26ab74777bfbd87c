package engine

import (
	"math"
	"strconv"
	"testing"
)

// The scan kernel alone: Hamming distances and histogram of 100k codes.
func BenchmarkScanCodes(b *testing.B) {
	for _, bits := range []int{128, 256} {
		b.Run(strconv.Itoa(bits)+"bits", func(b *testing.B) {
			const n = 100000
			words := bits / 64
			g := gaussian{state: 1}
			codes := make([]uint64, n*words)
			for i := range codes {
				codes[i] = g.uint64()
			}
			q := codes[:words]
			dead := make([]bool, n)
			dist := make([]uint8, n)
			b.SetBytes(int64(n * words * 8))
			for b.Loop() {
				var hist [deadDist]uint32
				scanCodes(codes, words, q, dead, 0, n, dist, &hist)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n*1e6/1e6, "ms/1M-codes")
		})
	}
}

// A whole search at N = 100k with the recommended face setting, on all
// GOMAXPROCS (run with -cpu 1 for core time).
func BenchmarkSearch100k(b *testing.B) {
	gen := &Synthetic{Dim: 128, Seed: 1}
	ix := gallery(b, gen, 100000, faceOptions(nil))
	probes := make([][]float32, 64)
	for i := range probes {
		probes[i] = gen.Probe(uint64(i*1500), 1)
	}
	i := 0
	for b.Loop() {
		if _, err := ix.Search(probes[i%len(probes)], 10, math.Inf(1)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
