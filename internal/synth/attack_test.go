package synth

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/face"
)

func testPhoto() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 200, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 200; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), uint8((x * y) % 256), 255})
		}
	}
	return img
}

func TestRenderAttackIsRepeatableAndDistinct(t *testing.T) {
	src := testPhoto()
	box := image.Rect(60, 60, 140, 160)
	outs := map[AttackKind]*image.RGBA{}
	for _, k := range AttackKinds {
		a, b := RenderAttack(src, box, k, 3), RenderAttack(src, box, k, 3)
		if a.Bounds() != image.Rect(0, 0, 480, 640) {
			t.Errorf("%s: bounds %v; want 480×640", k, a.Bounds())
		}
		if !bytes.Equal(a.Pix, b.Pix) {
			t.Errorf("%s: two renders with seed 3 differ; want identical", k)
		}
		if c := RenderAttack(src, box, k, 4); bytes.Equal(a.Pix, c.Pix) {
			t.Errorf("%s: seeds 3 and 4 render the same; want different", k)
		}
		outs[k] = a
	}
	if bytes.Equal(outs[AttackPrint].Pix, outs[AttackScreen].Pix) || bytes.Equal(outs[AttackPrint].Pix, outs[AttackCutout].Pix) {
		t.Errorf("attack kinds render identically; want distinct")
	}
}

// ringLandmarks is a face-like layout: points on an ellipse in index order,
// the nose points (27–35) on the vertical centre line.
func ringLandmarks(cx, cy float64) face.Landmarks {
	var lm face.Landmarks
	for i := range lm {
		a := float64(i) / 68 * 2 * math.Pi
		lm[i] = face.Point{X: cx + 40*math.Cos(a), Y: cy + 50*math.Sin(a)}
	}
	for i := 27; i <= 35; i++ {
		lm[i] = face.Point{X: cx, Y: cy - 20 + float64(i-27)*5}
	}
	lm[36], lm[45] = face.Point{X: cx - 30, Y: cy - 15}, face.Point{X: cx + 30, Y: cy - 15}
	return lm
}

func TestWarpFaceNeutralIsIdentity(t *testing.T) {
	src := testPhoto()
	out := WarpFace(src, ringLandmarks(100, 120), FaceState{})
	if !bytes.Equal(out.Pix, src.Pix) {
		t.Errorf("neutral warp changed the image; want it unchanged")
	}
}

func TestWarpFaceTurnMovesTheFace(t *testing.T) {
	src := testPhoto()
	out := WarpFace(src, ringLandmarks(100, 120), FaceState{Yaw: 20})
	// Yaw > 0 moves the nose to the image's right: the pixel now at the
	// nose's old place came from its left, where red (= x) is lower.
	got, want := out.RGBAAt(100, 110).R, src.RGBAAt(100, 110).R
	if got >= want {
		t.Errorf("red at the nose after a right turn: got %d; want below %d", got, want)
	}
	far := out.RGBAAt(5, 5)
	if far != src.RGBAAt(5, 5) {
		t.Errorf("a corner far from the face moved: got %v; want %v", far, src.RGBAAt(5, 5))
	}
}
