package document

// Layout: whether the key fields' printed lines sit where the issuer's
// template puts them, beside their printed labels, in the size it prints
// them. A field painted over and typed again is rarely put back exactly:
// its line starts elsewhere, sits on another baseline, or is taller or
// shorter than the issuer's type. The measure is the line's ink, not what
// OCR read: where the first ink column is, where the bulk of the ink ends
// at the bottom (the baseline, for the digits, capitals and kanji these
// fields hold), and its height.

import (
	"image"
	"math"
	"slices"
)

// fieldLine is where one key field's printed line is on a side, in mm on
// the flat document: its window (the area searched, clear of labels,
// rules and the neighbouring fields) and the expected ink's left edge,
// bottom and height; and the window and ink's left edge and bottom of a
// printed label near it (ref), whose place the field's is measured from, so that an outline found a little off, which moves both alike,
// does not count. fit says the issuer shrinks the type for long values
// (names), so a shorter line is not a mismatch. farX says the label is
// too far along the line (the licence's birth date shares the name's) for
// the start to be compared: only the baseline and height are.
// The expected values are the layout's, corrected by the median measured
// on the clean and medium genuine photos of seed 7.
type fieldLine struct {
	field                Field
	win, ref             [4]float64
	left, bottom, height float64
	refLeft, refBottom   float64
	fit                  bool
	farX                 bool
}

var fieldLines = map[string][]fieldLine{
	"drivers_license_front": {
		{FieldName, [4]float64{7.0, 2.6, 43, 8.5}, [4]float64{1.2, 3.5, 6.9, 8.2}, 8.64, 7.28, 3.2, 2.63, 6.77, true, false},
		{FieldBirthDate, [4]float64{43.5, 3.0, 84, 8.5}, [4]float64{1.2, 3.5, 6.9, 8.2}, 45.13, 6.94, 2.11, 2.63, 6.77, true, true},
		{FieldDocumentNumber, [4]float64{5.4, 33.4, 40, 38.9}, [4]float64{1.2, 34.0, 5.2, 38.4}, 6.69, 37.51, 2.55, 2.63, 37.42, false, false},
	},
	"my_number_card_front": {
		{FieldName, [4]float64{8.3, 6.2, 59, 14.5}, [4]float64{2.3, 8.5, 8.1, 12.8}, 10.28, 12.3, 3.5, 3.68, 11.62, true, false},
		{FieldBirthDate, [4]float64{8.3, 20.0, 40.5, 28.5}, [4]float64{2.3, 15.5, 8.1, 19.8}, 10.16, 26.16, 2.38, 3.56, 18.62, true, false},
	},
	"residence_card_front": {
		{FieldDocumentNumber, [4]float64{56.0, 1.5, 84, 7.0}, [4]float64{51, 2.5, 55.9, 6.5}, 57.17, 5.5, 2.2, 52.17, 5.42, false, false},
		{FieldName, [4]float64{7.5, 7.0, 60, 12.6}, [4]float64{1.8, 7.8, 7.4, 12.0}, 9.12, 11.01, 2.54, 3.11, 10.92, true, false},
		{FieldBirthDate, [4]float64{10.5, 12.2, 32.5, 16.9}, [4]float64{1.8, 12.8, 10.4, 16.6}, 11.68, 15.64, 1.93, 3.13, 15.64, false, false},
	},
	"passport_data_page": {
		{FieldDocumentNumber, [4]float64{90.5, 13.8, 124, 19.5}, [4]float64{90.5, 10.8, 124, 13.7}, 92.12, 17.44, 2.41, 92.08, 13.12, false, false},
		{FieldSurname, [4]float64{42.5, 22.1, 120, 27.6}, [4]float64{42.5, 19.6, 100, 22.0}, 44.24, 25.91, 2.37, 44.15, 21.59, true, false},
		{FieldGivenNames, [4]float64{42.5, 30.6, 120, 36.1}, [4]float64{42.5, 28.1, 100, 30.5}, 44.1, 34.4, 2.41, 44.1, 30.04, true, false},
		{FieldBirthDate, [4]float64{90.5, 39.1, 124, 44.6}, [4]float64{90.5, 36.6, 124, 39.0}, 92.12, 42.93, 2.37, 92.12, 38.61, false, false},
	},
}

// lineInk is what measureLine found: the ink's left edge, bottom and top,
// mm on the document.
type lineInk struct {
	left, bottom, top float64
	ok                bool
}

// measureLine finds the printed line in the window w (pixels): ink is what
// is darker than halfway between the paper (the window's 80th percentile
// grey) and the darkest ink (its 1st percentile); the bottom and top are
// the outermost rows holding a quarter of the fullest row's ink, the left
// edge the first column of three in a row that hold ink.
func measureLine(img *image.RGBA, w image.Rectangle) lineInk {
	w = w.Intersect(img.Bounds())
	if w.Dx() < 10 || w.Dy() < 10 {
		return lineInk{}
	}
	g := make([]float64, 0, w.Dx()*w.Dy())
	for y := w.Min.Y; y < w.Max.Y; y++ {
		for x := w.Min.X; x < w.Max.X; x++ {
			o := img.PixOffset(x, y)
			g = append(g, 0.299*float64(img.Pix[o])+0.587*float64(img.Pix[o+1])+0.114*float64(img.Pix[o+2]))
		}
	}
	s := slices.Clone(g)
	slices.Sort(s)
	paper, dark := s[len(s)*8/10], s[len(s)/100]
	if paper-dark < 35 {
		return lineInk{}
	}
	thr := (paper + dark) / 2
	rows := make([]int, w.Dy())
	cols := make([]int, w.Dx())
	for y := range w.Dy() {
		for x := range w.Dx() {
			if g[y*w.Dx()+x] < thr {
				rows[y]++
				cols[x]++
			}
		}
	}
	top := slices.Max(rows)
	if top < 3 {
		return lineInk{}
	}
	var r lineInk
	first, last := -1, -1
	for y, n := range rows {
		if 4*n >= top {
			if first < 0 {
				first = y
			}
			last = y
		}
	}
	left := -1
	for x := 0; x+2 < len(cols); x++ {
		if cols[x] > 0 && cols[x+1] > 0 && cols[x+2] > 0 {
			left = x
			break
		}
	}
	if left < 0 {
		return lineInk{}
	}
	r.left = float64(w.Min.X+left) / pxPerMM
	r.top = float64(w.Min.Y+first) / pxPerMM
	r.bottom = float64(w.Min.Y+last+1) / pxPerMM
	r.ok = true
	return r
}

// layoutResult is the layout measure of one side: the largest over the
// key fields of how far a line's start (DX) and baseline (DY) are from the
// template's, mm, each measured from the field's label; and how much
// taller or shorter its ink is than the issuer's type (Height, a
// fraction).
type layoutResult struct {
	DX, DY, Height float64
	Fields         int // key fields whose line was measured
}

// The layout thresholds, mm and fraction, chosen on synthetic specimens
// (seed 7, 10 documents per type): genuine lines sat within 0.5 mm in x
// and 0.3 mm in y of where their label puts them, and within 8% of the
// type's height, except where the outline was found a millimetre off at
// one end. A line shrunk to fit a long name may be shorter.
const (
	layoutDXMax     = 0.7
	layoutDYMax     = 0.4
	layoutHeightMax = 0.13
)

// score is the layout measure against its thresholds (1 at a threshold).
func (l layoutResult) score() float64 {
	return max(l.DX/layoutDXMax, l.DY/layoutDYMax, l.Height/layoutHeightMax)
}

// layoutDev is one field's line measured against the template, relative
// to its label.
type layoutDev struct {
	field     Field
	dx, dy, h float64
	fit, ok   bool
}

func measureLayoutFields(img *image.RGBA, key string) []layoutDev {
	var out []layoutDev
	for _, fl := range fieldLines[key] {
		m := measureLine(img, mmRect(fl.win[0], fl.win[1], fl.win[2], fl.win[3]))
		r := measureLine(img, mmRect(fl.ref[0], fl.ref[1], fl.ref[2], fl.ref[3]))
		d := layoutDev{field: fl.field, fit: fl.fit, ok: m.ok && r.ok}
		if d.ok && !fl.farX {
			d.dx = (m.left - fl.left) - (r.left - fl.refLeft)
		}
		if d.ok {
			d.dy = (m.bottom - fl.bottom) - (r.bottom - fl.refBottom)
			d.h = (m.bottom-m.top)/fl.height - 1
		}
		out = append(out, d)
	}
	return out
}

func measureLayout(img *image.RGBA, key string) (layoutResult, bool) {
	var res layoutResult
	for _, d := range measureLayoutFields(img, key) {
		if !d.ok {
			continue
		}
		res.Fields++
		h := d.h
		if d.fit && h < 0 {
			h = 0 // shrunk to fit
		}
		res.DX = math.Max(res.DX, math.Abs(d.dx))
		res.DY = math.Max(res.DY, math.Abs(d.dy))
		res.Height = math.Max(res.Height, math.Abs(h))
	}
	return res, res.Fields >= 2
}
