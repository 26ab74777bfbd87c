package synth

// Specimen identity documents: a fictional holder's document drawn from a
// seed (DocumentData), rendered flat at 300 dpi with the ground truth of
// every printed field (RenderSpecimen), then photographed by a simulated
// phone camera (Photograph, documents_camera.go). Every specimen carries a
// red 見本 (specimen) stamp, no security features, and layouts that are
// close to but not copies of the real ones: they are for testing OCR and
// image checks, never usable as documents.

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"time"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/kakunin-dev/kakunin/internal/document"
)

// SpecimenTypes are the document types RenderSpecimen draws; they are the
// types with an OCR template in internal/document.
var SpecimenTypes = []document.Type{
	document.DriversLicense, document.MyNumberCard, document.ResidenceCard, document.Passport, document.HealthInsuranceCard,
}

// SpecimenSides returns the sides RenderSpecimen draws for t (nil for a
// type it cannot draw).
func SpecimenSides(t document.Type) []document.Side {
	switch t {
	case document.DriversLicense, document.ResidenceCard, document.HealthInsuranceCard:
		return []document.Side{document.SideFront}
	case document.MyNumberCard:
		return []document.Side{document.SideFront, document.SideBack}
	case document.Passport:
		return []document.Side{document.SideDataPage}
	}
	return nil
}

// Physical sizes in millimetres: ISO/IEC 7810 ID-1 cards and the ID-3
// passport page.
var (
	sizeID1 = [2]float64{85.6, 53.98}
	sizeID3 = [2]float64{125, 88}
)

// DPI is the flat specimens' resolution.
const DPI = 300

const pxPerMM = DPI / 25.4

// DocumentData is everything printed on one fictional document.
type DocumentData struct {
	Type       document.Type
	Holder     Identity
	Number     string    // the document number's value; health insurance: symbol, number and branch
	IssueDate  time.Time // 交付年月日 / date of issue
	ExpiryDate time.Time
	MyNumber   string // my_number_card: 12 digits with a correct check digit

	// drivers_license
	FirstIssue    time.Time // first licence (the 他 row and the number's year)
	Categories    []string  // held categories, e.g. ["普通"]
	Conditions    string    // 免許の条件等, "" for none
	BandColor     string    // "gold", "blue" or "green"
	InquiryCode   string    // five digits printed after the issue date
	LicenseIssuer string    // 公安委員会, e.g. "東京都公安委員会"

	// residence_card
	Status, WorkPermission, PermitKind string
	StayYears                          int

	// health_insurance_card
	InsurerNumber, InsurerName, Employer string
	Symbol, InsuredNumber, Branch        string
	QualificationDate                    time.Time

	// mrzOverride, when set, is printed as the MRZ instead of the holder's
	// (a tampering attack, AlterMRZ).
	mrzOverride string
}

// MRZ is a passport's TD3 machine-readable zone (88 characters, no line
// break), built by PassportHolder.MRZ so its check digits are right.
func (d DocumentData) MRZ() string {
	if d.Type != document.Passport {
		return ""
	}
	if d.mrzOverride != "" {
		return d.mrzOverride
	}
	return d.passportHolder().MRZ()
}

func (d DocumentData) passportHolder() PassportHolder {
	yymmdd := func(t time.Time) string { return t.Format("060102") }
	return PassportHolder{
		Surname: d.Holder.FamilyRoman, GivenNames: d.Holder.GivenRoman, Number: d.Number, Nationality: "JPN",
		BirthDate: yymmdd(d.Holder.BirthDate), Expiry: yymmdd(d.ExpiryDate), Sex: d.Holder.Sex,
	}
}

var (
	residenceStatuses = []struct{ status, work string }{
		{"技術・人文知識・国際業務", "在留資格に基づく就労活動のみ可"},
		{"留学", "就労不可"},
		{"家族滞在", "就労不可"},
		{"特定技能１号", "指定書により指定された就労活動のみ可"},
		{"日本人の配偶者等", "就労制限なし"},
		{"定住者", "就労制限なし"},
	}
	permitKinds = []string{"在留期間更新許可", "在留資格変更許可", "上陸許可"}
	employers   = []string{"株式会社サンプル商事", "見本工業株式会社", "架空物産株式会社", "試験システム株式会社"}
	insurers    = []string{"サンプル健康保険組合", "見本健康保険組合", "架空産業健康保険組合"}
)

// DocumentOptions constrain a drawn document.
type DocumentOptions struct {
	Now time.Time // the document is valid on this day (zero: ChipReferenceTime)
	Sex string    // "M" or "F" to fix the holder's sex (to match a portrait); "" draws it
}

// NewDocumentData draws a document of type t for a fictional holder. It
// fails for a type SpecimenTypes does not list.
func NewDocumentData(rng *rand.Rand, t document.Type, o DocumentOptions) (DocumentData, error) {
	now := o.Now
	if now.IsZero() {
		now = ChipReferenceTime()
	}
	now = dateOnly(now)
	d := DocumentData{Type: t}
	switch t {
	case document.DriversLicense:
		d.Holder = NewIdentity(rng, IdentityOptions{Now: now, MinAge: 19, MaxAge: 80, Sex: o.Sex})
		adult := d.Holder.BirthDate.AddDate(18, 0, 0)
		renewed := false
		if adult.Before(now.AddDate(-3, 0, 0)) && rng.IntN(4) > 0 {
			d.FirstIssue = randomDay(rng, adult, minTime(adult.AddDate(15, 0, 0), now.AddDate(-3, 0, 0)))
			d.IssueDate, d.ExpiryDate, renewed = licenceTerm(rng, d.Holder.BirthDate, now, d.FirstIssue.AddDate(2, 0, 0))
		}
		if !renewed {
			// A first licence: valid until a month after the third birthday.
			d.FirstIssue = randomDay(rng, maxTime(adult, now.AddDate(-2, 0, 0)), now.AddDate(0, 0, -30))
			d.IssueDate = d.FirstIssue
			d.ExpiryDate = monthAfter(birthdayAfter(d.Holder.BirthDate, d.FirstIssue, 3))
		}
		switch {
		case !renewed:
			d.BandColor = "green"
		case d.ExpiryDate.Year()-d.IssueDate.Year() >= 5:
			d.BandColor = "gold"
		default:
			d.BandColor = "blue"
		}
		d.Number = NewLicenseNumber(rng, d.Holder.Address, d.FirstIssue)
		d.Categories = []string{"普通"}
		if rng.IntN(4) == 0 {
			d.Categories = append(d.Categories, "普自二")
		}
		d.Conditions = []string{"", "", "眼鏡等", "普通車はＡＴ車に限る"}[rng.IntN(4)]
		d.InquiryCode = digits(rng, 5)
		d.LicenseIssuer = d.Holder.Address.Prefecture + "公安委員会"
	case document.MyNumberCard:
		d.Holder = NewIdentity(rng, IdentityOptions{Now: now, MinAge: 18, MaxAge: 85, Sex: o.Sex})
		// Issued to an adult, valid to the 10th birthday after issue.
		d.IssueDate = randomDay(rng, maxTime(now.AddDate(-9, 0, 0), d.Holder.BirthDate.AddDate(18, 0, 0)), now)
		d.ExpiryDate = birthdayAfter(d.Holder.BirthDate, d.IssueDate, 10)
		d.MyNumber = NewMyNumber(rng)
	case document.ResidenceCard:
		d.Holder = NewIdentity(rng, IdentityOptions{Now: now, MinAge: 18, MaxAge: 65, Foreign: true, Sex: o.Sex})
		s := pick(rng, residenceStatuses)
		d.Status, d.WorkPermission = s.status, s.work
		d.StayYears = []int{1, 3, 5}[rng.IntN(3)]
		d.PermitKind = pick(rng, permitKinds)
		d.IssueDate = randomDay(rng, now.AddDate(-d.StayYears, 0, 1), now)
		d.ExpiryDate = d.IssueDate.AddDate(d.StayYears, 0, 0)
		d.Number = NewResidenceCardNumber(rng)
	case document.Passport:
		d.Holder = NewIdentity(rng, IdentityOptions{Now: now, MinAge: 18, MaxAge: 80, Sex: o.Sex})
		years := []int{5, 10}[rng.IntN(2)]
		// Ten-year passports are issued to adults only.
		d.IssueDate = randomDay(rng, maxTime(now.AddDate(-years, 0, 1), d.Holder.BirthDate.AddDate(18, 0, 0)), now)
		d.ExpiryDate = d.IssueDate.AddDate(years, 0, 0)
		d.Number = NewPassportNumber(rng)
	case document.HealthInsuranceCard:
		d.Holder = NewIdentity(rng, IdentityOptions{Now: now, MinAge: 18, MaxAge: 74, Sex: o.Sex})
		d.QualificationDate = randomDay(rng, maxTime(d.Holder.BirthDate.AddDate(18, 0, 0), now.AddDate(-20, 0, 0)), now.AddDate(0, -1, 0))
		d.IssueDate = d.QualificationDate.AddDate(0, 0, rng.IntN(20))
		d.InsurerNumber = NewInsurerNumber(rng, d.Holder.Address)
		d.InsurerName = pick(rng, insurers)
		d.Employer = pick(rng, employers)
		d.Symbol, d.InsuredNumber, d.Branch = digits(rng, 1+rng.IntN(8)), digits(rng, 1+rng.IntN(4)), "00"
		d.Number = d.Symbol + " " + d.InsuredNumber + " " + d.Branch
	default:
		return DocumentData{}, fmt.Errorf("synth: no specimen template for document type %q", t)
	}
	return d, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// randomDay is a uniformly drawn day in [from, to] (from when to is earlier).
func randomDay(rng *rand.Rand, from, to time.Time) time.Time {
	from, to = dateOnly(from), dateOnly(to)
	days := int(to.Sub(from).Hours() / 24)
	if days <= 0 {
		return from
	}
	return from.AddDate(0, 0, rng.IntN(days+1))
}

// birthdayAfter is the n-th birthday after day from (29 February falls to
// 28 February in common years, as Japanese law counts).
func birthdayAfter(birth, from time.Time, n int) time.Time {
	y := from.Year()
	if !birthdayIn(birth, y).After(from) {
		y++
	}
	return birthdayIn(birth, y+n-1)
}

func birthdayIn(birth time.Time, year int) time.Time {
	t := time.Date(year, birth.Month(), birth.Day(), 0, 0, 0, 0, time.UTC)
	if t.Month() != birth.Month() {
		t = time.Date(year, birth.Month()+1, 0, 0, 0, 0, 0, time.UTC)
	}
	return t
}

// licenceTerm draws a renewed licence's issue and expiry dates: renewed in
// the weeks before a birthday, on or after minIssue, valid for three or
// five years until one month after the birthday, and valid on now. ok is
// false when no renewal fits.
func licenceTerm(rng *rand.Rand, birth, now, minIssue time.Time) (issue, expiry time.Time, ok bool) {
	years := []int{3, 5}[rng.IntN(2)]
	start := rng.IntN(years + 1)
	for k := range years + 1 {
		y := now.Year() - (start+k)%(years+1)
		issue = birthdayIn(birth, y).AddDate(0, 0, -rng.IntN(40))
		expiry = monthAfter(birthdayIn(birth, y+years))
		if !issue.After(now) && !issue.Before(minIssue) && expiry.After(now) {
			return issue, expiry, true
		}
	}
	return time.Time{}, time.Time{}, false
}

// monthAfter is the same day a month later, or the month's last day when
// it has no such day.
func monthAfter(t time.Time) time.Time {
	last := time.Date(t.Year(), t.Month()+2, 0, 0, 0, 0, 0, time.UTC)
	if t.Day() > last.Day() {
		return last
	}
	return time.Date(t.Year(), t.Month()+1, t.Day(), 0, 0, 0, 0, time.UTC)
}

// FieldTruth is one printed field in the ground truth.
type FieldTruth struct {
	Text  string `json:"text"`  // exactly as printed
	Value string `json:"value"` // normalised: ISO dates, ASCII digits, one space between names
	Box   [4]int `json:"box"`   // x0, y0, x1, y1 of the printed text on the flat specimen
}

// Specimen is one side of a document rendered flat, with its ground truth.
type Specimen struct {
	Type    document.Type
	Side    document.Side
	Data    DocumentData
	Image   *image.RGBA // DPI dots per inch; transparent outside the rounded corners
	SizeMM  [2]float64  // physical width and height
	Fields  map[document.Field]FieldTruth
	Regions map[string]image.Rectangle // "portrait", "qr", "mrz", "ic_contacts", "specimen_stamp"
	// drawn is how each field printed in one line was drawn (TamperField
	// types it again).
	drawn map[document.Field]textDraw
}

// RenderSpecimen draws side of d. portrait is the holder's face photo,
// cropped roughly as an ID photo (see PortraitCrop); nil draws a grey
// silhouette. Photo-less documents ignore it.
func RenderSpecimen(fonts *Fonts, d DocumentData, side document.Side, portrait image.Image) (*Specimen, error) {
	if fonts == nil {
		return nil, ErrNoCJKFont
	}
	layout, size := layoutFor(d.Type, side)
	if layout == nil {
		return nil, fmt.Errorf("synth: no specimen template for %s %s", d.Type, side)
	}
	c := newCanvas(fonts, size)
	if err := layout(c, d, portrait); err != nil {
		return nil, err
	}
	if c.err != nil {
		return nil, c.err
	}
	c.roundCorners(size)
	return &Specimen{Type: d.Type, Side: side, Data: d, Image: c.img, SizeMM: size, Fields: c.fields, Regions: c.regions, drawn: c.drawn}, nil
}

// canvas draws in millimetres on a DPI raster and records the ground truth.
type canvas struct {
	img     *image.RGBA
	fonts   *Fonts
	faces   map[faceKey]font.Face
	fields  map[document.Field]FieldTruth
	regions map[string]image.Rectangle
	err     error
	// last is the last line drawn; drawn records it for the field that
	// names its box next.
	last  textDraw
	drawn map[document.Field]textDraw
}

// textDraw is one line of text as drawn: the baseline's start in mm, the
// style, the text and the box it took.
type textDraw struct {
	x, y float64
	st   style
	s    string
	box  image.Rectangle
}

type faceKey struct {
	f    *opentype.Font
	size int // 1/8 pixel
}

func newCanvas(fonts *Fonts, sizeMM [2]float64) *canvas {
	w, h := int(math.Round(sizeMM[0]*pxPerMM)), int(math.Round(sizeMM[1]*pxPerMM))
	return &canvas{
		img: image.NewRGBA(image.Rect(0, 0, w, h)), fonts: fonts, faces: map[faceKey]font.Face{},
		fields: map[document.Field]FieldTruth{}, regions: map[string]image.Rectangle{},
		drawn: map[document.Field]textDraw{},
	}
}

func px(mm float64) float64 { return mm * pxPerMM }

func (c *canvas) rectPx(x0, y0, x1, y1 float64) image.Rectangle {
	return image.Rect(int(math.Round(px(x0))), int(math.Round(px(y0))), int(math.Round(px(x1))), int(math.Round(px(y1))))
}

func (c *canvas) face(f *opentype.Font, sizeMM float64) font.Face {
	k := faceKey{f, int(px(sizeMM)*8 + 0.5)}
	if fc, ok := c.faces[k]; ok {
		return fc
	}
	fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: float64(k.size) / 8, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		if c.err == nil {
			c.err = fmt.Errorf("synth: font face: %w", err)
		}
		fc = nil
	}
	c.faces[k] = fc
	return fc
}

// style is a typeface, a size (the em, in mm) and a colour (straight,
// not premultiplied, alpha).
type style struct {
	f    *opentype.Font
	size float64
	col  color.RGBA
}

var (
	ink      = color.RGBA{25, 25, 30, 255}
	labelInk = color.RGBA{70, 70, 80, 255}
)

func (c *canvas) sans(size float64) style  { return style{c.fonts.Sans, size, ink} }
func (c *canvas) bold(size float64) style  { return style{c.fonts.SansBold, size, ink} }
func (c *canvas) mono(size float64) style  { return style{c.fonts.Mono, size, ink} }
func (c *canvas) label(size float64) style { return style{c.fonts.Sans, size, labelInk} }

// width is s's advance in mm.
func (c *canvas) width(st style, s string) float64 {
	fc := c.face(st.f, st.size)
	if fc == nil {
		return 0
	}
	return float64(font.MeasureString(fc, s)) / 64 / pxPerMM
}

// text draws s with its baseline starting at (x, y) mm and returns the
// line box (advance × ascent+descent) in pixels.
func (c *canvas) text(x, y float64, st style, s string) image.Rectangle {
	fc := c.face(st.f, st.size)
	if fc == nil || s == "" {
		return image.Rectangle{}
	}
	dot := fixed.Point26_6{X: fixed.Int26_6(math.Round(px(x) * 64)), Y: fixed.Int26_6(math.Round(px(y) * 64))}
	col := color.NRGBA{st.col.R, st.col.G, st.col.B, st.col.A} // style colours are not premultiplied
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: fc, Dot: dot}
	d.DrawString(s)
	m := fc.Metrics()
	r := image.Rect(dot.X.Floor(), (dot.Y - m.Ascent).Floor(), d.Dot.X.Ceil(), (dot.Y + m.Descent).Ceil())
	c.last = textDraw{x: x, y: y, st: st, s: s, box: r}
	return r
}

// fit draws s at (x, y), shrinking the size so it is at most maxW mm wide.
func (c *canvas) fit(x, y, maxW float64, st style, s string) image.Rectangle {
	if w := c.width(st, s); w > maxW && w > 0 {
		st.size *= maxW / w
	}
	return c.text(x, y, st, s)
}

// right draws s ending at x.
func (c *canvas) right(x, y float64, st style, s string) image.Rectangle {
	return c.text(x-c.width(st, s), y, st, s)
}

// field records a printed field; a second record of the same field joins
// the texts with a space and the boxes.
func (c *canvas) field(f document.Field, text, value string, r image.Rectangle) {
	if old, ok := c.fields[f]; ok {
		text = old.Text + " " + text
		r = r.Union(image.Rect(old.Box[0], old.Box[1], old.Box[2], old.Box[3]))
		delete(c.drawn, f) // more than one line
	} else if c.drawn != nil && !r.Empty() && r == c.last.box {
		c.drawn[f] = c.last
	}
	c.fields[f] = FieldTruth{Text: text, Value: value, Box: [4]int{r.Min.X, r.Min.Y, r.Max.X, r.Max.Y}}
}

func (c *canvas) fill(x0, y0, x1, y1 float64, col color.RGBA) {
	c.blend(c.rectPx(x0, y0, x1, y1), col)
}

// blend paints r with col, honouring col's alpha (non-premultiplied here).
func (c *canvas) blend(r image.Rectangle, col color.RGBA) {
	r = r.Intersect(c.img.Bounds())
	a := float64(col.A) / 255
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := c.img.PixOffset(x, y)
			p := c.img.Pix[i : i+4 : i+4]
			p[0] = uint8(float64(p[0])*(1-a) + float64(col.R)*a + 0.5)
			p[1] = uint8(float64(p[1])*(1-a) + float64(col.G)*a + 0.5)
			p[2] = uint8(float64(p[2])*(1-a) + float64(col.B)*a + 0.5)
			p[3] = 255
		}
	}
}

func (c *canvas) box(x0, y0, x1, y1, w float64, col color.RGBA) {
	c.fill(x0, y0, x1, y0+w, col)
	c.fill(x0, y1-w, x1, y1, col)
	c.fill(x0, y0, x0+w, y1, col)
	c.fill(x1-w, y0, x1, y1, col)
}

func (c *canvas) hline(x0, x1, y, w float64, col color.RGBA) { c.fill(x0, y-w/2, x1, y+w/2, col) }

// background paints the whole canvas with base overlaid by a fine
// guilloche of two interfering wave families in tint.
func (c *canvas) background(base, tint color.RGBA, freq, amp, phase float64) {
	b := c.img.Bounds()
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			u, v := float64(x)/pxPerMM, float64(y)/pxPerMM
			w1 := math.Sin(2 * math.Pi * (u/freq + amp*math.Sin(v/7+phase)))
			w2 := math.Sin(2 * math.Pi * (v/freq*1.3 + amp*math.Sin(u/9-phase)))
			line := math.Max(0, 1-math.Abs(w1)*5) + math.Max(0, 1-math.Abs(w2)*5)*0.7
			f := math.Min(1, line) * float64(tint.A) / 255
			i := c.img.PixOffset(x, y)
			c.img.Pix[i+0] = uint8(float64(base.R)*(1-f) + float64(tint.R)*f + 0.5)
			c.img.Pix[i+1] = uint8(float64(base.G)*(1-f) + float64(tint.G)*f + 0.5)
			c.img.Pix[i+2] = uint8(float64(base.B)*(1-f) + float64(tint.B)*f + 0.5)
			c.img.Pix[i+3] = 255
		}
	}
}

// portrait draws src scaled to cover the box (cropping what overflows,
// centred) and records the region.
func (c *canvas) portrait(src image.Image, x0, y0, x1, y1 float64) {
	dst := c.rectPx(x0, y0, x1, y1)
	c.regions["portrait"] = dst
	if src == nil {
		c.silhouette(dst)
		return
	}
	sb := src.Bounds()
	da := float64(dst.Dx()) / float64(dst.Dy())
	sa := float64(sb.Dx()) / float64(sb.Dy())
	crop := sb
	if sa > da { // source wider: crop the sides
		w := int(float64(sb.Dy()) * da)
		crop.Min.X += (sb.Dx() - w) / 2
		crop.Max.X = crop.Min.X + w
	} else { // source taller: crop the bottom more than the top
		h := int(float64(sb.Dx()) / da)
		crop.Min.Y += (sb.Dy() - h) / 3
		crop.Max.Y = crop.Min.Y + h
	}
	xdraw.CatmullRom.Scale(c.img, dst, src, crop, xdraw.Src, nil)
}

// silhouette is the stand-in photo: a plain backdrop, a head and shoulders.
func (c *canvas) silhouette(r image.Rectangle) {
	c.blend(r, color.RGBA{196, 214, 228, 255})
	w, h := float64(r.Dx()), float64(r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			u, v := (float64(x-r.Min.X))/w, (float64(y-r.Min.Y))/h
			head := math.Pow((u-0.5)/0.22, 2)+math.Pow((v-0.4)/0.24, 2) < 1
			body := v > 0.68 && math.Pow((u-0.5)/0.45, 2)+math.Pow((v-1.05)/0.38, 2) < 1
			if head || body {
				c.img.SetRGBA(x, y, color.RGBA{120, 124, 132, 255})
			}
		}
	}
}

// ring paints an anti-aliased circle of radius r mm and line width w mm.
func (c *canvas) ring(cx, cy, r, w float64, col color.RGBA) {
	R, W := px(r), px(w)
	x0, y0, x1, y1 := int(px(cx)-R-2), int(px(cy)-R-2), int(px(cx)+R+2), int(px(cy)+R+2)
	for y := max(y0, 0); y < min(y1, c.img.Bounds().Dy()); y++ {
		for x := max(x0, 0); x < min(x1, c.img.Bounds().Dx()); x++ {
			d := math.Abs(math.Hypot(float64(x)+0.5-px(cx), float64(y)+0.5-px(cy)) - (R - W/2))
			if a := math.Min(1, math.Max(0, W/2+0.5-d)); a > 0 {
				cc := col
				cc.A = uint8(float64(col.A) * a)
				c.blend(image.Rect(x, y, x+1, y+1), cc)
			}
		}
	}
}

// seal is an issuer's red round seal, its text in one or two columns
// read top-down, right column first.
func (c *canvas) seal(cx, cy, r float64, text string) {
	col := color.RGBA{205, 45, 45, 200}
	c.ring(cx, cy, r, r*0.12, col)
	runes := []rune(text)
	cols := 1
	if len(runes) > 2 {
		cols = 2
	}
	perCol := (len(runes) + cols - 1) / cols
	size := math.Min(r*0.9, r*1.5/float64(perCol))
	st := style{c.fonts.Serif, size, col}
	for i, ch := range runes {
		x := cx - size/2
		if cols == 2 {
			x += (0.5 - float64(i/perCol)) * size * 1.05
		}
		y := cy - float64(perCol)*size/2 + (float64(i%perCol)+0.88)*size
		c.text(x, y, st, string(ch))
	}
}

// stamp is the red 見本 (specimen) mark every synthetic document carries.
func (c *canvas) stamp(x, y float64) {
	st := style{c.fonts.SansBold, 4.2, color.RGBA{215, 30, 30, 210}}
	w := c.width(st, "見本")
	c.box(x, y, x+w+2, y+6, 0.45, st.col)
	c.text(x+1, y+4.7, st, "見本")
	c.regions["specimen_stamp"] = c.rectPx(x, y, x+w+2, y+6)
}

// stroke draws an anti-aliased polyline of width w mm (a signature).
func (c *canvas) stroke(pts [][2]float64, w float64, col color.RGBA) {
	W := px(w) / 2
	for i := 1; i < len(pts); i++ {
		ax, ay, bx, by := px(pts[i-1][0]), px(pts[i-1][1]), px(pts[i][0]), px(pts[i][1])
		x0, x1 := int(math.Min(ax, bx)-W-1), int(math.Max(ax, bx)+W+2)
		y0, y1 := int(math.Min(ay, by)-W-1), int(math.Max(ay, by)+W+2)
		dx, dy := bx-ax, by-ay
		l2 := dx*dx + dy*dy
		for y := max(y0, 0); y < min(y1, c.img.Bounds().Dy()); y++ {
			for x := max(x0, 0); x < min(x1, c.img.Bounds().Dx()); x++ {
				fx, fy := float64(x)+0.5, float64(y)+0.5
				t := 0.0
				if l2 > 0 {
					t = math.Max(0, math.Min(1, ((fx-ax)*dx+(fy-ay)*dy)/l2))
				}
				d := math.Hypot(fx-ax-t*dx, fy-ay-t*dy)
				if a := math.Min(1, math.Max(0, W+0.5-d)); a > 0 {
					cc := col
					cc.A = uint8(float64(col.A) * a)
					c.blend(image.Rect(x, y, x+1, y+1), cc)
				}
			}
		}
	}
}

// roundCorners clears the canvas outside an ID-1 card's 3.18 mm corner
// radius (a passport page gets a smaller one).
func (c *canvas) roundCorners(sizeMM [2]float64) {
	r := 3.18
	if sizeMM != sizeID1 {
		r = 1.5
	}
	R := px(r)
	b := c.img.Bounds()
	W, H := float64(b.Dx()), float64(b.Dy())
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			cx, cy := math.Min(math.Max(fx, R), W-R), math.Min(math.Max(fy, R), H-R)
			d := math.Hypot(fx-cx, fy-cy)
			if d <= R-0.5 {
				continue
			}
			a := math.Max(0, math.Min(1, R+0.5-d))
			i := c.img.PixOffset(x, y)
			for k := range 4 { // premultiplied: scale every channel
				c.img.Pix[i+k] = uint8(float64(c.img.Pix[i+k])*a + 0.5)
			}
		}
	}
}
