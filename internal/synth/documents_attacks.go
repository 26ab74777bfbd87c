package synth

// Attacks on the document-image method (ホ), rendered from the genuine
// specimens, with ground truth saying what each is: the front shown on a
// screen or printed on paper and photographed again; an angled "thickness"
// photo that shows no card edge (a flat printout or a photo of a photo), a
// paper-thin edge (a printout), or another card; and tampered fronts (a
// portrait pasted over the holder's, a passport MRZ that disagrees with
// the visual zone). Detectors tuned on these must be checked on real
// attacks too: the physics is simple and the forgeries are crude.

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"

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
