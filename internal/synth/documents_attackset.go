package synth

// Attack samples written beside the genuine photographs by
// `kakunin synth documents --attacks`: for each document, its front shown
// on a screen, printed and photocopied; angled photos that show no edge, a
// paper edge or another card, each claimed to go with the genuine front;
// and the front with a pasted portrait, (passports) an altered MRZ, or a
// key field typed again. The genuine photographs are the bona fide
// presentations. Each sample's ground truth says which attack it is, which
// check should catch it and which genuine files it was made from or is
// submitted with.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"

	xdraw "golang.org/x/image/draw"

	"github.com/kakunin-dev/kakunin/internal/document"
)

// DocAttackPhotocopy is a print recapture made on a photocopier (one toner
// screen, most colour lost); DocAttackPrint is then the colour print.
const DocAttackPhotocopy DocumentAttack = "recapture_photocopy"

// The checks an attack is meant for, as the evaluation report names them.
const (
	CheckRecapture = "recapture"
	CheckThickness = "thickness"
	CheckTampering = "tampering"
)

// AttackCheck is the check that should catch an attack of kind k.
func AttackCheck(k DocumentAttack) string {
	switch k {
	case DocAttackScreen, DocAttackPrint, DocAttackPhotocopy:
		return CheckRecapture
	case DocAttackNoEdge, DocAttackPaper, DocAttackOtherCard:
		return CheckThickness
	case DocAttackPortrait, DocAttackMRZ, DocAttackField:
		return CheckTampering
	}
	return ""
}

// recaptureQuality is the JPEG quality recaptures are written at: the
// recapture functions already end with the camera's JPEG, so this second
// pass should change little.
const recaptureQuality = 95

// AttackSampleTruth is the ground truth of an attack sample: the photo's
// own truth (for recaptures, that of the genuine photo shown, without
// corners or homography, which no longer hold) and what the attack is.
type AttackSampleTruth struct {
	Truth
	Attack DocumentAttack `json:"attack"`
	Check  string         `json:"check"` // recapture, thickness or tampering
	// Genuine is the genuine photo the attack was made from; Front, for
	// thickness attacks, the genuine front the angled photo is submitted
	// with (the pair the check judges).
	Genuine string   `json:"genuine"`
	Front   string   `json:"front,omitempty"`
	Altered []string `json:"altered,omitempty"` // what a tampering attack changed
}

// AttackShot is one attack sample, ready to write.
type AttackShot struct {
	Truth   AttackSampleTruth
	Image   *image.RGBA
	Quality int // JPEG quality
}

// AttackShots renders the attack samples of one document from its genuine
// shots (as SpecimenShots returns them, with o the options they were made
// with). The samples depend only on (seed, type, index), not on the other
// documents, and drawing them does not change the genuine shots.
func AttackShots(fonts *Fonts, shots []Shot, o GenerateOptions) ([]AttackShot, error) {
	var front, thick *Shot
	for i := range shots {
		s := &shots[i]
		switch {
		case s.Truth.View == ViewThickness:
			thick = s
		case s.Truth.Side == document.SideFront || s.Truth.Side == document.SideDataPage:
			front = s
		}
	}
	if front == nil {
		return nil, fmt.Errorf("synth: no front among %d shots", len(shots))
	}
	t, index := front.Truth.Type, front.Truth.Index
	rng := rand.New(rand.NewPCG(o.Seed, streamFor(t, index)^0x61747461636b))
	base := front.Truth.File[:len(front.Truth.File)-len(filepath.Ext(front.Truth.File))]
	prefix := base[:len(base)-len(front.Truth.Side)] + "attack_"
	var out []AttackShot
	add := func(kind DocumentAttack, tr Truth, img *image.RGBA, q int) *AttackShot {
		tr.File = prefix + string(kind) + ".jpg"
		out = append(out, AttackShot{Truth: AttackSampleTruth{Truth: tr, Attack: kind, Check: AttackCheck(kind), Genuine: front.Truth.File}, Image: img, Quality: q})
		return &out[len(out)-1]
	}

	// Recaptures of the front as stored (the camera's JPEG).
	jb, err := front.JPEG()
	if err != nil {
		return nil, err
	}
	stored, err := jpeg.Decode(bytes.NewReader(jb))
	if err != nil {
		return nil, err
	}
	shown := front.Truth
	shown.Corners, shown.Homography = [4][2]float64{}, [9]float64{}
	shown.Note = "attack sample made from a synthetic specimen (見本): the photo " + front.Truth.File + " shown or printed and photographed again; corners and homography are not known"
	add(DocAttackScreen, shown, ScreenRecapture(stored, rng.Uint64()), recaptureQuality)
	add(DocAttackPrint, shown, PrintRecapture(stored, false, rng.Uint64()), recaptureQuality)
	add(DocAttackPhotocopy, shown, PrintRecapture(stored, true, rng.Uint64()), recaptureQuality)

	// Another document of the same type and another holder: the card shown
	// at an angle instead of the holder's, and the face pasted over theirs.
	holderPortrait := portraitNamed(o.Portraits, front.Truth.Portrait)
	orng := rand.New(rand.NewPCG(o.Seed, streamFor(t, index)^0x6f74686572))
	var otherFace image.Image
	if len(o.Portraits) > 0 {
		k := orng.IntN(len(o.Portraits))
		if o.Portraits[k].Name == front.Truth.Portrait && len(o.Portraits) > 1 {
			k = (k + 1) % len(o.Portraits)
		}
		otherFace = o.Portraits[k].Image
	}
	od, err := NewDocumentData(orng, t, DocumentOptions{Now: o.Now, Sex: front.Specimen.Data.Holder.Sex})
	if err != nil {
		return nil, err
	}
	other, err := RenderSpecimen(fonts, od, front.Truth.Side, otherFace)
	if err != nil {
		return nil, err
	}
	level := front.Truth.Camera.Level

	if thick != nil {
		for _, a := range []struct {
			kind DocumentAttack
			s    *Specimen
			mm   float64
		}{{DocAttackNoEdge, front.Specimen, 0}, {DocAttackPaper, front.Specimen, PaperThicknessMM}, {DocAttackOtherCard, other, document.ID1ThicknessMM}} {
			ph, cam := AngledPhoto(a.s, level, a.mm, rng.Uint64())
			tr := truthFor(a.s, ph, cam, fonts, o.Seed, index)
			tr.Portrait = front.Truth.Portrait
			if a.s == other {
				tr.Portrait = "other"
			}
			tr.Note = "attack sample made from a synthetic specimen (見本): an angled photo submitted with " + front.Truth.File + "; every holder is fictional"
			s := add(a.kind, tr, ph.Image, cam.JPEGQuality)
			s.Truth.Front = front.Truth.File
		}
	}

	// Tampered fronts, photographed with the genuine front's camera.
	cam := front.Truth.Camera
	if r, ok := other.Regions["portrait"]; ok {
		face := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
		xdraw.Copy(face, image.Point{}, other.Image, r, xdraw.Src, nil)
		if pasted, ok := PastePortrait(front.Specimen, face, rng.Uint64()); ok {
			ph := Photograph(pasted, cam, rng.Uint64())
			tr := truthFor(pasted, ph, cam, fonts, o.Seed, index)
			tr.Portrait = "pasted"
			tr.Note = "attack sample made from a synthetic specimen (見本): another holder's portrait pasted over " + front.Truth.File + "'s; every holder is fictional"
			s := add(DocAttackPortrait, tr, ph.Image, cam.JPEGQuality)
			s.Truth.Altered = []string{"portrait"}
		}
	}
	if t == document.Passport {
		ad, err := AlterMRZ(front.Specimen.Data, rng.Uint64())
		if err != nil {
			return nil, err
		}
		spec, err := RenderSpecimen(fonts, ad, front.Truth.Side, holderPortrait)
		if err != nil {
			return nil, err
		}
		ph := Photograph(spec, cam, rng.Uint64())
		tr := truthFor(spec, ph, cam, fonts, o.Seed, index)
		tr.Portrait = front.Truth.Portrait
		tr.Note = "attack sample made from a synthetic specimen (見本): " + front.Truth.File + " with an MRZ naming someone else (valid check digits); the fields are the visual zone's"
		s := add(DocAttackMRZ, tr, ph.Image, cam.JPEGQuality)
		s.Truth.Altered = []string{"mrz.name", "mrz.document_number", "mrz.birth_date"}
	}
	// A key field typed again, from a stream of its own so that adding it
	// left the other samples as they were.
	frng := rand.New(rand.NewPCG(o.Seed, streamFor(t, index)^0x6669656c64))
	if spec, f, ok := TamperField(fonts, front.Specimen, frng.Uint64()); ok {
		ph := Photograph(spec, cam, frng.Uint64())
		tr := truthFor(spec, ph, cam, fonts, o.Seed, index)
		tr.Portrait = front.Truth.Portrait
		tr.Note = "attack sample made from a synthetic specimen (見本): " + front.Truth.File + " with one field painted over and typed again, off its place or size"
		s := add(DocAttackField, tr, ph.Image, cam.JPEGQuality)
		s.Truth.Altered = []string{string(f)}
	}
	return out, nil
}

// portraitNamed finds the portrait printed on a genuine document by the
// name its ground truth records (nil for a silhouette).
func portraitNamed(ps []Portrait, name string) image.Image {
	for _, p := range ps {
		if p.Name == name {
			return p.Image
		}
	}
	return nil
}

func (s AttackShot) write(dir string) error {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, s.Image, &jpeg.Options{Quality: s.Quality}); err != nil {
		return err
	}
	js, err := json.MarshalIndent(s.Truth, "", "  ")
	if err != nil {
		return err
	}
	base := filepath.Join(dir, s.Truth.File[:len(s.Truth.File)-len(filepath.Ext(s.Truth.File))])
	if err := os.WriteFile(base+".jpg", buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(base+".json", append(js, '\n'), 0o644)
}

// writeAttacks renders and writes one document's attack samples.
func writeAttacks(fonts *Fonts, dir string, shots []Shot, o GenerateOptions, sum *GenerateSummary) error {
	atks, err := AttackShots(fonts, shots, o)
	if err != nil {
		return err
	}
	if sum.ByAttack == nil {
		sum.ByAttack = map[DocumentAttack]int{}
	}
	for _, a := range atks {
		if err := a.write(dir); err != nil {
			return err
		}
		sum.ByAttack[a.Truth.Attack]++
	}
	return nil
}
