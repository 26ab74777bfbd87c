// Package facetest gives tests, benchmarks and the demo a real face to move: the most
// frontal face among the MIT-licensed sample photos that `make models`
// installs, and synthetic frames of it answering a liveness challenge.
package facetest

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	xdraw "golang.org/x/image/draw"

	"github.com/kakunin-dev/kakunin/internal/face"
	"github.com/kakunin-dev/kakunin/internal/liveness"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// Poses are the head movements the synthetic clips render faithfully.
var Poses = map[liveness.Action]synth.FaceState{
	liveness.TurnLeft: {Yaw: 22}, liveness.TurnRight: {Yaw: -22}, liveness.LookUp: {Pitch: -25}, liveness.LookDown: {Pitch: 22},
}

// PoseOnly reports whether every action of ch is a head movement.
func PoseOnly(ch liveness.Challenge) bool {
	for _, a := range ch.Actions {
		if _, ok := Poses[a]; !ok {
			return false
		}
	}
	return true
}

// Face is a photo with the landmarks of the face to animate.
type Face struct {
	Image     *image.RGBA
	Landmarks face.Landmarks
	// Width is the face's share of the frame's width (0: 0.4, a phone at
	// arm's length). Another framing of the same photo is another capture,
	// not a replay.
	Width float64
	// Shift moves the face right of the frame's centre by this share of
	// the frame's width (negative: left).
	Shift float64
}

// Frontal finds the most frontal face in modelsDir/samples (group photos;
// Frame isolates the face).
func Frontal(ctx context.Context, eng *face.Engine, modelsDir string) (*Face, error) {
	fs, err := ByFrontality(ctx, eng, modelsDir, 1)
	if err != nil {
		return nil, err
	}
	return fs[0], nil
}

// ByFrontality returns the n most frontal faces of modelsDir/samples, most
// frontal first: different people, for flows that must not look like a
// replay of each other.
func ByFrontality(ctx context.Context, eng *face.Engine, modelsDir string, n int) ([]*Face, error) {
	type cand struct {
		img   *face.Image
		lm    face.Landmarks
		score float64
	}
	var cands []cand
	for i := 1; i <= 6; i++ {
		b, err := os.ReadFile(filepath.Join(modelsDir, "samples", fmt.Sprintf("sample%d.jpg", i)))
		if err != nil {
			return nil, fmt.Errorf("sample photos: %w (run `make models`)", err)
		}
		img, err := face.DecodeImage(b)
		if err != nil {
			return nil, err
		}
		faces, err := eng.Analyze(ctx, img)
		if err != nil {
			return nil, err
		}
		for _, f := range faces {
			m := liveness.FitFaceModel(&f.Landmarks)
			p := m.EstimatePose(&f.Landmarks)
			cands = append(cands, cand{img, f.Landmarks, math.Abs(p.Yaw) + math.Abs(p.Pitch) + math.Abs(p.Roll)})
		}
	}
	if len(cands) < n {
		return nil, fmt.Errorf("%d faces in the sample photos; want %d", len(cands), n)
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Compare(a.score, b.score) })
	out := make([]*Face, n)
	for k := range out {
		img := cands[k].img
		w, h := img.Width(), img.Height()
		src := image.NewRGBA(image.Rect(0, 0, w, h))
		for i, px := 0, img.RGB(); i < w*h; i++ {
			src.Pix[i*4], src.Pix[i*4+1], src.Pix[i*4+2], src.Pix[i*4+3] = px[i*3], px[i*3+1], px[i*3+2], 255
		}
		out[k] = &Face{Image: src, Landmarks: cands[k].lm}
	}
	return out, nil
}

// Schedule is the sequence of states for a challenge at fps frames per
// second: a second looking ahead, then per action 0.4 s in, 0.5 s held,
// 0.4 s out and a rest (with one blink after the first), then tail seconds
// looking ahead.
func Schedule(actions []liveness.Action, fps int, tail float64) []synth.FaceState {
	var states []synth.FaceState
	n := func(sec float64) int { return max(1, int(math.Round(sec*float64(fps)))) }
	hold := func(st synth.FaceState, k int) {
		for range k {
			states = append(states, st)
		}
	}
	move := func(from, to synth.FaceState, k int) {
		for i := 1; i <= k; i++ {
			states = append(states, from.Lerp(to, float64(i)/float64(k)))
		}
	}
	neutral := synth.FaceState{}
	hold(neutral, n(1))
	for i, a := range actions {
		p := Poses[a]
		move(neutral, p, n(0.4))
		hold(p, n(0.53))
		move(p, neutral, n(0.4))
		if i == 0 {
			hold(neutral, n(0.13))
			hold(synth.FaceState{EyesClosed: 1}, n(0.13))
			hold(neutral, n(0.13))
		} else {
			hold(neutral, n(0.4))
		}
	}
	if tail > 0 {
		hold(neutral, n(tail))
	}
	return states
}

// Frames renders states as 640x480 camera frames of f.
func (f *Face) Frames(states []synth.FaceState) []*image.RGBA {
	gain := exposure(f.frame(f.Image, 1))
	out := make([]*image.RGBA, len(states))
	for i, st := range states {
		out[i] = f.frame(synth.WarpFace(f.Image, f.Landmarks, st), gain)
	}
	return out
}

// frame crops a 4:3 view around the face (the face about 40% of the width,
// as a phone at arm's length sees it), scales it to 640x480 and applies
// gain, as a phone's auto-exposure would for a face.
func (f *Face) frame(img *image.RGBA, gain float64) *image.RGBA {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range f.Landmarks {
		minX, minY, maxX, maxY = min(minX, p.X), min(minY, p.Y), max(maxX, p.X), max(maxY, p.Y)
	}
	cx, cy := (minX+maxX)/2, (minY+maxY)/2
	share := f.Width
	if share <= 0 {
		share = 0.4
	}
	w := (maxX - minX) / share
	cx -= f.Shift * w
	r := image.Rect(int(cx-w/2), int(cy-w*3/8), int(cx+w/2), int(cy+w*3/8))
	out := image.NewRGBA(image.Rect(0, 0, 640, 480))
	xdraw.Draw(out, out.Bounds(), image.NewUniform(color.RGBA{90, 90, 90, 255}), image.Point{}, xdraw.Src)
	xdraw.ApproxBiLinear.Scale(out, out.Bounds(), img, r, xdraw.Over, nil)
	if gain != 1 {
		for i := 0; i < len(out.Pix); i += 4 {
			for c := range 3 {
				out.Pix[i+c] = uint8(min(255, float64(out.Pix[i+c])*gain))
			}
		}
	}
	return out
}

// exposure is the gain that brings the face's centre to a mid grey.
func exposure(img *image.RGBA) float64 {
	var sum, n float64
	for y := 180; y < 300; y++ {
		for x := 260; x < 380; x++ {
			p := img.Pix[y*img.Stride+4*x:]
			sum += 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
			n++
		}
	}
	return math.Max(1, math.Min(3, 125/math.Max(sum/n, 1)))
}

// AddNoise jitters every pixel by up to amp levels, as a camera sensor does:
// no two real frames are identical.
func AddNoise(frames []*image.RGBA, amp int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x6e6f697365))
	for _, f := range frames {
		for i := 0; i < len(f.Pix); i += 4 {
			d := rng.IntN(2*amp+1) - amp
			for c := range 3 {
				f.Pix[i+c] = uint8(max(0, min(255, int(f.Pix[i+c])+d)))
			}
		}
	}
}

// Portrait crops the face as an ID photo shows it (head and shoulders, 3:4
// around the landmarks) and encodes it as JPEG.
func (f *Face) Portrait() ([]byte, error) {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range f.Landmarks {
		minX, minY, maxX, maxY = min(minX, p.X), min(minY, p.Y), max(maxX, p.X), max(maxY, p.Y)
	}
	cx, cy, half := int((minX+maxX)/2), int((minY+maxY)/2), int(maxX-minX)
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, f.Image.SubImage(image.Rect(cx-half, cy-half*13/10, cx+half, cy+half*13/10)), &jpeg.Options{Quality: 90})
	return buf.Bytes(), err
}

// JPEG encodes a frame as a camera app would.
func JPEG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	return buf.Bytes(), err
}
