package nn

// PanelWidth is the number of B columns a packed panel holds.
const PanelWidth = 16

// PackedB is a constant right-hand matrix (a layer's weights) rearranged once
// into column panels PanelWidth wide, each panel's K rows stored contiguously
// and the last panel zero-filled, so the SIMD kernel streams it linearly.
type PackedB struct {
	K, N   int
	b      []float32 // the original row-major K×N matrix
	panels []float32
}

// PackB packs the k×n row-major matrix b (which it keeps; do not modify it).
func PackB(k, n int, b []float32) *PackedB {
	np := (n + PanelWidth - 1) / PanelWidth
	p := &PackedB{K: k, N: n, b: b[:k*n], panels: make([]float32, np*k*PanelWidth)}
	packPanels(p.panels, b, k, n)
	return p
}

// packPanels writes the k×n row-major b into dst as PanelWidth-wide column
// panels, zero-filling the last panel's missing columns.
func packPanels(dst, b []float32, k, n int) {
	np := (n + PanelWidth - 1) / PanelWidth
	for j := 0; j < np; j++ {
		panel := dst[j*k*PanelWidth : (j+1)*k*PanelWidth]
		w := min(PanelWidth, n-j*PanelWidth)
		for r := 0; r < k; r++ {
			copy(panel[r*PanelWidth:r*PanelWidth+w], b[r*n+j*PanelWidth:r*n+j*PanelWidth+w])
			clear(panel[r*PanelWidth+w : (r+1)*PanelWidth])
		}
	}
}

// GemmPacked computes C = A·B for an m×K matrix A and a packed B, overwriting
// the m×N matrix C, then applies ep (if not nil) to every row of C.
func GemmPacked(m int, a []float32, b *PackedB, c []float32, ep *GemmEpilogue) {
	if len(a) < m*b.K || len(c) < m*b.N {
		panic("nn: GemmPacked slice too short")
	}
	if ep != nil {
		ep.check(b.N)
	}
	if asmGemm {
		parallelRows(m, m*b.N*b.K, func(i0, i1 int) { gemmPackedMKSet(i0, i1, a, b, c, ep, asmKernels()) })
		return
	}
	parallelRows(m, m*b.N*b.K, func(i0, i1 int) { gemmPackedImpl(i0, i1, a, b, c, ep) })
}
