package nn

import "sync"

// Winograd F(2×2, 3×3) convolution for 3×3 stride-1 layers: each 2×2 output
// tile costs 16 multiplies per input/output channel pair instead of 36. The
// 4×4 input tiles and the filters are transformed once (Bᵀ·d·B and G·g·Gᵀ),
// the products become 16 GEMMs [tiles × Cin]·[Cin × Cout], and Aᵀ·m·A folds
// each 4×4 result back to a 2×2 output tile. The transforms use only
// additions and halvings, so results stay within float32 rounding of the
// direct convolution.

// winogradMinPixels is the smallest output (H·W) worth the transforms: on
// tiny maps the tiles waste most of their area and the 16 transformed filters
// cost more memory traffic than the multiplies they save.
const winogradMinPixels = 64

type winograd struct {
	cin, cout int
	u         [16]*PackedB // transformed filter for each of the 16 tile positions
}

// winogradFor returns f's transformed weights, computing them once.
func (f *Filter) winogradFor() *winograd {
	f.winoOnce.Do(func() { f.wino = newWinograd(f) })
	return f.wino
}

func newWinograd(f *Filter) *winograd {
	w := &winograd{cin: f.In, cout: f.Out}
	var u [16][]float32
	for i := range u {
		u[i] = make([]float32, f.In*f.Out)
	}
	var g [3][3]float64
	for ci := 0; ci < f.In; ci++ {
		for co := 0; co < f.Out; co++ {
			for ky := 0; ky < 3; ky++ {
				for kx := 0; kx < 3; kx++ {
					g[ky][kx] = float64(f.W[((ky*3+kx)*f.In+ci)*f.Out+co])
				}
			}
			// G·g: G = [[1,0,0],[½,½,½],[½,-½,½],[0,0,1]].
			var gg [4][3]float64
			for c := 0; c < 3; c++ {
				gg[0][c] = g[0][c]
				gg[1][c] = (g[0][c] + g[1][c] + g[2][c]) / 2
				gg[2][c] = (g[0][c] - g[1][c] + g[2][c]) / 2
				gg[3][c] = g[2][c]
			}
			for r := 0; r < 4; r++ {
				row := [4]float64{
					gg[r][0],
					(gg[r][0] + gg[r][1] + gg[r][2]) / 2,
					(gg[r][0] - gg[r][1] + gg[r][2]) / 2,
					gg[r][2],
				}
				for c := 0; c < 4; c++ {
					u[r*4+c][ci*f.Out+co] = float32(row[c])
				}
			}
		}
	}
	for i := range u {
		w.u[i] = PackB(f.In, f.Out, u[i])
	}
	return w
}

// winogradScratch recycles the transform buffers between calls.
var winogradScratch sync.Pool

// winogradBlockBytes bounds the transformed input and GEMM results of one
// block of tiles, so they stay in L2 (1 MB and up on current x86 cores)
// between the input transform, the GEMMs and the output transform instead of
// going out to L3 and back. Smaller blocks (192 KB, 512 KB) measured slower
// on the recognition net: the GEMMs get short and their fixed costs show.
const winogradBlockBytes = 1 << 20

// winogradBlockTiles is the number of tiles per block: a multiple of the
// micro-kernel's six rows, with the tiles spread evenly over the blocks.
func winogradBlockTiles(tiles, c, co int) int {
	tb := max(mkRows, winogradBlockBytes/(4*16*(c+co))/mkRows*mkRows)
	blocks := (tiles + tb - 1) / tb
	per := (tiles + blocks - 1) / blocks
	return (per + mkRows - 1) / mkRows * mkRows
}

// conv3x3Winograd is Conv2DEpilogue for a 3×3 filter with stride 1.
func conv3x3Winograd(x *Tensor, f *Filter, pads Pads, ep *GemmEpilogue) *Tensor {
	h, w, c := x.dims4()
	wg := f.winogradFor()
	oh := outSize(h, 3, 1, pads.Top, pads.Bottom)
	ow := outSize(w, 3, 1, pads.Left, pads.Right)
	out := New(1, oh, ow, f.Out)
	th, tw := (oh+1)/2, (ow+1)/2
	tiles := th * tw
	co := f.Out
	tb := winogradBlockTiles(tiles, c, co)

	need := 16*tb*c + 16*tb*co + 16*c + 8*co
	bp, _ := winogradScratch.Get().(*[]float32)
	if bp == nil || cap(*bp) < need {
		s := make([]float32, need)
		bp = &s
	}
	buf := (*bp)[:need]
	defer winogradScratch.Put(bp)
	tmp := buf[16*tb*c+16*tb*co:][:16*c]
	otmp := buf[16*tb*c+16*tb*co+16*c:][:8*co]
	zero := make([]float32, max(c, co))

	for t0 := 0; t0 < tiles; t0 += tb {
		nt := min(tb, tiles-t0)
		v := buf[:16*nt*c]            // V[ξ] = v[ξ*nt*c:], row i = tile t0+i
		m := buf[16*tb*c:][:16*nt*co] // M[ξ] likewise with co columns
		// Input transform: Bᵀ·d·B with Bᵀ = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]].
		for t := t0; t < t0+nt; t++ {
			ty, tx := t/tw, t%tw
			var d [16][]float32
			for r := 0; r < 4; r++ {
				iy := 2*ty - pads.Top + r
				for s := 0; s < 4; s++ {
					ix := 2*tx - pads.Left + s
					if iy < 0 || iy >= h || ix < 0 || ix >= w {
						d[r*4+s] = zero[:c]
					} else {
						d[r*4+s] = x.Data[(iy*w+ix)*c : (iy*w+ix)*c+c]
					}
				}
			}
			winoInput(v, nt, t-t0, c, &d, tmp)
		}
		for xi := 0; xi < 16; xi++ {
			GemmPacked(nt, v[xi*nt*c:(xi+1)*nt*c], wg.u[xi], m[xi*nt*co:(xi+1)*nt*co], nil)
		}
		// Output transform: Aᵀ·M·A with Aᵀ = [[1,1,1,0],[0,1,-1,-1]].
		for t := t0; t < t0+nt; t++ {
			ty, tx := t/tw, t%tw
			var dst [4][]float32 // output pixels (0,0), (0,1), (1,0), (1,1); nil outside
			for i := 0; i < 2; i++ {
				for j := 0; j < 2; j++ {
					if oy, ox := 2*ty+i, 2*tx+j; oy < oh && ox < ow {
						dst[2*i+j] = out.Data[(oy*ow+ox)*co:][:co]
					}
				}
			}
			winoOutput(&dst, m, nt, t-t0, co, otmp, ep)
		}
	}
	return out
}

// winoInputGo writes the transformed tile t, V = Bᵀ·d·B, for channels
// [c0, c1) into v (V[ξ] at v[ξ*tiles*c:], row t). d holds the 16 input
// pixels (row-major 4×4), each a c-channel slice; tmp has room for 16·c.
func winoInputGo(v []float32, tiles, t, c, c0, c1 int, d *[16][]float32, tmp []float32) {
	n := c1 - c0
	// Rows: tmp[r][s] = (Bᵀ·d)[r][s].
	for s := 0; s < 4; s++ {
		vecSub(tmp[(0*4+s)*n:][:n], d[0*4+s][c0:c1], d[2*4+s][c0:c1])
		vecAdd(tmp[(1*4+s)*n:][:n], d[1*4+s][c0:c1], d[2*4+s][c0:c1])
		vecSub(tmp[(2*4+s)*n:][:n], d[2*4+s][c0:c1], d[1*4+s][c0:c1])
		vecSub(tmp[(3*4+s)*n:][:n], d[1*4+s][c0:c1], d[3*4+s][c0:c1])
	}
	// Columns: V[r][s] = (tmp·B)[r][s].
	for r := 0; r < 4; r++ {
		row := tmp[r*4*n:]
		dst := func(s int) []float32 { return v[((r*4+s)*tiles+t)*c+c0:][:n] }
		vecSub(dst(0), row[0:n], row[2*n:3*n])
		vecAdd(dst(1), row[n:2*n], row[2*n:3*n])
		vecSub(dst(2), row[2*n:3*n], row[n:2*n])
		vecSub(dst(3), row[n:2*n], row[3*n:4*n])
	}
}

// winoOutputGo folds tile t of the GEMM results m back to its 2×2 output
// pixels, Aᵀ·M·A, for channels [c0, c1), then applies ep (may be nil).
// dst holds the pixels' output slices (nil for pixels outside the image);
// otmp has room for 8·co.
func winoOutputGo(dst *[4][]float32, m []float32, tiles, t, co, c0, c1 int, otmp []float32, ep *GemmEpilogue) {
	n := c1 - c0
	mv := func(r, s int) []float32 { return m[((r*4+s)*tiles+t)*co+c0:][:n] }
	// Rows: otmp[i][s] = (Aᵀ·M)[i][s], i = 0, 1.
	for s := 0; s < 4; s++ {
		o0, o1 := otmp[s*n:][:n], otmp[(4+s)*n:][:n]
		vecAdd3(o0, mv(0, s), mv(1, s), mv(2, s))
		vecSubSub(o1, mv(1, s), mv(2, s), mv(3, s))
	}
	for i := 0; i < 2; i++ {
		row := otmp[i*4*n:]
		for j := 0; j < 2; j++ {
			out := dst[2*i+j]
			if out == nil {
				continue
			}
			out = out[c0:c1]
			if j == 0 {
				vecAdd3(out, row[0:n], row[n:2*n], row[2*n:3*n])
			} else {
				vecSubSub(out, row[n:2*n], row[2*n:3*n], row[3*n:4*n])
			}
			if ep != nil {
				ep.applyRowVec(out, c0)
			}
		}
	}
}

// Portable vector helpers; the SIMD build overrides the hot ones.
func vecAddGo(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

func vecSubGo(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] - b[i]
	}
}

// vecAdd3 is dst = a + b + c.
func vecAdd3Go(dst, a, b, c []float32) {
	a, b, c = a[:len(dst)], b[:len(dst)], c[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i] + c[i]
	}
}

// vecSubSub is dst = a - b - c.
func vecSubSubGo(dst, a, b, c []float32) {
	a, b, c = a[:len(dst)], b[:len(dst)], c[:len(dst)]
	for i := range dst {
		dst[i] = a[i] - b[i] - c[i]
	}
}
