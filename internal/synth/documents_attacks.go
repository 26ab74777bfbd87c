package synth

// Attacks on the document-image method (ホ), rendered from the genuine
// specimens, with ground truth saying what each is: the front shown on a
// screen or printed on paper and photographed again; an angled "thickness"
// photo that shows no card edge (a flat printout or a photo of a photo), a
// paper-thin edge (a printout), or another card; and tampered fronts (a
// portrait pasted over the holder's, a passport MRZ that disagrees with
// the visual zone, a key field painted over and typed again). Detectors tuned on these must be checked on real
// attacks too: the physics is simple and the forgeries are crude.

import (
	"fmt"
	"image"
	"image/color"
	"maps"
	"math"
	"math/rand/v2"
	"slices"

	"golang.org/x/image/font"

	xdraw "golang.org/x/image/draw"

	"github.com/kakunin-dev/kakunin/internal/document"
)

// DocumentAttack names an attack on a document photo.
type DocumentAttack string

// The attack kinds. Recapture and tampering attacks replace the front;
// thickness attacks replace the angled photo and keep the genuine front.
const (
	DocAttackScreen    DocumentAttack = "recapture_screen"     // the front photo shown on a screen, photographed
	DocAttackPrint     DocumentAttack = "recapture_print"      // the front photo printed (colour halftone or photocopy), photographed
	DocAttackNoEdge    DocumentAttack = "thickness_no_edge"    // the angled photo shows no edge (0 mm: a photo of a photo)
	DocAttackPaper     DocumentAttack = "thickness_paper"      // the angled photo shows a paper-thin edge (0.1 mm printout)
	DocAttackOtherCard DocumentAttack = "thickness_other_card" // the angled photo shows a different card
	DocAttackPortrait  DocumentAttack = "tamper_portrait"      // another face pasted over the portrait
	DocAttackMRZ       DocumentAttack = "tamper_mrz"           // a passport whose MRZ names someone else (valid check digits)
	DocAttackField     DocumentAttack = "tamper_field"         // one key field painted over and typed again, a little off
)

// AttackTruth is the ground truth of an attack sample.
type AttackTruth struct {
	Kind DocumentAttack `json:"kind"`
	// Genuine is the genuine photo the attack was made from or stands in
	// for; Front, for thickness attacks, the front it is submitted with.
	Genuine string `json:"genuine"`
	Front   string `json:"front,omitempty"`
	// Other is the file of the other document (thickness_other_card).
	Other string `json:"other,omitempty"`
	// Fields altered by a tampering attack.
	Altered []document.Field `json:"altered,omitempty"`
	Note    string           `json:"note"`
}

// PaperThicknessMM is a sheet of office paper.
const PaperThicknessMM = 0.1

// AngledPhoto photographs s as a thickness view at level, with the
// document thicknessMM thick (0: no edge shows). The seed fixes the camera
// and the sensor noise.
func AngledPhoto(s *Specimen, level Level, thicknessMM float64, seed uint64) (*Photo, Camera) {
	rng := rand.New(rand.NewPCG(seed, 0x616e676c65))
	cam := DrawCamera(rng, level, ViewThickness, s.SizeMM)
	cam.ThicknessMM = thicknessMM
	return Photograph(s, cam, rng.Uint64()), cam
}

// PastePortrait returns a copy of s with face pasted over its portrait, as
// a crude forger does: the new photo is cut a little larger or smaller
// than the printed one and placed off by up to a millimetre, with a thin
// light rim where the cut paper or the editing tool left one, and a colour
// balance of its own. Sides without a portrait are returned unchanged
// (ok false).
func PastePortrait(s *Specimen, face image.Image, seed uint64) (*Specimen, bool) {
	r, has := s.Regions["portrait"]
	if !has || face == nil {
		return s, false
	}
	rng := rand.New(rand.NewPCG(seed, 0x7061737465))
	out := *s
	out.Image = image.NewRGBA(s.Image.Bounds())
	copy(out.Image.Pix, s.Image.Pix)
	scale := uniform(rng, 0.94, 1.08)
	w, h := float64(r.Dx())*scale, float64(r.Dy())*scale
	cx := float64(r.Min.X+r.Max.X)/2 + uniform(rng, -1, 1)*pxPerMM
	cy := float64(r.Min.Y+r.Max.Y)/2 + uniform(rng, -1, 1)*pxPerMM
	dst := image.Rect(int(cx-w/2), int(cy-h/2), int(cx+w/2), int(cy+h/2)).Intersect(s.Image.Bounds())
	rim := max(1, int(uniform(rng, 0.1, 0.25)*pxPerMM))
	rimCol := color.RGBA{uint8(uniform(rng, 225, 250)), uint8(uniform(rng, 225, 250)), uint8(uniform(rng, 220, 245)), 255}
	for y := dst.Min.Y; y < dst.Max.Y; y++ {
		for x := dst.Min.X; x < dst.Max.X; x++ {
			out.Image.SetRGBA(x, y, rimCol)
		}
	}
	inner := dst.Inset(rim)
	xdraw.CatmullRom.Scale(out.Image, inner, face, face.Bounds(), xdraw.Src, nil)
	// Its own colour balance and contrast, as a photo from elsewhere has.
	gain := [3]float64{uniform(rng, 0.9, 1.12), uniform(rng, 0.9, 1.1), uniform(rng, 0.88, 1.1)}
	for y := inner.Min.Y; y < inner.Max.Y; y++ {
		for x := inner.Min.X; x < inner.Max.X; x++ {
			o := out.Image.PixOffset(x, y)
			for k := range 3 {
				out.Image.Pix[o+k] = clamp8(float64(out.Image.Pix[o+k]) * gain[k])
			}
		}
	}
	out.Regions = map[string]image.Rectangle{}
	for k, v := range s.Regions {
		out.Regions[k] = v
	}
	out.Regions["portrait"] = dst
	return &out, true
}

// AlterMRZ returns d with the MRZ of someone else: another surname, given
// name, birth date and passport number, with check digits recomputed, so
// the MRZ is valid on its own but disagrees with the visual zone that
// RenderSpecimen prints from d.
func AlterMRZ(d DocumentData, seed uint64) (DocumentData, error) {
	if d.Type != document.Passport {
		return d, fmt.Errorf("synth: only passports have an MRZ, not %s", d.Type)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6d727a))
	other, err := NewDocumentData(rng, document.Passport, DocumentOptions{Now: d.IssueDate.AddDate(0, 1, 0), Sex: d.Holder.Sex})
	if err != nil {
		return d, err
	}
	for other.Holder.FamilyRoman == d.Holder.FamilyRoman {
		if other, err = NewDocumentData(rng, document.Passport, DocumentOptions{Now: d.IssueDate.AddDate(0, 1, 0), Sex: d.Holder.Sex}); err != nil {
			return d, err
		}
	}
	ph := d.passportHolder()
	ph.Surname, ph.GivenNames, ph.Number = other.Holder.FamilyRoman, other.Holder.GivenRoman, other.Number
	ph.BirthDate = other.Holder.BirthDate.Format("060102")
	d.mrzOverride = ph.MRZ()
	return d, nil
}

// tamperableFields are the key fields TamperField may retype, by type.
var tamperableFields = map[document.Type][]document.Field{
	document.DriversLicense: {document.FieldName, document.FieldBirthDate, document.FieldDocumentNumber},
	document.MyNumberCard:   {document.FieldName, document.FieldBirthDate},
	document.ResidenceCard:  {document.FieldDocumentNumber, document.FieldName, document.FieldBirthDate},
	document.Passport:       {document.FieldDocumentNumber, document.FieldSurname, document.FieldGivenNames, document.FieldBirthDate},
}

// TamperField returns a copy of s with one key field (name, birth date or
// number) painted over with the card's paper colour and typed again, as a
// crude forger does with a printer or an image editor: the same text, but
// the line starts up to 1.4 mm off or sits up to 0.9 mm off its baseline,
// and often in another size (12–22% smaller or larger) or weight. Each
// sample has at least one of these. Sides without such a field are
// returned unchanged (ok false).
func TamperField(fonts *Fonts, s *Specimen, seed uint64) (*Specimen, document.Field, bool) {
	rng := rand.New(rand.NewPCG(seed, 0x6669656c64))
	var cands []document.Field
	for _, f := range tamperableFields[s.Type] {
		if _, ok := s.drawn[f]; ok {
			cands = append(cands, f)
		}
	}
	if fonts == nil || len(cands) == 0 {
		return s, "", false
	}
	f := cands[rng.IntN(len(cands))]
	td := s.drawn[f]
	out := *s
	out.Image = image.NewRGBA(s.Image.Bounds())
	copy(out.Image.Pix, s.Image.Pix)

	// Paint over the line's box and a margin with the paper's colour: the
	// median of a ring around it.
	m := int(math.Round(0.3 * pxPerMM))
	box := td.box.Inset(-m).Intersect(s.Image.Bounds())
	ring := box.Inset(-m).Intersect(s.Image.Bounds())
	var ch [3][]int
	for y := ring.Min.Y; y < ring.Max.Y; y++ {
		for x := ring.Min.X; x < ring.Max.X; x++ {
			if (image.Point{x, y}).In(box) {
				continue
			}
			o := s.Image.PixOffset(x, y)
			for k := range 3 {
				ch[k] = append(ch[k], int(s.Image.Pix[o+k]))
			}
		}
	}
	paper := color.RGBA{A: 255}
	for k, v := range ch {
		slices.Sort(v)
		c := uint8(v[len(v)*6/10])
		switch k {
		case 0:
			paper.R = c
		case 1:
			paper.G = c
		default:
			paper.B = c
		}
	}
	c := &canvas{img: out.Image, fonts: fonts, faces: map[faceKey]font.Face{}, fields: map[document.Field]FieldTruth{}, regions: map[string]image.Rectangle{}}
	c.blend(box, paper)

	// Type it again, off.
	sign := func() float64 {
		if rng.IntN(2) == 0 {
			return -1
		}
		return 1
	}
	var dx, dy float64
	scale := 1.0
	st := td.st
	if rng.Float64() < 0.6 {
		dx = sign() * uniform(rng, 0.6, 1.4)
	}
	if rng.Float64() < 0.6 {
		dy = sign() * uniform(rng, 0.4, 0.9)
	}
	if rng.Float64() < 0.5 {
		if rng.IntN(2) == 0 {
			scale = uniform(rng, 0.78, 0.88)
		} else {
			scale = uniform(rng, 1.12, 1.22)
		}
	}
	if rng.Float64() < 0.4 {
		if st.f == fonts.SansBold {
			st.f = fonts.Sans
		} else {
			st.f = fonts.SansBold
		}
	}
	if dx == 0 && dy == 0 && scale == 1 {
		dx = sign() * uniform(rng, 0.6, 1.4)
	}
	st.size *= scale
	r := c.text(td.x+dx, td.y+dy, st, td.s)
	if c.err != nil {
		return s, "", false
	}
	out.Fields = maps.Clone(s.Fields)
	ft := out.Fields[f]
	ft.Box = [4]int{r.Min.X, r.Min.Y, r.Max.X, r.Max.Y}
	out.Fields[f] = ft
	return &out, f, true
}
