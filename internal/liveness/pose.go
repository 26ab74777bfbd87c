package liveness

import (
	"math"

	"github.com/kakunin-dev/kakunin/internal/face"
)

// mirror68 maps each of the 68 landmarks to its left–right partner.
var mirror68 = func() [68]int {
	var m [68]int
	for i := range m {
		m[i] = i
	}
	pair := func(a, b int) { m[a], m[b] = b, a }
	for i := 0; i < 8; i++ {
		pair(i, 16-i)
	}
	for i := 0; i < 5; i++ {
		pair(17+i, 26-i)
	}
	for _, p := range [][2]int{{31, 35}, {32, 34}, {36, 45}, {37, 44}, {38, 43}, {39, 42}, {40, 47}, {41, 46},
		{48, 54}, {49, 53}, {50, 52}, {55, 59}, {56, 58}, {60, 64}, {61, 63}, {65, 67}} {
		pair(p[0], p[1])
	}
	return m
}()

// depth68 is a generic face depth per landmark, behind the nose tip, in
// units of the outer-eye-corner distance. It is anthropometric (eyes sit
// about 0.3 of that distance behind the nose tip, the jaw angle near the
// ears about 0.9), drawn up for this package, not measured from a scan.
var depth68 = [68]float64{
	0.95, 0.85, 0.75, 0.60, 0.45, 0.35, 0.25, 0.18, 0.15, 0.18, 0.25, 0.35, 0.45, 0.60, 0.75, 0.85, 0.95, // jaw
	0.35, 0.28, 0.24, 0.23, 0.24, 0.24, 0.23, 0.24, 0.28, 0.35, // brows
	0.26, 0.18, 0.09, 0.00, // nose bridge to tip
	0.20, 0.12, 0.07, 0.12, 0.20, // nostrils
	0.36, 0.30, 0.30, 0.30, 0.30, 0.30, // right eye (image left)
	0.30, 0.30, 0.30, 0.36, 0.30, 0.30, // left eye
	0.30, 0.20, 0.14, 0.12, 0.14, 0.20, 0.30, 0.22, 0.17, 0.15, 0.17, 0.22, // outer lips
	0.29, 0.17, 0.15, 0.17, 0.29, 0.19, 0.18, 0.19, // inner lips
}

// rigid68 are the landmarks that do not move with expressions: jaw, nose,
// brows and the eye corners. Only they constrain the pose.
var rigid68 = func() []int {
	var r []int
	for i := 0; i <= 35; i++ {
		r = append(r, i)
	}
	return append(r, 36, 39, 42, 45)
}()

// FaceModel is a 3-D face fitted to one person: the front view's x and y
// from a neutral frame (made left–right symmetric), the generic depth.
// Coordinates are in units of the outer-eye-corner distance, x to the
// image's right, y down, z away from the camera.
type FaceModel struct {
	P [68][3]float64
}

// FitFaceModel builds the model from landmarks of a roughly frontal frame.
func FitFaceModel(lm *face.Landmarks) FaceModel {
	roll := math.Atan2(lm[45].Y-lm[36].Y, lm[45].X-lm[36].X)
	c, s := math.Cos(-roll), math.Sin(-roll)
	var pts [68][2]float64
	var mx, my float64
	for i, p := range lm {
		pts[i] = [2]float64{p.X*c - p.Y*s, p.X*s + p.Y*c}
		mx += pts[i][0] / 68
		my += pts[i][1] / 68
	}
	scale := math.Hypot(lm[45].X-lm[36].X, lm[45].Y-lm[36].Y)
	if scale == 0 {
		scale = 1
	}
	var m FaceModel
	for i := range pts {
		j := mirror68[i]
		// Average the point with its partner reflected about x = mx.
		x := (pts[i][0] - mx - (pts[j][0] - mx)) / 2
		y := (pts[i][1] + pts[j][1]) / 2
		m.P[i] = [3]float64{x / scale, (y - my) / scale, depth68[i]}
	}
	return m
}

// Pose is a head orientation in degrees. Yaw is positive when the nose
// points to the image's right, pitch when it points down, roll when the
// eye line falls to the image's right (the face package's conventions).
type Pose struct{ Yaw, Pitch, Roll float64 }

// EstimatePose fits a scaled orthographic projection of the model to the
// rigid landmarks by least squares (a small PnP for a distant camera),
// makes its rotation orthonormal and reads the Euler angles from it.
func (m *FaceModel) EstimatePose(lm *face.Landmarks) Pose {
	// Solve u = a·[X Y Z 1] and v = b·[X Y Z 1] from the normal equations.
	var ata [4][4]float64
	var atu, atv [4]float64
	for _, i := range rigid68 {
		row := [4]float64{m.P[i][0], m.P[i][1], m.P[i][2], 1}
		for r := 0; r < 4; r++ {
			for c := 0; c < 4; c++ {
				ata[r][c] += row[r] * row[c]
			}
			atu[r] += row[r] * lm[i].X
			atv[r] += row[r] * lm[i].Y
		}
	}
	a, okA := solve4(ata, atu)
	b, okB := solve4(ata, atv)
	if !okA || !okB {
		return Pose{}
	}
	r1 := normalize([3]float64{a[0], a[1], a[2]})
	r2 := [3]float64{b[0], b[1], b[2]}
	// Gram–Schmidt: make r2 orthogonal to r1.
	d := dot(r1, r2)
	r2 = normalize([3]float64{r2[0] - d*r1[0], r2[1] - d*r1[1], r2[2] - d*r1[2]})
	r3 := cross(r1, r2)
	deg := 180 / math.Pi
	// R (rows r1, r2, r3) maps model to camera; decompose it as
	// Rz(roll)·Rx(pitch)·Ry(θ). Rotating about y by θ puts the nose tip
	// (in front of the face, z < 0) at x' = sinθ·z: to the image's left for
	// θ > 0, so yaw is −θ.
	yaw := -math.Atan2(-r3[0], r3[2])
	pitch := math.Asin(math.Max(-1, math.Min(1, r3[1])))
	roll := math.Atan2(-r1[1], r2[1])
	return Pose{Yaw: yaw * deg, Pitch: pitch * deg, Roll: roll * deg}
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func normalize(a [3]float64) [3]float64 {
	n := math.Sqrt(dot(a, a))
	if n == 0 {
		return a
	}
	return [3]float64{a[0] / n, a[1] / n, a[2] / n}
}

// solve4 solves a 4×4 system by Gaussian elimination with partial pivoting.
func solve4(a [4][4]float64, b [4]float64) ([4]float64, bool) {
	for col := 0; col < 4; col++ {
		p := col
		for r := col + 1; r < 4; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[p][col]) {
				p = r
			}
		}
		if math.Abs(a[p][col]) < 1e-12 {
			return b, false
		}
		a[col], a[p] = a[p], a[col]
		b[col], b[p] = b[p], b[col]
		for r := col + 1; r < 4; r++ {
			f := a[r][col] / a[col][col]
			for c := col; c < 4; c++ {
				a[r][c] -= f * a[col][c]
			}
			b[r] -= f * b[col]
		}
	}
	var x [4]float64
	for r := 3; r >= 0; r-- {
		s := b[r]
		for c := r + 1; c < 4; c++ {
			s -= a[r][c] * x[c]
		}
		x[r] = s / a[r][r]
	}
	return x, true
}

func dist(a, b face.Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// EyeAspect is the mean eye aspect ratio of both eyes (lid distance over
// eye width); open eyes are about 0.25–0.35, closed ones below 0.15.
func EyeAspect(lm *face.Landmarks) float64 {
	ear := func(o int) float64 {
		w := dist(lm[o], lm[o+3])
		if w == 0 {
			return 0
		}
		return (dist(lm[o+1], lm[o+5]) + dist(lm[o+2], lm[o+4])) / (2 * w)
	}
	return (ear(36) + ear(42)) / 2
}

// MouthShape is the inner-lip opening over mouth width (open mouth) and the
// mouth width over the outer-eye-corner distance (smile).
func MouthShape(lm *face.Landmarks) (open, width float64) {
	w := dist(lm[60], lm[64])
	eyes := dist(lm[36], lm[45])
	if w > 0 {
		open = (dist(lm[61], lm[67]) + dist(lm[62], lm[66]) + dist(lm[63], lm[65])) / (3 * w)
	}
	if eyes > 0 {
		width = dist(lm[48], lm[54]) / eyes
	}
	return open, width
}
