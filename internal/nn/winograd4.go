package nn

// Winograd F(4×4, 3×3): each 4×4 output tile comes from a 6×6 input tile
// through 36 GEMMs, 36 multiplies per input/output channel pair for 16
// outputs instead of 144 (F(2×2, 3×3) needs 64 for the same 16). The
// transforms (Lavin and Gray's, on the points 0, ±1, ±2, ∞) use multiplies
// by 2, 4, 5 and 8, so they round a little more than F(2×2, 3×3); the tests
// bound the difference to im2col. It runs on the larger maps, where the
// 6×6 tiles waste little and the 36 transformed filters are small.
//
// The transforms are written out operation by operation, without fused
// multiply-adds and with explicit float32 conversions (which keep the Go
// compiler from fusing), so the SIMD versions can do the same operations in
// the same order and give the same bits.

// winograd4MinPixels and winograd4MaxChannels select the layers that use
// F(4×4, 3×3): the recognition net's 35² and 17² stages, not its 8² one,
// whose transformed 128×128 filters would be 2.3 MB per layer.
const (
	winograd4MinPixels   = 256
	winograd4MaxChannels = 64
)

// useWinograd4 turns F(4×4, 3×3) on (tests and benchmarks may clear it).
var useWinograd4 = true

type winograd4 struct {
	u [36]*PackedB // transformed filter for each of the 36 tile positions
}

// winograd4For returns f's F(4×4, 3×3) weights, computing them once.
func (f *Filter) winograd4For() *winograd4 {
	f.wino4Once.Do(func() { f.wino4 = newWinograd4(f) })
	return f.wino4
}

func newWinograd4(f *Filter) *winograd4 {
	// G = [[1/4,0,0],[-1/6,-1/6,-1/6],[-1/6,1/6,-1/6],[1/24,1/12,1/6],[1/24,-1/12,1/6],[0,0,1]].
	g := [6][3]float64{
		{1.0 / 4, 0, 0},
		{-1.0 / 6, -1.0 / 6, -1.0 / 6},
		{-1.0 / 6, 1.0 / 6, -1.0 / 6},
		{1.0 / 24, 1.0 / 12, 1.0 / 6},
		{1.0 / 24, -1.0 / 12, 1.0 / 6},
		{0, 0, 1},
	}
	var u [36][]float32
	for i := range u {
		u[i] = make([]float32, f.In*f.Out)
	}
	for ci := 0; ci < f.In; ci++ {
		for co := 0; co < f.Out; co++ {
			var w [3][3]float64
			for ky := 0; ky < 3; ky++ {
				for kx := 0; kx < 3; kx++ {
					w[ky][kx] = float64(f.W[((ky*3+kx)*f.In+ci)*f.Out+co])
				}
			}
			var gw [6][3]float64 // G·w
			for r := 0; r < 6; r++ {
				for c := 0; c < 3; c++ {
					gw[r][c] = g[r][0]*w[0][c] + g[r][1]*w[1][c] + g[r][2]*w[2][c]
				}
			}
			for r := 0; r < 6; r++ {
				for s := 0; s < 6; s++ { // (G·w)·Gᵀ
					v := gw[r][0]*g[s][0] + gw[r][1]*g[s][1] + gw[r][2]*g[s][2]
					u[r*6+s][ci*f.Out+co] = float32(v)
				}
			}
		}
	}
	w := &winograd4{}
	for i := range u {
		w.u[i] = PackB(f.In, f.Out, u[i])
	}
	return w
}

// conv3x3Winograd4 is Conv2DEpilogue for a 3×3 filter with stride 1, by
// F(4×4, 3×3), in blocks of tiles like conv3x3Winograd.
func conv3x3Winograd4(x *Tensor, f *Filter, pads Pads, ep *GemmEpilogue) *Tensor {
	h, w, c := x.dims4()
	wg := f.winograd4For()
	oh := outSize(h, 3, 1, pads.Top, pads.Bottom)
	ow := outSize(w, 3, 1, pads.Left, pads.Right)
	out := New(1, oh, ow, f.Out)
	th, tw := (oh+3)/4, (ow+3)/4
	tiles := th * tw
	co := f.Out
	tb := max(mkRows, winogradBlockBytes/(4*36*(c+co))/mkRows*mkRows)
	blocks := (tiles + tb - 1) / tb
	tb = ((tiles+blocks-1)/blocks + mkRows - 1) / mkRows * mkRows

	need := 36*tb*c + 36*tb*co
	bp, _ := winogradScratch.Get().(*[]float32)
	if bp == nil || cap(*bp) < need {
		s := make([]float32, need)
		bp = &s
	}
	buf := (*bp)[:need]
	defer winogradScratch.Put(bp)
	zero := make([]float32, c)

	for t0 := 0; t0 < tiles; t0 += tb {
		nt := min(tb, tiles-t0)
		v := buf[:36*nt*c]            // V[ξ] = v[ξ*nt*c:], row i = tile t0+i
		m := buf[36*tb*c:][:36*nt*co] // M[ξ] likewise with co columns
		for t := t0; t < t0+nt; t++ {
			ty, tx := t/tw, t%tw
			var d [36][]float32
			for r := 0; r < 6; r++ {
				iy := 4*ty - pads.Top + r
				for s := 0; s < 6; s++ {
					ix := 4*tx - pads.Left + s
					if iy < 0 || iy >= h || ix < 0 || ix >= w {
						d[r*6+s] = zero
					} else {
						d[r*6+s] = x.Data[(iy*w+ix)*c : (iy*w+ix)*c+c]
					}
				}
			}
			winoInput4(v, nt, t-t0, c, &d)
		}
		for xi := 0; xi < 36; xi++ {
			GemmPacked(nt, v[xi*nt*c:(xi+1)*nt*c], wg.u[xi], m[xi*nt*co:(xi+1)*nt*co], nil)
		}
		for t := t0; t < t0+nt; t++ {
			ty, tx := t/tw, t%tw
			var dst [16][]float32 // the tile's output pixels, row-major; nil outside
			for i := 0; i < 4; i++ {
				for j := 0; j < 4; j++ {
					if oy, ox := 4*ty+i, 4*tx+j; oy < oh && ox < ow {
						dst[4*i+j] = out.Data[(oy*ow+ox)*co:][:co]
					}
				}
			}
			winoOutput4(&dst, m, nt, t-t0, co, ep)
		}
	}
	return out
}

// bt6 applies Bᵀ to the six values x[o], x[o+st], …, x[o+5·st] in place:
// Bᵀ = [[4,0,-5,0,1,0],[0,-4,-4,1,1,0],[0,4,-4,-1,1,0],
// [0,-2,-1,2,1,0],[0,2,-1,-2,1,0],[0,4,0,-5,0,1]].
func bt6(x []float32, o, st int) {
	d0, d1, d2, d3, d4, d5 := x[o], x[o+st], x[o+2*st], x[o+3*st], x[o+4*st], x[o+5*st]
	x[o] = float32(d4-float32(5*d2)) + float32(4*d0)
	x[o+st] = float32(d3+d4) - float32(4*float32(d1+d2))
	x[o+2*st] = float32(d4-d3) + float32(4*float32(d1-d2))
	x[o+3*st] = float32(d4-d2) + float32(2*float32(d3-d1))
	x[o+4*st] = float32(d4-d2) - float32(2*float32(d3-d1))
	x[o+5*st] = float32(d5-float32(5*d3)) + float32(4*d1)
}

// at6 applies Aᵀ = [[1,1,1,1,1,0],[0,1,-1,2,-2,0],[0,1,1,4,4,0],[0,1,-1,8,-8,1]]
// to the six values x[o], x[o+st], …, writing four values y[p], y[p+sp], ….
func at6(x []float32, o, st int, y []float32, p, sp int) {
	m0, m1, m2, m3, m4, m5 := x[o], x[o+st], x[o+2*st], x[o+3*st], x[o+4*st], x[o+5*st]
	a, b := m1+m2, m1-m2
	c, d := m3+m4, m3-m4
	y[p] = float32(m0+a) + c
	y[p+sp] = b + float32(2*d)
	y[p+2*sp] = a + float32(4*c)
	y[p+3*sp] = float32(b+float32(8*d)) + m5
}

// winoInput4Go writes the transformed tile t, V = Bᵀ·d·B, for channels
// [c0, c1) into v (V[ξ] at v[ξ*tiles*c:], row t). d holds the 36 input
// pixels (row-major 6×6), each a c-channel slice.
func winoInput4Go(v []float32, tiles, t, c, c0, c1 int, d *[36][]float32) {
	var x [36]float32
	for ch := c0; ch < c1; ch++ {
		for i := range x {
			x[i] = d[i][ch]
		}
		for s := 0; s < 6; s++ { // Bᵀ·d, column by column
			bt6(x[:], s, 6)
		}
		for r := 0; r < 6; r++ { // (Bᵀ·d)·B, row by row
			bt6(x[:], 6*r, 1)
		}
		for i := range x {
			v[(i*tiles+t)*c+ch] = x[i]
		}
	}
}

// winoOutput4Go folds tile t of the GEMM results m back to its 4×4 output
// pixels, Aᵀ·M·A, for channels [c0, c1), then applies ep (may be nil). dst
// holds the pixels' output slices (nil for pixels outside the image).
func winoOutput4Go(dst *[16][]float32, m []float32, tiles, t, co, c0, c1 int, ep *GemmEpilogue) {
	var x [36]float32
	var y [24]float32 // Aᵀ·M, 4×6
	var z [16]float32
	for ch := c0; ch < c1; ch++ {
		for i := range x {
			x[i] = m[(i*tiles+t)*co+ch]
		}
		for s := 0; s < 6; s++ {
			at6(x[:], s, 6, y[:], s, 6)
		}
		for i := 0; i < 4; i++ {
			at6(y[:], 6*i, 1, z[:], 4*i, 1)
		}
		for i, out := range dst {
			if out != nil {
				out[ch] = z[i]
			}
		}
	}
	if ep != nil {
		for _, out := range dst {
			if out != nil {
				ep.applyRow(out[c0:c1], c0)
			}
		}
	}
}
