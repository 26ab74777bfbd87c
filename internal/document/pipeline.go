package document

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"slices"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/mrz"
	"github.com/kakunin-dev/kakunin/internal/mynumber"
)

// LineReader reads one line of text. internal/ocr.Tesseract implements it.
// lang is a tesseract language ("jpn", "eng"); a non-empty whitelist
// restricts the characters it may return. The float is a confidence in [0, 1].
type LineReader interface {
	Line(ctx context.Context, img image.Image, lang string, whitelist string) (string, float64, error)
}

// Character sets for the whitelists.
const (
	digitChars = "0123456789"
	upperChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

// Options tune Extract.
type Options struct {
	// CurrentTime is the day expiry is judged on (zero: time.Now).
	CurrentTime time.Time
	// KeyFieldsOnly reads the name, birth date and number, and skips the
	// address and expiry zones.
	KeyFieldsOnly bool
	// Type, when set, skips classification (the user said which document
	// it is); the side is still found.
	Type Type
}

// FieldResult is one field read from a document.
type FieldResult struct {
	Value      string  `json:"value"`             // normalised: ISO dates, ASCII digits, one space between names
	Raw        string  `json:"raw"`               // what OCR returned
	Confidence float64 `json:"confidence"`        // tesseract's, 0..1
	Valid      *bool   `json:"valid,omitempty"`   // a check digit or format check, where the field has one
	Problem    string  `json:"problem,omitempty"` // why the value is empty or not valid
}

// Check is the outcome of one validation.
type Check struct {
	Name   string `json:"name"` // "mrz_check_digits", "my_number_check_digit", "licence_check_digit", "expiry", "qr_matches_print"
	Passed bool   `json:"passed"`
	Detail string `json:"detail,omitempty"`
}

// Result is what Extract read from one photographed side.
type Result struct {
	Type           Type                  `json:"type"`
	Side           Side                  `json:"side"`
	Classification Classification        `json:"classification"`
	Corners        Quad                  `json:"corners"` // as printed: TL, TR, BR, BL
	Fields         map[Field]FieldResult `json:"fields"`
	Checks         []Check               `json:"checks"`
	// Portrait is the holder's photo cut from the rectified document, for
	// face matching; nil for sides without one.
	Portrait image.Image `json:"-"`
	// Rectified is the document corrected for perspective at 300 dpi.
	Rectified *image.RGBA `json:"-"`
}

// Extractor reads photographed documents. It holds the classification
// templates and the OCR engine and is safe for concurrent use.
type Extractor struct {
	ocr  LineReader
	tpls []classTemplate
}

// NewExtractor returns an Extractor that reads text with r.
func NewExtractor(r LineReader) *Extractor {
	return &Extractor{ocr: r, tpls: loadClassTemplates()}
}

// Typed failures.
var (
	// ErrUnreadable is the kind of error for a photo the pipeline cannot
	// use: no document outline, an unknown layout. errkind.ErrInvalid
	// wraps it too, so the API answers 422.
	ErrUnreadable = errors.New("document: photo unreadable")
)

func unreadable(reason, format string, args ...any) error {
	e := errkind.New(errkind.ErrInvalid, reason, format, args...)
	e.Err = ErrUnreadable
	return e
}

// portraitRegions are the printed photos, in mm.
var portraitRegions = map[string][4]float64{
	"drivers_license_front": {59.5, 15.5, 83, 44.9},
	"my_number_card_front":  {61, 9, 82, 35.5},
	"residence_card_front":  {61.5, 8, 82.5, 35},
	"passport_data_page":    {6, 15, 38, 56},
}

// minClassScore is the least template correlation of a photo worth reading:
// real specimens score about 0.7 and badly outlined ones 0.26–0.32, while
// photos of no document (noise, a face) score below zero; reading those
// would only spend OCR time on garbage.
const minClassScore = 0.15

// Extract finds the document in img, classifies and rectifies it, and
// reads its fields.
func (e *Extractor) Extract(ctx context.Context, img image.Image, o Options) (*Result, error) {
	if img == nil {
		return nil, unreadable("document_image_missing", "document: no image")
	}
	q, err := FindQuad(img)
	if err != nil {
		var ke *errkind.Error
		if errors.As(err, &ke) {
			ke.Err = ErrUnreadable
		}
		return nil, err
	}
	tpls := e.tpls
	if o.Type != "" {
		tpls = slices.DeleteFunc(slices.Clone(tpls), func(c classTemplate) bool { return c.tpl.typ != o.Type })
	}
	if len(tpls) == 0 {
		return nil, unreadable("document_type_no_template", "document: no OCR template for type %q", o.Type)
	}
	cl, ok := classify(img, q, tpls)
	if !ok || cl.Score < minClassScore {
		return nil, unreadable("document_not_classified", "document: the document's layout matches no template")
	}
	if cl.upsideDown {
		q = q.rotate180()
	}
	tpl, _ := lookupTemplate(cl.Type, cl.Side)
	w, h := int(tpl.sizeMM[0]*pxPerMM+0.5), int(tpl.sizeMM[1]*pxPerMM+0.5)
	rect, ok := rectify(img, q, w, h)
	if !ok {
		return nil, unreadable("document_not_found", "document: degenerate outline")
	}
	res := &Result{Type: cl.Type, Side: cl.Side, Classification: cl, Corners: q, Fields: map[Field]FieldResult{}, Rectified: rect}
	if r, ok := portraitRegions[tpl.key()]; ok {
		res.Portrait = rect.SubImage(mmRect(r[0], r[1], r[2], r[3]))
	}
	if err := e.readZones(ctx, rect, tpl, o, res); err != nil {
		return nil, err
	}
	if tpl.typ == MyNumberCard && tpl.side == SideBack {
		e.readQR(rect, res)
	}
	validate(res, o)
	return res, nil
}

func mmRect(x0, y0, x1, y1 float64) image.Rectangle {
	return image.Rect(int(x0*pxPerMM), int(y0*pxPerMM), int(x1*pxPerMM+0.5), int(y1*pxPerMM+0.5))
}

func (e *Extractor) readZones(ctx context.Context, rect *image.RGBA, tpl template, o Options, res *Result) error {
	parts := map[Field][]string{}
	for _, z := range tpl.zones {
		if o.KeyFieldsOnly && !z.key {
			continue
		}
		crop := prepare(rect, mmRect(z.x0, z.y0, z.x1, z.y1))
		lang, wl := "jpn", ""
		switch z.kind {
		case kindNameLat:
			lang, wl = "eng", upperChars+" "
		case kindDateEN:
			lang, wl = "eng", upperChars+digitChars+" "
		case kindDigits:
			lang, wl = "eng", digitChars
		case kindAlnum:
			lang, wl = "eng", upperChars+digitChars
		case kindMRZ:
			lang, wl = "eng", upperChars+digitChars+"<"
		}
		raw, conf, err := e.ocr.Line(ctx, crop, lang, wl)
		if err != nil {
			return fmt.Errorf("document: OCR of %s: %w", z.field, err)
		}
		fr := res.Fields[z.field]
		fr.Confidence = conf
		if fr.Raw != "" {
			fr.Raw += "\n"
		}
		fr.Raw += raw
		switch z.kind {
		case kindNameJA:
			fr.Value = splitJapaneseName(japaneseText(raw), crop)
		case kindNameLat:
			fr.Value = latinName(raw)
		case kindDateJA:
			if v, ok := ParseJapaneseDate(raw); ok {
				fr.Value = v
			} else {
				fr.Problem = "date_unreadable"
			}
		case kindDateEN:
			if v, ok := ParsePassportDate(raw); ok {
				fr.Value = v
			} else {
				fr.Problem = "date_unreadable"
			}
		case kindDigits:
			parts[z.field] = append(parts[z.field], digitsOnly(raw))
			fr.Value = strings.Join(parts[z.field], " ")
		case kindAlnum:
			fr.Value = repairNumber(tpl.typ, strings.Map(func(r rune) rune {
				if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
					return r
				}
				return -1
			}, strings.ToUpper(raw)))
		case kindMRZ:
			line := strings.ReplaceAll(strings.ToUpper(raw), " ", "")
			parts[z.field] = append(parts[z.field], line)
			fr.Value = strings.Join(parts[z.field], "")
		case kindText:
			fr.Value = japaneseText(raw)
		}
		res.Fields[z.field] = fr
	}
	if tpl.typ == Passport {
		passportFields(res)
	}
	return nil
}

// passportFields joins the name and lets a valid MRZ settle the number,
// name and birth date: its check digits make it the better reading.
func passportFields(res *Result) {
	sur, giv := res.Fields[FieldSurname], res.Fields[FieldGivenNames]
	name := FieldResult{Value: strings.TrimSpace(sur.Value + " " + giv.Value), Raw: sur.Raw + "\n" + giv.Raw, Confidence: min(sur.Confidence, giv.Confidence)}
	res.Fields[FieldName] = name
	mz, ok := res.Fields[FieldMRZ]
	if !ok {
		return
	}
	m, err := mrz.Parse(fixMRZ(mz.Value))
	valid := err == nil
	mz.Valid = &valid
	if err != nil {
		mz.Problem = "mrz_invalid"
		res.Fields[FieldMRZ] = mz
		return
	}
	res.Fields[FieldMRZ] = mz
	set := func(f Field, v string) {
		fr := res.Fields[f]
		if fr.Value != v {
			fr.Problem = "corrected_from_mrz"
			fr.Value = v
		}
		fr.Valid = &valid
		res.Fields[f] = fr
	}
	set(FieldDocumentNumber, m.DocumentNumber)
	if iso := m.BirthDateISO(time.Now()); iso != "" {
		set(FieldBirthDate, iso)
	}
	set(FieldName, strings.TrimSpace(m.Surname+" "+m.GivenNames))
	set(FieldSurname, m.Surname)
	set(FieldGivenNames, m.GivenNames)
}

// fixMRZ pads or trims each line of a TD3 MRZ to 44 characters: OCR loses
// or adds a filler or two in the long runs of '<'.
func fixMRZ(s string) string {
	if len(s) == 88 {
		return s[:44] + "\n" + s[44:]
	}
	lines := strings.Split(s, "\n")
	if len(lines) != 2 {
		return s
	}
	for i, l := range lines {
		for len(l) < 44 {
			j := strings.LastIndex(l, "<<")
			if j < 0 {
				break
			}
			l = l[:j] + "<" + l[j:]
		}
		if len(l) > 44 {
			if j := strings.LastIndex(l, "<<<"); j >= 0 {
				l = l[:j] + l[j+1:]
			}
		}
		lines[i] = l
	}
	return lines[0] + "\n" + lines[1]
}

// prepare crops r from the rectified document, converts it to grey,
// stretches its contrast and pads it with background: tesseract reads
// best with dark text on a light, clean margin.
func prepare(src *image.RGBA, r image.Rectangle) *image.Gray {
	r = r.Intersect(src.Bounds())
	var hist [256]int
	g := image.NewGray(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			o := src.PixOffset(x, y)
			v := uint8((299*int(src.Pix[o]) + 587*int(src.Pix[o+1]) + 114*int(src.Pix[o+2])) / 1000)
			g.SetGray(x, y, color.Gray{v})
			hist[v]++
		}
	}
	n := r.Dx() * r.Dy()
	pct := func(p float64) int {
		c := 0
		for v, k := range hist {
			c += k
			if float64(c) >= p*float64(n) {
				return v
			}
		}
		return 255
	}
	lo, hi := pct(0.02), pct(0.85)
	if hi-lo < 16 {
		lo, hi = 0, 255
	}
	const pad = 12
	out := image.NewGray(image.Rect(0, 0, r.Dx()+2*pad, r.Dy()+2*pad))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			v := (int(g.GrayAt(x, y).Y) - lo) * 255 / (hi - lo)
			out.Pix[(y-r.Min.Y+pad)*out.Stride+x-r.Min.X+pad] = uint8(min(255, max(0, v)))
		}
	}
	return out
}

// splitJapaneseName puts the one space between family and given name
// back. Cards print an ideographic space there, a gap as wide as a
// character, which tesseract drops or confuses with the gaps between
// characters; the widest gap in the ink of the zone is the space, and
// the number of characters before it follows from the proportion of ink
// width before it, the characters being full-width.
func splitJapaneseName(name string, zone *image.Gray) string {
	rs := []rune(name)
	if len(rs) < 2 {
		return name
	}
	b := zone.Bounds()
	cols := make([]bool, b.Dx())
	for x := range b.Dx() {
		for y := range b.Dy() {
			if zone.Pix[y*zone.Stride+x] < 110 {
				cols[x] = true
				break
			}
		}
	}
	first, last := -1, -1
	for x, c := range cols {
		if c {
			if first < 0 {
				first = x
			}
			last = x
		}
	}
	if first < 0 {
		return name
	}
	bestGap, bestAt := 0, -1
	for x := first; x <= last; {
		if cols[x] {
			x++
			continue
		}
		s := x
		for x <= last && !cols[x] {
			x++
		}
		if x-s > bestGap {
			bestGap, bestAt = x-s, s
		}
	}
	ink := last - first + 1 - bestGap
	if bestAt < 0 || ink <= 0 {
		return name
	}
	k := int(float64(len(rs))*float64(bestAt-first)/float64(ink) + 0.5)
	k = min(max(k, 1), len(rs)-1)
	return string(rs[:k]) + " " + string(rs[k:])
}

func validate(res *Result, o Options) {
	now := o.CurrentTime
	if now.IsZero() {
		now = time.Now()
	}
	mark := func(f Field, ok bool, name, detail string) {
		fr := res.Fields[f]
		fr.Valid = &ok
		if !ok && fr.Problem == "" {
			fr.Problem = name + "_failed"
		}
		res.Fields[f] = fr
		res.Checks = append(res.Checks, Check{Name: name, Passed: ok, Detail: detail})
	}
	if fr, ok := res.Fields[FieldMyNumber]; ok {
		mark(FieldMyNumber, mynumber.Valid(fr.Value), "my_number_check_digit", "")
	}
	if fr, ok := res.Fields[FieldDocumentNumber]; ok && res.Type == DriversLicense {
		v := fr.Value
		good := len(v) == 12 && LicenceCheckDigit(v[:10]) == int(v[10]-'0')
		mark(FieldDocumentNumber, good, "licence_check_digit", "unofficial rule: a soft signal, never a reason to reject")
	}
	if fr, ok := res.Fields[FieldMRZ]; ok && fr.Valid != nil {
		res.Checks = append(res.Checks, Check{Name: "mrz_check_digits", Passed: *fr.Valid})
	}
	if fr, ok := res.Fields[FieldExpiryDate]; ok && fr.Value != "" {
		exp, err := time.Parse(time.DateOnly, fr.Value)
		if err == nil {
			ok := !now.After(exp.Add(24*time.Hour - time.Nanosecond))
			res.Checks = append(res.Checks, Check{Name: "expiry", Passed: ok, Detail: "valid through " + fr.Value})
		}
	}
}

// numberPatterns give, for numbers of a fixed format, which positions are
// letters (L) and which digits (D): a residence card number is two
// letters, eight digits, two letters; a passport number two letters and
// seven digits.
var numberPatterns = map[Type]string{ResidenceCard: "LLDDDDDDDDLL", Passport: "LLDDDDDDD"}

// repairNumber undoes the confusions OCR makes between look-alike letters
// and digits (O and 0, I and 1, S and 5, B and 8, Z and 2) where the
// number's format says which of the two a position holds.
func repairNumber(t Type, s string) string {
	p, ok := numberPatterns[t]
	if !ok || len(s) != len(p) {
		return s
	}
	toDigit := map[byte]byte{'O': '0', 'D': '0', 'Q': '0', 'I': '1', 'L': '1', 'S': '5', 'B': '8', 'Z': '2', 'G': '6'}
	toLetter := map[byte]byte{'0': 'O', '1': 'I', '5': 'S', '8': 'B', '2': 'Z', '6': 'G'}
	b := []byte(s)
	for i := range b {
		switch p[i] {
		case 'D':
			if d, ok := toDigit[b[i]]; ok {
				b[i] = d
			}
		case 'L':
			if l, ok := toLetter[b[i]]; ok {
				b[i] = l
			}
		}
	}
	return string(b)
}
