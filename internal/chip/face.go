package chip

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Image magic numbers.
var (
	magicJPEG = []byte{0xFF, 0xD8, 0xFF}
	magicJP2  = []byte{0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A}
	magicJ2K  = []byte{0xFF, 0x4F, 0xFF, 0x51}
	magicPNG  = []byte{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}
	magicTIFF = [][]byte{{'I', 'I', 0x2A, 0x00}, {'M', 'M', 0x00, 0x2A}}
)

// SniffImage returns the format of an encoded image from its magic
// number, or false. Container headers on chips are often wrong (ISO
// 19794-5 records that say JPEG 2000 around a JPEG), so the bytes decide.
func SniffImage(b []byte) (ImageFormat, bool) {
	switch {
	case bytes.HasPrefix(b, magicJPEG):
		return FormatJPEG, true
	case bytes.HasPrefix(b, magicJP2), bytes.HasPrefix(b, magicJ2K):
		return FormatJPEG2000, true
	case bytes.HasPrefix(b, magicPNG):
		return FormatPNG, true
	case bytes.HasPrefix(b, magicTIFF[0]), bytes.HasPrefix(b, magicTIFF[1]):
		return FormatTIFF, true
	}
	return "", false
}

func imageOf(b []byte, what string) (*Image, error) {
	f, ok := SniffImage(b)
	if !ok {
		return nil, invalid(ReasonFaceImageInvalid, "%s is not a JPEG, JPEG 2000, PNG or TIFF image", what)
	}
	return &Image{Format: f, Data: b}, nil
}

// Passport DG2 tags (ICAO 9303-10).
const (
	tagDG2           = 0x75
	tagBITGroup      = 0x7F61
	tagBITCount      = 0x02
	tagBIT           = 0x7F60
	tagBiometricData = 0x5F2E // ISO/IEC 19794-5 record
	tagBiometricDO   = 0x7F2E // ISO/IEC 39794-5 data block
)

// ParseDG2 extracts the first face image from a passport's DG2.
func ParseDG2(dg2 []byte) (*Image, error) {
	v, err := single(dg2, tagDG2)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "DG2")
	}
	group, err := single(v, tagBITGroup)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "DG2 biometric information group")
	}
	ts, err := parseTLVs(group)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedFile, "DG2 biometric information group")
	}
	for _, t := range ts {
		if t.Tag != tagBIT {
			continue
		}
		bit, err := fields(t.Value)
		if err != nil {
			return nil, invalidWrap(err, ReasonMalformedFile, "DG2 biometric information template")
		}
		if d, ok := bit[tagBiometricData]; ok {
			return ParseFaceRecord(d)
		}
		if d, ok := bit[tagBiometricDO]; ok {
			return ParseFaceRecord(d)
		}
		return nil, invalid(ReasonMalformedFile, "DG2 template has no biometric data block")
	}
	return nil, invalid(ReasonFaceImageInvalid, "DG2 holds no face")
}

// ParseFaceRecord extracts the first face image from a biometric data
// block: an ISO/IEC 19794-5 facial record ("FAC\0") or an ISO/IEC
// 39794-5 face image data block (DER, starting with [1]).
func ParseFaceRecord(b []byte) (*Image, error) {
	if bytes.HasPrefix(b, []byte("FAC\x00")) {
		return parse19794(b)
	}
	if len(b) > 0 && b[0] == 0xA1 {
		return parse39794(b)
	}
	return nil, invalid(ReasonFaceImageInvalid, "biometric data is neither an ISO 19794-5 nor an ISO 39794-5 face record")
}

// parse19794 reads the general header (14 bytes), the first facial record
// header (20 bytes), its feature points (8 bytes each) and image
// information (12 bytes); the image data runs to the end of the record.
func parse19794(b []byte) (*Image, error) {
	if len(b) < 14+20+12 {
		return nil, invalid(ReasonFaceImageInvalid, "ISO 19794-5 record of %d bytes", len(b))
	}
	total := binary.BigEndian.Uint32(b[8:12])
	faces := binary.BigEndian.Uint16(b[12:14])
	if int64(total) != int64(len(b)) || faces == 0 {
		return nil, invalid(ReasonFaceImageInvalid, "ISO 19794-5 header says %d bytes and %d faces for %d bytes", total, faces, len(b))
	}
	rec := b[14:]
	blockLen := int64(binary.BigEndian.Uint32(rec[0:4]))
	points := int64(binary.BigEndian.Uint16(rec[4:6]))
	start := 20 + 8*points + 12
	if blockLen > int64(len(rec)) || start >= blockLen {
		return nil, invalid(ReasonFaceImageInvalid, "ISO 19794-5 facial record of %d bytes with %d feature points", blockLen, points)
	}
	return imageOf(rec[start:blockLen], "ISO 19794-5 face image")
}

// parse39794 walks the ISO/IEC 39794-5 tree to the first 2D image:
// [1] { [APPLICATION 5] { ..., [1] representations { SEQUENCE {
// ..., [1] imageRepresentation { [0] 2D { [0] imageData ... }}}}}}.
func parse39794(b []byte) (*Image, error) {
	bad := func(err error, where string) error {
		return invalidWrap(err, ReasonFaceImageInvalid, "ISO 39794-5 %s", where)
	}
	top, err := single(b, 0xA1)
	if err != nil {
		return nil, bad(err, "data block")
	}
	block, err := single(top, 0x65)
	if err != nil {
		return nil, bad(err, "face image data block")
	}
	fs, err := fields(block)
	if err != nil {
		return nil, bad(err, "face image data block")
	}
	reps, ok := fs[0xA1]
	if !ok {
		return nil, bad(nil, "has no representation block")
	}
	list, err := parseTLVs(reps)
	if err != nil || len(list) == 0 || list[0].Tag != 0x30 {
		return nil, bad(err, "representation list")
	}
	rep, err := fields(list[0].Value)
	if err != nil {
		return nil, bad(err, "representation")
	}
	path := []uint32{0xA1, 0xA0, 0xA0}
	cur := rep[path[0]]
	for _, tag := range path[1:] {
		m, err := fields(cur)
		if err != nil {
			return nil, bad(err, "image representation")
		}
		if cur = m[tag]; cur == nil {
			return nil, bad(nil, "has no 2D image representation")
		}
	}
	m, err := fields(cur)
	if err != nil {
		return nil, bad(err, "2D representation data")
	}
	data, ok := m[0x80]
	if !ok {
		return nil, bad(fmt.Errorf("no image data"), "2D representation data")
	}
	return imageOf(data, "ISO 39794-5 face image")
}
