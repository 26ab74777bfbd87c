package document

import (
	"context"
	"errors"
	"fmt"
	"image"
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

// BatchLineReader also reads many lines of one language and whitelist in
// one call, texts[i] and confs[i] for imgs[i]. internal/ocr.Tesseract
// implements it: one model load for all of them instead of one per zone.
// The extractor uses it when its reader has it.
type BatchLineReader interface {
	LineReader
	Lines(ctx context.Context, imgs []image.Image, lang string, whitelist string) (texts []string, confs []float64, err error)
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
	ocr       LineReader
	tpls      []classTemplate
	names     NameDictionary // nil: kanji names as read
	nameFonts *NameFonts     // nil: known names that are also misreadings are only flagged
}

// NewExtractor returns an Extractor that reads text with r.
func NewExtractor(r LineReader, opts ...ExtractorOption) *Extractor {
	e := &Extractor{ocr: r, tpls: loadClassTemplates()}
	for _, o := range opts {
		o(e)
	}
	return e
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
	tpls := e.tpls
	if o.Type != "" {
		tpls = slices.DeleteFunc(slices.Clone(tpls), func(c classTemplate) bool { return c.tpl.typ != o.Type })
	}
	if len(tpls) == 0 {
		return nil, unreadable("document_type_no_template", "document: no OCR template for type %q", o.Type)
	}
	rgba := toRGBA(img) // once: the outline search, classification and rectification all sample it
	q, err := findQuadFor(rgba, tpls)
	if err != nil {
		var ke *errkind.Error
		if errors.As(err, &ke) {
			ke.Err = ErrUnreadable
		}
		return nil, err
	}
	cl, ok := classify(rgba, q, tpls)
	if !ok || cl.Score < minClassScore {
		return nil, unreadable("document_not_classified", "document: the document's layout matches no template")
	}
	if cl.upsideDown {
		q = q.rotate180()
	}
	tpl, _ := lookupTemplate(cl.Type, cl.Side)
	w, h := int(tpl.sizeMM[0]*pxPerMM+0.5), int(tpl.sizeMM[1]*pxPerMM+0.5)
	rect, ok := rectify(rgba, q, w, h)
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

// zoneRead is one zone to read: its crop, the images OCR reads (the crop,
// or its words one by one) and how to read them.
type zoneRead struct {
	z        zone
	crop     *image.Gray
	parts    []image.Image
	lang, wl string
	raw      string
	conf     float64
}

func (e *Extractor) readZones(ctx context.Context, rect *image.RGBA, tpl template, o Options, res *Result) error {
	var reads []*zoneRead
	for _, z := range tpl.zones {
		if o.KeyFieldsOnly && !z.key {
			continue
		}
		lang, wl := zoneLanguage(z.kind)
		crop := prepare(rect, mmRect(z.x0, z.y0, z.x1, z.y1), lang != "jpn")
		parts := []image.Image{crop}
		if z.kind == kindNameLat {
			// tesseract runs Latin words together when the space is
			// narrow (LI NA read as LINA): read each word on its own.
			parts = splitWords(crop)
		}
		reads = append(reads, &zoneRead{z: z, crop: crop, parts: parts, lang: lang, wl: wl})
	}
	if err := e.ocrZones(ctx, reads); err != nil {
		return err
	}
	parts := map[Field][]string{}
	for _, r := range reads {
		z, crop, raw, conf := r.z, r.crop, r.raw, r.conf
		fr := res.Fields[z.field]
		fr.Confidence = conf
		if fr.Raw != "" {
			fr.Raw += "\n"
		}
		fr.Raw += raw
		switch z.kind {
		case kindNameJA:
			fr.Value = splitJapaneseName(dropNamePunctuation(japaneseText(raw)), crop)
			if e.names != nil {
				var pick namePicker
				if e.nameFonts != nil {
					pick = e.nameFonts.picker(crop)
				}
				fr.Value, fr.Problem = correctJapaneseName(fr.Value, e.names, pick)
			}
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
				switch {
				case r == 'l' || r == '|':
					return 'I'
				case (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'):
					return r
				}
				return -1
			}, raw))
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

// zoneLanguage is the tesseract language and whitelist a kind of zone is
// read with.
func zoneLanguage(k zoneKind) (lang, whitelist string) {
	switch k {
	case kindNameLat:
		// l and | too: without them a narrow I after a wide letter is
		// dropped (YUI read as YU); they are mapped back to I.
		return "eng", upperChars + "l| "
	case kindDateEN:
		return "eng", upperChars + digitChars + " "
	case kindDigits:
		return "eng", digitChars
	case kindAlnum:
		return "eng", upperChars + digitChars + "l|"
	case kindMRZ:
		return "eng", upperChars + digitChars + "<"
	}
	return "jpn", ""
}

// ocrZones reads the zones, in one batch per language when the reader
// can batch, one call per zone otherwise.
//
// Every run of the tesseract program costs a model load (most of it the
// universal ambiguity table tesseract builds at start, about 90 ms of CPU
// for eng whatever the image), so the zones of one language go in one
// run: its whitelist is the union of theirs (none if one of them has
// none), and each zone's text is then brought back to its own characters
// (fitWhitelist). A passport's number, names, dates and MRZ are one eng
// run instead of four.
func (e *Extractor) ocrZones(ctx context.Context, reads []*zoneRead) error {
	// Each part of each zone gets its text; a zone's raw text is its
	// parts' joined by spaces, its confidence their mean.
	type part struct {
		r    *zoneRead
		img  image.Image
		text string
		conf float64
	}
	var all []*part
	for _, r := range reads {
		for _, img := range r.parts {
			all = append(all, &part{r: r, img: img})
		}
	}
	if br, batch := e.ocr.(BatchLineReader); batch {
		var order []string
		groups := map[string][]*part{}
		for _, p := range all {
			if groups[p.r.lang] == nil {
				order = append(order, p.r.lang)
			}
			groups[p.r.lang] = append(groups[p.r.lang], p)
		}
		for _, lang := range order {
			g := groups[lang]
			imgs := make([]image.Image, len(g))
			wls := make([]string, len(g))
			for i, p := range g {
				imgs[i], wls[i] = p.img, p.r.wl
			}
			wl := unionWhitelist(wls)
			texts, confs, err := br.Lines(ctx, imgs, lang, wl)
			if err != nil {
				return fmt.Errorf("document: OCR of %s: %w", g[0].r.z.field, err)
			}
			if len(texts) != len(g) || len(confs) != len(g) {
				return fmt.Errorf("document: OCR returned %d lines for %d images", len(texts), len(g))
			}
			for i, p := range g {
				p.text, p.conf = texts[i], confs[i]
				if wl != p.r.wl {
					p.text = fitWhitelist(p.text, p.r.z.kind, p.r.wl)
				}
			}
		}
	} else {
		for _, p := range all {
			var err error
			if p.text, p.conf, err = e.ocr.Line(ctx, p.img, p.r.lang, p.r.wl); err != nil {
				return fmt.Errorf("document: OCR of %s: %w", p.r.z.field, err)
			}
		}
	}
	n := map[*zoneRead]int{}
	for _, p := range all {
		r := p.r
		if p.text != "" {
			if r.raw != "" {
				r.raw += " "
			}
			r.raw += p.text
		}
		r.conf += p.conf
		n[r]++
	}
	for r, k := range n {
		r.conf /= float64(k)
	}
	return nil
}

// unionWhitelist is the whitelist that allows what each of wls allows:
// their characters, once each, or none when one of them allows everything.
func unionWhitelist(wls []string) string {
	var b strings.Builder
	seen := map[rune]bool{}
	for _, wl := range wls {
		if wl == "" {
			return ""
		}
		for _, r := range wl {
			if !seen[r] {
				seen[r] = true
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// fitWhitelist brings text read with a wider whitelist back to the
// characters wl of a zone of kind k, as tesseract would have chosen them
// among wl alone: the look-alikes a wider whitelist lets in are mapped to
// the zone's character (a digit in a name to its letter, a bar or a
// lower-case l in a date to 1, elsewhere to I), and anything else outside
// wl is dropped.
func fitWhitelist(text string, k zoneKind, wl string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(wl, r):
			return r
		case k == kindNameLat:
			if l, ok := digitLetters[r]; ok {
				return l
			}
		case r == 'l' || r == '|':
			if k == kindDateEN {
				return '1'
			}
			if strings.ContainsRune(wl, 'I') {
				return 'I'
			}
		}
		return -1
	}, text)
}

// splitWords cuts a prepared line of Latin capitals into its words, at
// the gaps between ink wider than a third of the letters' height (a
// space; the gaps between capitals are narrower), each padded with
// white. A line without such a gap is returned whole.
func splitWords(line *image.Gray) []image.Image {
	b := line.Bounds()
	const ink = 128
	cols := make([]bool, b.Dx())
	top, bottom := -1, -1
	for y := range b.Dy() {
		row := line.Pix[y*line.Stride : y*line.Stride+b.Dx()]
		for x, v := range row {
			if v < ink {
				cols[x] = true
				if top < 0 {
					top = y
				}
				bottom = y
			}
		}
	}
	if top < 0 {
		return []image.Image{line}
	}
	minGap := max(4, (bottom-top+1)/3)
	type span struct{ x0, x1 int }
	var words []span
	for x := 0; x < len(cols); {
		if !cols[x] {
			x++
			continue
		}
		s := x
		for x < len(cols) && cols[x] {
			x++
		}
		if n := len(words); n > 0 && s-words[n-1].x1 < minGap {
			words[n-1].x1 = x
		} else {
			words = append(words, span{s, x})
		}
	}
	if len(words) < 2 {
		return []image.Image{line}
	}
	const pad = 12
	out := make([]image.Image, len(words))
	for i, w := range words {
		img := image.NewGray(image.Rect(0, 0, w.x1-w.x0+2*pad, b.Dy()))
		for j := range img.Pix {
			img.Pix[j] = 255
		}
		for y := range b.Dy() {
			copy(img.Pix[y*img.Stride+pad:], line.Pix[y*line.Stride+w.x0:y*line.Stride+w.x1])
		}
		out[i] = img
	}
	return out
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
	var lines []string
	for _, l := range strings.Split(mz.Raw, "\n") {
		if l = strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(l)), " ", ""); l != "" {
			lines = append(lines, l)
		}
	}
	fixed := fixMRZ(strings.Join(lines, "\n"))
	mz.Value = strings.ReplaceAll(fixed, "\n", "")
	m, err := mrz.Parse(fixed)
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
	// Names carry no check digit, and the MRZ's monospace letters with
	// their fillers are read worse than the visual zone's (ISHLKAWA,
	// YQKO): the MRZ's names only fill in a name the visual zone lost.
	// They hold letters only: a digit there is a look-alike (HASHIMOT0).
	if sur.Value == "" || giv.Value == "" {
		ms, mg := lettersOnly(m.Surname), lettersOnly(m.GivenNames)
		set(FieldName, strings.TrimSpace(ms+" "+mg))
		set(FieldSurname, ms)
		set(FieldGivenNames, mg)
	}
}

// digitLetters are the letters OCR most often reads as digits.
var digitLetters = map[rune]rune{'0': 'O', '1': 'I', '2': 'Z', '5': 'S', '6': 'G', '8': 'B'}

// lettersOnly turns the digits of a name read from the MRZ back into the
// letters they look like.
func lettersOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if l, ok := digitLetters[r]; ok {
			return l
		}
		return r
	}, s)
}

// fixMRZ pads or trims each line of a TD3 MRZ to 44 characters and puts
// digits back where the format has digits. OCR loses or adds a filler or
// two in the long runs of '<', and reads the last check digit after such
// a run as a letter (0 as Q).
func fixMRZ(s string) string {
	if len(s) == 88 && !strings.Contains(s, "\n") {
		s = s[:44] + "\n" + s[44:]
	}
	lines := strings.Split(s, "\n")
	if len(lines) != 2 {
		return s
	}
	l1, l2 := lines[0], lines[1]
	// Line 2: number, check, nationality, birth date, check, sex, expiry,
	// check (28 characters), the personal number and its check (15), and
	// the final check digit. Japanese passports leave the personal number
	// empty, so a line that is all fillers there is 15 fillers long.
	if len(l2) > 29 && len(l2) != 44 && strings.Trim(l2[28:len(l2)-1], "<") == "" {
		l2 = l2[:28] + strings.Repeat("<", 15) + l2[len(l2)-1:]
	}
	l1, l2 = padFillers(l1), padFillers(l2)
	if len(l2) == 44 {
		b := []byte(l2)
		for _, i := range []int{9, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 24, 25, 26, 27, 43} {
			if d, ok := letterDigits[b[i]]; ok {
				b[i] = d
			}
		}
		l2 = string(b)
	}
	return l1 + "\n" + l2
}

// padFillers pads or trims a line to 44 characters in its last run of
// fillers.
func padFillers(l string) string {
	for len(l) < 44 {
		j := strings.LastIndex(l, "<<")
		if j < 0 {
			break
		}
		l = l[:j] + "<" + l[j:]
	}
	for len(l) > 44 {
		j := strings.LastIndex(l, "<<<")
		if j < 0 {
			break
		}
		l = l[:j] + l[j+1:]
	}
	return l
}

// letterDigits are the digits OCR most often reads as letters.
var letterDigits = map[byte]byte{'O': '0', 'Q': '0', 'D': '0', 'I': '1', 'L': '1', 'Z': '2', 'S': '5', 'G': '6', 'B': '8'}

// prepare crops r from the rectified document, converts it to grey,
// stretches its contrast and pads it with white: tesseract reads best
// with dark text on a light, clean margin.
//
// The documents print their fields over fine guilloche and grids, which
// tesseract can take for strokes (a grid line turns 7 into 1). With
// whitenPaper, everything lighter than a threshold becomes white: the
// threshold lies halfway between Otsu's (which splits the zone's grey
// levels into ink and paper) and white, so that the grid goes and the
// anti-aliased edges of the ink stay. That helps Latin letters and
// digits; it hurts kanji, whose thin, close strokes lose their lighter
// edges, so Japanese zones are only stretched (2nd to 85th percentile).
func prepare(src *image.RGBA, r image.Rectangle, whitenPaper bool) *image.Gray {
	r = r.Intersect(src.Bounds())
	var hist [256]int
	w, h := r.Dx(), r.Dy()
	g := make([]uint8, w*h)
	for y := range h {
		o := src.PixOffset(r.Min.X, r.Min.Y+y)
		for x := range w {
			v := uint8((299*int(src.Pix[o]) + 587*int(src.Pix[o+1]) + 114*int(src.Pix[o+2])) / 1000)
			g[y*w+x] = v
			hist[v]++
			o += 4
		}
	}
	lo, hi := percentile(hist, w*h, 0.02), percentile(hist, w*h, 0.85)
	if whitenPaper {
		hi = otsu(hist, w*h)
		hi += (255 - hi) / 2
	}
	if hi-lo < 16 {
		lo, hi = 0, 255 // no contrast: no ink to stretch
	}
	const pad = 12
	out := image.NewGray(image.Rect(0, 0, w+2*pad, h+2*pad))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	for y := range h {
		row := out.Pix[(y+pad)*out.Stride+pad:]
		for x := range w {
			v := (int(g[y*w+x]) - lo) * 255 / (hi - lo)
			row[x] = uint8(min(255, max(0, v)))
		}
	}
	return out
}

// percentile is the grey level below which the share p of the n pixels
// of hist lie.
func percentile(hist [256]int, n int, p float64) int {
	c := 0
	for v, k := range hist {
		c += k
		if float64(c) >= p*float64(n) {
			return v
		}
	}
	return 255
}

// otsu is Otsu's threshold of hist: the grey level that splits it into
// two classes (ink and paper) with the largest variance between them.
func otsu(hist [256]int, n int) int {
	var sum float64
	for v, k := range hist {
		sum += float64(v * k)
	}
	var wB, sumB, best float64
	t := 255
	for v, k := range hist {
		wB += float64(k)
		if wB == 0 {
			continue
		}
		wF := float64(n) - wB
		if wF == 0 {
			break
		}
		sumB += float64(v * k)
		mB, mF := sumB/wB, (sum-sumB)/wF
		if between := wB * wF * (mB - mF) * (mB - mF); between > best {
			best, t = between, v+1
		}
	}
	return t
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
	first, last, bestAt, bestGap, ok := nameGap(zone)
	if !ok {
		return name
	}
	ink := last - first + 1 - bestGap
	if ink <= 0 {
		return name
	}
	k := int(float64(len(rs))*float64(bestAt-first)/float64(ink) + 0.5)
	k = min(max(k, 1), len(rs)-1)
	return string(rs[:k]) + " " + string(rs[k:])
}

// nameGap finds, in a prepared name zone, the first and last columns with
// ink and the widest run of blank columns between them (its start and
// width): the gap between family and given name. ok is false when the
// zone has no ink or no gap.
func nameGap(zone *image.Gray) (first, last, gapAt, gap int, ok bool) {
	b := zone.Bounds()
	cols := make([]bool, b.Dx())
	for x := range b.Dx() {
		for y := range b.Dy() {
			if zone.Pix[y*zone.Stride+x] < inkThreshold {
				cols[x] = true
				break
			}
		}
	}
	first, last = -1, -1
	for x, c := range cols {
		if c {
			if first < 0 {
				first = x
			}
			last = x
		}
	}
	if first < 0 {
		return 0, 0, 0, 0, false
	}
	gapAt = -1
	for x := first; x <= last; {
		if cols[x] {
			x++
			continue
		}
		s := x
		for x <= last && !cols[x] {
			x++
		}
		if x-s > gap {
			gap, gapAt = x-s, s
		}
	}
	return first, last, gapAt, gap, gapAt >= 0
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
