package chip

import (
	"errors"
	"image"
	"testing"
)

func TestDecodeImage(t *testing.T) {
	jpg := readShared(t, "face-containers/ISO19794_Test1_Face.jpg")
	jp2 := readShared(t, "face-containers/ICAO_39794_5_AP_Face.jpg") // a JP2 despite the name
	bad := append([]byte(nil), jpg[:200]...)
	t.Run("JPEG", func(t *testing.T) {
		img, err := DecodeImage(&Image{Format: FormatJPEG, Data: jpg}, nil)
		if err != nil || img.Bounds().Dx() != 148 || img.Bounds().Dy() != 70 {
			t.Fatalf("got %v, %v; want a 148×70 image (the size the ISO 19794 record states)", img, err)
		}
	})
	t.Run("truncated JPEG", func(t *testing.T) {
		if _, err := DecodeImage(&Image{Format: FormatJPEG, Data: bad}, nil); ReasonOf(err) != ReasonFaceImageInvalid {
			t.Fatalf("got %v; want face_image_invalid", err)
		}
	})
	t.Run("JPEG 2000 without decoder", func(t *testing.T) {
		if _, err := DecodeImage(&Image{Format: FormatJPEG2000, Data: jp2}, nil); !errors.Is(err, ErrJPEG2000Unavailable) {
			t.Fatalf("got %v; want ErrJPEG2000Unavailable", err)
		}
	})
	t.Run("JPEG 2000 through a decoder", func(t *testing.T) {
		var got []byte
		dec := func(b []byte) (image.Image, error) { got = b; return image.NewGray(image.Rect(0, 0, 3, 4)), nil }
		img, err := DecodeImage(&Image{Format: FormatJPEG2000, Data: jp2}, dec)
		if err != nil || img.Bounds().Dx() != 3 || len(got) != len(jp2) {
			t.Fatalf("got %v, %v; want the decoder's image from the whole JP2", img, err)
		}
	})
}

func TestNewChallenge(t *testing.T) {
	a, b := NewChallenge(), NewChallenge()
	if len(a) != ChallengeSize || len(b) != ChallengeSize || string(a) == string(b) {
		t.Fatalf("got %x and %x; want two different %d-byte challenges", a, b, ChallengeSize)
	}
}
