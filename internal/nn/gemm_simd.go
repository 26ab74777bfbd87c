//go:build goexperiment.simd && amd64

package nn

import (
	"simd/archsimd"
	"unsafe"
)

var (
	gemmImpl gemmKernel = gemmGo
	gemmName            = "go"
)

// simd512 reports whether the Winograd transforms also use 16-lane AVX-512
// vectors (with the same operations in the same order as the 8-lane ones).
var simd512 bool

func init() {
	if archsimd.X86.AVX2() && archsimd.X86.FMA() {
		gemmImpl = gemmSIMD
		gemmName = "archsimd"
		simd512 = archsimd.X86.AVX512()
	}
}

// gemmSIMD tiles C into 4×16 blocks held in eight AVX registers; each step
// loads 16 values of a B row once and feeds four broadcast A values through
// FMA. Column and row remainders fall back to 8-wide and scalar code.
func gemmSIMD(i0, i1, n, k int, a, b, c []float32) {
	n16 := n &^ 15
	n8 := n &^ 7
	i := i0
	for ; i+4 <= i1; i += 4 {
		a0 := a[i*k : i*k+k]
		a1 := a[(i+1)*k : (i+1)*k+k]
		a2 := a[(i+2)*k : (i+2)*k+k]
		a3 := a[(i+3)*k : (i+3)*k+k]
		for j := 0; j < n16; j += 16 {
			var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x8
			for p := 0; p < k; p++ {
				bp := b[p*n+j : p*n+j+16]
				b0 := archsimd.LoadFloat32x8Slice(bp)
				b1 := archsimd.LoadFloat32x8Slice(bp[8:])
				x := archsimd.BroadcastFloat32x8(a0[p])
				c00 = b0.MulAdd(x, c00)
				c01 = b1.MulAdd(x, c01)
				x = archsimd.BroadcastFloat32x8(a1[p])
				c10 = b0.MulAdd(x, c10)
				c11 = b1.MulAdd(x, c11)
				x = archsimd.BroadcastFloat32x8(a2[p])
				c20 = b0.MulAdd(x, c20)
				c21 = b1.MulAdd(x, c21)
				x = archsimd.BroadcastFloat32x8(a3[p])
				c30 = b0.MulAdd(x, c30)
				c31 = b1.MulAdd(x, c31)
			}
			c00.StoreSlice(c[i*n+j:])
			c01.StoreSlice(c[i*n+j+8:])
			c10.StoreSlice(c[(i+1)*n+j:])
			c11.StoreSlice(c[(i+1)*n+j+8:])
			c20.StoreSlice(c[(i+2)*n+j:])
			c21.StoreSlice(c[(i+2)*n+j+8:])
			c30.StoreSlice(c[(i+3)*n+j:])
			c31.StoreSlice(c[(i+3)*n+j+8:])
		}
		for j := n16; j < n8; j += 8 {
			var c0, c1, c2, c3 archsimd.Float32x8
			for p := 0; p < k; p++ {
				b0 := archsimd.LoadFloat32x8Slice(b[p*n+j : p*n+j+8])
				c0 = b0.MulAdd(archsimd.BroadcastFloat32x8(a0[p]), c0)
				c1 = b0.MulAdd(archsimd.BroadcastFloat32x8(a1[p]), c1)
				c2 = b0.MulAdd(archsimd.BroadcastFloat32x8(a2[p]), c2)
				c3 = b0.MulAdd(archsimd.BroadcastFloat32x8(a3[p]), c3)
			}
			c0.StoreSlice(c[i*n+j:])
			c1.StoreSlice(c[(i+1)*n+j:])
			c2.StoreSlice(c[(i+2)*n+j:])
			c3.StoreSlice(c[(i+3)*n+j:])
		}
		for r := i; r < i+4; r++ {
			gemmTail(r, n8, n, k, a, b, c)
		}
	}
	for ; i < i1; i++ {
		ar := a[i*k : i*k+k]
		for j := 0; j < n8; j += 8 {
			var acc archsimd.Float32x8
			for p, av := range ar {
				acc = archsimd.LoadFloat32x8Slice(b[p*n+j:p*n+j+8]).MulAdd(archsimd.BroadcastFloat32x8(av), acc)
			}
			acc.StoreSlice(c[i*n+j:])
		}
		gemmTail(i, n8, n, k, a, b, c)
	}
}

// gemmTail computes C[r, j0:n] with scalar code.
func gemmTail(r, j0, n, k int, a, b, c []float32) {
	if j0 >= n {
		return
	}
	cr := c[r*n+j0 : r*n+n]
	clear(cr)
	ar := a[r*k : r*k+k]
	for p, av := range ar {
		br := b[p*n+j0 : p*n+n]
		for j, bv := range br {
			cr[j] += av * bv
		}
	}
}

// gemmPackedImpl walks B panel by panel (each stays in cache while the rows
// of A stream past) with a 4×16 register tile. Every output is one FMA chain
// over p = 0..k-1 in order, so all tile shapes round identically.
func gemmPackedImpl(i0, i1 int, a []float32, pb *PackedB, c []float32, ep *GemmEpilogue) {
	if gemmName != "archsimd" {
		gemmGoEpilogue(i0, i1, a, pb, c, ep)
		return
	}
	k, n := pb.K, pb.N
	if k == 0 || i0 >= i1 {
		gemmGoEpilogue(i0, i1, a, pb, c, ep)
		return
	}
	var tmp [4 * PanelWidth]float32
	for jp := 0; jp*PanelWidth < n; jp++ {
		panel := pb.panels[jp*k*PanelWidth : (jp+1)*k*PanelWidth]
		j := jp * PanelWidth
		w := min(PanelWidth, n-j)
		i := i0
		for ; i+4 <= i1; i += 4 {
			if w == PanelWidth {
				tile4x16(k, a[i*k:(i+4)*k], panel, c[i*n+j:], n, ep, j)
				continue
			}
			tile4x16(k, a[i*k:(i+4)*k], panel, tmp[:], PanelWidth, nil, 0)
			for r := 0; r < 4; r++ {
				row := c[(i+r)*n+j : (i+r)*n+j+w]
				copy(row, tmp[r*PanelWidth:])
				if ep != nil {
					ep.applyRow(row, j)
				}
			}
		}
		for ; i < i1; i++ {
			tile1x16(k, a[i*k:(i+1)*k], panel, tmp[:])
			row := c[i*n+j : i*n+j+w]
			copy(row, tmp[:w])
			if ep != nil {
				ep.applyRow(row, j)
			}
		}
	}
}

// tile4x16 computes the 4×16 block of C whose rows of A are a (4 rows of k)
// and whose B panel is panel (k rows of 16), stores it at c with row stride
// ldc and then applies ep (columns j..j+15; may be nil).
//
// The loop addresses A and B through unsafe pointers, after checking both
// slices cover the whole loop: bounds checks and index arithmetic otherwise
// cost as many instructions as the eight FMAs per step. Eight accumulators,
// two B vectors, four broadcasts (the scheduler hoists them all) and one copy
// fill the fifteen YMM registers Go allocates (X15 is reserved), so this is
// the largest tile that does not spill: 6×16 and 3×24 spill and run slower.
func tile4x16(k int, a, panel, c []float32, ldc int, ep *GemmEpilogue, j int) {
	if len(a) < 4*k || len(panel) < k*PanelWidth || k <= 0 {
		panic("nn: tile4x16 slices too short")
	}
	// One pointer per row of A: their loads then need no address
	// arithmetic (an archsimd broadcast takes only base+offset addresses).
	p0 := unsafe.Pointer(unsafe.SliceData(a))
	p1 := unsafe.Add(p0, 4*k)
	p2 := unsafe.Add(p0, 8*k)
	p3 := unsafe.Add(p0, 12*k)
	pb := unsafe.Pointer(unsafe.SliceData(panel))
	var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x8
	for p := 0; ; {
		b0 := archsimd.LoadFloat32x8((*[8]float32)(pb))
		b1 := archsimd.LoadFloat32x8((*[8]float32)(unsafe.Add(pb, 32)))
		x := archsimd.BroadcastFloat32x8(*(*float32)(p0))
		c00 = x.MulAdd(b0, c00)
		c01 = x.MulAdd(b1, c01)
		x = archsimd.BroadcastFloat32x8(*(*float32)(p1))
		c10 = x.MulAdd(b0, c10)
		c11 = x.MulAdd(b1, c11)
		x = archsimd.BroadcastFloat32x8(*(*float32)(p2))
		c20 = x.MulAdd(b0, c20)
		c21 = x.MulAdd(b1, c21)
		x = archsimd.BroadcastFloat32x8(*(*float32)(p3))
		c30 = x.MulAdd(b0, c30)
		c31 = x.MulAdd(b1, c31)
		// Stop before stepping past the slices: a pointer beyond its
		// allocation is invalid even if never read (checkptr rejects it).
		if p++; p == k {
			break
		}
		p0, p1, p2, p3 = unsafe.Add(p0, 4), unsafe.Add(p1, 4), unsafe.Add(p2, 4), unsafe.Add(p3, 4)
		pb = unsafe.Add(pb, 4*PanelWidth)
	}
	c00.StoreSlice(c[0:])
	c01.StoreSlice(c[8:])
	c10.StoreSlice(c[ldc:])
	c11.StoreSlice(c[ldc+8:])
	c20.StoreSlice(c[2*ldc:])
	c21.StoreSlice(c[2*ldc+8:])
	c30.StoreSlice(c[3*ldc:])
	c31.StoreSlice(c[3*ldc+8:])
	if ep != nil {
		ep.tile4x16(c, ldc, j)
	}
}

// tile4x16 applies the epilogue to a stored 4×16 tile (columns j..j+15) while
// it is in L1. Doing it on the registers inside the GEMM loop's function would
// keep the epilogue's constants live across the loop and force a spill there.
//
//go:noinline
func (e *GemmEpilogue) tile4x16(c []float32, ldc, j int) {
	lo, hi := e.vectors(j)
	for r := 0; r < 4; r++ {
		row := c[r*ldc : r*ldc+PanelWidth]
		e.vec(archsimd.LoadFloat32x8Slice(row[0:8]), lo).StoreSlice(row[0:8])
		e.vec(archsimd.LoadFloat32x8Slice(row[8:16]), hi).StoreSlice(row[8:16])
	}
}

// tile1x16 is tile4x16 for one row, without epilogue, stored to out[:16].
// Its two FMA chains are latency-bound; it only handles the m mod 4 rows.
func tile1x16(k int, a, panel, out []float32) {
	if len(a) < k || len(panel) < k*PanelWidth || k <= 0 {
		panic("nn: tile1x16 slices too short")
	}
	pa := unsafe.Pointer(unsafe.SliceData(a))
	pb := unsafe.Pointer(unsafe.SliceData(panel))
	var c0, c1 archsimd.Float32x8
	for p := 0; ; {
		x := archsimd.BroadcastFloat32x8(*(*float32)(pa))
		c0 = x.MulAdd(archsimd.LoadFloat32x8((*[8]float32)(pb)), c0)
		c1 = x.MulAdd(archsimd.LoadFloat32x8((*[8]float32)(unsafe.Add(pb, 32))), c1)
		if p++; p == k {
			break
		}
		pa = unsafe.Add(pa, 4)
		pb = unsafe.Add(pb, 4*PanelWidth)
	}
	c0.StoreSlice(out[0:])
	c1.StoreSlice(out[8:])
}

// mulAddVec is acc[i] += x[i]·w[i], eight lanes at a time. Unlike the GEMM it
// multiplies and adds separately (no FMA) so depthwise results round like tfjs.
func mulAddVec(acc, x, w []float32) {
	if gemmName != "archsimd" {
		mulAddGo(acc, x, w)
		return
	}
	n := len(acc)
	x, w = x[:n], w[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		a := archsimd.LoadFloat32x8Slice(acc[i : i+8])
		p := archsimd.LoadFloat32x8Slice(x[i : i+8]).Mul(archsimd.LoadFloat32x8Slice(w[i : i+8]))
		a.Add(p).StoreSlice(acc[i : i+8])
	}
	for ; i < n; i++ {
		acc[i] += x[i] * w[i]
	}
}

// epiVectors are the epilogue's per-column vectors for eight columns.
type epiVectors struct {
	add1, mul, add2 archsimd.Float32x8
}

// vectors loads the epilogue vectors for columns j..j+7 and j+8..j+15.
func (e *GemmEpilogue) vectors(j int) (lo, hi epiVectors) {
	load := func(v []float32, off int) archsimd.Float32x8 {
		if v == nil {
			return archsimd.Float32x8{}
		}
		return archsimd.LoadFloat32x8Slice(v[off : off+8])
	}
	lo = epiVectors{load(e.Add1, j), load(e.Mul, j), load(e.Add2, j)}
	hi = epiVectors{load(e.Add1, j+8), load(e.Mul, j+8), load(e.Add2, j+8)}
	return lo, hi
}

// vec applies the epilogue to eight columns, with the same float32 rounding
// at each step as applyRow (separate adds and multiplies, no FMA).
func (e *GemmEpilogue) vec(x archsimd.Float32x8, v epiVectors) archsimd.Float32x8 {
	if e.Add1 != nil {
		x = x.Add(v.add1)
	}
	if e.Mul != nil {
		x = x.Mul(v.mul)
	}
	if e.Add2 != nil {
		x = x.Add(v.add2)
	}
	switch e.Act {
	case Relu:
		x = x.Max(archsimd.Float32x8{})
	case Leaky:
		m := x.Mul(archsimd.BroadcastFloat32x8(0.10000000149011612))
		x = x.Sub(m).Max(archsimd.Float32x8{}).Add(m)
	}
	return x
}

// The Winograd transform helpers, eight lanes at a time.
func vecAdd(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		archsimd.LoadFloat32x8Slice(a[i : i+8]).Add(archsimd.LoadFloat32x8Slice(b[i : i+8])).StoreSlice(dst[i : i+8])
	}
	vecAddGo(dst[i:], a[i:], b[i:])
}

func vecSub(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		archsimd.LoadFloat32x8Slice(a[i : i+8]).Sub(archsimd.LoadFloat32x8Slice(b[i : i+8])).StoreSlice(dst[i : i+8])
	}
	vecSubGo(dst[i:], a[i:], b[i:])
}

func vecAdd3(dst, a, b, c []float32) {
	n := len(dst)
	a, b, c = a[:n], b[:n], c[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		s := archsimd.LoadFloat32x8Slice(a[i : i+8]).Add(archsimd.LoadFloat32x8Slice(b[i : i+8]))
		s.Add(archsimd.LoadFloat32x8Slice(c[i : i+8])).StoreSlice(dst[i : i+8])
	}
	vecAdd3Go(dst[i:], a[i:], b[i:], c[i:])
}

func vecSubSub(dst, a, b, c []float32) {
	n := len(dst)
	a, b, c = a[:n], b[:n], c[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		s := archsimd.LoadFloat32x8Slice(a[i : i+8]).Sub(archsimd.LoadFloat32x8Slice(b[i : i+8]))
		s.Sub(archsimd.LoadFloat32x8Slice(c[i : i+8])).StoreSlice(dst[i : i+8])
	}
	vecSubSubGo(dst[i:], a[i:], b[i:], c[i:])
}

// applyRowVec is applyRow eight columns at a time.
func (e *GemmEpilogue) applyRowVec(row []float32, j int) {
	if gemmName != "archsimd" {
		e.applyRow(row, j)
		return
	}
	load := func(v []float32, off int) archsimd.Float32x8 {
		if v == nil {
			return archsimd.Float32x8{}
		}
		return archsimd.LoadFloat32x8Slice(v[off : off+8])
	}
	i := 0
	for ; i+8 <= len(row); i += 8 {
		v := epiVectors{load(e.Add1, j+i), load(e.Mul, j+i), load(e.Add2, j+i)}
		e.vec(archsimd.LoadFloat32x8Slice(row[i:i+8]), v).StoreSlice(row[i : i+8])
	}
	e.applyRow(row[i:], j+i)
}

// vecMaxInto is acc = max(acc, x), eight lanes at a time (inputs are finite;
// VMAXPS differs from Go's max only for NaN).
func vecMaxInto(acc, x []float32) {
	n := len(acc)
	x = x[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		archsimd.LoadFloat32x8Slice(acc[i : i+8]).Max(archsimd.LoadFloat32x8Slice(x[i : i+8])).StoreSlice(acc[i : i+8])
	}
	vecMaxIntoGo(acc[i:], x[i:])
}

// winoInput is winoInputGo with each eight-channel group transformed in
// registers: the same additions in the same order, without a function call
// and a temporary row per step.
func winoInput(v []float32, tiles, t, c int, d *[16][]float32, tmp []float32) {
	c8 := 0
	if gemmName == "archsimd" {
		c8 = c &^ 7
	}
	ch := 0
	if simd512 {
		ch = winoInput16(v, tiles, t, c, d)
	}
	for ; ch < c8; ch += 8 {
		var x [16]archsimd.Float32x8
		for i := range x {
			x[i] = archsimd.LoadFloat32x8Slice(d[i][ch : ch+8])
		}
		// Rows: x[r][s] ← (Bᵀ·d)[r][s], column by column.
		for s := 0; s < 4; s++ {
			d0, d1, d2, d3 := x[s], x[4+s], x[8+s], x[12+s]
			x[s], x[4+s], x[8+s], x[12+s] = d0.Sub(d2), d1.Add(d2), d2.Sub(d1), d1.Sub(d3)
		}
		// Columns: V[r][s] = (tmp·B)[r][s].
		for r := 0; r < 4; r++ {
			t0, t1, t2, t3 := x[4*r], x[4*r+1], x[4*r+2], x[4*r+3]
			base := (r*4*tiles+t)*c + ch
			step := tiles * c
			t0.Sub(t2).StoreSlice(v[base : base+8])
			t1.Add(t2).StoreSlice(v[base+step : base+step+8])
			t2.Sub(t1).StoreSlice(v[base+2*step : base+2*step+8])
			t1.Sub(t3).StoreSlice(v[base+3*step : base+3*step+8])
		}
	}
	if c8 < c {
		winoInputGo(v, tiles, t, c, c8, c, d, tmp)
	}
}

// winoOutput is winoOutputGo with each eight-channel group folded in
// registers, the epilogue included (same operations, same order).
func winoOutput(dst *[4][]float32, m []float32, tiles, t, co int, otmp []float32, ep *GemmEpilogue) {
	c8 := 0
	if gemmName == "archsimd" {
		c8 = co &^ 7
	}
	step := tiles * co
	ch := 0
	if simd512 {
		ch = winoOutput16(dst, m, tiles, t, co, ep)
	}
	for ; ch < c8; ch += 8 {
		base := t*co + ch
		mv := func(r, s int) archsimd.Float32x8 {
			o := base + (r*4+s)*step
			return archsimd.LoadFloat32x8Slice(m[o : o+8])
		}
		// Rows: o0[s] = (Aᵀ·M)[0][s], o1[s] = (Aᵀ·M)[1][s].
		var o0, o1 [4]archsimd.Float32x8
		for s := 0; s < 4; s++ {
			m0, m1, m2, m3 := mv(0, s), mv(1, s), mv(2, s), mv(3, s)
			o0[s] = m0.Add(m1).Add(m2)
			o1[s] = m1.Sub(m2).Sub(m3)
		}
		var ev epiVectors
		if ep != nil {
			ev = ep.vectors8(ch)
		}
		for i, row := range [2]*[4]archsimd.Float32x8{&o0, &o1} {
			for j := 0; j < 2; j++ {
				out := dst[2*i+j]
				if out == nil {
					continue
				}
				var y archsimd.Float32x8
				if j == 0 {
					y = row[0].Add(row[1]).Add(row[2])
				} else {
					y = row[1].Sub(row[2]).Sub(row[3])
				}
				if ep != nil {
					y = ep.vec(y, ev)
				}
				y.StoreSlice(out[ch : ch+8])
			}
		}
	}
	if c8 < co {
		winoOutputGo(dst, m, tiles, t, co, c8, co, otmp, ep)
	}
}

// vectors8 loads the epilogue vectors for columns j..j+7.
func (e *GemmEpilogue) vectors8(j int) epiVectors {
	load := func(v []float32) archsimd.Float32x8 {
		if v == nil {
			return archsimd.Float32x8{}
		}
		return archsimd.LoadFloat32x8Slice(v[j : j+8])
	}
	return epiVectors{load(e.Add1), load(e.Mul), load(e.Add2)}
}

// depthwiseVec computes DepthwiseConv2D into out (zeroed, [1,oh,ow,C]) when
// C is a multiple of eight, keeping each eight-channel sum in a register
// across the window. It reports false (and does nothing) otherwise. The sum
// starts at zero and adds x·w tap by tap, skipping taps outside the input,
// with a separate multiply and add, exactly like the portable loop.
func depthwiseVec(x *Tensor, f *Filter, stride int, pads Pads, out *Tensor) bool {
	h, w, c := x.dims4()
	if gemmName != "archsimd" || c%8 != 0 {
		return false
	}
	oh, ow := out.Shape[1], out.Shape[2]
	xd, wd, od := x.Data, f.W, out.Data
	for oy := 0; oy < oh; oy++ {
		iy0 := oy*stride - pads.Top
		ky0, ky1 := max(0, -iy0), min(f.KH, h-iy0)
		for ox := 0; ox < ow; ox++ {
			ix0 := ox*stride - pads.Left
			kx0, kx1 := max(0, -ix0), min(f.KW, w-ix0)
			o := (oy*ow + ox) * c
			for ch := 0; ch < c; ch += 8 {
				var acc archsimd.Float32x8
				for ky := ky0; ky < ky1; ky++ {
					xrow := ((iy0+ky)*w + ix0) * c
					wrow := ky * f.KW * c
					for kx := kx0; kx < kx1; kx++ {
						xo := xrow + kx*c + ch
						wo := wrow + kx*c + ch
						p := archsimd.LoadFloat32x8Slice(xd[xo : xo+8]).Mul(archsimd.LoadFloat32x8Slice(wd[wo : wo+8]))
						acc = acc.Add(p)
					}
				}
				acc.StoreSlice(od[o+ch : o+ch+8])
			}
		}
	}
	return true
}

// addReLU is x = max(x + y, 0), eight lanes at a time (VMAXPS returns +0
// for max(-0, +0), as Go's max does).
func addReLU(x, y []float32) {
	n := len(x)
	y = y[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		s := archsimd.LoadFloat32x8Slice(x[i : i+8]).Add(archsimd.LoadFloat32x8Slice(y[i : i+8]))
		s.Max(archsimd.Float32x8{}).StoreSlice(x[i : i+8])
	}
	addReLUGo(x[i:], y[i:])
}

// winoInput16 is winoInput's loop with sixteen channels at a time, for the
// channels [0, c&^15); it returns c&^15.
func winoInput16(v []float32, tiles, t, c int, d *[16][]float32) int {
	c16 := c &^ 15
	for ch := 0; ch < c16; ch += 16 {
		var x [16]archsimd.Float32x16
		for i := range x {
			x[i] = archsimd.LoadFloat32x16Slice(d[i][ch : ch+16])
		}
		for s := 0; s < 4; s++ {
			d0, d1, d2, d3 := x[s], x[4+s], x[8+s], x[12+s]
			x[s], x[4+s], x[8+s], x[12+s] = d0.Sub(d2), d1.Add(d2), d2.Sub(d1), d1.Sub(d3)
		}
		for r := 0; r < 4; r++ {
			t0, t1, t2, t3 := x[4*r], x[4*r+1], x[4*r+2], x[4*r+3]
			base := (r*4*tiles+t)*c + ch
			step := tiles * c
			t0.Sub(t2).StoreSlice(v[base : base+16])
			t1.Add(t2).StoreSlice(v[base+step : base+step+16])
			t2.Sub(t1).StoreSlice(v[base+2*step : base+2*step+16])
			t1.Sub(t3).StoreSlice(v[base+3*step : base+3*step+16])
		}
	}
	return c16
}

// winoOutput16 is winoOutput's loop with sixteen channels at a time, for
// the channels [0, co&^15); it returns co&^15.
func winoOutput16(dst *[4][]float32, m []float32, tiles, t, co int, ep *GemmEpilogue) int {
	c16 := co &^ 15
	step := tiles * co
	for ch := 0; ch < c16; ch += 16 {
		base := t*co + ch
		mv := func(r, s int) archsimd.Float32x16 {
			o := base + (r*4+s)*step
			return archsimd.LoadFloat32x16Slice(m[o : o+16])
		}
		var o0, o1 [4]archsimd.Float32x16
		for s := 0; s < 4; s++ {
			m0, m1, m2, m3 := mv(0, s), mv(1, s), mv(2, s), mv(3, s)
			o0[s] = m0.Add(m1).Add(m2)
			o1[s] = m1.Sub(m2).Sub(m3)
		}
		var ev epiVectors16
		if ep != nil {
			ev = ep.vectors16(ch)
		}
		for i, row := range [2]*[4]archsimd.Float32x16{&o0, &o1} {
			for j := 0; j < 2; j++ {
				out := dst[2*i+j]
				if out == nil {
					continue
				}
				var y archsimd.Float32x16
				if j == 0 {
					y = row[0].Add(row[1]).Add(row[2])
				} else {
					y = row[1].Sub(row[2]).Sub(row[3])
				}
				if ep != nil {
					y = ep.vec16(y, ev)
				}
				y.StoreSlice(out[ch : ch+16])
			}
		}
	}
	return c16
}

// epiVectors16 are the epilogue's per-column vectors for sixteen columns.
type epiVectors16 struct {
	add1, mul, add2 archsimd.Float32x16
}

// vectors16 loads the epilogue vectors for columns j..j+15.
func (e *GemmEpilogue) vectors16(j int) epiVectors16 {
	load := func(v []float32) archsimd.Float32x16 {
		if v == nil {
			return archsimd.Float32x16{}
		}
		return archsimd.LoadFloat32x16Slice(v[j : j+16])
	}
	return epiVectors16{load(e.Add1), load(e.Mul), load(e.Add2)}
}

// vec16 is vec for sixteen columns.
func (e *GemmEpilogue) vec16(x archsimd.Float32x16, v epiVectors16) archsimd.Float32x16 {
	if e.Add1 != nil {
		x = x.Add(v.add1)
	}
	if e.Mul != nil {
		x = x.Mul(v.mul)
	}
	if e.Add2 != nil {
		x = x.Add(v.add2)
	}
	switch e.Act {
	case Relu:
		x = x.Max(archsimd.Float32x16{})
	case Leaky:
		m := x.Mul(archsimd.BroadcastFloat32x16(0.10000000149011612))
		x = x.Sub(m).Max(archsimd.Float32x16{}).Add(m)
	}
	return x
}

// winograd4Vectorized reports whether the F(4×4, 3×3) transforms run in
// vectors (else conv uses F(2×2, 3×3), whose scalar transforms are cheaper).
func winograd4Vectorized() bool { return gemmName == "archsimd" }

// winoInput4 is winoInput4Go with the channels in 16-lane (AVX-512) or
// 8-lane vectors where they fit.
func winoInput4(v []float32, tiles, t, c int, d *[36][]float32) {
	ch := 0
	if gemmName == "archsimd" {
		if simd512 {
			ch = winoInput4x16(v, tiles, t, c, ch, d)
		}
		ch = winoInput4x8(v, tiles, t, c, ch, d)
	}
	if ch < c {
		winoInput4Go(v, tiles, t, c, ch, c, d)
	}
}

// winoOutput4 is winoOutput4Go with the channels in 16-lane (AVX-512) or
// 8-lane vectors where they fit.
func winoOutput4(dst *[16][]float32, m []float32, tiles, t, co int, ep *GemmEpilogue) {
	ch := 0
	if gemmName == "archsimd" {
		if simd512 {
			ch = winoOutput4x16(dst, m, tiles, t, co, ch, ep)
		}
		ch = winoOutput4x8(dst, m, tiles, t, co, ch, ep)
	}
	if ch < co {
		winoOutput4Go(dst, m, tiles, t, co, ch, co, ep)
	}
}

// winoInput4x8 is winoInput4Go for the channels [ch, c) in steps of 8;
// it returns the first channel it did not do.
func winoInput4x8(v []float32, tiles, t, c, ch int, d *[36][]float32) int {
	two, four, five := archsimd.BroadcastFloat32x8(2), archsimd.BroadcastFloat32x8(4), archsimd.BroadcastFloat32x8(5)
	for ; ch+8 <= c; ch += 8 {
		var x [36]archsimd.Float32x8
		for i := range x {
			x[i] = archsimd.LoadFloat32x8Slice(d[i][ch : ch+8])
		}
		// bt6 on vectors, written out here (as a call it is too large to inline).
		for pass := 0; pass < 2; pass++ {
			st, os := 6, 1 // columns first, then rows
			if pass == 1 {
				st, os = 1, 6
			}
			for q := 0; q < 6; q++ {
				o := q * os
				d0, d1, d2, d3, d4, d5 := x[o], x[o+st], x[o+2*st], x[o+3*st], x[o+4*st], x[o+5*st]
				x[o] = d4.Sub(d2.Mul(five)).Add(d0.Mul(four))
				x[o+st] = d3.Add(d4).Sub(d1.Add(d2).Mul(four))
				x[o+2*st] = d4.Sub(d3).Add(d1.Sub(d2).Mul(four))
				x[o+3*st] = d4.Sub(d2).Add(d3.Sub(d1).Mul(two))
				x[o+4*st] = d4.Sub(d2).Sub(d3.Sub(d1).Mul(two))
				x[o+5*st] = d5.Sub(d3.Mul(five)).Add(d1.Mul(four))
			}
		}
		for i := range x {
			o := (i*tiles+t)*c + ch
			x[i].StoreSlice(v[o : o+8])
		}
	}
	return ch
}

// winoOutput4x8 is winoOutput4Go for the channels [ch, co) in steps of
// 8, the epilogue included; it returns the first channel it did not do.
func winoOutput4x8(dst *[16][]float32, m []float32, tiles, t, co, ch int, ep *GemmEpilogue) int {
	two, four, eight := archsimd.BroadcastFloat32x8(2), archsimd.BroadcastFloat32x8(4), archsimd.BroadcastFloat32x8(8)
	for ; ch+8 <= co; ch += 8 {
		var x [36]archsimd.Float32x8
		for i := range x {
			o := (i*tiles+t)*co + ch
			x[i] = archsimd.LoadFloat32x8Slice(m[o : o+8])
		}
		// at6 on vectors, written out here (as a call it is too large to inline):
		// y = Aᵀ·M column by column, then z = y·A row by row.
		var y [24]archsimd.Float32x8
		for s := 0; s < 6; s++ {
			m0, m1, m2, m3, m4, m5 := x[s], x[6+s], x[12+s], x[18+s], x[24+s], x[30+s]
			a, b := m1.Add(m2), m1.Sub(m2)
			c, d := m3.Add(m4), m3.Sub(m4)
			y[s] = m0.Add(a).Add(c)
			y[6+s] = b.Add(d.Mul(two))
			y[12+s] = a.Add(c.Mul(four))
			y[18+s] = b.Add(d.Mul(eight)).Add(m5)
		}
		var z [16]archsimd.Float32x8
		for i := 0; i < 4; i++ {
			m0, m1, m2, m3, m4, m5 := y[6*i], y[6*i+1], y[6*i+2], y[6*i+3], y[6*i+4], y[6*i+5]
			a, b := m1.Add(m2), m1.Sub(m2)
			c, d := m3.Add(m4), m3.Sub(m4)
			z[4*i] = m0.Add(a).Add(c)
			z[4*i+1] = b.Add(d.Mul(two))
			z[4*i+2] = a.Add(c.Mul(four))
			z[4*i+3] = b.Add(d.Mul(eight)).Add(m5)
		}
		var ev epiVectors
		if ep != nil {
			ev = ep.vectors8(ch)
		}
		for i, out := range dst {
			if out == nil {
				continue
			}
			r := z[i]
			if ep != nil {
				r = ep.vec(r, ev)
			}
			r.StoreSlice(out[ch : ch+8])
		}
	}
	return ch
}

// winoInput4x16 is winoInput4Go for the channels [ch, c) in steps of 16;
// it returns the first channel it did not do.
func winoInput4x16(v []float32, tiles, t, c, ch int, d *[36][]float32) int {
	two, four, five := archsimd.BroadcastFloat32x16(2), archsimd.BroadcastFloat32x16(4), archsimd.BroadcastFloat32x16(5)
	for ; ch+16 <= c; ch += 16 {
		var x [36]archsimd.Float32x16
		for i := range x {
			x[i] = archsimd.LoadFloat32x16Slice(d[i][ch : ch+16])
		}
		// bt6 on vectors, written out here (as a call it is too large to inline).
		for pass := 0; pass < 2; pass++ {
			st, os := 6, 1 // columns first, then rows
			if pass == 1 {
				st, os = 1, 6
			}
			for q := 0; q < 6; q++ {
				o := q * os
				d0, d1, d2, d3, d4, d5 := x[o], x[o+st], x[o+2*st], x[o+3*st], x[o+4*st], x[o+5*st]
				x[o] = d4.Sub(d2.Mul(five)).Add(d0.Mul(four))
				x[o+st] = d3.Add(d4).Sub(d1.Add(d2).Mul(four))
				x[o+2*st] = d4.Sub(d3).Add(d1.Sub(d2).Mul(four))
				x[o+3*st] = d4.Sub(d2).Add(d3.Sub(d1).Mul(two))
				x[o+4*st] = d4.Sub(d2).Sub(d3.Sub(d1).Mul(two))
				x[o+5*st] = d5.Sub(d3.Mul(five)).Add(d1.Mul(four))
			}
		}
		for i := range x {
			o := (i*tiles+t)*c + ch
			x[i].StoreSlice(v[o : o+16])
		}
	}
	return ch
}

// winoOutput4x16 is winoOutput4Go for the channels [ch, co) in steps of
// 16, the epilogue included; it returns the first channel it did not do.
func winoOutput4x16(dst *[16][]float32, m []float32, tiles, t, co, ch int, ep *GemmEpilogue) int {
	two, four, eight := archsimd.BroadcastFloat32x16(2), archsimd.BroadcastFloat32x16(4), archsimd.BroadcastFloat32x16(8)
	for ; ch+16 <= co; ch += 16 {
		var x [36]archsimd.Float32x16
		for i := range x {
			o := (i*tiles+t)*co + ch
			x[i] = archsimd.LoadFloat32x16Slice(m[o : o+16])
		}
		// at6 on vectors, written out here (as a call it is too large to inline):
		// y = Aᵀ·M column by column, then z = y·A row by row.
		var y [24]archsimd.Float32x16
		for s := 0; s < 6; s++ {
			m0, m1, m2, m3, m4, m5 := x[s], x[6+s], x[12+s], x[18+s], x[24+s], x[30+s]
			a, b := m1.Add(m2), m1.Sub(m2)
			c, d := m3.Add(m4), m3.Sub(m4)
			y[s] = m0.Add(a).Add(c)
			y[6+s] = b.Add(d.Mul(two))
			y[12+s] = a.Add(c.Mul(four))
			y[18+s] = b.Add(d.Mul(eight)).Add(m5)
		}
		var z [16]archsimd.Float32x16
		for i := 0; i < 4; i++ {
			m0, m1, m2, m3, m4, m5 := y[6*i], y[6*i+1], y[6*i+2], y[6*i+3], y[6*i+4], y[6*i+5]
			a, b := m1.Add(m2), m1.Sub(m2)
			c, d := m3.Add(m4), m3.Sub(m4)
			z[4*i] = m0.Add(a).Add(c)
			z[4*i+1] = b.Add(d.Mul(two))
			z[4*i+2] = a.Add(c.Mul(four))
			z[4*i+3] = b.Add(d.Mul(eight)).Add(m5)
		}
		var ev epiVectors16
		if ep != nil {
			ev = ep.vectors16(ch)
		}
		for i, out := range dst {
			if out == nil {
				continue
			}
			r := z[i]
			if ep != nil {
				r = ep.vec16(r, ev)
			}
			r.StoreSlice(out[ch : ch+16])
		}
	}
	return ch
}

// divScalar is x[i] /= s, eight lanes at a time (VDIVPS rounds each
// quotient exactly like the scalar division).
func divScalar(x []float32, s float32) {
	n := len(x)
	i := 0
	if gemmName == "archsimd" {
		d := archsimd.BroadcastFloat32x8(s)
		for ; i+8 <= n; i += 8 {
			archsimd.LoadFloat32x8Slice(x[i : i+8]).Div(d).StoreSlice(x[i : i+8])
		}
	}
	divScalarGo(x[i:], s)
}
