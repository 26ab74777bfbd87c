package nn

import "fmt"

// broadcastShape returns the numpy-style broadcast of two shapes.
func broadcastShape(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

// Binary applies f element-wise with numpy broadcasting and returns a new
// tensor. The common cases (equal shapes, a scalar, a vector along the last
// axis) take fast paths.
func Binary(a, b *Tensor, f func(x, y float32) float32) (*Tensor, error) {
	shape, err := broadcastShape(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	if n := numElementsChecked(shape); n < 0 || n > maxWeightElements {
		return nil, fmt.Errorf("broadcast shape %v is too large", shape)
	}
	out := New(shape...)
	switch {
	case len(a.Data) == len(out.Data) && len(b.Data) == len(out.Data):
		for i := range out.Data {
			out.Data[i] = f(a.Data[i], b.Data[i])
		}
		return out, nil
	case len(a.Data) == len(out.Data) && len(b.Data) == 1:
		y := b.Data[0]
		for i, x := range a.Data {
			out.Data[i] = f(x, y)
		}
		return out, nil
	case len(b.Data) == len(out.Data) && len(a.Data) == 1:
		x := a.Data[0]
		for i, y := range b.Data {
			out.Data[i] = f(x, y)
		}
		return out, nil
	case len(a.Data) == len(out.Data) && len(shape) > 0 && len(b.Data) == shape[len(shape)-1] && isTrailingVector(b.Shape):
		c := len(b.Data)
		for i := 0; i < len(out.Data); i += c {
			ar, or := a.Data[i:i+c], out.Data[i:i+c]
			for j, y := range b.Data {
				or[j] = f(ar[j], y)
			}
		}
		return out, nil
	}
	sa, sb := broadcastStrides(a.Shape, shape), broadcastStrides(b.Shape, shape)
	idx := make([]int, len(shape))
	ia, ib := 0, 0
	for i := range out.Data {
		out.Data[i] = f(a.Data[ia], b.Data[ib])
		// Advance the multi-index like an odometer, keeping both offsets.
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			ia += sa[d]
			ib += sb[d]
			if idx[d] < shape[d] {
				break
			}
			ia -= sa[d] * shape[d]
			ib -= sb[d] * shape[d]
			idx[d] = 0
		}
	}
	return out, nil
}

// isTrailingVector reports whether every dimension but the last is 1.
func isTrailingVector(s []int) bool {
	for _, d := range s[:max(len(s)-1, 0)] {
		if d != 1 {
			return false
		}
	}
	return true
}

// broadcastStrides returns, for each axis of out, the step in t's data (0
// along broadcast axes).
func broadcastStrides(t, out []int) []int {
	st := make([]int, len(out))
	stride := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := len(t) - len(out) + i
		if j < 0 {
			continue
		}
		if t[j] != 1 {
			st[i] = stride
		}
		stride *= t[j]
	}
	return st
}

// numElementsChecked is numElements, or -1 if a dimension is negative or
// the product overflows maxWeightElements.
func numElementsChecked(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > maxWeightElements/d) {
			return -1
		}
		n *= d
	}
	return n
}
