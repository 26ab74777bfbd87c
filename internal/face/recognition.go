package face

import "github.com/kakunin-dev/kakunin/internal/nn"

// recognitionInput is the side of the square face crop the recognition
// network reads.
const recognitionInput = 150

// EmbeddingSize is the length of a face-api descriptor.
const EmbeddingSize = 128

// The face-api recognition network is dlib's ResNet-34-like model: a 7×7
// stride-2 stem, max-pool, four stages of residual blocks and a 256→128
// fully connected layer. Each conv is conv + bias, then a per-channel scale
// and shift (the folded batch norm), then ReLU where face-api applies it.
type convScale struct {
	f            *nn.Filter
	bias         []float32
	scale, bias2 []float32
}

type residualBlock struct {
	conv1, conv2 convScale
	down         bool
}

type recognitionNet struct {
	stem   convScale
	blocks []residualBlock
	fc     *nn.Tensor // [256, 128]
}

var meanRGBRecognition = []float32{122.782, 117.001, 104.298}

func loadRecognition(s *modelStore) (*recognitionNet, error) {
	m, err := s.loadManifest("face-api", "face_recognition_model")
	if err != nil {
		return nil, err
	}
	w := &weights{model: "face_recognition_model", m: m}
	cs := func(prefix string) convScale {
		return convScale{
			f:     w.filter(prefix + "/conv/filters"),
			bias:  w.vec(prefix + "/conv/bias"),
			scale: w.vec(prefix + "/scale/weights"),
			bias2: w.vec(prefix + "/scale/biases"),
		}
	}
	n := &recognitionNet{stem: cs("conv32_down")}
	for _, b := range []struct {
		name string
		down bool
	}{
		{"conv32_1", false}, {"conv32_2", false}, {"conv32_3", false},
		{"conv64_down", true}, {"conv64_1", false}, {"conv64_2", false}, {"conv64_3", false},
		{"conv128_down", true}, {"conv128_1", false}, {"conv128_2", false},
		{"conv256_down", true}, {"conv256_1", false}, {"conv256_2", false},
		{"conv256_down_out", true},
	} {
		n.blocks = append(n.blocks, residualBlock{conv1: cs(b.name + "/conv1"), conv2: cs(b.name + "/conv2"), down: b.down})
	}
	n.fc = w.get("fc", 2)
	if w.err != nil {
		return nil, w.err
	}
	return n, nil
}

func (c convScale) apply(x *nn.Tensor, stride int, p nn.Padding, relu bool) *nn.Tensor {
	h, wd, _ := x.HWC()
	ep := &nn.GemmEpilogue{Add1: c.bias, Mul: c.scale, Add2: c.bias2}
	if relu {
		ep.Act = nn.Relu
	}
	return nn.Conv2DEpilogue(x, c.f, stride, nn.PadsFor(p, h, wd, c.f.KH, c.f.KW, stride), ep)
}

func (b residualBlock) apply(x *nn.Tensor) *nn.Tensor {
	if !b.down {
		out := b.conv1.apply(x, 1, nn.Same, true)
		out = b.conv2.apply(out, 1, nn.Same, false)
		return nn.AddReLU(out, x)
	}
	out := b.conv1.apply(x, 2, nn.Valid, true)
	out = b.conv2.apply(out, 1, nn.Same, false)
	pooled := nn.AvgPool(x, 2, 2, nn.Valid)
	ph, pw, pc := pooled.HWC()
	oh, ow, oc := out.HWC()
	if ph != oh || pw != ow {
		// face-api appends one zero row and one zero column when the strided
		// conv came out one smaller than the pooled shortcut.
		out = nn.PadSpatial(out, nn.Pads{Bottom: ph - oh, Right: pw - ow})
	}
	if pc != oc {
		pooled = nn.PadChannels(pooled, oc-pc)
	}
	return nn.AddReLU(pooled, out)
}

// forward runs the network on a [1,150,150,3] tensor of 0..255 values (the
// tensor is modified) and returns the 128-d descriptor.
func (n *recognitionNet) forward(x *nn.Tensor) []float32 {
	nn.SubChannel(x, meanRGBRecognition)
	nn.DivScalar(x, 255)
	out := n.stem.apply(x, 2, nn.Valid, true)
	out = nn.MaxPool(out, 3, 2, nn.Valid)
	for _, b := range n.blocks {
		out = b.apply(out)
	}
	return nn.MatMul(nn.GlobalMean(out), n.fc).Data
}
