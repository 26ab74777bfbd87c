package face

import (
	"math"
	"sort"

	"github.com/kakunin-dev/kakunin/internal/nn"
)

// The face-api tiny face detector: a MobileNet-style tiny-YOLOv2 with one
// class, five anchors and a 32× stride. Boxes are decoded and suppressed
// exactly as face-api does it.

var (
	meanRGBDetector = []float32{117.001, 114.697, 97.404}
	detectorAnchors = [5][2]float64{
		{1.603231, 2.094468}, {6.041143, 7.080126}, {2.882459, 3.518061},
		{4.266906, 5.178857}, {9.041765, 10.66308},
	}
)

const detectorIoUThreshold = 0.4

type separableConv struct {
	depthwise, pointwise *nn.Filter
	bias                 []float32
}

type detectorNet struct {
	conv0     *nn.Filter
	conv0Bias []float32
	sep       [5]separableConv
	conv8     *nn.Filter
	conv8Bias []float32
}

func loadDetector(s *modelStore) (*detectorNet, error) {
	m, err := s.loadManifest("face-api", "tiny_face_detector_model")
	if err != nil {
		return nil, err
	}
	w := &weights{model: "tiny_face_detector_model", m: m}
	n := &detectorNet{conv0: w.filter("conv0/filters"), conv0Bias: w.vec("conv0/bias")}
	for i := range n.sep {
		p := "conv" + string(rune('1'+i))
		n.sep[i] = separableConv{
			depthwise: w.filter(p + "/depthwise_filter"),
			pointwise: w.filter(p + "/pointwise_filter"),
			bias:      w.vec(p + "/bias"),
		}
	}
	n.conv8, n.conv8Bias = w.filter("conv8/filters"), w.vec("conv8/bias")
	if w.err != nil {
		return nil, w.err
	}
	return n, nil
}

// apply is tf.separableConv2d (depthwise then pointwise) + bias, then act.
func (c separableConv) apply(x *nn.Tensor, stride int, pads nn.Pads, act nn.Activation) *nn.Tensor {
	out := nn.DepthwiseConv2D(x, c.depthwise, stride, pads)
	return nn.Conv2DEpilogue(out, c.pointwise, 1, nn.Pads{}, &nn.GemmEpilogue{Add1: c.bias, Act: act})
}

// forward runs the network on a normalised square input and returns the
// [1, S/32, S/32, 25] grid.
func (n *detectorNet) forward(x *nn.Tensor) *nn.Tensor {
	out := nn.Conv2DEpilogue(x, n.conv0, 1, nn.Pads{}, &nn.GemmEpilogue{Add1: n.conv0Bias, Act: nn.Leaky})
	out = nn.MaxPool(out, 2, 2, nn.Same)
	one := nn.Pads{Top: 1, Bottom: 1, Left: 1, Right: 1}
	for i, c := range n.sep {
		out = c.apply(out, 1, one, nn.Leaky)
		stride := 2
		if i == len(n.sep)-1 {
			stride = 1
		}
		out = nn.MaxPool(out, 2, stride, nn.Same)
	}
	return nn.Conv2DEpilogue(out, n.conv8, 1, nn.Pads{}, &nn.GemmEpilogue{Add1: n.conv8Bias})
}

// Box is an axis-aligned rectangle in image pixels.
type Box struct {
	X, Y, Width, Height float64
}

func (b Box) right() float64  { return b.X + b.Width }
func (b Box) bottom() float64 { return b.Y + b.Height }

// IoU is the intersection over union of two boxes.
func (b Box) IoU(o Box) float64 {
	w := max(0, min(b.right(), o.right())-max(b.X, o.X))
	h := max(0, min(b.bottom(), o.bottom())-max(b.Y, o.Y))
	inter := w * h
	return inter / (b.Width*b.Height + o.Width*o.Height - inter)
}

// Detection is one face found by the detector.
type Detection struct {
	Score float64 // detector confidence, 0..1
	Box   Box     // in image pixels
}

type candidate struct {
	score float64
	rel   Box // relative to the image: x/width, y/height
}

// decode turns the network grid into candidate boxes above threshold.
// reshapedW/H are the image's size after scaling its long side to the input
// size (face-api's getReshapedInputDimensions).
func decodeDetections(grid *nn.Tensor, inputSize, reshapedW, reshapedH int, threshold float64) []candidate {
	cells, _, _ := grid.HWC()
	corrX := float64(max(reshapedW, reshapedH)) / float64(reshapedW)
	corrY := float64(max(reshapedW, reshapedH)) / float64(reshapedH)
	var out []candidate
	for row := 0; row < cells; row++ {
		for col := 0; col < cells; col++ {
			for a := range detectorAnchors {
				v := grid.Data[((row*cells+col)*len(detectorAnchors)+a)*5:]
				score := nn.Sigmoid(float64(v[4]))
				if score <= threshold {
					continue
				}
				n := float64(cells)
				ctX := (float64(col) + nn.Sigmoid(float64(v[0]))) / n * corrX
				ctY := (float64(row) + nn.Sigmoid(float64(v[1]))) / n * corrY
				w := math.Exp(float64(v[2])) * detectorAnchors[a][0] / n * corrX
				h := math.Exp(float64(v[3])) * detectorAnchors[a][1] / n * corrY
				x, y := ctX-w/2, ctY-h/2
				// face-api builds the box from corners, so width is (x+w)-x.
				out = append(out, candidate{score: score, rel: Box{X: x, Y: y, Width: (x + w) - x, Height: (y + h) - y}})
			}
		}
	}
	return out
}

// nonMaxSuppression keeps the best-scoring boxes, dropping any whose IoU with
// a kept box exceeds the threshold. Like face-api it compares boxes scaled by
// the input size and picks ties in the order a stable ascending sort leaves them.
func nonMaxSuppression(c []candidate, inputSize int, iouThreshold float64) []candidate {
	idx := make([]int, len(c))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return c[idx[a]].score < c[idx[b]].score })
	s := float64(inputSize)
	scaled := func(b Box) Box { return Box{b.X * s, b.Y * s, b.Width * s, b.Height * s} }
	var picked []candidate
	for len(idx) > 0 {
		cur := idx[len(idx)-1]
		idx = idx[:len(idx)-1]
		picked = append(picked, c[cur])
		cb := scaled(c[cur].rel)
		keep := idx[:0]
		for _, i := range idx {
			if cb.IoU(scaled(c[i].rel)) <= iouThreshold {
				keep = append(keep, i)
			}
		}
		idx = keep
	}
	return picked
}
