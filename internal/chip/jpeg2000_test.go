package chip_test

import (
	"image"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/chip"
	"github.com/kakunin-dev/kakunin/internal/jp2"
)

// The ISO/IEC 39794-5 containers hold a JPEG 2000 face; with OpenJPEG
// (go test -tags openjpeg) it reaches the face engine as pixels.
func TestJPEG2000FaceEndToEnd(t *testing.T) {
	if !jp2.Available() {
		t.Skip("built without OpenJPEG: go test -tags openjpeg (make jp2-deps)")
	}
	tests := map[string]struct {
		file  string
		parse func([]byte) (*chip.Image, error)
	}{
		"DG2 wrapping ISO 39794-5":     {file: "ICAO_39794_5_AP_DG2_AllFields.dat", parse: chip.ParseDG2},
		"ISO 39794-5 all fields":       {file: "ICAO_39794_5_AP_AllFields.dat", parse: chip.ParseFaceRecord},
		"ISO 39794-5 mandatory fields": {file: "ICAO_39794_5_AP_MandFields.dat", parse: chip.ParseFaceRecord},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			face, err := tc.parse(readSharedFile(t, "face-containers/"+tc.file))
			if err != nil || face.Format != chip.FormatJPEG2000 {
				t.Fatalf("got %v, %v; want a JPEG 2000 face", face, err)
			}
			img, err := chip.DecodeImage(face, jp2.Decode)
			if err != nil || img.Bounds() != image.Rect(0, 0, 413, 531) {
				t.Fatalf("got %v, %v; want the 413×531 portrait", img, err)
			}
		})
	}
	t.Run("damaged JPEG 2000", func(t *testing.T) {
		face, err := chip.ParseDG2(readSharedFile(t, "face-containers/ICAO_39794_5_AP_DG2_AllFields.dat"))
		if err != nil {
			t.Fatal(err)
		}
		bad := &chip.Image{Format: face.Format, Data: face.Data[:len(face.Data)/2]}
		if _, err := chip.DecodeImage(bad, jp2.Decode); chip.ReasonOf(err) != chip.ReasonFaceImageInvalid {
			t.Fatalf("got %v; want face_image_invalid", err)
		}
	})
}
