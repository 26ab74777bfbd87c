package synth

// A set of photographed specimens on disk, each image with its ground
// truth beside it: what `kakunin synth documents` writes and what the
// document evaluation reads.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	xdraw "golang.org/x/image/draw"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/face"
)

// Truth is the ground truth written beside each photograph as JSON.
// Pixel coordinates in the photograph put the centre of the top-left
// pixel at (0, 0); boxes on the flat specimen are [x0, y0, x1, y1) pixel
// edges at DPI.
type Truth struct {
	File  string        `json:"file"`
	Type  document.Type `json:"type"`
	Side  document.Side `json:"side"` // the side facing the camera (thickness views show the front)
	View  View          `json:"view"`
	Seed  uint64        `json:"seed"`
	Index int           `json:"index"`
	// Fields are as printed on the flat specimen, with their normalised
	// values.
	Fields       map[document.Field]FieldTruth `json:"fields"`
	Holder       HolderTruth                   `json:"holder"`
	SizeMM       [2]float64                    `json:"size_mm"`
	SpecimenSize [2]int                        `json:"specimen_size"` // flat specimen pixels at DPI
	Regions      map[string][4]int             `json:"regions"`       // portrait, qr, mrz, ic_contacts, specimen_stamp on the flat specimen
	// Corners are the document's printed corners TL, TR, BR, BL in the
	// photograph; Homography maps flat-specimen coordinates (x, y, 1) to
	// homogeneous photograph coordinates, row-major, scaled so its last
	// element is 1.
	Corners    [4][2]float64     `json:"corners"`
	Homography [9]float64        `json:"homography"`
	Edge       *EdgeTruth        `json:"edge,omitempty"`
	Camera     Camera            `json:"augmentation"`
	Portrait   string            `json:"portrait"` // which face was printed, or "silhouette"
	Fonts      map[string]string `json:"fonts"`
	Note       string            `json:"note"`
}

// HolderTruth is what is known about the fictional holder beyond what the
// side prints (the kana reading and passport spelling are never printed
// on the five rendered types' fronts but a pipeline may derive them).
type HolderTruth struct {
	Name        string `json:"name"`
	NameKana    string `json:"name_kana,omitempty"`
	NameRoman   string `json:"name_roman"`
	Sex         string `json:"sex"`
	BirthDate   string `json:"birth_date"`
	Nationality string `json:"nationality"`
	Address     string `json:"address"`
}

// Portrait is a face photo to print on specimens, cropped as an ID photo.
type Portrait struct {
	Name  string // for the ground truth, e.g. "sample3.jpg#1"
	Image image.Image
	Sex   string // "M" or "F": the holder gets this sex; "" for any
}

// GenerateOptions configure GenerateDocuments.
type GenerateOptions struct {
	N         int             // documents per type
	Seed      uint64          // the same seed writes the same bytes
	Types     []document.Type // default SpecimenTypes
	Portraits []Portrait      // nil prints grey silhouettes
	Now       time.Time       // documents are valid on this day (zero: ChipReferenceTime)
	// Levels, when set, are the augmentation levels document i cycles
	// through (default Levels: clean, medium, hard).
	Levels []Level
	// Attacks, when set, also writes each document's attack samples
	// (AttackShots) beside its genuine photographs.
	Attacks bool
	// Progress, when set, is called after each document.
	Progress func(done, total int)
}

// GenerateSummary counts what GenerateDocuments wrote.
type GenerateSummary struct {
	Documents int                   `json:"documents"`
	Images    int                   `json:"images"`
	ByType    map[document.Type]int `json:"by_type"`  // images
	ByLevel   map[Level]int         `json:"by_level"` // images
	ByView    map[View]int          `json:"by_view"`  // images
	// ByAttack counts the attack samples (images, not in the counts
	// above) by kind.
	ByAttack map[DocumentAttack]int `json:"by_attack,omitempty"`
}

// GenerateDocuments writes o.N documents of each type into dir: every
// rendered side photographed flat, plus a thickness view of each card,
// as JPEG with a JSON ground truth of the same name. The augmentation
// level cycles clean, medium, hard (or o.Levels) over the documents of a
// type. A
// document depends only on (seed, type, index), so adding a type or
// raising N does not change the others.
func GenerateDocuments(ctx context.Context, fonts *Fonts, dir string, o GenerateOptions) (GenerateSummary, error) {
	sum := GenerateSummary{ByType: map[document.Type]int{}, ByLevel: map[Level]int{}, ByView: map[View]int{}}
	if fonts == nil {
		return sum, ErrNoCJKFont
	}
	types := o.Types
	if len(types) == 0 {
		types = SpecimenTypes
	}
	for _, t := range types {
		if SpecimenSides(t) == nil {
			return sum, fmt.Errorf("synth: no specimen template for document type %q (have %v)", t, SpecimenTypes)
		}
	}
	if o.N < 0 {
		return sum, fmt.Errorf("synth: negative document count %d", o.N)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return sum, err
	}
	total := o.N * len(types)
	for ti, t := range types {
		for i := range o.N {
			if err := ctx.Err(); err != nil {
				return sum, err
			}
			shots, err := SpecimenShots(fonts, t, i, o)
			if err != nil {
				return sum, err
			}
			for _, s := range shots {
				if err := s.write(dir); err != nil {
					return sum, err
				}
				sum.Images++
				sum.ByType[t]++
				sum.ByLevel[s.Truth.Camera.Level]++
				sum.ByView[s.Truth.View]++
			}
			if o.Attacks {
				if err := writeAttacks(fonts, dir, shots, o, &sum); err != nil {
					return sum, err
				}
			}
			sum.Documents++
			if o.Progress != nil {
				o.Progress(ti*o.N+i+1, total)
			}
		}
	}
	return sum, nil
}

// Shot is one photograph with its ground truth.
type Shot struct {
	Truth Truth
	Photo *Photo
	// Specimen is the flat document photographed, for rendering attacks
	// from it; it is not written.
	Specimen *Specimen
}

// JPEG encodes the photograph at the camera's quality.
func (s Shot) JPEG() ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, s.Photo.Image, &jpeg.Options{Quality: s.Truth.Camera.JPEGQuality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (s Shot) write(dir string) error {
	img, err := s.JPEG()
	if err != nil {
		return err
	}
	js, err := json.MarshalIndent(s.Truth, "", "  ")
	if err != nil {
		return err
	}
	base := filepath.Join(dir, s.Truth.File[:len(s.Truth.File)-len(filepath.Ext(s.Truth.File))])
	if err := os.WriteFile(base+".jpg", img, 0o644); err != nil {
		return err
	}
	return os.WriteFile(base+".json", append(js, '\n'), 0o644)
}

func streamFor(t document.Type, index int) uint64 {
	h := fnv.New64a()
	h.Write([]byte(t))
	return h.Sum64() ^ uint64(index)*0x9E3779B97F4A7C15
}

// SpecimenShots renders document index of type t as GenerateDocuments
// does, without writing it.
func SpecimenShots(fonts *Fonts, t document.Type, index int, o GenerateOptions) ([]Shot, error) {
	spec, err := document.Lookup(string(t))
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, streamFor(t, index)))
	var p Portrait
	if len(o.Portraits) > 0 {
		p = o.Portraits[rng.IntN(len(o.Portraits))]
	}
	portraitName := p.Name
	switch {
	case !spec.Photo:
		p, portraitName = Portrait{}, ""
	case p.Image == nil:
		portraitName = "silhouette"
	}
	d, err := NewDocumentData(rng, t, DocumentOptions{Now: o.Now, Sex: p.Sex})
	if err != nil {
		return nil, err
	}
	portrait := p.Image
	levels := Levels
	if len(o.Levels) > 0 {
		levels = o.Levels
	}
	level := levels[index%len(levels)]
	var shots []Shot
	for _, side := range SpecimenSides(t) {
		s, err := RenderSpecimen(fonts, d, side, portrait)
		if err != nil {
			return nil, err
		}
		views := []View{ViewFlat}
		if side == document.SideFront && s.SizeMM == sizeID1 {
			views = append(views, ViewThickness)
		}
		for _, v := range views {
			cam := DrawCamera(rng, level, v, s.SizeMM)
			ph := Photograph(s, cam, rng.Uint64())
			name := string(side)
			if v == ViewThickness {
				name = "thickness"
			}
			tr := truthFor(s, ph, cam, fonts, o.Seed, index)
			tr.File = fmt.Sprintf("%s_%04d_%s.jpg", t, index, name)
			tr.Portrait = portraitName
			shots = append(shots, Shot{Truth: tr, Photo: ph, Specimen: s})
		}
	}
	return shots, nil
}

func truthFor(s *Specimen, ph *Photo, cam Camera, fonts *Fonts, seed uint64, index int) Truth {
	id := s.Data.Holder
	regions := map[string][4]int{}
	for k, r := range s.Regions {
		regions[k] = [4]int{r.Min.X, r.Min.Y, r.Max.X, r.Max.Y}
	}
	b := s.Image.Bounds()
	h := cam.geometry(s.SizeMM).homography(b.Dx(), b.Dy())
	for i := range h {
		h[i] = roundSig(h[i] / h[8])
	}
	return Truth{
		Type: s.Type, Side: s.Side, View: cam.View, Seed: seed, Index: index,
		Fields: s.Fields,
		Holder: HolderTruth{Name: id.Name(), NameKana: id.NameKana(), NameRoman: id.FamilyRoman + " " + id.GivenRoman,
			Sex: id.Sex, BirthDate: ISODate(id.BirthDate), Nationality: id.Nationality, Address: id.Address.String()},
		SizeMM: s.SizeMM, SpecimenSize: [2]int{b.Dx(), b.Dy()}, Regions: regions,
		Corners: ph.Corners, Homography: h, Edge: ph.Edge, Camera: cam,
		Fonts: fonts.Files,
		Note:  "synthetic specimen (見本) generated by kakunin; not a real document; every holder is fictional",
	}
}

// roundSig keeps 9 significant digits so the JSON is stable and short.
func roundSig(v float64) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, 8-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// PortraitCrop cuts an ID-photo frame (4:5, head and shoulders) around a
// detected face box from a larger photo, shifting it inside the image
// where the face is near an edge.
func PortraitCrop(src image.Image, faceBox image.Rectangle) image.Image {
	b := src.Bounds()
	fh := float64(faceBox.Dy())
	h := math.Min(fh*2.1, float64(b.Dy()))
	w := math.Min(h*0.8, float64(b.Dx()))
	h = w / 0.8
	cx := float64(faceBox.Min.X+faceBox.Max.X) / 2
	top := float64(faceBox.Min.Y) - 0.5*fh
	x0 := math.Max(float64(b.Min.X), math.Min(cx-w/2, float64(b.Max.X)-w))
	y0 := math.Max(float64(b.Min.Y), math.Min(top, float64(b.Max.Y)-h))
	r := image.Rect(int(x0), int(y0), int(x0+w), int(y0+h)).Intersect(b)
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	xdraw.Copy(out, image.Point{}, src, r, xdraw.Src, nil)
	return out
}

// FaceImageRGBA converts a decoded face.Image (EXIF orientation applied)
// to an image.Image.
func FaceImageRGBA(im *face.Image) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, im.Width(), im.Height()))
	rgb := im.RGB()
	for i := range im.Width() * im.Height() {
		copy(out.Pix[i*4:i*4+3], rgb[i*3:i*3+3])
		out.Pix[i*4+3] = 255
	}
	return out
}

// PortraitsFromPhoto finds the faces in img and crops a portrait around
// each that is confident (score ≥ 0.6) and large enough to print (a box
// side of at least minSide pixels), in detection order. Where the engine
// is at least 80% sure of the face's gender, the portrait's Sex is set so
// that the holder printed beside it matches.
func PortraitsFromPhoto(ctx context.Context, eng *face.Engine, name string, img *face.Image, minSide int) ([]Portrait, error) {
	dets, err := eng.Detect(ctx, img)
	if err != nil {
		return nil, err
	}
	rgba := FaceImageRGBA(img)
	var out []Portrait
	for i, d := range dets {
		if d.Score < 0.6 || d.Box.Width < float64(minSide) || d.Box.Height < float64(minSide) {
			continue
		}
		p := Portrait{Name: fmt.Sprintf("%s#%d", name, i)}
		if lm, err := eng.Landmarks(ctx, img, d); err == nil {
			if ag, err := eng.EstimateAgeGender(ctx, img, &lm); err == nil && ag.GenderProbability >= 0.8 {
				p.Sex = map[string]string{"male": "M", "female": "F"}[ag.Gender]
			}
		}
		box := image.Rect(int(d.Box.X), int(d.Box.Y), int(d.Box.X+d.Box.Width), int(d.Box.Y+d.Box.Height))
		p.Image = PortraitCrop(rgba, box)
		out = append(out, p)
	}
	return out, nil
}

// ParseTypes turns a comma-separated list of API codes into types that
// SpecimenTypes can render; "" gives them all.
func ParseTypes(list []string) ([]document.Type, error) {
	if len(list) == 0 {
		return slices.Clone(SpecimenTypes), nil
	}
	var out []document.Type
	for _, code := range list {
		spec, err := document.Lookup(code)
		if err != nil {
			return nil, err
		}
		if SpecimenSides(spec.Type) == nil {
			return nil, errkind.New(errkind.ErrInvalid, "document_type_not_renderable",
				"no specimen template for %s; renderable types: %v", code, SpecimenTypes)
		}
		if !slices.Contains(out, spec.Type) {
			out = append(out, spec.Type)
		}
	}
	return out, nil
}
