package card

import (
	"github.com/kakunin-dev/kakunin/internal/chip"
)

// Application identifiers of the IC documents.
var (
	// AIDEMRTD is the ICAO LDS1 eMRTD application.
	AIDEMRTD = []byte{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01}
	// Residence card DF1 (images), DF2 (address etc.), DF3 (signature).
	// DF3's AID follows the pattern of DF1/DF2 and is an assumption.
	AIDResidenceDF1 = residenceAID(0x02)
	AIDResidenceDF2 = residenceAID(0x03)
	AIDResidenceDF3 = residenceAID(0x04)
	// Driver's licence DF1 (記載事項, signature) and DF2 (photo).
	AIDLicenseDF1 = licenseAID(0x01)
	AIDLicenseDF2 = licenseAID(0x02)
	// My Number card 券面事項入力補助AP (text) and 券面AP (visual).
	AIDMyNumberText   = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08}
	AIDMyNumberVisual = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02}
)

func residenceAID(b byte) []byte {
	aid := make([]byte, 16)
	copy(aid, []byte{0xD3, 0x92, 0xF0, 0x00, 0x4F, b})
	return aid
}

func licenseAID(b byte) []byte {
	aid := make([]byte, 16)
	copy(aid, []byte{0xA0, 0x00, 0x00, 0x02, 0x31, b})
	return aid
}

// PIN references for VERIFY (P2) on the virtual cards and in ChipPINs.
// The licence uses two PINs; the My Number card's text AP its 4-digit
// 券面事項入力補助用暗証番号 and the visual AP the My Number (PIN-A).
const (
	PINRefLicense1       byte = 0x81
	PINRefLicense2       byte = 0x82
	PINRefMyNumberText   byte = 0x91
	PINRefMyNumberVisual byte = 0x92
)

// chipFile places a bundle file on a card: the application (nil: the
// master file), the file identifier and the PINs that must be verified
// before it can be read.
type chipFile struct {
	name string
	aid  []byte
	fid  uint16
	pins []byte
}

var chipLayouts = map[chip.DocumentType][]chipFile{
	chip.Passport: passportLayout(),
	chip.ResidenceCard: {
		{name: "MF/EF01", fid: 0x0001}, {name: "MF/EF02", fid: 0x0002},
		{name: "DF1/EF01", aid: AIDResidenceDF1, fid: 0x0001}, {name: "DF1/EF02", aid: AIDResidenceDF1, fid: 0x0002},
		{name: "DF2/EF01", aid: AIDResidenceDF2, fid: 0x0001}, {name: "DF2/EF02", aid: AIDResidenceDF2, fid: 0x0002},
		{name: "DF2/EF03", aid: AIDResidenceDF2, fid: 0x0003},
		{name: "DF3/EF01", aid: AIDResidenceDF3, fid: 0x0001},
	},
	chip.DriversLicense: {
		{name: "MF/EF01", fid: 0x2F01}, {name: "MF/EF02", fid: 0x2F02},
		{name: "DF1/EF01", aid: AIDLicenseDF1, fid: 0x0001, pins: []byte{PINRefLicense1}},
		{name: "DF1/EF02", aid: AIDLicenseDF1, fid: 0x0002, pins: []byte{PINRefLicense1, PINRefLicense2}},
		{name: "DF1/EF03", aid: AIDLicenseDF1, fid: 0x0003, pins: []byte{PINRefLicense1}},
		{name: "DF1/EF04", aid: AIDLicenseDF1, fid: 0x0004, pins: []byte{PINRefLicense1}},
		{name: "DF1/EF05", aid: AIDLicenseDF1, fid: 0x0005, pins: []byte{PINRefLicense1}},
		{name: "DF1/EF06", aid: AIDLicenseDF1, fid: 0x0006, pins: []byte{PINRefLicense1, PINRefLicense2}},
		{name: "DF1/EF07", aid: AIDLicenseDF1, fid: 0x0007, pins: []byte{PINRefLicense1}},
		{name: "DF2/EF01", aid: AIDLicenseDF2, fid: 0x0001, pins: []byte{PINRefLicense1, PINRefLicense2}},
	},
	chip.MyNumberCard: {
		{name: "text/EF01", aid: AIDMyNumberText, fid: 0x0001, pins: []byte{PINRefMyNumberText}},
		{name: "text/EF02", aid: AIDMyNumberText, fid: 0x0002, pins: []byte{PINRefMyNumberText}},
		{name: "text/EF03", aid: AIDMyNumberText, fid: 0x0003, pins: []byte{PINRefMyNumberText}},
		{name: "text/EF04", aid: AIDMyNumberText, fid: 0x0004},
		{name: "text/EF05", aid: AIDMyNumberText, fid: 0x0005},
		{name: "visual/EF02", aid: AIDMyNumberVisual, fid: 0x0002, pins: []byte{PINRefMyNumberVisual}},
		{name: "visual/EF03", aid: AIDMyNumberVisual, fid: 0x0003, pins: []byte{PINRefMyNumberVisual}},
	},
}

func passportLayout() []chipFile {
	l := []chipFile{{name: "COM", aid: AIDEMRTD, fid: 0x011E}, {name: "SOD", aid: AIDEMRTD, fid: 0x011D}}
	for n := 1; n <= 16; n++ {
		if n == 3 || n == 4 {
			continue // fingerprints and irises need Extended Access Control
		}
		l = append(l, chipFile{name: "DG" + itoa(n), aid: AIDEMRTD, fid: 0x0100 + uint16(n)})
	}
	return l
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}
