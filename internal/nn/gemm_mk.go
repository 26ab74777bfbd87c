package nn

import (
	"math"
	"sync"
)

// The register-blocked GEMM: C is cut into 6×16 blocks, each computed by a
// micro-kernel from six rows of A, read in place, and one packed panel of B
// (PackedB: k steps of sixteen values). On amd64 with AVX2+FMA the
// micro-kernel is assembly (gemm_amd64.s): twelve YMM accumulators, two B
// vectors and one broadcast, 20 instructions per 12 FMAs. Every element of C
// is one FMA chain over k in order, exactly like the archsimd tile, so the
// two give bit-identical results.
//
// A is not packed: at the recognition net's shapes (N = 32…256, so each
// row block meets only 2…16 panels) copying six rows into an interleaved
// block cost more instructions than the kernel saved. Only a last block of
// fewer than six rows is copied, into a zero-padded buffer.

// microKernel is the signature of the 6×16 micro-kernels.
type microKernel func(k int, a []float32, lda int, b, c []float32, ldc int, acc bool)

// microKernel32 is the signature of the 6×32 micro-kernels: columns 0..15
// of the block come from panel b0, columns 16..31 from panel b1.
type microKernel32 func(k int, a []float32, lda int, b0, b1, c []float32, ldc int, acc bool)

// mkRows and mkCols are the micro-kernel's block shape.
const (
	mkRows = 6
	mkCols = PanelWidth
)

// mkChunkBytes bounds the rows of A one pass over the B panels covers, so
// they stay in L2 while every panel runs over them.
const mkChunkBytes = 192 << 10

func checkMicroKernel(k int, a []float32, lda int, b, c []float32, ldc int) {
	checkBlock(mkRows, mkCols, k, a, lda, b, c, ldc)
}

// checkBlock checks the slices of a rows×cols micro-kernel call (b is one
// panel; a 32-column call checks each of its two panels).
func checkBlock(rows, cols, k int, a []float32, lda int, b, c []float32, ldc int) {
	if k < 0 || lda < 0 || len(a) < (rows-1)*lda+k || len(b) < mkCols*k ||
		ldc < cols || len(c) < (rows-1)*ldc+cols {
		panic("nn: GEMM micro-kernel slices too short")
	}
}

func checkMicroKernel32(k int, a []float32, lda int, b0, b1, c []float32, ldc int) {
	checkBlock(mkRows, 2*mkCols, k, a, lda, b0, c, ldc)
	checkBlock(mkRows, 2*mkCols, k, a, lda, b1, c, ldc)
}

// microKernel6x32Go is the 6×32 micro-kernel in Go: two 6×16 blocks, which
// round exactly like the AVX-512 kernel (each output is its own FMA chain).
func microKernel6x32Go(k int, a []float32, lda int, b0, b1, c []float32, ldc int, acc bool) {
	checkMicroKernel32(k, a, lda, b0, b1, c, ldc)
	microKernel6x16Go(k, a, lda, b0, c, ldc, acc)
	microKernel6x16Go(k, a, lda, b1, c[mkCols:], ldc, acc)
}

// microKernel6x16Go is the micro-kernel in Go, with the same rounding as the
// assembly (math.FMA rounds once). It is the portable fallback and the
// tests' reference.
func microKernel6x16Go(k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	checkMicroKernel(k, a, lda, b, c, ldc)
	microKernelRowsGo(mkRows, k, a, lda, b, c, ldc, acc)
}

// microKernel3x16Go and microKernel3x32Go are the 3-row kernels in Go.
func microKernel3x16Go(k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	checkBlock(3, mkCols, k, a, lda, b, c, ldc)
	microKernelRowsGo(3, k, a, lda, b, c, ldc, acc)
}

func microKernel3x32Go(k int, a []float32, lda int, b0, b1, c []float32, ldc int, acc bool) {
	checkBlock(3, 2*mkCols, k, a, lda, b0, c, ldc)
	checkBlock(3, 2*mkCols, k, a, lda, b1, c, ldc)
	microKernelRowsGo(3, k, a, lda, b0, c, ldc, acc)
	microKernelRowsGo(3, k, a, lda, b1, c[mkCols:], ldc, acc)
}

func microKernelRowsGo(rows, k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	var t [mkRows][mkCols]float32
	if acc {
		for r := range rows {
			copy(t[r][:], c[r*ldc:r*ldc+mkCols])
		}
	}
	for r := range rows {
		row := &t[r]
		for p, av := range a[r*lda : r*lda+k] {
			for j, bv := range b[p*mkCols : p*mkCols+mkCols] {
				row[j] = float32(math.FMA(float64(av), float64(bv), float64(row[j])))
			}
		}
	}
	for r := range rows {
		copy(c[r*ldc:r*ldc+mkCols], t[r][:])
	}
}

// mkSet is the micro-kernels a GEMM runs with: k6x16 always; k6x32 for
// pairs of full panels, and k3x16 and k3x32 for a last block of at most
// three rows, when not nil. All of them round alike (one FMA chain over k
// per output), so any set gives the same bits.
type mkSet struct {
	k6x16, k3x16 microKernel
	k6x32, k3x32 microKernel32
}

// mkScratch recycles the edge-row and packed-B buffers.
var mkScratch sync.Pool

func mkBuffer(n int) *[]float32 {
	bp, _ := mkScratch.Get().(*[]float32)
	if bp == nil || cap(*bp) < n {
		s := make([]float32, n)
		bp = &s
	}
	*bp = (*bp)[:n]
	return bp
}

// gemmPackedMK computes rows [i0, i1) of C = A·B (B packed) with the
// micro-kernel kern, then applies ep (may be nil) to each block while it is
// in cache. When kern32 is not nil, it computes each pair of full panels in
// one pass. Rows are taken in chunks of at most mkChunkBytes of A; within a
// chunk each B panel (or pair) runs over all of the chunk's 6-row blocks.
func gemmPackedMK(i0, i1 int, a []float32, pb *PackedB, c []float32, ep *GemmEpilogue, kern microKernel, kern32 microKernel32) {
	gemmPackedMKSet(i0, i1, a, pb, c, ep, &mkSet{k6x16: kern, k6x32: kern32})
}

// gemmPackedMKSet is gemmPackedMK with the kernels of ks.
func gemmPackedMKSet(i0, i1 int, a []float32, pb *PackedB, c []float32, ep *GemmEpilogue, ks *mkSet) {
	kern, kern32 := ks.k6x16, ks.k6x32
	k, n := pb.K, pb.N
	if k == 0 || i0 >= i1 {
		gemmGoEpilogue(i0, i1, a, pb, c, ep)
		return
	}
	full := i0 + (i1-i0)/mkRows*mkRows // rows [full, i1) form a short block
	var edge []float32
	if full < i1 {
		bp := mkBuffer(mkRows * k)
		defer mkScratch.Put(bp)
		edge = *bp
		copy(edge, a[full*k:i1*k])
		clear(edge[(i1-full)*k:])
	}
	chunk := max(1, mkChunkBytes/(4*mkRows*k)) * mkRows
	var tmp [mkRows * 2 * mkCols]float32
	for r0 := i0; r0 < i1; r0 += chunk {
		r1 := min(r0+chunk, i1)
		for jp := 0; jp*mkCols < n; {
			j := jp * mkCols
			panel := pb.panels[jp*k*mkCols : (jp+1)*k*mkCols]
			var panel1 []float32
			cols := mkCols
			if kern32 != nil && j+2*mkCols <= n {
				panel1 = pb.panels[(jp+1)*k*mkCols : (jp+2)*k*mkCols]
				cols = 2 * mkCols
			}
			w := min(cols, n-j)
			for i := r0; i < r1; i += mkRows {
				if i < full && w == cols {
					cb := c[i*n+j : (i+mkRows-1)*n+j+cols]
					ablk := a[i*k : (i+mkRows)*k]
					if panel1 != nil {
						kern32(k, ablk, k, panel, panel1, cb, n, false)
					} else {
						kern(k, ablk, k, panel, cb, n, false)
					}
					if ep != nil {
						for r := 0; r < mkRows; r++ {
							ep.applyRowVec(cb[r*n:r*n+cols], j)
						}
					}
					continue
				}
				rows := min(mkRows, i1-i)
				ablk := edge
				if i < full {
					ablk = a[i*k : (i+mkRows)*k]
				}
				switch small := rows <= 3 && ks.k3x16 != nil; {
				case panel1 != nil && small && ks.k3x32 != nil:
					ks.k3x32(k, ablk, k, panel, panel1, tmp[:], cols, false)
				case panel1 != nil:
					kern32(k, ablk, k, panel, panel1, tmp[:], cols, false)
				case small:
					ks.k3x16(k, ablk, k, panel, tmp[:], cols, false)
				default:
					kern(k, ablk, k, panel, tmp[:], cols, false)
				}
				for r := 0; r < rows; r++ {
					row := c[(i+r)*n+j : (i+r)*n+j+w]
					copy(row, tmp[r*cols:])
					if ep != nil {
						ep.applyRowVec(row, j)
					}
				}
			}
			jp += cols / mkCols
		}
	}
}

// gemmMK is Gemm through the micro-kernel: B is packed into panels first
// (into a pooled buffer), which costs k·n copies against m·n·k multiply-adds.
func gemmMK(m, n, k int, a, b, c []float32) {
	np := (n + PanelWidth - 1) / PanelWidth
	bp := mkBuffer(np * k * PanelWidth)
	pb := &PackedB{K: k, N: n, b: b[:k*n], panels: *bp}
	packPanels(pb.panels, b, k, n)
	parallelRows(m, m*n*k, func(i0, i1 int) { gemmPackedMKSet(i0, i1, a, pb, c, nil, asmKernels()) })
	mkScratch.Put(bp)
}
