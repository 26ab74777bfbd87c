package nn

import (
	"fmt"
	"math"
)

// MaxPool takes the maximum over k×k windows. With Same padding the padded
// cells are ignored, as in TensorFlow.
func MaxPool(x *Tensor, k, stride int, p Padding) *Tensor {
	return pool(x, k, stride, p, true)
}

// AvgPool averages k×k windows, dividing by the number of cells inside the
// input (TensorFlow's rule for Same padding).
func AvgPool(x *Tensor, k, stride int, p Padding) *Tensor {
	return pool(x, k, stride, p, false)
}

func pool(x *Tensor, k, stride int, p Padding, isMax bool) *Tensor {
	h, w, c := x.dims4()
	pads := PadsFor(p, h, w, k, k, stride)
	oh := outSize(h, k, stride, pads.Top, pads.Bottom)
	ow := outSize(w, k, stride, pads.Left, pads.Right)
	out := New(1, oh, ow, c)
	for oy := 0; oy < oh; oy++ {
		y0 := max(oy*stride-pads.Top, 0)
		y1 := min(oy*stride-pads.Top+k, h)
		for ox := 0; ox < ow; ox++ {
			x0 := max(ox*stride-pads.Left, 0)
			x1 := min(ox*stride-pads.Left+k, w)
			acc := out.Data[(oy*ow+ox)*c : (oy*ow+ox)*c+c]
			if isMax {
				for i := range acc {
					acc[i] = float32(math.Inf(-1))
				}
			}
			for iy := y0; iy < y1; iy++ {
				for ix := x0; ix < x1; ix++ {
					in := x.Data[(iy*w+ix)*c : (iy*w+ix)*c+c]
					in = in[:len(acc)]
					if isMax {
						vecMaxInto(acc, in)
					} else {
						vecAdd(acc, acc, in)
					}
				}
			}
			if !isMax {
				divScalar(acc, float32((y1-y0)*(x1-x0)))
			}
		}
	}
	return out
}

// GlobalMean averages a [1,H,W,C] tensor over H and W into a [1,C] tensor.
func GlobalMean(x *Tensor) *Tensor {
	h, w, c := x.dims4()
	out := New(1, c)
	for i := 0; i < h*w; i++ {
		for ch, v := range x.Data[i*c : i*c+c] {
			out.Data[ch] += v
		}
	}
	n := float32(h * w)
	for ch := range out.Data {
		out.Data[ch] /= n
	}
	return out
}

// MatMul multiplies a [m,k] tensor by a [k,n] tensor.
func MatMul(a, b *Tensor) *Tensor {
	if len(a.Shape) != 2 || len(b.Shape) != 2 || a.Shape[1] != b.Shape[0] {
		panic(fmt.Sprintf("nn: MatMul shapes %v × %v", a.Shape, b.Shape))
	}
	m, k, n := a.Shape[0], a.Shape[1], b.Shape[1]
	out := New(m, n)
	Gemm(m, n, k, a.Data, b.Data, out.Data)
	return out
}

// vecMaxIntoGo is acc = max(acc, x) element-wise.
func vecMaxIntoGo(acc, x []float32) {
	x = x[:len(acc)]
	for i, v := range x {
		acc[i] = max(acc[i], v)
	}
}
