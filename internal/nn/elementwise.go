package nn

import (
	"fmt"
	"math"
)

// AddChannel adds v[c] to every element of channel c, in place.
func AddChannel(x *Tensor, v []float32) *Tensor {
	c := x.Shape[len(x.Shape)-1]
	if len(v) != c {
		panic(fmt.Sprintf("nn: AddChannel with %d values for %d channels", len(v), c))
	}
	for i := 0; i < len(x.Data); i += c {
		row := x.Data[i : i+c]
		for j := range row {
			row[j] += v[j]
		}
	}
	return x
}

// MulChannel multiplies every element of channel c by v[c], in place.
func MulChannel(x *Tensor, v []float32) *Tensor {
	c := x.Shape[len(x.Shape)-1]
	if len(v) != c {
		panic(fmt.Sprintf("nn: MulChannel with %d values for %d channels", len(v), c))
	}
	for i := 0; i < len(x.Data); i += c {
		row := x.Data[i : i+c]
		for j := range row {
			row[j] *= v[j]
		}
	}
	return x
}

// SubChannel subtracts v[c] from channel c, in place.
func SubChannel(x *Tensor, v []float32) *Tensor {
	c := x.Shape[len(x.Shape)-1]
	for i := 0; i < len(x.Data); i += c {
		row := x.Data[i : i+c]
		for j := range row {
			row[j] -= v[j]
		}
	}
	return x
}

// DivScalar divides every element by s, in place (a true division, as tfjs
// does, not a multiplication by 1/s).
func DivScalar(x *Tensor, s float32) *Tensor {
	divScalar(x.Data, s)
	return x
}

func divScalarGo(x []float32, s float32) {
	for i := range x {
		x[i] /= s
	}
}

// ReLU applies max(x, 0) in place.
func ReLU(x *Tensor) *Tensor {
	for i, v := range x.Data {
		x.Data[i] = max(v, 0)
	}
	return x
}

// ReLU6 applies min(max(x, 0), 6) in place.
func ReLU6(x *Tensor) *Tensor {
	for i, v := range x.Data {
		x.Data[i] = min(max(v, 0), 6)
	}
	return x
}

// LeakyFaceAPI applies face-api's leaky ReLU, relu(x - a·x) + a·x with
// a = 0.1 (as float32), in place. It is written the way face-api computes it
// so that rounding matches.
func LeakyFaceAPI(x *Tensor) *Tensor {
	const a = float32(0.10000000149011612)
	for i, v := range x.Data {
		m := v * a
		x.Data[i] = max(v-m, 0) + m
	}
	return x
}

// Add adds y to x element-wise (same shape), in place.
func Add(x, y *Tensor) *Tensor {
	if len(x.Data) != len(y.Data) {
		panic(fmt.Sprintf("nn: Add shapes %v and %v", x.Shape, y.Shape))
	}
	yd := y.Data[:len(x.Data)]
	for i := range x.Data {
		x.Data[i] += yd[i]
	}
	return x
}

// AddReLU sets x to max(x + y, 0) element-wise (same shape), in place: Add
// then ReLU in one pass, with the same rounding.
func AddReLU(x, y *Tensor) *Tensor {
	if len(x.Data) != len(y.Data) {
		panic(fmt.Sprintf("nn: AddReLU shapes %v and %v", x.Shape, y.Shape))
	}
	addReLU(x.Data, y.Data)
	return x
}

func addReLUGo(x, y []float32) {
	y = y[:len(x)]
	for i := range x {
		x[i] = max(x[i]+y[i], 0)
	}
}

// Sigmoid is 1/(1+e^-x) for one value, computed in float64 as JavaScript does.
func Sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// PadSpatial returns x with zero rows and columns added around it.
func PadSpatial(x *Tensor, p Pads) *Tensor {
	h, w, c := x.dims4()
	oh, ow := h+p.Top+p.Bottom, w+p.Left+p.Right
	out := New(1, oh, ow, c)
	for y := 0; y < h; y++ {
		dst := out.Data[((y+p.Top)*ow+p.Left)*c:]
		copy(dst[:w*c], x.Data[y*w*c:(y+1)*w*c])
	}
	return out
}

// PadChannels returns x with extra zero channels appended (concat with zeros
// along the channel axis).
func PadChannels(x *Tensor, extra int) *Tensor {
	h, w, c := x.dims4()
	out := New(1, h, w, c+extra)
	for i := 0; i < h*w; i++ {
		copy(out.Data[i*(c+extra):i*(c+extra)+c], x.Data[i*c:i*c+c])
	}
	return out
}

// L2Normalize scales v to unit Euclidean length in place (no-op for zero).
func L2Normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := 1 / math.Sqrt(s)
	for i := range v {
		v[i] = float32(float64(v[i]) * inv)
	}
}
