package document_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	xdraw "golang.org/x/image/draw"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// samplePortraits cuts 4:5 portraits out of the face-api sample photos
// that `make models` installs (no face engine: the crops need only look
// like photos, with a photo's texture and edges).
func samplePortraits(t testing.TB) []image.Image {
	t.Helper()
	files, _ := filepath.Glob("../../models/samples/*.jpg")
	slices.Sort(files)
	var out []image.Image
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		bd := img.Bounds()
		h := bd.Dy() / 2
		w := h * 4 / 5
		for _, fx := range []float64{0.3, 0.62} {
			x0 := bd.Min.X + int(fx*float64(bd.Dx())) - w/2
			y0 := bd.Min.Y + bd.Dy()/6
			crop := image.NewRGBA(image.Rect(0, 0, w/2, h/2))
			xdraw.ApproxBiLinear.Scale(crop, crop.Bounds(), img, image.Rect(x0, y0, x0+w, y0+h), xdraw.Src, nil)
			out = append(out, crop)
		}
	}
	if len(out) < 2 {
		t.Skip("no sample photos for portraits (make models)")
	}
	return out
}

// frontSide is the side of t that carries the portrait.
func frontSide(t document.Type) document.Side {
	if t == document.Passport {
		return document.SideDataPage
	}
	return document.SideFront
}

// camJPEG photographs s with cam and returns the decoded camera JPEG.
func camJPEG(t testing.TB, s *synth.Specimen, cam synth.Camera, seed uint64) image.Image {
	t.Helper()
	ph := synth.Photograph(s, cam, seed)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, ph.Image, &jpeg.Options{Quality: cam.JPEGQuality}); err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// tamperPair is a genuine specimen with its camera, and a level.
type tamperPair struct {
	name     string
	data     synth.DocumentData
	genuine  *synth.Specimen
	portrait int
	cam      synth.Camera
	seed     uint64
}

// tamperPairs renders n documents of each type, cycling clean and medium
// (and hard when hard is set), each with a sample portrait.
func tamperPairs(t testing.TB, types []document.Type, n int, levels []synth.Level, portraits []image.Image) []tamperPair {
	t.Helper()
	fonts := loadFonts(t)
	var out []tamperPair
	for _, typ := range types {
		for i := range n {
			d := specimenData(t, typ, 40+i)
			pi := (i*3 + len(out)) % len(portraits)
			s, err := synth.RenderSpecimen(fonts, d, frontSide(typ), portraits[pi])
			if err != nil {
				t.Fatal(err)
			}
			level := levels[i%len(levels)]
			rng := rand.New(rand.NewPCG(uint64(i), 0x74616d70))
			cam := synth.DrawCamera(rng, level, synth.ViewFlat, s.SizeMM)
			out = append(out, tamperPair{name: string(typ) + "/" + string(level), data: d, genuine: s, portrait: pi, cam: cam, seed: rng.Uint64()})
		}
	}
	return out
}

func tamperOf(t testing.TB, ex *document.Extractor, typ document.Type, img image.Image) (document.TamperResult, bool) {
	t.Helper()
	res, err := ex.Extract(context.Background(), img, document.Options{CurrentTime: refDay, KeyFieldsOnly: true, Type: typ})
	if err != nil {
		t.Logf("unreadable: %v", err)
		return document.TamperResult{}, false
	}
	return document.Tamper(res, refDay), true
}

func testLevels() []synth.Level {
	if os.Getenv("TAMPER_HARD") != "" {
		return synth.Levels
	}
	return []synth.Level{synth.LevelClean, synth.LevelMedium}
}

// TestTamperPortrait pastes another face over the portrait of specimens
// (synth.PastePortrait) and photographs the genuine and the pasted card
// with the same camera: most pastes must be flagged and no genuine card.
func TestTamperPortrait(t *testing.T) {
	if testing.Short() {
		t.Skip("renders specimens and runs tesseract")
	}
	portraits := samplePortraits(t)
	ex := document.NewExtractor(tesseract(t))
	types := []document.Type{document.DriversLicense, document.MyNumberCard, document.ResidenceCard, document.Passport}
	maxGen, minPaste := math.Inf(-1), math.Inf(1)
	var pastes, caught int
	for i, p := range tamperPairs(t, types, 4, testLevels(), portraits) {
		typ := p.genuine.Type
		g, ok := tamperOf(t, ex, typ, camJPEG(t, p.genuine, p.cam, p.seed))
		if ok {
			t.Logf("%-28s genuine %.3f %v", p.name, g.Signals["portrait_score"], g.Signals)
			maxGen = math.Max(maxGen, g.Signals["portrait_score"])
			if slices.Contains(g.Reasons, document.ReasonPortraitTampered) {
				t.Errorf("%s: genuine portrait flagged (%v)", p.name, g.Signals)
			}
		}
		pasted, ok := synth.PastePortrait(p.genuine, portraits[(p.portrait+1+i)%len(portraits)], uint64(900+i))
		if !ok {
			t.Fatalf("%s: no portrait to paste over", p.name)
		}
		a, ok := tamperOf(t, ex, typ, camJPEG(t, pasted, p.cam, p.seed))
		if !ok {
			continue
		}
		t.Logf("%-28s pasted  %.3f %v", p.name, a.Signals["portrait_score"], a.Signals)
		minPaste = math.Min(minPaste, a.Signals["portrait_score"])
		pastes++
		if slices.Contains(a.Reasons, document.ReasonPortraitTampered) {
			caught++
		} else {
			t.Logf("%s: pasted portrait missed", p.name)
		}
	}
	// A paste cut to the printed photo's size and laid on its place leaves
	// only its rim, which blur can hide: some are missed.
	if caught*4 < pastes*3 {
		t.Errorf("caught %d of %d pasted portraits, want at least 75%%", caught, pastes)
	}
	t.Logf("portrait score: genuine max %.3f, pasted min %.3f, threshold %.2f; caught %d of %d pastes",
		maxGen, minPaste, document.PortraitTamperThreshold, caught, pastes)
}

// plainPortrait is an ID photo as issuers want it: a head and shoulders
// before a plain light background, which meets a light card with little
// contrast.
func plainPortrait(bg color.RGBA) image.Image {
	const w, h = 240, 300
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			u, v := (float64(x)+0.5)/w, (float64(y)+0.5)/h
			c := bg
			switch {
			case math.Pow((u-0.5)/0.2, 2)+math.Pow((v-0.36)/0.27, 2) < 1 && v < 0.22:
				c = color.RGBA{58, 44, 38, 255} // hair
			case math.Pow((u-0.5)/0.19, 2)+math.Pow((v-0.4)/0.25, 2) < 1:
				c = color.RGBA{222, 186, 160, 255} // face
			case v > 0.7 && math.Pow((u-0.5)/0.48, 2)+math.Pow((v-1.08)/0.4, 2) < 1:
				c = color.RGBA{44, 52, 78, 255} // jacket
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// TestTamperPlainPortrait is the regression of the portrait measure's
// false alarms: genuine cards whose portrait has a plain light background
// (and the grey silhouette synth prints without faces) must not be
// flagged, nor their key fields' layout.
func TestTamperPlainPortrait(t *testing.T) {
	if testing.Short() {
		t.Skip("renders specimens and runs tesseract")
	}
	fonts := loadFonts(t)
	ex := document.NewExtractor(tesseract(t))
	portraits := []image.Image{plainPortrait(color.RGBA{238, 240, 242, 255}), plainPortrait(color.RGBA{214, 226, 238, 255}), nil}
	types := []document.Type{document.DriversLicense, document.MyNumberCard, document.ResidenceCard, document.Passport}
	levels := []synth.Level{synth.LevelClean, synth.LevelMedium}
	n := 0
	for i, typ := range types {
		for j, portrait := range portraits {
			k := i*len(portraits) + j
			d := specimenData(t, typ, 60+k)
			s, err := synth.RenderSpecimen(fonts, d, frontSide(typ), portrait)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(uint64(k), 0x706c61696e))
			level := levels[k%len(levels)]
			cam := synth.DrawCamera(rng, level, synth.ViewFlat, s.SizeMM)
			r, ok := tamperOf(t, ex, typ, camJPEG(t, s, cam, rng.Uint64()))
			if !ok {
				continue
			}
			n++
			t.Logf("%s/%s portrait %d: %v %v", typ, level, j, r.Analysed, r.Signals)
			if !slices.Contains(r.Analysed, "portrait") {
				t.Errorf("%s portrait %d: portrait not analysed", typ, j)
			}
			if r.Tampered {
				t.Errorf("%s/%s portrait %d: genuine card flagged %v (%v)", typ, level, j, r.Reasons, r.Signals)
			}
		}
	}
	if n < len(types)*len(portraits)*3/4 {
		t.Errorf("only %d of %d genuine cards read", n, len(types)*len(portraits))
	}
}

// TestTamperLayout types one key field of specimens again, off its place
// or size (synth.TamperField), and photographs the genuine and the
// retyped card with the same camera: most retyped fields must be flagged
// and no genuine card.
func TestTamperLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("renders specimens and runs tesseract")
	}
	portraits := samplePortraits(t)
	fonts := loadFonts(t)
	ex := document.NewExtractor(tesseract(t))
	types := []document.Type{document.DriversLicense, document.MyNumberCard, document.ResidenceCard, document.Passport}
	var retyped, caught int
	for i, p := range tamperPairs(t, types, 2, testLevels(), portraits) {
		typ := p.genuine.Type
		g, ok := tamperOf(t, ex, typ, camJPEG(t, p.genuine, p.cam, p.seed))
		if ok {
			t.Logf("%-28s genuine %v", p.name, g.Signals)
			if slices.Contains(g.Reasons, document.ReasonLayoutMismatch) {
				t.Errorf("%s: genuine layout flagged (%v)", p.name, g.Signals)
			}
		}
		s, f, ok := synth.TamperField(fonts, p.genuine, uint64(700+i))
		if !ok {
			t.Fatalf("%s: no field to retype", p.name)
		}
		a, ok := tamperOf(t, ex, typ, camJPEG(t, s, p.cam, p.seed))
		if !ok {
			continue
		}
		retyped++
		t.Logf("%-28s retyped %s %v", p.name, f, a.Signals)
		if slices.Contains(a.Reasons, document.ReasonLayoutMismatch) {
			caught++
		}
	}
	// A field retyped only in another weight, or shrunk like a long name,
	// is not seen: some are missed.
	if caught*3 < retyped*2 {
		t.Errorf("caught %d of %d retyped fields, want at least two thirds", caught, retyped)
	}
	t.Logf("caught %d of %d retyped fields", caught, retyped)
}

// TestTamperMRZ prints passports whose MRZ names someone else, with valid
// check digits (synth.AlterMRZ): every one must be flagged and no genuine
// passport.
func TestTamperMRZ(t *testing.T) {
	if testing.Short() {
		t.Skip("renders specimens and runs tesseract")
	}
	portraits := samplePortraits(t)
	fonts := loadFonts(t)
	ex := document.NewExtractor(tesseract(t))
	maxGen, minAlt := math.Inf(-1), math.Inf(1)
	for i, p := range tamperPairs(t, []document.Type{document.Passport}, 9, testLevels(), portraits) {
		g, ok := tamperOf(t, ex, document.Passport, camJPEG(t, p.genuine, p.cam, p.seed))
		if ok {
			t.Logf("%-24s genuine %v", p.name, g.Signals)
			maxGen = math.Max(maxGen, g.Signals["mrz_viz_disagreements"])
			if slices.Contains(g.Reasons, document.ReasonMRZMismatch) {
				t.Errorf("%s: genuine passport's MRZ flagged (%v)", p.name, g.Signals)
			}
		}
		d, err := synth.AlterMRZ(p.data, uint64(500+i))
		if err != nil {
			t.Fatal(err)
		}
		s, err := synth.RenderSpecimen(fonts, d, document.SideDataPage, portraits[p.portrait])
		if err != nil {
			t.Fatal(err)
		}
		a, ok := tamperOf(t, ex, document.Passport, camJPEG(t, s, p.cam, p.seed))
		if !ok {
			continue
		}
		t.Logf("%-24s altered %v", p.name, a.Signals)
		if _, ran := a.Signals["mrz_viz_disagreements"]; !ran {
			t.Logf("%s: MRZ unreadable, not compared", p.name)
			continue
		}
		minAlt = math.Min(minAlt, a.Signals["mrz_viz_disagreements"])
		if !slices.Contains(a.Reasons, document.ReasonMRZMismatch) {
			t.Errorf("%s: altered MRZ not flagged (%v)", p.name, a.Signals)
		}
	}
	t.Logf("MRZ/VIZ kinds disagreeing: genuine max %.0f, altered min %.0f, threshold %d", maxGen, minAlt, document.MRZMismatchMin)
}
