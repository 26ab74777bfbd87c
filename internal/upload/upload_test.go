package upload

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// patternReader yields n bytes of 'x' without holding them in memory.
type patternReader struct{ left int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.left)
	for i := range p[:n] {
		p[i] = 'x'
	}
	r.left -= n
	return int(n), nil
}

// failingReader returns some bytes, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func wantRefusal(t *testing.T, err error, wantKind error, wantReason string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error; want %s", wantReason)
	}
	if got := errkind.Reason(err); got != wantReason {
		t.Errorf("got reason %q (%v); want %q", got, err, wantReason)
	}
	if !errors.Is(err, wantKind) {
		t.Errorf("got error %v; want kind %v", err, wantKind)
	}
}

func TestReadLimited(t *testing.T) {
	tests := map[string]struct {
		r          io.Reader
		max        int64
		wantLen    int
		wantKind   error
		wantReason string
	}{
		"small input":                      {r: strings.NewReader("hello"), max: 10, wantLen: 5},
		"exactly the limit":                {r: &patternReader{left: 100_000}, max: 100_000, wantLen: 100_000},
		"one byte over the limit":          {r: &patternReader{left: 100_001}, max: 100_000, wantKind: errkind.ErrTooLarge, wantReason: ReasonFileTooLarge},
		"several chunks within limit":      {r: &patternReader{left: 3 << 20}, max: 4 << 20, wantLen: 3 << 20},
		"empty":                            {r: strings.NewReader(""), max: 10, wantKind: errkind.ErrInvalid, wantReason: ReasonFileEmpty},
		"body cut off in transit":          {r: &failingReader{data: []byte("partial"), err: io.ErrUnexpectedEOF}, max: 100, wantKind: errkind.ErrInvalid, wantReason: "upload_read_failed"},
		"reader that never makes progress": {r: &failingReader{}, max: 100, wantKind: errkind.ErrInvalid, wantReason: "upload_read_failed"},
		"non-positive limit":               {r: strings.NewReader("x"), max: 0, wantKind: errkind.ErrInvalid, wantReason: "limit_invalid"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ReadLimited(tc.r, tc.max)
			if tc.wantReason != "" {
				wantRefusal(t, err, tc.wantKind, tc.wantReason)
				return
			}
			if err != nil {
				t.Fatalf("got error %v; want none", err)
			}
			if len(got) != tc.wantLen {
				t.Errorf("got %d bytes; want %d", len(got), tc.wantLen)
			}
		})
	}
}

// allocatedBy reports the bytes the runtime allocated while f ran. Tests
// that use it do not run in parallel, so the figure is theirs alone.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestReadLimitedRefusesWithoutAllocatingClaimedSize(t *testing.T) {
	tests := map[string]struct {
		size, max int64
	}{
		"20 MB body against the 15 MB default": {size: 20 << 20, max: DefaultLimits().MaxBytes},
		"endless body against 1 MB":            {size: 1 << 40, max: 1 << 20},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var err error
			alloc := allocatedBy(func() { _, err = ReadLimited(&patternReader{left: tc.size}, tc.max) })
			wantRefusal(t, err, errkind.ErrTooLarge, ReasonFileTooLarge)
			t.Logf("allocated %d bytes to refuse a %d-byte body", alloc, tc.size)
			// What was read up to the limit, plus at most one chunk and some slack.
			bound := uint64(tc.max) + readChunkMax + 256<<10
			if alloc > bound || alloc >= uint64(tc.size) {
				t.Errorf("got %d bytes allocated; want at most %d and less than the body's %d", alloc, bound, tc.size)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	deep := func(n int) []byte { return []byte(strings.Repeat("[", n) + strings.Repeat("]", n)) }
	der := selfSignedDER(t)
	tests := map[string]struct {
		data       []byte
		want       string
		wantKind   error
		wantReason string
	}{
		"jpeg":                          {data: encodeJPEG(t, patternImage(16, 16)), want: TypeJPEG},
		"png":                           {data: encodePNGBytes(t, patternImage(16, 16)), want: TypePNG},
		"webp":                          {data: solidWebP(4, 4, color.NRGBA{1, 2, 3, 255}), want: TypeWebP},
		"json object":                   {data: []byte(`{"a":[1,2,{"b":"]}"}]}`), want: TypeJSON},
		"json array after whitespace":   {data: []byte("\n\t [1, 2]\n"), want: TypeJSON},
		"json nested 64 deep":           {data: deep(64), want: TypeJSON},
		"json nested 65 deep":           {data: deep(65), wantKind: errkind.ErrUnsupported, wantReason: ReasonUnsupportedType},
		"json scalar at top level":      {data: []byte(`"just a string"`), wantKind: errkind.ErrUnsupported, wantReason: ReasonUnsupportedType},
		"json with a syntax error":      {data: []byte(`{"a":1,}`), wantKind: errkind.ErrUnsupported, wantReason: ReasonUnsupportedType},
		"der certificate":               {data: der, want: TypeDER},
		"der with a trailing byte":      {data: append(append([]byte{}, der...), 0), wantKind: errkind.ErrUnsupported, wantReason: ReasonUnsupportedType},
		"der cut short":                 {data: der[:len(der)-1], wantKind: errkind.ErrUnsupported, wantReason: ReasonUnsupportedType},
		"der primitive integer":         {data: []byte{0x02, 0x01, 0x05}, wantKind: errkind.ErrUnsupported, wantReason: ReasonUnsupportedType},
		"der sequence with bad content": {data: []byte{0x30, 0x03, 0x02, 0x05, 0x00}, wantKind: errkind.ErrUnsupported, wantReason: ReasonUnsupportedType},
		"icao data group, high tag":     {data: []byte{0x75, 0x05, 0x7F, 0x61, 0x02, 0x02, 0x00}, want: TypeDER},
		"text file":                     {data: []byte("name: Taro Yamada\nborn: 1990\n"), wantKind: errkind.ErrUnsupported, wantReason: ReasonUnsupportedType},
		"zip archive":                   {data: []byte("PK\x03\x04\x14\x00\x00\x00"), wantKind: errkind.ErrUnsupported, wantReason: ReasonUnsupportedType},
		"riff that is not webp":         {data: []byte("RIFF\x04\x00\x00\x00WAVE"), wantKind: errkind.ErrUnsupported, wantReason: ReasonUnsupportedType},
		"empty":                         {data: nil, wantKind: errkind.ErrInvalid, wantReason: ReasonFileEmpty},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Sniff(tc.data)
			if tc.wantReason != "" {
				wantRefusal(t, err, tc.wantKind, tc.wantReason)
				return
			}
			if err != nil {
				t.Fatalf("got error %v; want %s", err, tc.want)
			}
			if got != tc.want {
				t.Errorf("got %s; want %s", got, tc.want)
			}
		})
	}
}

var allTypes = []string{TypeJPEG, TypePNG, TypeWebP, TypeJSON, TypeDER}

func TestSanitize(t *testing.T) {
	jpg := encodeJPEG(t, patternImage(64, 48))
	pngData := encodePNGBytes(t, patternImage(64, 48))
	zipTrailer := []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00payload.sh#!/bin/sh echo pwned")
	const exifNote = "GPS 35.6812N 139.7671E serial 0042-SECRET"
	der := selfSignedDER(t)

	noTrailer := func(t *testing.T, r *Result) {
		if bytes.Contains(r.Data, []byte("PK\x03\x04")) || bytes.Contains(r.Data, []byte("pwned")) {
			t.Error("got output still carrying the zip trailer; want it gone")
		}
	}
	tests := map[string]struct {
		data       []byte
		allowed    []string
		lim        Limits
		wantType   string
		wantW      int
		wantH      int
		wantKind   error
		wantReason string
		check      func(*testing.T, *Result)
	}{
		"jpeg":                  {data: jpg, wantType: TypeJPEG, wantW: 64, wantH: 48},
		"png":                   {data: pngData, wantType: TypePNG, wantW: 64, wantH: 48},
		"webp is stored as png": {data: solidWebP(40, 30, color.NRGBA{200, 100, 50, 255}), wantType: TypePNG, wantW: 40, wantH: 30},
		"json is kept as sent":  {data: []byte(`{"kind":"chip"}`), wantType: TypeJSON, check: sameBytes([]byte(`{"kind":"chip"}`))},
		"der is kept as sent":   {data: der, wantType: TypeDER, check: sameBytes(der)},
		"exif segment is removed": {
			data: withSegment(jpg, 0xE1, exifPayload(1, exifNote)), wantType: TypeJPEG, wantW: 64, wantH: 48,
			check: func(t *testing.T, r *Result) {
				if bytes.Contains(r.Data, []byte("Exif")) || bytes.Contains(r.Data, []byte("SECRET")) {
					t.Error("got output with the EXIF segment; want it stripped")
				}
			},
		},
		"jpeg comment is removed": {
			data: withSegment(jpg, 0xFE, []byte("SECRET comment")), wantType: TypeJPEG, wantW: 64, wantH: 48,
			check: func(t *testing.T, r *Result) {
				if bytes.Contains(r.Data, []byte("SECRET")) {
					t.Error("got output with the COM segment; want it stripped")
				}
			},
		},
		"jpeg with zip appended":             {data: append(append([]byte{}, jpg...), zipTrailer...), wantType: TypeJPEG, wantW: 64, wantH: 48, check: noTrailer},
		"png with zip appended":              {data: append(append([]byte{}, pngData...), zipTrailer...), wantType: TypePNG, wantW: 64, wantH: 48, check: noTrailer},
		"1x1 jpeg claiming 60000x60000":      {data: withJPEGSize(t, encodeJPEG(t, patternImage(1, 1)), 60000, 60000), wantKind: errkind.ErrTooLarge, wantReason: ReasonImageTooManyPixels},
		"png bomb header 100000x100000":      {data: withPNGSize(encodePNGBytes(t, patternImage(1, 1)), 100000, 100000), wantKind: errkind.ErrTooLarge, wantReason: ReasonImageTooManyPixels},
		"png 20000 pixels wide":              {data: withPNGSize(encodePNGBytes(t, patternImage(1, 1)), 20000, 10), wantKind: errkind.ErrTooLarge, wantReason: ReasonImageSideTooLarge},
		"webp claiming 16384x16384":          {data: solidWebP(16384, 16384, color.NRGBA{A: 255}), wantKind: errkind.ErrTooLarge, wantReason: ReasonImageTooManyPixels},
		"png header bigger than data":        {data: withPNGSize(encodePNGBytes(t, patternImage(8, 8)), 3000, 3000), wantKind: errkind.ErrInvalid, wantReason: ReasonImageCorrupt},
		"truncated jpeg":                     {data: jpg[:len(jpg)/2], wantKind: errkind.ErrInvalid, wantReason: ReasonImageCorrupt},
		"truncated png":                      {data: pngData[:len(pngData)/2], wantKind: errkind.ErrInvalid, wantReason: ReasonImageCorrupt},
		"jpeg signature only":                {data: []byte{0xFF, 0xD8, 0xFF}, wantKind: errkind.ErrInvalid, wantReason: ReasonImageCorrupt},
		"text file":                          {data: []byte("hello, this is not an image\n"), wantKind: errkind.ErrUnsupported, wantReason: ReasonUnsupportedType},
		"zero-byte file":                     {data: []byte{}, wantKind: errkind.ErrInvalid, wantReason: ReasonFileEmpty},
		"png where only jpeg is allowed":     {data: pngData, allowed: []string{TypeJPEG}, wantKind: errkind.ErrUnsupported, wantReason: ReasonTypeNotAllowed},
		"json where only images are allowed": {data: []byte(`[]`), allowed: []string{TypeJPEG, TypePNG, TypeWebP}, wantKind: errkind.ErrUnsupported, wantReason: ReasonTypeNotAllowed},
		"larger than MaxBytes":               {data: jpg, lim: Limits{MaxBytes: int64(len(jpg) - 1), MaxPixels: 1 << 20, MaxSide: 1000}, wantKind: errkind.ErrTooLarge, wantReason: ReasonFileTooLarge},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			allowed, lim := tc.allowed, tc.lim
			if allowed == nil {
				allowed = allTypes
			}
			if lim == (Limits{}) {
				lim = DefaultLimits()
			}
			res, err := Sanitize(tc.data, allowed, lim)
			if tc.wantReason != "" {
				wantRefusal(t, err, tc.wantKind, tc.wantReason)
				if res != nil {
					t.Errorf("got a result with the refusal; want nil")
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v; want success", err)
			}
			checkResult(t, res)
			if res.ContentType != tc.wantType {
				t.Errorf("got type %s; want %s", res.ContentType, tc.wantType)
			}
			if res.Width != tc.wantW || res.Height != tc.wantH {
				t.Errorf("got %dx%d; want %dx%d", res.Width, res.Height, tc.wantW, tc.wantH)
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

func sameBytes(want []byte) func(*testing.T, *Result) {
	return func(t *testing.T, r *Result) {
		if !bytes.Equal(r.Data, want) {
			t.Errorf("got %d bytes differing from the input; want the input unchanged", len(r.Data))
		}
		if r.Image != nil {
			t.Errorf("got an image for non-image content; want nil")
		}
	}
}

// checkResult asserts what must hold for every accepted upload: the digest
// matches, the stored bytes sniff as the stored type, and stored images
// decode to the reported size.
func checkResult(t testing.TB, res *Result) {
	t.Helper()
	if res.SHA256 != sha256Of(res.Data) {
		t.Error("got SHA256 not matching Data")
	}
	again, err := Sniff(res.Data)
	if err != nil || again != res.ContentType {
		t.Fatalf("got stored bytes sniffing as %q (%v); want %s", again, err, res.ContentType)
	}
	if again == TypeJSON || again == TypeDER {
		return
	}
	img, err := guard(func() (image.Image, error) { return codecFor(again).decode(bytes.NewReader(res.Data)) })
	if err != nil {
		t.Fatalf("got stored image that does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != res.Width || b.Dy() != res.Height {
		t.Errorf("got stored image %dx%d; want reported %dx%d", b.Dx(), b.Dy(), res.Width, res.Height)
	}
	if res.Image == nil || res.Image.Bounds().Dx() != res.Width || res.Image.Bounds().Dy() != res.Height {
		t.Errorf("got Result.Image not matching %dx%d", res.Width, res.Height)
	}
}

func TestSanitizeRealPhoto(t *testing.T) {
	const path = "/work/shared/data/faces/identities/obama/obama1.jpg"
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("real photo %s is not on this machine; the synthetic cases still ran", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("Exif")) || !bytes.Contains(data, []byte("Canon")) {
		t.Fatalf("fixture %s no longer carries camera EXIF; pick another photo", filepath.Base(path))
	}
	res, err := Sanitize(data, []string{TypeJPEG}, DefaultLimits())
	if err != nil {
		t.Fatalf("got error %v; want the photo accepted", err)
	}
	checkResult(t, res)
	if bytes.Contains(res.Data, []byte("Exif")) || bytes.Contains(res.Data, []byte("Canon")) {
		t.Error("got output with the camera's EXIF; want it stripped")
	}
	if res.Width != 910 || res.Height != 1137 {
		t.Errorf("got %dx%d; want 910x1137", res.Width, res.Height)
	}
}

func TestSanitizeAppliesEXIFOrientation(t *testing.T) {
	// Left half red, right half blue, 64x32.
	src := image.NewRGBA(image.Rect(0, 0, 64, 32))
	draw.Draw(src, image.Rect(0, 0, 32, 32), image.NewUniform(color.RGBA{255, 0, 0, 255}), image.Point{}, draw.Src)
	draw.Draw(src, image.Rect(32, 0, 64, 32), image.NewUniform(color.RGBA{0, 0, 255, 255}), image.Point{}, draw.Src)
	jpg := encodeJPEG(t, src)
	red, blue := "red", "blue"
	tests := map[string]struct {
		orientation         uint16
		wantW, wantH        int
		atFirst, atLast     image.Point // probes near the start and the end of the picture
		wantFirst, wantLast string
	}{
		"1 upright":                  {1, 64, 32, image.Pt(4, 16), image.Pt(60, 16), red, blue},
		"2 mirrored":                 {2, 64, 32, image.Pt(4, 16), image.Pt(60, 16), blue, red},
		"3 upside down":              {3, 64, 32, image.Pt(4, 16), image.Pt(60, 16), blue, red},
		"6 rotate clockwise":         {6, 32, 64, image.Pt(16, 4), image.Pt(16, 60), red, blue},
		"8 rotate counter-clockwise": {8, 32, 64, image.Pt(16, 4), image.Pt(16, 60), blue, red},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := Sanitize(withSegment(jpg, 0xE1, exifPayload(tc.orientation, "x")), []string{TypeJPEG}, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res)
			if res.Width != tc.wantW || res.Height != tc.wantH {
				t.Fatalf("got %dx%d; want %dx%d", res.Width, res.Height, tc.wantW, tc.wantH)
			}
			if got := hue(res.Image.At(tc.atFirst.X, tc.atFirst.Y)); got != tc.wantFirst {
				t.Errorf("got %s at %v; want %s", got, tc.atFirst, tc.wantFirst)
			}
			if got := hue(res.Image.At(tc.atLast.X, tc.atLast.Y)); got != tc.wantLast {
				t.Errorf("got %s at %v; want %s", got, tc.atLast, tc.wantLast)
			}
		})
	}
}

func hue(c color.Color) string {
	r, _, b, _ := c.RGBA()
	switch {
	case r > 0xC000 && b < 0x4000:
		return "red"
	case b > 0xC000 && r < 0x4000:
		return "blue"
	}
	return "neither"
}

func TestSanitizeRefusesClaimedPixelsWithoutAllocating(t *testing.T) {
	bombs := map[string][]byte{
		"1x1 jpeg claiming 60000x60000": withJPEGSize(t, encodeJPEG(t, patternImage(1, 1)), 60000, 60000),
		"png claiming 100000x100000":    withPNGSize(encodePNGBytes(t, patternImage(1, 1)), 100000, 100000),
	}
	for name, data := range bombs {
		t.Run(name, func(t *testing.T) {
			const runs = 20
			var err error
			alloc := allocatedBy(func() {
				for range runs {
					_, err = Sanitize(data, allTypes, DefaultLimits())
				}
			})
			wantRefusal(t, err, errkind.ErrTooLarge, ReasonImageTooManyPixels)
			t.Logf("allocated %d bytes per refusal", alloc/runs)
			// The claimed image is 3.6 GB or more; a header check costs a few KB.
			if perRun := alloc / runs; perRun > 64<<10 {
				t.Errorf("got %d bytes allocated per refusal; want under 64 KiB", perRun)
			}
		})
	}
}
