package synth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	xdraw "golang.org/x/image/draw"
	"rsc.io/qr"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/face"
	"github.com/kakunin-dev/kakunin/internal/mrz"
	"github.com/kakunin-dev/kakunin/internal/mynumber"
)

var updateSpecimens = flag.Bool("update-specimens", false, "rewrite docs/images/specimens.png from the models/samples faces")

// testFonts loads the system fonts or skips: the message names the Debian
// package to install. In CI (where `make test` installs it) a missing
// font is a failure, not a skip.
func testFonts(t *testing.T) *Fonts {
	t.Helper()
	f, err := LoadFonts()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v", err)
		}
		t.Skipf("%v", err)
	}
	return f
}

func TestLoadFontsWithoutCJKFont(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "NotoSansCJK-Regular.ttc"), []byte("not a font"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFonts(dir)
	if !errors.Is(err, ErrNoCJKFont) || !strings.Contains(err.Error(), "fonts-noto-cjk") {
		t.Fatalf("got %v; want ErrNoCJKFont naming the Debian package", err)
	}
}

func TestSpecimenTypesAreTheOCRTemplates(t *testing.T) {
	var ocr []document.Type
	for _, s := range document.All() {
		if s.OCR {
			ocr = append(ocr, s.Type)
		}
		if got := SpecimenSides(s.Type) != nil; got != s.OCR {
			t.Errorf("%s: renderable %v, registry OCR %v; want the same", s.Type, got, s.OCR)
		}
		for _, side := range SpecimenSides(s.Type) {
			if !slices.Contains(s.Sides, side) {
				t.Errorf("%s: renders side %s the registry does not list (%v)", s.Type, side, s.Sides)
			}
		}
	}
	if len(ocr) != len(SpecimenTypes) {
		t.Errorf("registry OCR types %v; SpecimenTypes %v", ocr, SpecimenTypes)
	}
}

func TestDocumentDataIsValid(t *testing.T) {
	now := ChipReferenceTime()
	today := dateOnly(now)
	for _, ty := range SpecimenTypes {
		t.Run(string(ty), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			for i := range 200 {
				d, err := NewDocumentData(rng, ty, DocumentOptions{Now: now})
				if err != nil {
					t.Fatal(err)
				}
				if d.IssueDate.After(today) || !d.IssueDate.After(d.Holder.BirthDate) {
					t.Fatalf("draw %d: issued %s, born %s, today %s", i, ISODate(d.IssueDate), ISODate(d.Holder.BirthDate), ISODate(today))
				}
				if ty != document.HealthInsuranceCard && !d.ExpiryDate.After(today) {
					t.Fatalf("draw %d: expired %s before %s", i, ISODate(d.ExpiryDate), ISODate(today))
				}
				switch ty {
				case document.DriversLicense:
					if d.Holder.Age(d.FirstIssue) < 18 || d.FirstIssue.After(d.IssueDate) {
						t.Fatalf("draw %d: first licence %s at age %d, renewed %s", i, ISODate(d.FirstIssue), d.Holder.Age(d.FirstIssue), ISODate(d.IssueDate))
					}
					if LicenseCheckDigit(d.Number[:10]) != int(d.Number[10]-'0') || d.Number[2:4] != d.FirstIssue.Format("06") {
						t.Fatalf("draw %d: licence number %s (first issued %s)", i, d.Number, ISODate(d.FirstIssue))
					}
					// Valid until one month after a birthday.
					if bd := birthdayIn(d.Holder.BirthDate, d.ExpiryDate.Year()); d.ExpiryDate.Month() != bd.Month()%12+1 && !(bd.Month() == 12 && d.ExpiryDate.Month() == 1) {
						t.Fatalf("draw %d: licence expires %s; birthday %s", i, ISODate(d.ExpiryDate), ISODate(d.Holder.BirthDate))
					}
				case document.MyNumberCard:
					if !mynumber.Valid(d.MyNumber) {
						t.Fatalf("draw %d: My Number %s", i, d.MyNumber)
					}
					if d.ExpiryDate.Month() != d.Holder.BirthDate.Month() || d.ExpiryDate.Year()-d.IssueDate.Year() > 10 || d.Holder.Age(d.IssueDate) < 18 {
						t.Fatalf("draw %d: card issued %s expires %s; born %s", i, ISODate(d.IssueDate), ISODate(d.ExpiryDate), ISODate(d.Holder.BirthDate))
					}
				case document.Passport:
					if years := d.ExpiryDate.Year() - d.IssueDate.Year(); (years != 5 && years != 10) || (years == 10 && d.Holder.Age(d.IssueDate) < 18) {
						t.Fatalf("draw %d: %d-year passport issued at age %d", i, years, d.Holder.Age(d.IssueDate))
					}
					m, err := mrz.Parse(d.MRZ())
					if err != nil {
						t.Fatalf("draw %d: MRZ %q: %v", i, d.MRZ(), err)
					}
					if m.Surname != d.Holder.FamilyRoman || m.GivenNames != d.Holder.GivenRoman || m.DocumentNumber != d.Number ||
						m.BirthDateISO(now) != ISODate(d.Holder.BirthDate) || m.ExpiryDateISO() != ISODate(d.ExpiryDate) || m.Sex != d.Holder.Sex {
						t.Fatalf("draw %d: MRZ %+v disagrees with %+v", i, m, d)
					}
				case document.ResidenceCard:
					if d.Holder.Japanese() || d.Status == "" || d.WorkPermission == "" {
						t.Fatalf("draw %d: residence card %+v", i, d)
					}
				case document.HealthInsuranceCard:
					if InsurerCheckDigit(d.InsurerNumber[:7]) != int(d.InsurerNumber[7]-'0') {
						t.Fatalf("draw %d: insurer number %s", i, d.InsurerNumber)
					}
				}
			}
		})
	}
	if _, err := NewDocumentData(rand.New(rand.NewPCG(1, 1)), document.StudentHandbook, DocumentOptions{Now: now}); err == nil {
		t.Error("student_handbook: got data; want an error (no template)")
	}
}

// wantSize is the flat specimen size in pixels at 300 dpi.
var wantSize = map[document.Type]image.Point{
	document.Passport: {1476, 1039}, // ID-3, 125 × 88 mm
	"":                {1011, 638},  // ID-1, 85.6 × 53.98 mm
}

func TestRenderSpecimen(t *testing.T) {
	fonts := testFonts(t)
	isoDate := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	for _, ty := range SpecimenTypes {
		spec := document.MustLookup(ty)
		d, err := NewDocumentData(rand.New(rand.NewPCG(5, 6)), ty, DocumentOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, side := range SpecimenSides(ty) {
			t.Run(string(ty)+"/"+string(side), func(t *testing.T) {
				s, err := RenderSpecimen(fonts, d, side, nil)
				if err != nil {
					t.Fatal(err)
				}
				want, ok := wantSize[ty]
				if !ok {
					want = wantSize[""]
				}
				if got := s.Image.Bounds().Size(); got != want {
					t.Errorf("got size %v; want %v", got, want)
				}
				var got []string
				for f := range s.Fields {
					got = append(got, string(f))
				}
				var wantFields []string
				for _, f := range spec.FieldsOn(side) {
					wantFields = append(wantFields, string(f))
				}
				slices.Sort(got)
				slices.Sort(wantFields)
				if !slices.Equal(got, wantFields) {
					t.Errorf("ground truth has fields %v; the registry lists %v", got, wantFields)
				}
				bounds := s.Image.Bounds()
				for f, ft := range s.Fields {
					box := image.Rect(ft.Box[0], ft.Box[1], ft.Box[2], ft.Box[3])
					if box.Empty() || !box.In(bounds) {
						t.Errorf("%s: box %v is empty or outside %v", f, box, bounds)
					}
					if ft.Text == "" && f != document.FieldLicenseConditions {
						t.Errorf("%s: empty text", f)
					}
					if strings.HasSuffix(string(f), "_date") && !isoDate.MatchString(ft.Value) {
						t.Errorf("%s: value %q is not an ISO date", f, ft.Value)
					}
					if strings.ContainsAny(ft.Value, "０１２３４５６７８９　") {
						t.Errorf("%s: value %q is not normalised", f, ft.Value)
					}
				}
				if _, ok := s.Regions["specimen_stamp"]; !ok {
					t.Error("no 見本 stamp")
				}
				_, hasPortrait := s.Regions["portrait"]
				if wantPortrait := spec.Photo && side != document.SideBack; hasPortrait != wantPortrait {
					t.Errorf("portrait region %v; want %v", hasPortrait, wantPortrait)
				}
				if a := s.Image.RGBAAt(0, 0).A; a != 0 {
					t.Errorf("corner alpha %d; want 0 (rounded corner)", a)
				}
				if a := s.Image.RGBAAt(bounds.Dx()/2, bounds.Dy()/2).A; a != 255 {
					t.Errorf("centre alpha %d; want 255", a)
				}
			})
		}
	}
}

// The QR code on the My Number card's back carries exactly the number:
// the rendered modules match a fresh encoding of the ground-truth value.
func TestMyNumberBackQRCode(t *testing.T) {
	fonts := testFonts(t)
	d, err := NewDocumentData(rand.New(rand.NewPCG(9, 9)), document.MyNumberCard, DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := RenderSpecimen(fonts, d, document.SideBack, nil)
	if err != nil {
		t.Fatal(err)
	}
	value := s.Fields[document.FieldMyNumber].Value
	if value != d.MyNumber || !mynumber.Valid(value) {
		t.Fatalf("ground truth my_number %q; want the valid %q", value, d.MyNumber)
	}
	code, err := qr.Encode(value, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	r := s.Regions["qr"]
	m := float64(r.Dx()) / float64(code.Size+8)
	for j := range code.Size {
		for i := range code.Size {
			x := r.Min.X + int((float64(i+4)+0.5)*m)
			y := r.Min.Y + int((float64(j+4)+0.5)*m)
			dark := s.Image.RGBAAt(x, y).R < 128
			if dark != code.Black(i, j) {
				t.Fatalf("module (%d,%d): dark %v; want %v", i, j, dark, code.Black(i, j))
			}
		}
	}
}

func TestPhotographGeometry(t *testing.T) {
	fonts := testFonts(t)
	d, err := NewDocumentData(rand.New(rand.NewPCG(1, 3)), document.DriversLicense, DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := RenderSpecimen(fonts, d, document.SideFront, nil)
	if err != nil {
		t.Fatal(err)
	}
	tw, th := float64(s.Image.Bounds().Dx()), float64(s.Image.Bounds().Dy())
	for _, level := range Levels {
		for _, view := range []View{ViewFlat, ViewThickness} {
			t.Run(string(level)+"/"+string(view), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(len(level)), uint64(len(view))))
				cam := DrawCamera(rng, level, view, s.SizeMM)
				ph := Photograph(s, cam, 42)
				if ph.Image.Bounds() != image.Rect(0, 0, 1280, 960) {
					t.Fatalf("got bounds %v; want 1280×960", ph.Image.Bounds())
				}
				h := cam.geometry(s.SizeMM).homography(int(tw), int(th))
				for i, p := range [4][2]float64{{0, 0}, {tw, 0}, {tw, th}, {0, th}} {
					den := h[6]*p[0] + h[7]*p[1] + h[8]
					x, y := (h[0]*p[0]+h[1]*p[1]+h[2])/den, (h[3]*p[0]+h[4]*p[1]+h[5])/den
					c := ph.Corners[i]
					if math.Abs(x-c[0]) > 0.1 || math.Abs(y-c[1]) > 0.1 {
						t.Errorf("corner %d: homography gives (%.1f, %.1f); ground truth (%.1f, %.1f)", i, x, y, c[0], c[1])
					}
					if c[0] < 0 || c[0] > 1279 || c[1] < 0 || c[1] > 959 {
						t.Errorf("corner %d at %v is outside the frame", i, c)
					}
				}
				if view == ViewThickness {
					if cam.ElevationDeg < 30 || cam.ElevationDeg > 45 {
						t.Errorf("thickness view at %.1f°; want 30–45°", cam.ElevationDeg)
					}
					if ph.Edge == nil || ph.Edge.Side != "bottom" || ph.Edge.MeanPx < 2 || ph.Edge.MeanPx > 25 {
						t.Errorf("edge %+v; want the bottom edge, 2–25 px high", ph.Edge)
					}
				}
				// The photographed card is where the ground truth says: paint
				// the portrait red and only the pixels around its projected
				// centre change.
				red := *s
				red.Image = image.NewRGBA(s.Image.Bounds())
				copy(red.Image.Pix, s.Image.Pix)
				pr := s.Regions["portrait"]
				xdraw.Draw(red.Image, pr, image.NewUniform(color.RGBA{255, 0, 0, 255}), image.Point{}, xdraw.Src)
				ph2 := Photograph(&red, cam, 42)
				cx, cy := float64(pr.Min.X+pr.Max.X)/2, float64(pr.Min.Y+pr.Max.Y)/2
				den := h[6]*cx + h[7]*cy + h[8]
				x, y := int(math.Round((h[0]*cx+h[1]*cy+h[2])/den)), int(math.Round((h[3]*cx+h[4]*cy+h[5])/den))
				diff := func(x, y int) int {
					a, b := ph.Image.RGBAAt(x, y), ph2.Image.RGBAAt(x, y)
					return abs(int(a.R)-int(b.R)) + abs(int(a.G)-int(b.G)) + abs(int(a.B)-int(b.B))
				}
				if d := diff(x, y); d < 60 {
					t.Errorf("portrait centre maps to (%d, %d), which changed by only %d when the portrait turned red", x, y, d)
				}
				if d := diff(2, 2); d != 0 {
					t.Errorf("the frame's corner changed by %d when the portrait turned red; want 0", d)
				}
			})
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestPassportMRZInGroundTruthParses(t *testing.T) {
	fonts := testFonts(t)
	now := ChipReferenceTime()
	for i := range 3 {
		shots, err := SpecimenShots(fonts, document.Passport, i, GenerateOptions{Seed: 77})
		if err != nil {
			t.Fatal(err)
		}
		if len(shots) != 1 {
			t.Fatalf("got %d passport shots; want 1 (data page, no thickness view)", len(shots))
		}
		tr := shots[0].Truth
		f := tr.Fields
		m, err := mrz.Parse(f[document.FieldMRZ].Value)
		if err != nil {
			t.Fatalf("index %d: MRZ %q: %v", i, f[document.FieldMRZ].Value, err)
		}
		if strings.ReplaceAll(f[document.FieldMRZ].Text, "\n", "") != f[document.FieldMRZ].Value {
			t.Errorf("index %d: printed MRZ %q is not the value's two lines", i, f[document.FieldMRZ].Text)
		}
		if m.Format != mrz.TD3 || m.DocumentCode != "P" || m.IssuingState != "JPN" || m.Nationality != "JPN" {
			t.Errorf("index %d: MRZ header %+v", i, m)
		}
		for name, pair := range map[string][2]string{
			"document number": {m.DocumentNumber, f[document.FieldDocumentNumber].Value},
			"surname":         {m.Surname, f[document.FieldSurname].Value},
			"given names":     {m.GivenNames, f[document.FieldGivenNames].Value},
			"birth date":      {m.BirthDateISO(now), f[document.FieldBirthDate].Value},
			"expiry date":     {m.ExpiryDateISO(), f[document.FieldExpiryDate].Value},
			"sex":             {m.Sex, f[document.FieldSex].Value},
		} {
			if pair[0] != pair[1] {
				t.Errorf("index %d: %s: MRZ %q, visual zone %q", i, name, pair[0], pair[1])
			}
		}
	}
}

func TestGenerateDocumentsIsDeterministic(t *testing.T) {
	fonts := testFonts(t)
	run := func(seed uint64) (string, GenerateSummary) {
		dir := t.TempDir()
		var progress []int
		sum, err := GenerateDocuments(context.Background(), fonts, dir, GenerateOptions{N: 1, Seed: seed,
			Progress: func(done, total int) { progress = append(progress, done*100/total) }})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(progress, []int{20, 40, 60, 80, 100}) {
			t.Errorf("progress %v; want 5 steps to 100%%", progress)
		}
		return dir, sum
	}
	a, sum := run(2026)
	b, _ := run(2026)
	c, _ := run(2027)
	// 5 types × 1 document: 6 flat sides (My Number has two) and 4 thickness views.
	if sum.Documents != 5 || sum.Images != 10 || sum.ByView[ViewThickness] != 4 || sum.ByView[ViewFlat] != 6 {
		t.Errorf("summary %+v; want 5 documents, 6 flat and 4 thickness images", sum)
	}
	files, err := filepath.Glob(filepath.Join(a, "*"))
	if err != nil || len(files) != 20 {
		t.Fatalf("got %d files (%v); want 10 JPEG and 10 JSON", len(files), err)
	}
	differs := 0
	for _, fa := range files {
		name := filepath.Base(fa)
		da, _ := os.ReadFile(fa)
		db, err := os.ReadFile(filepath.Join(b, name))
		if err != nil || !bytes.Equal(da, db) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
		if dc, err := os.ReadFile(filepath.Join(c, name)); err != nil || !bytes.Equal(da, dc) {
			differs++
		}
		if strings.HasSuffix(name, ".json") {
			checkTruthFile(t, a, name, da)
		}
	}
	if differs != len(files) {
		t.Errorf("%d of %d files differ with another seed; want all", differs, len(files))
	}
}

// checkTruthFile checks one ground-truth JSON against its image.
func checkTruthFile(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	var tr Truth
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	img, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(name, ".json")+".jpg"))
	if err != nil || tr.File != strings.TrimSuffix(name, ".json")+".jpg" {
		t.Fatalf("%s: file %q; image %v", name, tr.File, err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(img))
	if err != nil || cfg.Width != tr.Camera.Width || cfg.Height != tr.Camera.Height {
		t.Errorf("%s: JPEG %dx%d (%v); truth says %dx%d", name, cfg.Width, cfg.Height, err, tr.Camera.Width, tr.Camera.Height)
	}
	spec := document.MustLookup(tr.Type)
	if len(tr.Fields) != len(spec.FieldsOn(tr.Side)) {
		t.Errorf("%s: %d fields; registry lists %d on %s", name, len(tr.Fields), len(spec.FieldsOn(tr.Side)), tr.Side)
	}
	if tr.Camera.Level == "" || tr.Camera.JPEGQuality < 40 || tr.Camera.Background == "" {
		t.Errorf("%s: augmentation %+v incomplete", name, tr.Camera)
	}
	h := tr.Homography
	w, hh := float64(tr.SpecimenSize[0]), float64(tr.SpecimenSize[1])
	for i, p := range [4][2]float64{{0, 0}, {w, 0}, {w, hh}, {0, hh}} {
		den := h[6]*p[0] + h[7]*p[1] + h[8]
		x, y := (h[0]*p[0]+h[1]*p[1]+h[2])/den, (h[3]*p[0]+h[4]*p[1]+h[5])/den
		if c := tr.Corners[i]; math.Abs(x-c[0]) > 0.2 || math.Abs(y-c[1]) > 0.2 {
			t.Errorf("%s: homography takes corner %d to (%.1f, %.1f); corners say %v", name, i, x, y, c)
		}
	}
	if (tr.View == ViewThickness) != (tr.Edge != nil) {
		t.Errorf("%s: view %s with edge %v", name, tr.View, tr.Edge)
	}
	if tr.Holder.BirthDate != tr.Fields[document.FieldBirthDate].Value {
		t.Errorf("%s: holder born %s, printed %s", name, tr.Holder.BirthDate, tr.Fields[document.FieldBirthDate].Value)
	}
	if spec.Photo != (tr.Portrait != "") {
		t.Errorf("%s: portrait %q for a type with photo %v", name, tr.Portrait, spec.Photo)
	}
}

func TestGenerateDocumentsRejects(t *testing.T) {
	fonts := testFonts(t)
	ctx := context.Background()
	if _, err := GenerateDocuments(ctx, fonts, t.TempDir(), GenerateOptions{N: 1, Types: []document.Type{document.PensionHandbook}}); err == nil {
		t.Error("pension_handbook: got no error; want no template")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := GenerateDocuments(cancelled, fonts, t.TempDir(), GenerateOptions{N: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v; want context.Canceled", err)
	}
	if _, err := ParseTypes([]string{"library_card"}); err == nil {
		t.Error("ParseTypes(library_card): got no error")
	}
	if ts, err := ParseTypes([]string{"passport", "passport", "drivers_license"}); err != nil || !slices.Equal(ts, []document.Type{document.Passport, document.DriversLicense}) {
		t.Errorf("ParseTypes: got %v, %v", ts, err)
	}
}

// samplePortraits finds the faces in the MIT-licensed face-api sample
// photos that `make models` installs, or skips.
func samplePortraits(t *testing.T) []Portrait {
	t.Helper()
	const models = "../../models"
	files, _ := filepath.Glob(filepath.Join(models, "samples", "*.jpg"))
	if len(files) == 0 {
		t.Skip("models/samples not installed: run make models")
	}
	eng := face.New(models)
	if err := eng.Open(context.Background()); err != nil {
		t.Skipf("face models not available (run make models): %v", err)
	}
	defer eng.Close()
	var out []Portrait
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := face.DecodeImage(data)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := PortraitsFromPhoto(context.Background(), eng, filepath.Base(f), img, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ps...)
	}
	if len(out) == 0 {
		t.Fatal("no faces found in models/samples")
	}
	return out
}

func TestPortraitsFromSampleFaces(t *testing.T) {
	portraits := samplePortraits(t)
	fonts := testFonts(t)
	sexes := map[string]int{}
	for _, p := range portraits {
		sexes[p.Sex]++
	}
	t.Logf("%d portraits from models/samples; read as %v", len(portraits), sexes)
	for _, p := range portraits {
		b := p.Image.Bounds()
		if r := float64(b.Dx()) / float64(b.Dy()); math.Abs(r-0.8) > 0.05 {
			t.Errorf("%s: crop %v has aspect %.2f; want 4:5", p.Name, b, r)
		}
	}
	d, err := NewDocumentData(rand.New(rand.NewPCG(4, 4)), document.MyNumberCard, DocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := RenderSpecimen(fonts, d, document.SideFront, portraits[0].Image)
	if err != nil {
		t.Fatal(err)
	}
	// A real photo has many colours; the silhouette has three.
	seen := map[color.RGBA]bool{}
	r := s.Regions["portrait"]
	for y := r.Min.Y; y < r.Max.Y; y += 3 {
		for x := r.Min.X; x < r.Max.X; x += 3 {
			seen[s.Image.RGBAAt(x, y)] = true
		}
	}
	if len(seen) < 200 {
		t.Errorf("portrait region has %d colours; want a photo", len(seen))
	}
	// Holders take the sex the face engine read from their portrait.
	for i := range 6 {
		shots, err := SpecimenShots(fonts, document.Passport, i, GenerateOptions{Seed: 3, Portraits: portraits})
		if err != nil {
			t.Fatal(err)
		}
		tr := shots[0].Truth
		j := slices.IndexFunc(portraits, func(p Portrait) bool { return p.Name == tr.Portrait })
		if j < 0 {
			t.Fatalf("portrait %q is not one of the inputs", tr.Portrait)
		}
		if sex := portraits[j].Sex; sex != "" && tr.Holder.Sex != sex {
			t.Errorf("passport %d: holder %s beside portrait %s read as %s", i, tr.Holder.Sex, tr.Portrait, sex)
		}
	}
}

// TestContactSheet renders docs/images/specimens.png with -update-specimens.
// It prints only the models/samples faces (MIT licensed), never the
// development face set.
func TestContactSheet(t *testing.T) {
	if !*updateSpecimens {
		t.Skip("run with -update-specimens to rewrite docs/images/specimens.png")
	}
	portraits := samplePortraits(t)
	fonts := testFonts(t)
	o := GenerateOptions{Seed: 20260601, Portraits: portraits}
	pickShot := func(ty document.Type, index int, file string) Shot {
		shots, err := SpecimenShots(fonts, ty, index, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range shots {
			if strings.HasSuffix(s.Truth.File, file) {
				return s
			}
		}
		t.Fatalf("no %s shot for %s %d", file, ty, index)
		return Shot{}
	}
	tiles := []Shot{
		pickShot(document.DriversLicense, 0, "_front.jpg"),
		pickShot(document.MyNumberCard, 1, "_front.jpg"),
		pickShot(document.MyNumberCard, 0, "_back.jpg"),
		pickShot(document.ResidenceCard, 1, "_front.jpg"),
		pickShot(document.Passport, 0, "_data_page.jpg"),
		pickShot(document.DriversLicense, 1, "_thickness.jpg"),
	}
	const tw, th, cols = 440, 330, 3
	sheet := image.NewRGBA(image.Rect(0, 0, cols*tw, (len(tiles)+cols-1)/cols*th))
	for i, s := range tiles {
		data, err := s.JPEG()
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		x, y := i%cols*tw, i/cols*th
		xdraw.CatmullRom.Scale(sheet, image.Rect(x, y, x+tw, y+th), img, img.Bounds(), xdraw.Src, nil)
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, sheet); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join("..", "..", "docs", "images", "specimens.png")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", out, buf.Len())
}

func BenchmarkSpecimenShots(b *testing.B) {
	fonts, err := LoadFonts()
	if err != nil {
		b.Skip(err)
	}
	for i := 0; b.Loop(); i++ {
		if _, err := SpecimenShots(fonts, document.DriversLicense, i, GenerateOptions{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
