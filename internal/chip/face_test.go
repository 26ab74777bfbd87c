package chip

import (
	"bytes"
	"testing"
)

// The ICAO/ISO face containers from the shared data (see its README):
// each valid one must yield its _Face.jpg byte for byte, each invalid one
// must fail with face_image_invalid.
func TestFaceContainers(t *testing.T) {
	tests := map[string]struct {
		file   string
		dg2    bool
		face   string // "" for a container that must be rejected
		format ImageFormat
	}{
		"ISO 19794-5 record":           {file: "ISO19794_Test1_Data.bin", face: "ISO19794_Test1_Face.jpg", format: FormatJPEG},
		"ISO 19794-5 invalid image":    {file: "ISO19794_Test2_Data_InvalidImage.bin"},
		"ISO 39794-5 all fields":       {file: "ICAO_39794_5_AP_AllFields.dat", face: "ICAO_39794_5_AP_Face.jpg", format: FormatJPEG2000},
		"ISO 39794-5 mandatory fields": {file: "ICAO_39794_5_AP_MandFields.dat", face: "ICAO_39794_5_AP_Face.jpg", format: FormatJPEG2000},
		"ISO 39794-5 invalid image":    {file: "ICAO_39794_5_AP_MandFields_InvalidImage.dat"},
		"DG2 wrapping ISO 39794-5":     {file: "ICAO_39794_5_AP_DG2_AllFields.dat", dg2: true, face: "ICAO_39794_5_AP_Face.jpg", format: FormatJPEG2000},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			in := readShared(t, "face-containers/"+tc.file)
			parse := ParseFaceRecord
			if tc.dg2 {
				parse = ParseDG2
			}
			img, err := parse(in)
			if tc.face == "" {
				if ReasonOf(err) != ReasonFaceImageInvalid {
					t.Fatalf("got %v; want face_image_invalid", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v; want an image", err)
			}
			want := readShared(t, "face-containers/"+tc.face)
			if !bytes.Equal(img.Data, want) || img.Format != tc.format {
				t.Errorf("got %d bytes of %s; want the %d bytes of %s as %s", len(img.Data), img.Format, len(want), tc.face, tc.format)
			}
		})
	}
}

func TestDG2Wraps19794(t *testing.T) {
	rec := readShared(t, "face-containers/ISO19794_Test1_Data.bin")
	face := readShared(t, "face-containers/ISO19794_Test1_Face.jpg")
	bit := EncodeTLV(tagBIT, append(EncodeTLV(0xA1, EncodeTLV(0x80, []byte{1, 1})), EncodeTLV(tagBiometricData, rec)...))
	dg2 := EncodeTLV(tagDG2, EncodeTLV(tagBITGroup, append(EncodeTLV(tagBITCount, []byte{1}), bit...)))
	img, err := ParseDG2(dg2)
	if err != nil || !bytes.Equal(img.Data, face) {
		t.Fatalf("got %v; want the ISO 19794 test face", err)
	}
}
