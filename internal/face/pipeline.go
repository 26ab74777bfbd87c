package face

import (
	"math"

	"github.com/kakunin-dev/kakunin/internal/nn"
)

// This file reproduces face-api's geometry (padToSquare, the box round trips
// between pixel and relative coordinates, clipAtImageBorders, alignDlib) step
// by step, because the golden tests hold the Go pipeline to the reference's
// numbers and a floor() on a slightly different value moves a crop by a pixel.

// jsRound is JavaScript's Math.round: halves round towards +∞.
func jsRound(v float64) float64 { return math.Floor(v + 0.5) }

// roundTrip is face-api converting a pixel coordinate to relative and back
// (v·(1/dim)·dim), which can move the value by an ulp.
func roundTrip(v float64, dim int) float64 { return v * (1 / float64(dim)) * float64(dim) }

// clipFloor is face-api's Box.clipAtImageBorders followed by floor().
func clipFloor(b Box, imgW, imgH int) (x, y, w, h int) {
	cx, cy := max(b.X, 0), max(b.Y, 0)
	cw := min(b.right()-cx, float64(imgW)-cx)
	ch := min(b.bottom()-cy, float64(imgH)-cy)
	return int(math.Floor(cx)), int(math.Floor(cy)), int(math.Floor(cw)), int(math.Floor(ch))
}

// Point is a position in image pixels.
type Point struct{ X, Y float64 }

// Landmarks are the 68 iBUG/dlib points: jaw 0–16, brows 17–26, nose 27–35,
// eyes 36–47, mouth 48–67.
type Landmarks [68]Point

func centre(pts []Point) Point {
	var s Point
	for _, p := range pts {
		s.X += p.X
		s.Y += p.Y
	}
	return Point{s.X / float64(len(pts)), s.Y / float64(len(pts))}
}

// alignBox is face-api's alignDlib: a square whose size follows the mean
// eye-to-mouth distance, placed around the centre of eyes and mouth. cropW and
// cropH are the size of the crop the landmarks came from, which face-api
// uses to cap the box.
func alignBox(lm *Landmarks, cropW, cropH int) Box {
	le, re, mo := centre(lm[36:42]), centre(lm[42:48]), centre(lm[48:68])
	dist := func(p Point) float64 { return math.Hypot(mo.X-p.X, mo.Y-p.Y) }
	eyeToMouth := (dist(le) + dist(re)) / 2
	size := math.Floor(eyeToMouth / 0.45)
	ref := centre([]Point{le, re, mo})
	x := math.Floor(max(0, ref.X-0.5*size))
	y := math.Floor(max(0, ref.Y-0.43*size))
	return Box{X: x, Y: y, Width: min(size, float64(cropW)+x), Height: min(size, float64(cropH)+y)}
}

// detectorInput prepares the image for the detector at the given input size
// and returns the reshaped (long side = size) image dimensions face-api uses
// to correct box aspect.
func detectorInput(img *Image, size int) (x *nn.Tensor, reshapedW, reshapedH int) {
	w, h := img.Width(), img.Height()
	scale := float64(size) / float64(max(w, h))
	x = squareInput(img, region{0, 0, w, h}, size, false)
	nn.SubChannel(x, meanRGBDetector)
	nn.DivScalar(x, 255)
	return x, int(jsRound(float64(w) * scale)), int(jsRound(float64(h) * scale))
}

// landmarkPositions is face-api's FaceLandmark68NetBase.postProcess plus the
// FaceLandmarks68 constructor and shiftBy: raw outputs relative to the padded
// 112 input become pixel positions in the image.
func landmarkPositions(raw []float32, cropW, cropH int, shiftX, shiftY float64) Landmarks {
	// postProcess computes its constants in float64 and applies them with
	// float32 tensor ops.
	scale := float64(landmarkInput) / float64(max(cropW, cropH))
	w64, h64 := float64(cropW)*scale, float64(cropH)*scale
	var padX, padY float32
	if w64 < h64 {
		padX = float32(math.Abs(w64-h64) / 2)
	}
	if h64 < w64 {
		padY = float32(math.Abs(w64-h64) / 2)
	}
	iw, ih := float32(w64), float32(h64)
	var lm Landmarks
	fw, fh := float64(cropW), float64(cropH)
	for i := range lm {
		rx := (raw[2*i]*landmarkInput - padX) / iw
		ry := (raw[2*i+1]*landmarkInput - padY) / ih
		// FaceLandmarks stores rel·dims; shiftBy recovers rel by dividing and
		// multiplies again before adding the shift.
		px, py := float64(rx)*fw, float64(ry)*fh
		lm[i] = Point{X: px/fw*fw + shiftX, Y: py/fh*fh + shiftY}
	}
	return lm
}
