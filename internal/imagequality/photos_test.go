package imagequality

import (
	"errors"
	"image"
	"image/draw"
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// photosDir holds real face photos of several identities: large JPEGs from
// press and official portraits and 150x150 grey PNG face crops.
const photosDir = "/work/shared/data/faces/identities"

type photo struct {
	name string
	img  *image.RGBA
}

func loadPhotos(t testing.TB) []photo {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(photosDir, "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		if _, err := os.Stat(photosDir); errors.Is(err, os.ErrNotExist) {
			t.Skipf("real photos are not on this machine (%s); calibration cannot run", photosDir)
		}
		t.Fatalf("no photos under %s", photosDir)
	}
	slices.Sort(paths)
	var out []photo
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, photo{name: filepath.Base(p), img: toRGBA(img)})
	}
	return out
}

func toRGBA(img image.Image) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}

// gaussianBlur is a separable Gaussian blur with a kernel of radius 3σ and
// edges clamped, the way an out-of-focus lens or a shaking hand softens a
// photo.
func gaussianBlur(src *image.RGBA, sigma float64) *image.RGBA {
	radius := int(math.Ceil(3 * sigma))
	kernel := make([]float64, 2*radius+1)
	var total float64
	for i := range kernel {
		d := float64(i - radius)
		kernel[i] = math.Exp(-d * d / (2 * sigma * sigma))
		total += kernel[i]
	}
	for i := range kernel {
		kernel[i] /= total
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	out := image.NewRGBA(src.Bounds())
	copy(out.Pix, src.Pix)
	// Each pass copies one line (a row or a column) of one channel into a
	// buffer padded by repeating its end pixels, then convolves it.
	line := make([]float32, max(w, h)+2*radius)
	conv := func(n int, at func(i int) *uint8) {
		for i := range n {
			line[radius+i] = float32(*at(i))
		}
		for i := range radius {
			line[i] = line[radius]
			line[radius+n+i] = line[radius+n-1]
		}
		for i := range n {
			var acc float32
			for k, kv := range kernel {
				acc += float32(kv) * line[i+k]
			}
			*at(i) = uint8(acc + 0.5)
		}
	}
	for c := range 3 {
		for y := range h {
			conv(w, func(x int) *uint8 { return &out.Pix[y*out.Stride+4*x+c] })
		}
		for x := range w {
			conv(h, func(y int) *uint8 { return &out.Pix[y*out.Stride+4*x+c] })
		}
	}
	return out
}

// scaleBrightness maps every channel v to v*gain+offset, clipped to 0..255.
func scaleBrightness(src *image.RGBA, gain, offset float64) *image.RGBA {
	out := image.NewRGBA(src.Bounds())
	for i, v := range src.Pix {
		if i%4 == 3 {
			out.Pix[i] = v
			continue
		}
		out.Pix[i] = uint8(math.Min(255, math.Max(0, float64(v)*gain+offset)+0.5))
	}
	return out
}
