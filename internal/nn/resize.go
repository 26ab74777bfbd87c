package nn

import "math"

// Tap is where one output coordinate of a bilinear resize reads its input:
// the two neighbours and the weight of the upper one.
type Tap struct {
	Lo, Hi int
	Frac   float32
}

// BilinearTaps returns the taps for resizing in cells to out cells with the
// tfjs rule for alignCorners=false, halfPixelCenters=false: source = (in/out)·dst
// in float32, neighbours floor and min(in-1, ceil).
func BilinearTaps(in, out int) []Tap {
	ratio := float32(in) / float32(out)
	taps := make([]Tap, out)
	for o := range taps {
		src := ratio * float32(o)
		lo := max(0, int(math.Floor(float64(src))))
		taps[o] = Tap{lo, min(in-1, int(math.Ceil(float64(src)))), src - float32(lo)}
	}
	return taps
}

// ResizeBilinear resizes a [1,H,W,C] tensor to [1,outH,outW,C] as
// tf.image.resizeBilinear does with alignCorners=false, halfPixelCenters=false
// (see BilinearTaps), lerping along x first, then between the two rows.
func ResizeBilinear(x *Tensor, outH, outW int) *Tensor {
	h, w, c := x.dims4()
	out := New(1, outH, outW, c)
	rows, cols := BilinearTaps(h, outH), BilinearTaps(w, outW)
	o := 0
	for _, r := range rows {
		for _, t := range cols {
			tl := x.Data[(r.Lo*w+t.Lo)*c:]
			tr := x.Data[(r.Lo*w+t.Hi)*c:]
			bl := x.Data[(r.Hi*w+t.Lo)*c:]
			br := x.Data[(r.Hi*w+t.Hi)*c:]
			for ch := 0; ch < c; ch++ {
				tv := tl[ch] + (tr[ch]-tl[ch])*t.Frac
				bv := bl[ch] + (br[ch]-bl[ch])*t.Frac
				out.Data[o] = tv + (bv-tv)*r.Frac
				o++
			}
		}
	}
	return out
}
