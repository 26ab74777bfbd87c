// Package engine is kakunin's 1:N search over fixed-length biometric
// embeddings (today the 128-d face-api face descriptors): an in-memory index
// of one gallery that finds the enrolled templates closest to a probe.
//
// A search scans compact sign codes of every live template, keeps the best
// few thousand by code distance (found with a distance histogram, not a heap),
// re-scores those with 8-bit vectors and re-scores the best of them with the
// exact float32 vectors. The returned distances are exact. SearchExhaustive
// does the same search the slow way and is the reference the index loss is
// measured against. See docs/engine.md.
package engine

import (
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Metric is how two embeddings are compared; for both a smaller distance
// means more alike, as in internal/face.
type Metric uint8

// The metrics. Euclidean is face-api's own (internal/face compares
// descriptors with it); Cosine is 1 − cosine similarity.
const (
	Euclidean Metric = 0
	Cosine    Metric = 1
)

func (m Metric) String() string {
	switch m {
	case Euclidean:
		return "euclidean"
	case Cosine:
		return "cosine"
	}
	return "unknown"
}

// Limits of what an index accepts.
const (
	MaxDim      = 4096
	MaxIDLen    = 255
	maxCodeBits = 4096
)

// Options fix an index's shape when it is created; they are stored with it.
type Options struct {
	Dim    int    // embedding length, e.g. face.EmbeddingSize
	Metric Metric // Euclidean (default) or Cosine
	// CodeBits is the length of the sign code, a multiple of 64. Zero means
	// 2×Dim rounded up to 64 with Rotate, Dim rounded up to 64 without.
	CodeBits int
	// Rotate turns the centred embedding with fixed random rotations drawn
	// from Seed (randomised Walsh–Hadamard blocks) before taking signs;
	// needed when CodeBits > Dim.
	Rotate bool
	Seed   uint64
	// Mean is subtracted before the codes are taken; nil means zeros. Take
	// it from a sample of the embedding model's output (MeanOf).
	Mean []float32
}

// Candidate is one search result.
type Candidate struct {
	ID       string  `json:"id"`
	Distance float64 `json:"distance"` // exact, per the index's metric
}

// Params tune one search. Zero values take the defaults.
type Params struct {
	K         int     // at most this many results
	Threshold float64 // only results with Distance <= Threshold; +Inf for all
	// Shortlist is how many templates leave the code scan for the 8-bit
	// re-score (default DefaultShortlist(N)).
	Shortlist int
	// Exact is how many leave the 8-bit re-score for the exact one
	// (default max(4K, 32)).
	Exact int
}

// DefaultShortlist is the code-scan shortlist for a gallery of n: 0.3 % of
// n, at least 1,000 (all of a small gallery). Chosen on synthetic galleries
// of seeds 1 and 2 (docs/engine.md).
func DefaultShortlist(n int) int { return max(1000, n*3/1000) }

// Index is one gallery. All methods are safe for concurrent use.
type Index struct {
	mu sync.RWMutex

	opt      Options
	dim      int
	words    int         // uint64 words per code
	mean     []float32   // dim
	meanNorm float32     // |mean|²
	signs    [][]float32 // rotation blocks when Rotate (rotationSigns)

	ids    []string
	vecs   []float32 // n × dim, as given
	q8     []int8    // n × dim, centred and quantised
	qscale []float32 // n: value of one int8 step
	cnorm  []float32 // n: |x − mean|²
	xmean  []float32 // n: x·mean
	norm   []float32 // n: |x|
	codes  []uint64  // n × words
	dead   []bool    // n: tombstones
	byID   map[string]int
	live   int

	log *logFile // nil for a memory-only index
	dir string   // where log and snapshot live
	seq uint64   // sequence number of the last logged change
}

// New returns an empty in-memory index. Use Open for one kept on disk.
func New(opt Options) (*Index, error) {
	if err := opt.normalise(); err != nil {
		return nil, err
	}
	ix := &Index{opt: opt, dim: opt.Dim, words: opt.CodeBits / 64, mean: opt.Mean, byID: map[string]int{}}
	for _, v := range ix.mean {
		ix.meanNorm += v * v
	}
	if opt.Rotate {
		ix.signs = rotationSigns(opt.Seed, nextPow2(opt.Dim), opt.CodeBits)
	}
	return ix, nil
}

func (o *Options) normalise() error {
	if o.Dim < 1 || o.Dim > MaxDim {
		return invalid("bad_dimension", "dimension %d is not in 1..%d", o.Dim, MaxDim)
	}
	if o.Metric != Euclidean && o.Metric != Cosine {
		return invalid("bad_metric", "unknown metric %d", o.Metric)
	}
	if o.CodeBits == 0 {
		o.CodeBits = roundUp64(o.Dim)
		if o.Rotate {
			o.CodeBits = roundUp64(2 * o.Dim)
		}
	}
	if o.CodeBits%64 != 0 || o.CodeBits < 64 || o.CodeBits > maxCodeBits {
		return invalid("bad_code_bits", "code length %d is not a multiple of 64 in 64..%d", o.CodeBits, maxCodeBits)
	}
	if !o.Rotate && o.CodeBits != roundUp64(o.Dim) {
		return invalid("bad_code_bits", "without rotation the code has one bit per dimension (%d bits)", roundUp64(o.Dim))
	}
	if o.Mean == nil {
		o.Mean = make([]float32, o.Dim)
	} else {
		if len(o.Mean) != o.Dim {
			return invalid("bad_mean", "mean has %d values; want %d", len(o.Mean), o.Dim)
		}
		if !finite(o.Mean) {
			return invalid("bad_mean", "mean has a value that is not finite")
		}
		o.Mean = slices.Clone(o.Mean)
	}
	return nil
}

func roundUp64(n int) int { return (n + 63) / 64 * 64 }

func invalid(reason, format string, args ...any) error {
	return errkind.New(errkind.ErrInvalid, reason, format, args...)
}

func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// Options returns the index's options (with defaults filled in).
func (ix *Index) Options() Options {
	o := ix.opt
	o.Mean = slices.Clone(o.Mean)
	return o
}

// Len is the number of live templates.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// Rows is the number of stored rows, live and deleted; Compact makes it Len.
func (ix *Index) Rows() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.ids)
}

func (ix *Index) checkVector(v []float32) error {
	if len(v) != ix.dim {
		return invalid("bad_dimension", "embedding has %d values; want %d", len(v), ix.dim)
	}
	if !finite(v) {
		return invalid("bad_embedding", "embedding has a value that is not finite")
	}
	return nil
}

func checkID(id string) error {
	if len(id) == 0 || len(id) > MaxIDLen {
		return invalid("bad_id", "id is %d bytes; want 1..%d", len(id), MaxIDLen)
	}
	return nil
}

// Add enrols one template. An id that is already live is a conflict. On a
// disk-backed index the change is logged and synced before it is applied.
func (ix *Index) Add(id string, v []float32) error {
	return ix.AddBatch([]string{id}, [][]float32{v})
}

// AddBatch enrols several templates with one log sync. Either all are added
// or none.
func (ix *Index) AddBatch(ids []string, vs [][]float32) error {
	if len(ids) != len(vs) {
		return invalid("bad_batch", "%d ids for %d embeddings", len(ids), len(vs))
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if err := checkID(id); err != nil {
			return err
		}
		if err := ix.checkVector(vs[i]); err != nil {
			return err
		}
		if _, ok := ix.byID[id]; ok || seen[id] {
			return errkind.New(errkind.ErrConflict, "duplicate_id", "the id is already enrolled")
		}
		seen[id] = true
	}
	if ix.log != nil {
		if err := ix.log.appendAdds(ix.seq+1, ids, vs); err != nil {
			return err
		}
	}
	ix.seq += uint64(len(ids))
	ix.appendRows(ids, vs)
	return nil
}

func (ix *Index) grow(n int) {
	need := len(ix.ids) + n
	if cap(ix.ids) >= need && cap(ix.vecs) >= need*ix.dim && cap(ix.q8) >= need*ix.dim && cap(ix.codes) >= need*ix.words {
		return
	}
	c := max(need, 2*len(ix.ids))
	ix.ids = growTo(ix.ids, c)
	ix.vecs = growTo(ix.vecs, c*ix.dim)
	ix.q8 = growTo(ix.q8, c*ix.dim)
	ix.codes = growTo(ix.codes, c*ix.words)
	ix.qscale, ix.cnorm, ix.xmean, ix.norm = growTo(ix.qscale, c), growTo(ix.cnorm, c), growTo(ix.xmean, c), growTo(ix.norm, c)
	ix.dead = growTo(ix.dead, c)
}

// growTo returns s with capacity for at least n elements.
func growTo[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s
	}
	return slices.Grow(s, n-len(s))
}

// appendRow stores a checked template; the caller holds the write lock.
func (ix *Index) appendRow(id string, v []float32) {
	ix.appendRows([]string{id}, [][]float32{v})
}

// appendRows stores checked templates with new ids; the caller holds the
// write lock. Large batches derive their codes and 8-bit vectors on all
// CPUs (rows are independent).
func (ix *Index) appendRows(ids []string, vs [][]float32) {
	start, n, d, w := len(ix.ids), len(ids), ix.dim, ix.words
	ix.grow(n)
	end := start + n
	ix.ids = append(ix.ids, ids...)
	ix.vecs, ix.q8, ix.codes = ix.vecs[:end*d], ix.q8[:end*d], ix.codes[:end*w]
	ix.qscale, ix.cnorm, ix.xmean, ix.norm, ix.dead = ix.qscale[:end], ix.cnorm[:end], ix.xmean[:end], ix.norm[:end], ix.dead[:end]
	fill := func(lo, hi int) {
		centred := make([]float32, d)
		for i := lo; i < hi; i++ {
			ix.fillRow(start+i, vs[i], centred)
		}
	}
	const perWorker = 2048
	if p := min(runtime.GOMAXPROCS(0), n/perWorker); p > 1 {
		parallel(p, func(k int) { fill(n*k/p, n*(k+1)/p) })
	} else {
		fill(0, n)
	}
	for i, id := range ids {
		ix.byID[id] = start + i
	}
	ix.live += n
}

// fillRow writes the stored and derived fields of one row.
func (ix *Index) fillRow(row int, v, centred []float32) {
	d := ix.dim
	copy(ix.vecs[row*d:(row+1)*d], v)
	var cn, xm, nn float32
	for i, x := range v {
		c := x - ix.mean[i]
		centred[i] = c
		cn += c * c
		xm += x * ix.mean[i]
		nn += x * x
	}
	ix.cnorm[row], ix.xmean[row], ix.norm[row] = cn, xm, float32(math.Sqrt(float64(nn)))
	ix.qscale[row] = quantise(ix.q8[row*d:(row+1)*d], centred)
	ix.encode(ix.codes[row*ix.words:(row+1)*ix.words], centred)
	ix.dead[row] = false
}

// Delete removes a template: it is never returned again and is dropped from
// the file at the next Checkpoint or Compact. Deleting an unknown id is
// ErrNotFound.
func (ix *Index) Delete(id string) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	row, ok := ix.byID[id]
	if !ok {
		return errkind.New(errkind.ErrNotFound, "unknown_id", "no such id in the index")
	}
	if ix.log != nil {
		if err := ix.log.appendDelete(ix.seq+1, id); err != nil {
			return err
		}
	}
	ix.seq++
	ix.dead[row] = true
	delete(ix.byID, id)
	ix.live--
	return nil
}

// Contains reports whether id is live.
func (ix *Index) Contains(id string) bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	_, ok := ix.byID[id]
	return ok
}

// Compact drops deleted rows from memory and gives back the spare capacity
// that appends keep. Searches wait while it runs.
func (ix *Index) Compact() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.compactLocked()
	ix.trimLocked()
}

func (ix *Index) compactLocked() {
	if ix.live == len(ix.ids) {
		return
	}
	d, w := ix.dim, ix.words
	out := 0
	for row := range ix.ids {
		if ix.dead[row] {
			continue
		}
		if out != row {
			ix.ids[out] = ix.ids[row]
			copy(ix.vecs[out*d:(out+1)*d], ix.vecs[row*d:(row+1)*d])
			copy(ix.q8[out*d:(out+1)*d], ix.q8[row*d:(row+1)*d])
			copy(ix.codes[out*w:(out+1)*w], ix.codes[row*w:(row+1)*w])
			ix.qscale[out], ix.cnorm[out], ix.xmean[out], ix.norm[out] = ix.qscale[row], ix.cnorm[row], ix.xmean[row], ix.norm[row]
			ix.dead[out] = false
			ix.byID[ix.ids[out]] = out
		}
		out++
	}
	clear(ix.ids[out:]) // let the strings go
	ix.ids, ix.vecs, ix.q8, ix.codes = ix.ids[:out], ix.vecs[:out*d], ix.q8[:out*d], ix.codes[:out*w]
	ix.qscale, ix.cnorm, ix.xmean, ix.norm, ix.dead = ix.qscale[:out], ix.cnorm[:out], ix.xmean[:out], ix.norm[:out], ix.dead[:out]
}

// trimLocked gives back the growth headroom of the row arrays.
func (ix *Index) trimLocked() {
	ix.ids, ix.vecs, ix.q8, ix.codes = slices.Clip(ix.ids), slices.Clone(ix.vecs), slices.Clone(ix.q8), slices.Clone(ix.codes)
	ix.qscale, ix.cnorm, ix.xmean, ix.norm = slices.Clone(ix.qscale), slices.Clone(ix.cnorm), slices.Clone(ix.xmean), slices.Clone(ix.norm)
	ix.dead = slices.Clone(ix.dead)
	ix.ids = slices.Clone(ix.ids)
}

// MeanOf returns the mean of sample, for Options.Mean.
func MeanOf(sample [][]float32) []float32 {
	if len(sample) == 0 {
		return nil
	}
	sum := make([]float64, len(sample[0]))
	for _, v := range sample {
		for i := range sum {
			sum[i] += float64(v[i])
		}
	}
	m := make([]float32, len(sum))
	for i, s := range sum {
		m[i] = float32(s / float64(len(sample)))
	}
	return m
}

// shards splits rows [0, n) into contiguous ranges, one per usable CPU,
// none smaller than minShard rows.
func shards(n int) [][2]int {
	const minShard = 16384
	p := min(runtime.GOMAXPROCS(0), max(1, n/minShard))
	out := make([][2]int, p)
	for i := range p {
		out[i] = [2]int{n * i / p, n * (i + 1) / p}
	}
	return out
}
