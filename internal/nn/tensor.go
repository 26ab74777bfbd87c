// Package nn is a small pure-Go neural-network runtime for the face models:
// float32 NHWC tensors, the layer operations the face-api networks use, and a
// loader for face-api weight manifests. It favours numerical agreement with
// TensorFlow.js over generality; every operation documents the tfjs rule it copies.
package nn

import (
	"fmt"
)

// Tensor is a dense float32 tensor in row-major order. Image tensors are NHWC
// with N = 1: Shape is [1, H, W, C].
type Tensor struct {
	Shape []int
	Data  []float32
}

// New returns a zeroed tensor of the given shape.
func New(shape ...int) *Tensor {
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, numElements(shape))}
}

// FromData wraps data in a tensor of the given shape; it panics if the sizes
// disagree, which is always a programming error.
func FromData(data []float32, shape ...int) *Tensor {
	if len(data) != numElements(shape) {
		panic(fmt.Sprintf("nn: %d values for shape %v", len(data), shape))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}
}

func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Len is the number of elements.
func (t *Tensor) Len() int { return len(t.Data) }

// dims4 returns H, W, C of an NHWC tensor with batch 1.
func (t *Tensor) dims4() (h, w, c int) {
	if len(t.Shape) != 4 || t.Shape[0] != 1 {
		panic(fmt.Sprintf("nn: want a [1,H,W,C] tensor, got shape %v", t.Shape))
	}
	return t.Shape[1], t.Shape[2], t.Shape[3]
}

// HWC returns the spatial size and channel count of a [1,H,W,C] tensor.
func (t *Tensor) HWC() (h, w, c int) { return t.dims4() }

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// Reshape returns a tensor sharing t's data with a new shape of equal size.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	if numElements(shape) != len(t.Data) {
		panic(fmt.Sprintf("nn: cannot reshape %v to %v", t.Shape, shape))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: t.Data}
}
