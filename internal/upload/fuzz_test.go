package upload

import (
	"encoding/json"
	"image/color"
	"slices"
	"testing"
)

// seeds are the hostile and benign inputs of the table tests.
func seeds(t testing.TB) [][]byte {
	jpg := encodeJPEG(t, patternImage(24, 16))
	pngData := encodePNGBytes(t, patternImage(24, 16))
	return [][]byte{
		jpg,
		pngData,
		solidWebP(8, 6, color.NRGBA{10, 200, 30, 255}),
		withSegment(jpg, 0xE1, exifPayload(6, "note")),
		append(append([]byte{}, jpg...), "PK\x03\x04trailer"...),
		withJPEGSize(t, encodeJPEG(t, patternImage(1, 1)), 60000, 60000),
		withPNGSize(encodePNGBytes(t, patternImage(1, 1)), 100000, 100000),
		jpg[:len(jpg)/2],
		pngData[:len(pngData)/2],
		selfSignedDER(t),
		[]byte(`{"a":[1,{"b":null}]}`),
		[]byte("[[[[[[[[]]]]]]]]"),
		[]byte("plain text"),
		{},
	}
}

// fuzzLimits keep the fuzzer from spending its time decoding large, valid
// claims; the limit logic itself is the same at any size.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20, MaxSide: 4096}

func FuzzSniff(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Sniff(data)
		if err != nil {
			return
		}
		if !slices.Contains(allTypes, got) {
			t.Fatalf("got type %q; want one of %v", got, allTypes)
		}
		if got == TypeJSON && !json.Valid(data) {
			t.Fatal("got invalid JSON accepted as JSON")
		}
	})
}

func FuzzSanitize(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Sanitize(data, allTypes, fuzzLimits)
		if err != nil {
			return
		}
		checkResult(t, res)
		if int64(res.Width)*int64(res.Height) > fuzzLimits.MaxPixels {
			t.Fatalf("got %dx%d accepted; want at most %d pixels", res.Width, res.Height, fuzzLimits.MaxPixels)
		}
	})
}
