package synth

import (
	"bytes"
	"crypto"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // ChipPhoto accepts PNG portraits
	"slices"
	"strconv"
	"time"

	"golang.org/x/image/draw"
	"golang.org/x/text/encoding/japanese"

	"github.com/kakunin-dev/kakunin/internal/chip"
	"github.com/kakunin-dev/kakunin/internal/mynumber"
)

// CardPKI is the test PKI of the Japanese cards: a residence-card signing
// CA (ECDSA P-256) that issues the card signer's RSA-2048 certificate, an
// expired twin of that certificate, and a rogue CA of the same name.
type CardPKI struct {
	seed      int64
	now       time.Time
	root      *x509.Certificate
	signerKey *rsa.PrivateKey
	signer    *x509.Certificate
	expired   *x509.Certificate
	rogue     *x509.Certificate
}

// NewCardPKI builds the card test PKI for seed around now (zero:
// ChipReferenceTime).
func NewCardPKI(seed int64, now time.Time) (*CardPKI, error) {
	if now.IsZero() {
		now = ChipReferenceTime()
	}
	p := &CardPKI{seed: seed, now: now}
	rootKey, err := deterministicECKey(seed, "card/rc-root", elliptic.P256())
	if err != nil {
		return nil, err
	}
	rogueKey, err := deterministicECKey(seed, "card/rc-rogue", elliptic.P256())
	if err != nil {
		return nil, err
	}
	if p.signerKey, err = deterministicRSAKey(seed, "card/rc-signer"); err != nil {
		return nil, err
	}
	name := pkix.Name{Country: []string{"JP"}, Organization: []string{"Kakunin Synthetic (TEST ONLY)"}, CommonName: "Residence Card CA TEST"}
	if p.root, err = caCert(name, rootKey, rootKey, nil, 1, now.AddDate(-5, 0, 0), now.AddDate(15, 0, 0)); err != nil {
		return nil, err
	}
	rogueRoot, err := caCert(name, rogueKey, rogueKey, nil, 1, now.AddDate(-5, 0, 0), now.AddDate(15, 0, 0))
	if err != nil {
		return nil, err
	}
	sname := pkix.Name{Country: []string{"JP"}, CommonName: "Residence Card Signer TEST"}
	if p.signer, err = dscCert(sname, &p.signerKey.PublicKey, p.root, rootKey, 2, now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0)); err != nil {
		return nil, err
	}
	if p.expired, err = dscCert(sname, &p.signerKey.PublicKey, p.root, rootKey, 3, now.AddDate(-6, 0, 0), now.AddDate(0, 0, -1)); err != nil {
		return nil, err
	}
	if p.rogue, err = dscCert(sname, &p.signerKey.PublicKey, rogueRoot, rogueKey, 2, now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0)); err != nil {
		return nil, err
	}
	return p, nil
}

// ResidenceCardRoot is the anchor a verifier configures for the test cards.
func (p *CardPKI) ResidenceCardRoot() *x509.Certificate { return p.root }

// Now is the reference time the PKI was built around.
func (p *CardPKI) Now() time.Time { return p.now }

// CardVariant selects a good card or one broken way. Not every variant
// applies to every card type; each builder lists the ones it honours.
type CardVariant int

// The variants, with the reason chip's verifiers give.
const (
	CardGood          CardVariant = iota
	CardAlteredImage              // residence card: face changed after signing: bad_signature
	CardWrongSigner               // residence card: signer issued by a rogue CA: untrusted_signer
	CardExpiredSigner             // residence card: signer certificate expired: signer_expired
	CardMissingFile               // all: a required file absent: missing_file
	CardBrokenTLV                 // all: a truncated TLV: malformed_file
	CardBadImage                  // all: the photo is not an image: face_image_invalid
	CardBadText                   // licence, My Number: an attribute in the wrong form: malformed_attributes
	CardBadMyNumber               // My Number card: check digit wrong: my_number_check_digit
)

var cardVariantNames = [...]string{"good", "altered_image", "wrong_signer", "expired_signer", "missing_file", "broken_tlv", "bad_image", "bad_text", "bad_my_number"}

func (v CardVariant) String() string {
	if int(v) < len(cardVariantNames) {
		return cardVariantNames[v]
	}
	return "card_variant_" + strconv.Itoa(int(v))
}

// CardFiles is the content of a synthetic card: file name (as in a chip
// bundle) to raw bytes.
type CardFiles map[string][]byte

// Bundle wraps the files in a version-1 bundle of type t.
func (f CardFiles) Bundle(t chip.DocumentType, access chip.AccessMethod) *chip.Bundle {
	b := &chip.Bundle{Version: chip.BundleVersion, DocumentType: t, Access: access, Files: map[string][]byte{}}
	for n, d := range f {
		b.Files[n] = bytes.Clone(d)
	}
	return b
}

// testCardFront is a stand-in for the residence card's front image: a
// minimal TIFF header and filler (the real image format is not public).
func testCardFront() []byte {
	b := append([]byte{'I', 'I', 0x2A, 0x00, 0x08, 0, 0, 0}, bytes.Repeat([]byte{0x5A}, 4000)...)
	return b
}

// ResidenceCard builds a residence card's files with face (nil: the test
// JPEG; real cards carry a smaller JPEG 2000 image of at most 3000 bytes).
// Variants: all but CardBadText and CardBadMyNumber.
func (p *CardPKI) ResidenceCard(v CardVariant, face []byte) (CardFiles, error) {
	if face == nil {
		var err error
		if face, err = TestFaceJPEG(p.seed); err != nil {
			return nil, err
		}
	}
	if len(face) > 3000 {
		return nil, errors.New("synth: a residence card face image holds at most 3000 bytes")
	}
	front := testCardFront()
	if v == CardBadImage {
		face = bytes.Repeat([]byte{0x42}, 1000)
	}
	signed, err := chip.ResidenceCardSignedData(front, face)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(signed)
	code, err := rsa.SignPKCS1v15(nil, p.signerKey, crypto.SHA256, sum[:])
	if err != nil {
		return nil, err
	}
	cert := p.signer
	switch v {
	case CardWrongSigner:
		cert = p.rogue
	case CardExpiredSigner:
		cert = p.expired
	}
	f := CardFiles{
		"MF/EF01":  chip.EncodeTLV(0xC0, []byte{0x01, 0x05}),
		"MF/EF02":  chip.EncodeTLV(0xC1, []byte("1")),
		"DF1/EF01": chip.EncodeTLV(0xD0, front),
		"DF1/EF02": chip.EncodeTLV(0xD1, face),
		"DF3/EF01": slices.Concat(chip.EncodeTLV(0xDA, code), chip.EncodeTLV(0xDB, cert.Raw)),
	}
	switch v {
	case CardAlteredImage:
		f["DF1/EF02"] = bytes.Clone(f["DF1/EF02"])
		f["DF1/EF02"][len(f["DF1/EF02"])-3] ^= 0x01
	case CardMissingFile:
		delete(f, "DF3/EF01")
	case CardBrokenTLV:
		f["DF3/EF01"] = f["DF3/EF01"][:100]
	}
	return f, nil
}

// jisBytes encodes s as raw JIS X 0208 two-byte codes (ISO-2022-JP
// without its escape sequences), the licence's text form.
func jisBytes(s string) ([]byte, error) {
	enc, err := japanese.ISO2022JP.NewEncoder().Bytes([]byte(s))
	if err != nil {
		return nil, err
	}
	enc = bytes.TrimPrefix(enc, []byte("\x1b$B"))
	enc = bytes.TrimSuffix(enc, []byte("\x1b(B"))
	if bytes.IndexByte(enc, 0x1b) >= 0 {
		return nil, errors.New("synth: text is not all JIS X 0208")
	}
	return enc, nil
}

// LicenseNumber returns a 12-digit licence number for serial with the
// unofficial check digit right (first issued in Tokyo, 2015).
func LicenseNumber(serial int) string {
	s := "3015" + strconv.Itoa(100000+serial%900000)
	w := [10]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i := range 10 {
		sum += int(s[i]-'0') * w[i]
	}
	return s + strconv.Itoa((11-sum%11)%10) + "0"
}

// DriversLicense builds a licence's files: a fictional holder, born
// 1990-01-15 (平成2年), licence issued 2025-06-01 and valid to 2028-07-15;
// photo nil gives the test JPEG (real licences carry JPEG 2000). Variants:
// CardGood, CardMissingFile, CardBrokenTLV, CardBadImage, CardBadText.
func DriversLicense(v CardVariant, photo []byte) (CardFiles, error) {
	if photo == nil {
		var err error
		if photo, err = TestFaceJPEG(7); err != nil {
			return nil, err
		}
	}
	if v == CardBadImage {
		photo = []byte("not an image")
	}
	var text []byte
	for _, t := range []struct {
		tag  uint32
		text string
	}{{0x12, "確認　花子"}, {0x17, "東京都架空区試験町一丁目２番３号"}, {0x20, "東京都公安委員会"}} {
		enc, err := jisBytes(t.text)
		if err != nil {
			return nil, err
		}
		if v == CardBadText && t.tag == 0x12 {
			enc = append(enc, 0x80, 0x80) // not a JIS X 0208 row/cell
		}
		text = append(text, chip.EncodeTLV(t.tag, enc)...)
	}
	text = slices.Concat(text,
		chip.EncodeTLV(0x16, []byte("4020115")),
		chip.EncodeTLV(0x18, []byte("5070601")),
		chip.EncodeTLV(0x1B, []byte("5100715")),
		chip.EncodeTLV(0x21, []byte(LicenseNumber(1234))),
	)
	f := CardFiles{
		"MF/EF01":  chip.EncodeTLV(0x45, []byte{'0', '0', '8', 0x20, 0x25, 0x06, 0x01, 0x20, 0x28, 0x07, 0x15}),
		"DF1/EF01": text,
		"DF1/EF07": chip.EncodeTLV(0x80, bytes.Repeat([]byte{0xEE}, 256)), // signature: layout not public
		"DF2/EF01": chip.EncodeTLV(0x5F40, photo),
	}
	switch v {
	case CardMissingFile:
		delete(f, "DF2/EF01")
	case CardBrokenTLV:
		f["DF1/EF01"] = f["DF1/EF01"][:len(f["DF1/EF01"])-3]
	}
	return f, nil
}

// TestMyNumber is a 12-digit number with a correct check digit, for
// synthetic cards only.
const TestMyNumber = "123456789018"

// MyNumberCard builds a My Number card's 券面 files: a fictional holder
// born 1990-01-15, female; face nil gives the test JPEG (real cards carry
// JPEG 2000). Variants: CardGood, CardMissingFile, CardBrokenTLV,
// CardBadImage, CardBadText, CardBadMyNumber.
func MyNumberCard(v CardVariant, face []byte) (CardFiles, error) {
	if face == nil {
		var err error
		if face, err = TestFaceJPEG(9); err != nil {
			return nil, err
		}
	}
	if v == CardBadImage {
		face = bytes.Repeat([]byte{0}, 64)
	}
	number := TestMyNumber
	if v == CardBadMyNumber {
		number = number[:11] + strconv.Itoa((mynumber.CheckDigit(number[:11])+1)%10)
	}
	birth := "19900115"
	if v == CardBadText {
		birth = "19901315"
	}
	text := chip.EncodeTLV(0xFF20, slices.Concat(
		chip.EncodeTLV(0xDF21, []byte{0x00, 0x01}),
		chip.EncodeTLV(0xDF22, []byte("確認 花子")),
		chip.EncodeTLV(0xDF23, []byte("東京都架空区試験町一丁目2番3号")),
		chip.EncodeTLV(0xDF24, []byte(birth)),
		chip.EncodeTLV(0xDF25, []byte("2")),
	))
	visual := chip.EncodeTLV(0xFF20, slices.Concat(
		chip.EncodeTLV(0xDF21, []byte{0x00, 0x01}),
		chip.EncodeTLV(0xDF24, []byte("19900115")),
		chip.EncodeTLV(0xDF27, face),
		chip.EncodeTLV(0xDF29, []byte("20350115")),
	))
	f := CardFiles{
		"text/EF01":   chip.EncodeTLV(0xD0, []byte(number)),
		"text/EF02":   text,
		"visual/EF02": visual,
	}
	switch v {
	case CardMissingFile:
		delete(f, "text/EF02")
	case CardBrokenTLV:
		f["visual/EF02"] = f["visual/EF02"][:40]
	}
	return f, nil
}

// ChipPhoto re-encodes a JPEG or PNG portrait as a chip would store it: a
// JPEG no larger than maxBytes (ICAO DG2 photos are 15-30 KB; a
// residence card's face image holds at most 3000 bytes). It shrinks the
// longest side to 640 pixels, then lowers the quality and the size until
// the image fits. Tests use it to put a real person's face on a
// synthetic chip.
func ChipPhoto(src []byte, maxBytes int) ([]byte, error) {
	img, _, err := image.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("synth: decoding photo: %w", err)
	}
	b := img.Bounds()
	scale := min(1, 640/float64(max(b.Dx(), b.Dy())))
	for range 12 {
		w, h := max(1, int(float64(b.Dx())*scale)), max(1, int(float64(b.Dy())*scale))
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
		for _, q := range []int{85, 70, 55, 40} {
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: q}); err != nil {
				return nil, err
			}
			if buf.Len() <= maxBytes {
				return buf.Bytes(), nil
			}
		}
		scale *= 0.75
	}
	return nil, fmt.Errorf("synth: photo does not fit in %d bytes", maxBytes)
}
