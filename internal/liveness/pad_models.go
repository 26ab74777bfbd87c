package liveness

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path"
	"path/filepath"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/face"
	"github.com/kakunin-dev/kakunin/internal/nn"
)

// The human-models graph models PAD runs, with the checksums models.sha256
// pins (repeated here so this package never reads another package's copy).
var padModelFiles = map[string]string{
	"human/antispoof.json": "7fd698ae1cebabbcad79d3b8b448587b0365eb7911987418231bdcf36583112a",
	"human/antispoof.bin":  "4490fecb2becdb6869edc7e60f5e59962be013a8def8719b1373afb0f905c094",
	"human/liveness.json":  "9e51c8acf83b80abbf329b2735309ab5c90611c66905ade8b1bd130d473df9c8",
	"human/liveness.bin":   "fc6a6b6b3b9721bdb8bff67a457a15b7cbfd81715cfb27f3e65b757e81dd663e",
}

// graphNets holds the two passive-liveness networks.
type graphNets struct {
	antispoof *nn.GraphModel // 128×128 RGB in [0,1] → [1,1], high = real
	liveness  *nn.GraphModel // 32×32 RGB in [0,1] → [1,2]
}

func loadGraphNets(dir string) (*graphNets, error) {
	files := map[string][]byte{}
	for rel, want := range padModelFiles {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, errkind.New(errkind.ErrUnavailable, "model_missing", "liveness model %s cannot be read (run `make models`): %v", rel, err)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != want {
			return nil, errkind.New(errkind.ErrUnavailable, "model_altered", "liveness model %s does not match its pinned checksum (run `make models`)", rel)
		}
		files[rel] = b
	}
	load := func(rel string) (*nn.GraphModel, error) {
		m, err := nn.ParseGraphModel(files[rel], func(shard string) ([]byte, error) {
			key := path.Join(path.Dir(rel), path.Base(shard))
			b, ok := files[key]
			if !ok {
				return nil, fmt.Errorf("shard %s is not pinned", shard)
			}
			return b, nil
		})
		if err != nil {
			return nil, errkind.New(errkind.ErrUnavailable, "model_invalid", "liveness model %s: %v", rel, err)
		}
		return m, nil
	}
	as, err := load("human/antispoof.json")
	if err != nil {
		return nil, err
	}
	lv, err := load("human/liveness.json")
	if err != nil {
		return nil, err
	}
	return &graphNets{antispoof: as, liveness: lv}, nil
}

// faceSquare is the square around a face the networks read: centred on the
// landmarks' bounding box, its side scale times the box's longer side.
func faceSquare(lm *face.Landmarks, scale float64) (cx, cy, side float64) {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range lm {
		minX, maxX = math.Min(minX, p.X), math.Max(maxX, p.X)
		minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
	}
	// The 68 points stop at the brows; extend upwards by a fifth of the
	// height so the forehead is in the crop, as a detector box would have it.
	minY -= 0.2 * (maxY - minY)
	return (minX + maxX) / 2, (minY + maxY) / 2, scale * math.Max(maxX-minX, maxY-minY)
}

// cropTensor samples the square (cx, cy, side) of img bilinearly into a
// 1×n×n×3 tensor in [0,1]; outside the image the edge pixels repeat.
func cropTensor(img *face.Image, cx, cy, side float64, n int) *nn.Tensor {
	t := nn.New(1, n, n, 3)
	pix, w, h := img.RGB(), img.Width(), img.Height()
	step := side / float64(n)
	x0, y0 := cx-side/2, cy-side/2
	i := 0
	for y := 0; y < n; y++ {
		sy := y0 + (float64(y)+0.5)*step - 0.5
		for x := 0; x < n; x++ {
			sx := x0 + (float64(x)+0.5)*step - 0.5
			r, g, b := bilinearRGB(pix, w, h, sx, sy)
			t.Data[i], t.Data[i+1], t.Data[i+2] = float32(r/255), float32(g/255), float32(b/255)
			i += 3
		}
	}
	return t
}

func bilinearRGB(pix []byte, w, h int, x, y float64) (r, g, b float64) {
	x = math.Max(0, math.Min(float64(w-1), x))
	y = math.Max(0, math.Min(float64(h-1), y))
	xi, yi := int(x), int(y)
	xj, yj := min(xi+1, w-1), min(yi+1, h-1)
	fx, fy := x-float64(xi), y-float64(yi)
	at := func(px, py, c int) float64 { return float64(pix[(py*w+px)*3+c]) }
	var out [3]float64
	for c := 0; c < 3; c++ {
		top := at(xi, yi, c)*(1-fx) + at(xj, yi, c)*fx
		bot := at(xi, yj, c)*(1-fx) + at(xj, yj, c)*fx
		out[c] = top*(1-fy) + bot*fy
	}
	return out[0], out[1], out[2]
}

// modelScores runs both networks on the face. Both results are "real"
// probabilities: antispoof's single output and liveness's first class
// (the class live photos score near 1 on).
func (g *graphNets) modelScores(img *face.Image, lm *face.Landmarks) (antispoof, live float64, err error) {
	cx, cy, side := faceSquare(lm, 1.0)
	out, err := g.antispoof.Run(map[string]*nn.Tensor{g.antispoof.Inputs[0]: cropTensor(img, cx, cy, side, 128)})
	if err != nil {
		return 0, 0, err
	}
	antispoof = float64(out[g.antispoof.Outputs[0]].Data[0])
	out, err = g.liveness.Run(map[string]*nn.Tensor{g.liveness.Inputs[0]: cropTensor(img, cx, cy, side, 32)})
	if err != nil {
		return 0, 0, err
	}
	live = float64(out[g.liveness.Outputs[0]].Data[0])
	return antispoof, live, nil
}
