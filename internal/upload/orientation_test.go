package upload

import (
	"encoding/binary"
	"testing"
)

func TestJPEGOrientation(t *testing.T) {
	jpg := encodeJPEG(t, patternImage(8, 8))
	bigEndian := func(orientation uint16) []byte {
		be := binary.BigEndian
		tiff := []byte("MM\x00*")
		tiff = be.AppendUint32(tiff, 8)
		tiff = be.AppendUint16(tiff, 1)
		tiff = be.AppendUint16(tiff, 0x0112)
		tiff = be.AppendUint16(tiff, 3)
		tiff = be.AppendUint32(tiff, 1)
		tiff = be.AppendUint16(tiff, orientation)
		tiff = be.AppendUint16(tiff, 0)
		return append([]byte("Exif\x00\x00"), tiff...)
	}
	withIFDOffset := func(off uint32) []byte {
		p := exifPayload(6, "x")
		binary.LittleEndian.PutUint32(p[6+4:], off)
		return p
	}
	withEntryCount := func(n uint16) []byte {
		p := exifPayload(6, "x")
		binary.LittleEndian.PutUint16(p[6+8:], n)
		return p
	}
	tests := map[string]struct {
		data []byte
		want int
	}{
		"no exif":                        {data: jpg, want: 1},
		"little-endian rotate 90":        {data: withSegment(jpg, 0xE1, exifPayload(6, "x")), want: 6},
		"big-endian rotate 270":          {data: withSegment(jpg, 0xE1, bigEndian(8)), want: 8},
		"value out of range":             {data: withSegment(jpg, 0xE1, exifPayload(9, "x")), want: 1},
		"ifd offset past the end":        {data: withSegment(jpg, 0xE1, withIFDOffset(1<<31)), want: 1},
		"entry count overstated":         {data: withSegment(jpg, 0xE1, withEntryCount(0xFFFF)), want: 6},
		"ifd cut before the orientation": {data: withSegment(jpg, 0xE1, exifPayload(6, "x")[:6+8+2+12+5]), want: 1},
		"xmp app1 is not exif":           {data: withSegment(jpg, 0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x/>")), want: 1},
		"exif after another segment":     {data: withSegment(withSegment(jpg, 0xE1, exifPayload(3, "x")), 0xFE, []byte("comment")), want: 3},
		"segment length past the end":    {data: []byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x'}, want: 1},
		"segment length below two":       {data: []byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0xFF, 0xD9}, want: 1},
		"garbage where a marker belongs": {data: []byte{0xFF, 0xD8, 0x00, 0x00, 0x00, 0x00}, want: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := jpegOrientation(tc.data); got != tc.want {
				t.Errorf("got orientation %d; want %d", got, tc.want)
			}
		})
	}
}
