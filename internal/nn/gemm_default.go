//go:build !(goexperiment.simd && amd64)

package nn

var (
	gemmImpl gemmKernel = gemmGo
	gemmName            = "go"
)

func mulAddVec(acc, x, w []float32) { mulAddGo(acc, x, w) }

// gemmPackedImpl ignores the panels: the portable kernel reads B row-major.
func gemmPackedImpl(i0, i1 int, a []float32, b *PackedB, c []float32, ep *GemmEpilogue) {
	gemmGoEpilogue(i0, i1, a, b, c, ep)
}

func vecAdd(dst, a, b []float32)       { vecAddGo(dst, a, b) }
func vecSub(dst, a, b []float32)       { vecSubGo(dst, a, b) }
func vecAdd3(dst, a, b, c []float32)   { vecAdd3Go(dst, a, b, c) }
func vecSubSub(dst, a, b, c []float32) { vecSubSubGo(dst, a, b, c) }

func (e *GemmEpilogue) applyRowVec(row []float32, j int) { e.applyRow(row, j) }

func vecMaxInto(acc, x []float32) { vecMaxIntoGo(acc, x) }

func winoInput(v []float32, tiles, t, c int, d *[16][]float32, tmp []float32) {
	winoInputGo(v, tiles, t, c, 0, c, d, tmp)
}

func winoOutput(dst *[4][]float32, m []float32, tiles, t, co int, otmp []float32, ep *GemmEpilogue) {
	winoOutputGo(dst, m, tiles, t, co, 0, co, otmp, ep)
}

// depthwiseVec has no portable fast path; DepthwiseConv2D's loop runs.
func depthwiseVec(x *Tensor, f *Filter, stride int, pads Pads, out *Tensor) bool { return false }

func addReLU(x, y []float32) { addReLUGo(x, y) }

func winoInput4(v []float32, tiles, t, c int, d *[36][]float32) {
	winoInput4Go(v, tiles, t, c, 0, c, d)
}

func winoOutput4(dst *[16][]float32, m []float32, tiles, t, co int, ep *GemmEpilogue) {
	winoOutput4Go(dst, m, tiles, t, co, 0, co, ep)
}

// winograd4Vectorized reports whether the F(4×4, 3×3) transforms run in
// vectors. Here they do not, and their scalar loops cost more than the
// multiplies they save, so 3×3 layers stay on F(2×2, 3×3).
func winograd4Vectorized() bool { return false }

func divScalar(x []float32, s float32) { divScalarGo(x, s) }
