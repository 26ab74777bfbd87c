package engine

import (
	"cmp"
	"slices"
	"sync"
)

// scored is a row with a distance (approximate or exact).
type scored struct {
	row  int32
	dist float32
}

// exactScored is a row with its exact distance.
type exactScored struct {
	row  int
	dist float64
}

func byExact(a, b exactScored) int {
	if c := cmp.Compare(a.dist, b.dist); c != 0 {
		return c
	}
	return cmp.Compare(a.row, b.row)
}

var distPool sync.Pool // *[]uint8, the code distances of one search

// Search returns up to k enrolled templates whose exact distance to q is at
// most threshold, closest first (math.Inf(1) returns the k closest).
func (ix *Index) Search(q []float32, k int, threshold float64) ([]Candidate, error) {
	return ix.SearchWith(q, Params{K: k, Threshold: threshold})
}

// SearchWith is Search with tuning parameters.
func (ix *Index) SearchWith(q []float32, p Params) ([]Candidate, error) {
	if err := ix.checkVector(q); err != nil {
		return nil, err
	}
	if p.K <= 0 {
		return nil, invalid("bad_k", "k is %d; want at least 1", p.K)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.live == 0 {
		return []Candidate{}, nil
	}
	shortlist := p.Shortlist
	if shortlist <= 0 {
		shortlist = DefaultShortlist(ix.live)
	}
	exact := p.Exact
	if exact <= 0 {
		exact = max(4*p.K, 32)
	}
	exact = max(exact, p.K)

	code, centred := ix.queryCode(q)
	pq := ix.prepareQuery(q, centred)
	n := len(ix.ids)
	sh := shards(n)

	var cands [][]scored
	if shortlist >= ix.live {
		// A small gallery: every live row goes to the 8-bit re-score.
		cands = make([][]scored, len(sh))
		parallel(len(sh), func(s int) {
			out := make([]scored, 0, sh[s][1]-sh[s][0])
			for row := sh[s][0]; row < sh[s][1]; row++ {
				if !ix.dead[row] {
					out = append(out, scored{int32(row), ix.approx(pq, row)})
				}
			}
			cands[s] = out
		})
	} else {
		cands = ix.codeShortlist(code, pq, sh, shortlist)
	}
	all := slices.Concat(cands...)
	if len(all) > exact {
		selectSmallest(all, exact)
		all = all[:exact]
	}
	res := make([]exactScored, 0, len(all))
	for _, c := range all {
		r := int(c.row)
		d := exactDistance(ix.opt.Metric, q, pq.norm, ix.vecs[r*ix.dim:(r+1)*ix.dim], ix.norm[r])
		if d <= p.Threshold {
			res = append(res, exactScored{r, d})
		}
	}
	slices.SortFunc(res, byExact)
	return ix.candidates(res, p.K), nil
}

func (ix *Index) candidates(res []exactScored, k int) []Candidate {
	out := make([]Candidate, 0, min(k, len(res)))
	for _, r := range res[:min(k, len(res))] {
		out = append(out, Candidate{ID: ix.ids[r.row], Distance: r.dist})
	}
	return out
}

// codeShortlist scans the codes of every row, finds the code distance that
// lets `want` live rows through (a histogram of distances, no heap) and
// returns those rows with their 8-bit distances, per shard.
func (ix *Index) codeShortlist(code []uint64, pq preparedQuery, sh [][2]int, want int) [][]scored {
	n := len(ix.ids)
	bp, _ := distPool.Get().(*[]uint8)
	if bp == nil || cap(*bp) < n {
		b := make([]uint8, n)
		bp = &b
	}
	dist := (*bp)[:n]
	defer distPool.Put(bp)

	hists := make([][deadDist]uint32, len(sh))
	parallel(len(sh), func(s int) {
		scanCodes(ix.codes, ix.words, code, ix.dead, sh[s][0], sh[s][1], dist, &hists[s])
	})
	// The cut: every row closer than `cut`, and `atCut` rows at it.
	var total [deadDist]uint32
	for s := range hists {
		for d, c := range hists[s] {
			total[d] += c
		}
	}
	cut, below := 0, 0
	for cut < deadDist-1 && below+int(total[cut]) < want {
		below += int(total[cut])
		cut++
	}
	atCut := want - below
	quota := make([]int, len(sh)) // rows at the cut each shard may take, first shards first
	for s := range sh {
		quota[s] = min(atCut, int(hists[s][cut]))
		atCut -= quota[s]
	}
	cands := make([][]scored, len(sh))
	parallel(len(sh), func(s int) {
		var c int
		for d := range cut {
			c += int(hists[s][d])
		}
		out := make([]scored, 0, c+quota[s])
		left := quota[s]
		c8 := uint8(cut)
		for row := sh[s][0]; row < sh[s][1]; row++ {
			d := dist[row]
			if d < c8 || (d == c8 && left > 0) {
				if d == c8 {
					left--
				}
				out = append(out, scored{int32(row), ix.approx(pq, row)})
			}
		}
		cands[s] = out
	})
	return cands
}

// preparedQuery holds what the 8-bit re-score needs of a probe.
type preparedQuery struct {
	q8    []int8
	step  float32
	cnorm float32 // |q − mean|²
	qmean float32 // q·mean
	norm  float32 // |q|
}

func (ix *Index) prepareQuery(q, centred []float32) preparedQuery {
	pq := preparedQuery{q8: make([]int8, ix.dim)}
	pq.step = quantise(pq.q8, centred)
	pq.cnorm = dot32(centred, centred)
	pq.qmean = dot32(q, ix.mean)
	pq.norm = norm32(q)
	return pq
}

// approx is the 8-bit estimate of the distance between the probe and row,
// in an order-preserving form (squared for Euclidean).
func (ix *Index) approx(pq preparedQuery, row int) float32 {
	dc := pq.step * ix.qscale[row] * float32(dot8(pq.q8, ix.q8[row*ix.dim:(row+1)*ix.dim]))
	if ix.opt.Metric == Cosine {
		if pq.norm == 0 || ix.norm[row] == 0 {
			return 1
		}
		return 1 - (dc+pq.qmean+ix.xmean[row]-ix.meanNorm)/(pq.norm*ix.norm[row])
	}
	return pq.cnorm + ix.cnorm[row] - 2*dc
}

// selectSmallest reorders s so that its first k elements are the k smallest
// by distance (ties by row), in no particular order (quickselect).
func selectSmallest(s []scored, k int) {
	less := func(a, b scored) bool { return a.dist < b.dist || (a.dist == b.dist && a.row < b.row) }
	lo, hi := 0, len(s)-1
	for lo < hi {
		// Median of three as the pivot.
		mid := lo + (hi-lo)/2
		if less(s[mid], s[lo]) {
			s[mid], s[lo] = s[lo], s[mid]
		}
		if less(s[hi], s[lo]) {
			s[hi], s[lo] = s[lo], s[hi]
		}
		if less(s[hi], s[mid]) {
			s[hi], s[mid] = s[mid], s[hi]
		}
		pivot := s[mid]
		i, j := lo, hi
		for i <= j {
			for less(s[i], pivot) {
				i++
			}
			for less(pivot, s[j]) {
				j--
			}
			if i <= j {
				s[i], s[j] = s[j], s[i]
				i++
				j--
			}
		}
		switch {
		case k-1 <= j:
			hi = j
		case k-1 >= i:
			lo = i
		default:
			return
		}
	}
}

// SearchExhaustive is the reference: the exact distance to every live
// template, the same result rules as Search. It is slow by design.
func (ix *Index) SearchExhaustive(q []float32, k int, threshold float64) ([]Candidate, error) {
	if err := ix.checkVector(q); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, invalid("bad_k", "k is %d; want at least 1", k)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	qnorm := norm32(q)
	sh := shards(len(ix.ids))
	best := make([][]exactScored, len(sh))
	parallel(len(sh), func(s int) {
		top := make([]exactScored, 0, k+1)
		for row := sh[s][0]; row < sh[s][1]; row++ {
			if ix.dead[row] {
				continue
			}
			d := exactDistance(ix.opt.Metric, q, qnorm, ix.vecs[row*ix.dim:(row+1)*ix.dim], ix.norm[row])
			if d > threshold || (len(top) == k && byExact(exactScored{row, d}, top[k-1]) >= 0) {
				continue
			}
			e := exactScored{row, d}
			i, _ := slices.BinarySearchFunc(top, e, byExact)
			top = slices.Insert(top, i, e)
			if len(top) > k {
				top = top[:k]
			}
		}
		best[s] = top
	})
	all := slices.Concat(best...)
	slices.SortFunc(all, byExact)
	return ix.candidates(all, k), nil
}

// parallel runs f(0..n-1), on goroutines when n > 1.
func parallel(n int, f func(int)) {
	if n == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}
