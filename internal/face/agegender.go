package face

import (
	"context"
	"fmt"
	"math"

	"github.com/kakunin-dev/kakunin/internal/nn"
)

// The face-api age and gender network: a tiny Xception (entry flow of two
// reduction blocks, two middle blocks, an exit reduction block and a
// separable conv to 512 channels) on a 112×112 crop, pooled, then one
// fully connected head for age (years) and one for gender (softmax).

type reductionBlock struct {
	sep0, sep1    separableConv
	expansion     *nn.Filter
	expansionBias []float32
}

type ageGenderNet struct {
	convIn     *nn.Filter
	convInBias []float32
	entry      [2]reductionBlock
	middle     [2][3]separableConv
	exit       reductionBlock
	exitSep    separableConv
	ageW       *nn.Tensor // [512, 1]
	ageB       []float32
	genderW    *nn.Tensor // [512, 2]
	genderB    []float32
}

func loadAgeGender(s *modelStore) (*ageGenderNet, error) {
	m, err := s.loadManifest("face-api", "age_gender_model")
	if err != nil {
		return nil, err
	}
	w := &weights{model: "age_gender_model", m: m}
	sep := func(p string) separableConv {
		return separableConv{depthwise: w.filter(p + "/depthwise_filter"), pointwise: w.filter(p + "/pointwise_filter"), bias: w.vec(p + "/bias")}
	}
	red := func(p string) reductionBlock {
		return reductionBlock{sep0: sep(p + "/separable_conv0"), sep1: sep(p + "/separable_conv1"),
			expansion: w.filter(p + "/expansion_conv/filters"), expansionBias: w.vec(p + "/expansion_conv/bias")}
	}
	n := &ageGenderNet{convIn: w.filter("entry_flow/conv_in/filters"), convInBias: w.vec("entry_flow/conv_in/bias")}
	for i := range n.entry {
		n.entry[i] = red(fmt.Sprintf("entry_flow/reduction_block_%d", i))
	}
	for i := range n.middle {
		for j := range n.middle[i] {
			n.middle[i][j] = sep(fmt.Sprintf("middle_flow/main_block_%d/separable_conv%d", i, j))
		}
	}
	n.exit = red("exit_flow/reduction_block")
	n.exitSep = sep("exit_flow/separable_conv")
	n.ageW, n.ageB = w.get("fc/age/weights", 2), w.vec("fc/age/bias")
	n.genderW, n.genderB = w.get("fc/gender/weights", 2), w.vec("fc/gender/bias")
	if w.err != nil {
		return nil, w.err
	}
	return n, nil
}

func samePads(x *nn.Tensor, k, stride int) nn.Pads {
	h, w, _ := x.HWC()
	return nn.PadsFor(nn.Same, h, w, k, k, stride)
}

func (b *reductionBlock) apply(x *nn.Tensor, activateInput bool) *nn.Tensor {
	out := x
	if activateInput {
		out = nn.ReLU(x.Clone())
	}
	out = b.sep0.apply(out, 1, samePads(out, 3, 1), nn.Relu) // the relu before sep1
	out = b.sep1.apply(out, 1, samePads(out, 3, 1), nn.Linear)
	out = nn.MaxPool(out, 3, 2, nn.Same)
	exp := nn.Conv2DEpilogue(x, b.expansion, 2, samePads(x, 1, 2), &nn.GemmEpilogue{Add1: b.expansionBias})
	return nn.Add(out, exp)
}

// forward runs the network on a [1,112,112,3] tensor of 0..255 values (the
// tensor is modified) and returns the age and the two gender logits.
func (n *ageGenderNet) forward(x *nn.Tensor) (age float32, gender [2]float32) {
	nn.SubChannel(x, meanRGBRecognition)
	nn.DivScalar(x, 255)
	out := nn.Conv2DEpilogue(x, n.convIn, 2, samePads(x, 3, 2), &nn.GemmEpilogue{Add1: n.convInBias, Act: nn.Relu})
	out = n.entry[0].apply(out, false)
	out = n.entry[1].apply(out, true)
	for i := range n.middle {
		in := out
		o := nn.ReLU(in.Clone())
		o = n.middle[i][0].apply(o, 1, samePads(o, 3, 1), nn.Relu)
		o = n.middle[i][1].apply(o, 1, samePads(o, 3, 1), nn.Relu)
		o = n.middle[i][2].apply(o, 1, samePads(o, 3, 1), nn.Linear)
		out = nn.Add(o, in)
	}
	out = n.exit.apply(out, true)
	out = n.exitSep.apply(out, 1, samePads(out, 3, 1), nn.Relu)
	pooled := nn.AvgPool(out, 7, 2, nn.Valid)
	flat := pooled.Reshape(1, pooled.Len())
	a := nn.AddChannel(nn.MatMul(flat, n.ageW), n.ageB)
	g := nn.AddChannel(nn.MatMul(flat, n.genderW), n.genderB)
	return a.Data[0], [2]float32{g.Data[0], g.Data[1]}
}

// softmax2 is tfjs's softmax for two logits: exp(x − logSumExp(x)).
func softmax2(l [2]float32) [2]float32 {
	m := max(l[0], l[1])
	lse := float32(math.Log(math.Exp(float64(l[0]-m))+math.Exp(float64(l[1]-m)))) + m
	return [2]float32{float32(math.Exp(float64(l[0] - lse))), float32(math.Exp(float64(l[1] - lse)))}
}

// AgeGender is the age and gender estimate for one face. Gender is "male"
// or "female", with the probability the network gives that label.
type AgeGender struct {
	Age               float64
	Gender            string
	GenderProbability float64
}

// minBoxCrop is face-api's default face alignment for the age, gender and
// expression nets: the landmarks' bounding box padded by 20% (half on each
// side), carried through FaceDetection's relative round trip.
func minBoxCrop(lm *Landmarks, imgW, imgH int) Box {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range lm {
		minX, minY, maxX, maxY = min(minX, p.X), min(minY, p.Y), max(maxX, p.X), max(maxY, p.Y)
	}
	w, h := maxX-minX, maxY-minY
	padX, padY := w*0.2, h*0.2
	b := Box{X: minX - padX/2, Y: minY - padY/2, Width: w + padX, Height: h + padY}
	// alignedRect = FaceDetection(rect·(1/dims)) and extractFaceTensors' forSize.
	return Box{X: roundTrip(roundTrip(b.X, imgW), imgW), Y: roundTrip(roundTrip(b.Y, imgH), imgH),
		Width: roundTrip(roundTrip(b.Width, imgW), imgW), Height: roundTrip(roundTrip(b.Height, imgH), imgH)}
}

// EstimateAgeGender runs the age and gender network on the face with the
// given landmarks. Its accuracy has not been measured on this project's data;
// treat it as a hint, not evidence.
func (e *Engine) EstimateAgeGender(ctx context.Context, img *Image, lm *Landmarks) (AgeGender, error) {
	if err := e.ready(); err != nil {
		return AgeGender{}, err
	}
	if err := ctx.Err(); err != nil {
		return AgeGender{}, err
	}
	W, H := img.Width(), img.Height()
	x, y, w, h := clipFloor(minBoxCrop(lm, W, H), W, H)
	if w <= 0 || h <= 0 {
		return AgeGender{}, newError(ErrFaceTooSmall, "the face lies outside the image")
	}
	age, logits := e.ag.forward(squareInput(img, region{x, y, w, h}, landmarkInput, true))
	p := softmax2(logits)
	out := AgeGender{Age: float64(age), Gender: "female", GenderProbability: 1 - float64(p[0])}
	if p[0] > 0.5 {
		out.Gender, out.GenderProbability = "male", float64(p[0])
	}
	return out, nil
}
