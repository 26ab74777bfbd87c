package face

import (
	"fmt"

	"github.com/kakunin-dev/kakunin/internal/nn"
)

// The face-api 68-point landmark network: four dense blocks of depthwise-
// separable convolutions on a 112×112 crop, a 7×7 average pool and a 256→136
// fully connected layer giving (x, y) pairs relative to the padded crop.

const landmarkInput = 112

type denseBlock struct {
	first     *nn.Filter // plain conv when the block is the network's first
	firstBias []float32
	convs     [4]separableConv // convs[0] is unused when first != nil
}

type landmarkNet struct {
	blocks [4]denseBlock
	fcW    *nn.Tensor // [256, 136]
	fcB    []float32
}

func loadLandmarks(s *modelStore) (*landmarkNet, error) {
	m, err := s.loadManifest("face-api", "face_landmark_68_model")
	if err != nil {
		return nil, err
	}
	w := &weights{model: "face_landmark_68_model", m: m}
	n := &landmarkNet{}
	for b := range n.blocks {
		for c := range 4 {
			p := fmt.Sprintf("dense%d/conv%d", b, c)
			if b == 0 && c == 0 {
				n.blocks[b].first, n.blocks[b].firstBias = w.filter(p+"/filters"), w.vec(p+"/bias")
				continue
			}
			n.blocks[b].convs[c] = separableConv{
				depthwise: w.filter(p + "/depthwise_filter"),
				pointwise: w.filter(p + "/pointwise_filter"),
				bias:      w.vec(p + "/bias"),
			}
		}
	}
	n.fcW, n.fcB = w.get("fc/weights", 2), w.vec("fc/bias")
	if w.err != nil {
		return nil, w.err
	}
	return n, nil
}

// apply is face-api's denseBlock4: out1 = relu(conv0 stride 2), then three
// separable convs whose inputs are ReLU'd running sums of the earlier outputs.
func (b *denseBlock) apply(x *nn.Tensor) *nn.Tensor {
	h, w, _ := x.HWC()
	var out1 *nn.Tensor
	if b.first != nil {
		out1 = nn.Conv2DEpilogue(x, b.first, 2, nn.PadsFor(nn.Same, h, w, 3, 3, 2), &nn.GemmEpilogue{Add1: b.firstBias, Act: nn.Relu})
	} else {
		out1 = b.convs[0].apply(x, 2, nn.PadsFor(nn.Same, h, w, 3, 3, 2), nn.Relu)
	}
	oh, ow, _ := out1.HWC()
	same := nn.PadsFor(nn.Same, oh, ow, 3, 3, 1)
	out2 := b.convs[1].apply(out1, 1, same, nn.Linear)
	in3 := nn.AddReLU(out1.Clone(), out2)
	out3 := b.convs[2].apply(in3, 1, same, nn.Linear)
	// tfjs evaluates out1 + (out2 + out3); keep that order for rounding.
	s23 := nn.Add(out2.Clone(), out3)
	in4 := nn.AddReLU(out1.Clone(), s23)
	out4 := b.convs[3].apply(in4, 1, same, nn.Linear)
	s34 := nn.Add(out3, out4)
	s234 := nn.Add(out2, s34)
	return nn.AddReLU(out1, s234)
}

// forward runs the network on a [1,112,112,3] tensor of 0..255 values (the
// tensor is modified) and returns the raw 136 outputs.
func (n *landmarkNet) forward(x *nn.Tensor) []float32 {
	nn.SubChannel(x, meanRGBRecognition)
	nn.DivScalar(x, 255)
	out := x
	for i := range n.blocks {
		out = n.blocks[i].apply(out)
	}
	out = nn.AvgPool(out, 7, 2, nn.Valid)
	v := nn.MatMul(out.Reshape(1, out.Len()), n.fcW)
	return nn.AddChannel(v, n.fcB).Data
}
