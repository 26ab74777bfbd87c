package nn

import (
	"fmt"
	"sync"
)

// colPool recycles im2col buffers: im2col overwrites every element, so a
// reused buffer needs no clearing, which saves both the allocation and the
// zeroing on every convolution.
var colPool sync.Pool

func getCols(n int) *[]float32 {
	if p, ok := colPool.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n)
	return &s
}

// Padding is a TensorFlow padding mode.
type Padding int

// The TensorFlow padding modes.
const (
	Valid Padding = iota // no padding; windows that do not fit are dropped
	Same                 // output size ceil(in/stride), padding split with the odd cell at the end
)

// Pads are explicit zero-padding amounts around the spatial dimensions.
type Pads struct{ Top, Bottom, Left, Right int }

// PadsFor returns the padding TensorFlow applies for mode p with a k×k
// window (kh×kw) and the given stride over an inH×inW input.
func PadsFor(p Padding, inH, inW, kh, kw, stride int) Pads {
	if p == Valid {
		return Pads{}
	}
	th := samePadTotal(inH, kh, stride)
	tw := samePadTotal(inW, kw, stride)
	return Pads{Top: th / 2, Bottom: th - th/2, Left: tw / 2, Right: tw - tw/2}
}

func samePadTotal(in, k, stride int) int {
	out := (in + stride - 1) / stride
	return max((out-1)*stride+k-in, 0)
}

// outSize is the output length of a window of size k sliding with stride over
// in cells padded by lo and hi.
func outSize(in, k, stride, lo, hi int) int {
	n := in + lo + hi - k
	if n < 0 {
		return 0
	}
	return n/stride + 1
}

// Filter holds convolution weights in TensorFlow HWIO layout
// ([kh, kw, in, out]), which is also the K×N matrix im2col multiplies by.
type Filter struct {
	KH, KW, In, Out int
	W               []float32
	packed          *PackedB // W as GEMM panels, for Conv2D

	winoOnce sync.Once
	wino     *winograd // transformed weights for 3×3 stride-1 layers, made on first use

	wino4Once sync.Once
	wino4     *winograd4 // the same for F(4×4, 3×3)

	subMu sync.Mutex
	subs  map[[4]int]*Filter // windows cut down to the taps that touch the input, by tap range
}

// NewFilter wraps a [kh, kw, in, out] weight tensor.
func NewFilter(t *Tensor) (*Filter, error) {
	if len(t.Shape) != 4 {
		return nil, fmt.Errorf("nn: conv filter has shape %v; want [kh, kw, in, out]", t.Shape)
	}
	for _, d := range t.Shape {
		if d <= 0 {
			return nil, fmt.Errorf("nn: conv filter has shape %v; want positive sizes", t.Shape)
		}
	}
	f := &Filter{KH: t.Shape[0], KW: t.Shape[1], In: t.Shape[2], Out: t.Shape[3], W: t.Data}
	if f.Out > 1 { // depthwise filters ([kh, kw, C, 1]) are not GEMM operands
		f.packed = PackB(f.KH*f.KW*f.In, f.Out, f.W)
	}
	return f, nil
}

// Conv2D is a 2-D convolution of a [1,H,W,C] tensor, computed as im2col + Gemm.
func Conv2D(x *Tensor, f *Filter, stride int, pads Pads) *Tensor {
	return Conv2DEpilogue(x, f, stride, pads, nil)
}

// Conv2DEpilogue is Conv2D followed by a per-channel epilogue applied inside
// the GEMM (ep may be nil).
func Conv2DEpilogue(x *Tensor, f *Filter, stride int, pads Pads, ep *GemmEpilogue) *Tensor {
	h, w, c := x.dims4()
	if c != f.In {
		panic(fmt.Sprintf("nn: Conv2D input has %d channels, filter wants %d", c, f.In))
	}
	oh := outSize(h, f.KH, stride, pads.Top, pads.Bottom)
	ow := outSize(w, f.KW, stride, pads.Left, pads.Right)
	if f.KH == 3 && f.KW == 3 && stride == 1 && f.packed != nil && f.In >= 8 && oh*ow >= winogradMinPixels {
		if useWinograd4 && winograd4Vectorized() && oh*ow >= winograd4MinPixels && max(f.In, f.Out) <= winograd4MaxChannels {
			return conv3x3Winograd4(x, f, pads, ep)
		}
		return conv3x3Winograd(x, f, pads, ep)
	}
	if oh > 0 && ow > 0 && f.packed != nil {
		// Taps that fall in the padding for every output only add zeros
		// (x·0 leaves each FMA chain's value unchanged), so a window that
		// overhangs a tiny input on all sides is cut to the taps that
		// touch it: a 3×3 SAME convolution of a 1×1 map is a 1×1 one.
		ky0, ky1 := max(0, pads.Top-(oh-1)*stride), min(f.KH, h+pads.Top)
		kx0, kx1 := max(0, pads.Left-(ow-1)*stride), min(f.KW, w+pads.Left)
		if ky0 > 0 || kx0 > 0 || ky1 < f.KH || kx1 < f.KW {
			sub := f.subFilter(ky0, ky1, kx0, kx1)
			p := Pads{Top: pads.Top - ky0, Bottom: pads.Bottom - (f.KH - ky1), Left: pads.Left - kx0, Right: pads.Right - (f.KW - kx1)}
			return conv2DIm2col(x, sub, stride, p, ep)
		}
	}
	return conv2DIm2col(x, f, stride, pads, ep)
}

// subFilter returns the taps [ky0, ky1)×[kx0, kx1) of f as a filter of
// their own, made once and kept with f.
func (f *Filter) subFilter(ky0, ky1, kx0, kx1 int) *Filter {
	key := [4]int{ky0, ky1, kx0, kx1}
	f.subMu.Lock()
	defer f.subMu.Unlock()
	if s := f.subs[key]; s != nil {
		return s
	}
	kh, kw := ky1-ky0, kx1-kx0
	w := make([]float32, 0, kh*kw*f.In*f.Out)
	for ky := ky0; ky < ky1; ky++ {
		for kx := kx0; kx < kx1; kx++ {
			o := (ky*f.KW + kx) * f.In * f.Out
			w = append(w, f.W[o:o+f.In*f.Out]...)
		}
	}
	s, err := NewFilter(&Tensor{Shape: []int{kh, kw, f.In, f.Out}, Data: w})
	if err != nil {
		panic(err) // the sizes are positive by construction
	}
	if f.subs == nil {
		f.subs = make(map[[4]int]*Filter)
	}
	f.subs[key] = s
	return s
}

// conv2DIm2col is the general path: im2col, then one GEMM.
func conv2DIm2col(x *Tensor, f *Filter, stride int, pads Pads, ep *GemmEpilogue) *Tensor {
	h, w, c := x.dims4()
	oh := outSize(h, f.KH, stride, pads.Top, pads.Bottom)
	ow := outSize(w, f.KW, stride, pads.Left, pads.Right)
	out := New(1, oh, ow, f.Out)
	m, k := oh*ow, f.KH*f.KW*c
	if m == 0 {
		return out
	}
	// Reading VALID windows in place pays when each output row fills whole
	// 6-row blocks, or is long enough that its short last block costs
	// little; otherwise im2col lets the blocks run across output rows.
	if asmGemm && f.packed != nil && pads == (Pads{}) && f.Out%mkCols == 0 && !(f.KH == 1 && f.KW == 1 && stride == 1) &&
		(ow%mkRows == 0 || ow >= 4*mkRows) {
		convValidMK(x, f, stride, out, ep, microKernel6x16, wideKernel())
		return out
	}
	var cols []float32
	if f.KH == 1 && f.KW == 1 && stride == 1 && pads == (Pads{}) {
		cols = x.Data
	} else {
		buf := getCols(m * k)
		defer colPool.Put(buf)
		cols = *buf
		im2col(x.Data, h, w, c, f.KH, f.KW, stride, pads, oh, ow, cols)
	}
	if f.packed != nil {
		GemmPacked(m, cols, f.packed, out.Data, ep)
	} else {
		Gemm(m, f.Out, k, cols, f.W, out.Data)
		if ep != nil {
			Epilogue(out, ep.Add1, ep.Mul, ep.Add2, ep.Act)
		}
	}
	return out
}

// im2col writes, for every output position, the kh·kw·c input values under
// the window (zeros where it overhangs) in HWC order.
func im2col(src []float32, h, w, c, kh, kw, stride int, pads Pads, oh, ow int, dst []float32) {
	row := kw * c
	i := 0
	for oy := 0; oy < oh; oy++ {
		iy0 := oy*stride - pads.Top
		for ox := 0; ox < ow; ox++ {
			ix0 := ox*stride - pads.Left
			for ky := 0; ky < kh; ky++ {
				iy := iy0 + ky
				d := dst[i : i+row]
				i += row
				if iy < 0 || iy >= h {
					clear(d)
					continue
				}
				if ix0 >= 0 && ix0+kw <= w {
					copy(d, src[(iy*w+ix0)*c:(iy*w+ix0+kw)*c])
					continue
				}
				for kx := 0; kx < kw; kx++ {
					ix := ix0 + kx
					dd := d[kx*c : kx*c+c]
					if ix < 0 || ix >= w {
						clear(dd)
					} else {
						copy(dd, src[(iy*w+ix)*c:(iy*w+ix)*c+c])
					}
				}
			}
		}
	}
}

// DepthwiseConv2D convolves each channel with its own kh×kw kernel (channel
// multiplier 1). The filter is [kh, kw, C, 1].
func DepthwiseConv2D(x *Tensor, f *Filter, stride int, pads Pads) *Tensor {
	h, w, c := x.dims4()
	if f.In != c || f.Out != 1 {
		panic(fmt.Sprintf("nn: depthwise filter [%d,%d,%d,%d] does not fit %d channels", f.KH, f.KW, f.In, f.Out, c))
	}
	oh := outSize(h, f.KH, stride, pads.Top, pads.Bottom)
	ow := outSize(w, f.KW, stride, pads.Left, pads.Right)
	out := New(1, oh, ow, c)
	if !depthwiseVec(x, f, stride, pads, out) {
		depthwiseGo(x, f, stride, pads, out)
	}
	return out
}

// depthwiseGo is the portable DepthwiseConv2D loop into the zeroed out.
func depthwiseGo(x *Tensor, f *Filter, stride int, pads Pads, out *Tensor) {
	h, w, c := x.dims4()
	oh, ow := out.Shape[1], out.Shape[2]
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			acc := out.Data[(oy*ow+ox)*c : (oy*ow+ox)*c+c]
			for ky := 0; ky < f.KH; ky++ {
				iy := oy*stride - pads.Top + ky
				if iy < 0 || iy >= h {
					continue
				}
				for kx := 0; kx < f.KW; kx++ {
					ix := ox*stride - pads.Left + kx
					if ix < 0 || ix >= w {
						continue
					}
					mulAddVec(acc, x.Data[(iy*w+ix)*c:(iy*w+ix)*c+c], f.W[(ky*f.KW+kx)*c:(ky*f.KW+kx)*c+c])
				}
			}
		}
	}
}
