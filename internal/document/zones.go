package document

// The OCR templates: where each field is printed on the sides kakunin has
// a layout for, in millimetres from the document's top-left corner. They
// follow the synthetic specimens (internal/synth/documents_layout.go)
// with a margin of about a millimetre, and stop short of the neighbouring
// labels and rules: tesseract reads stray strokes as characters.

// pxPerMM is the resolution documents are rectified to: 300 dpi, the
// resolution tesseract's models are trained at.
const pxPerMM = 300 / 25.4

// Sizes of the physical documents, in mm.
var (
	sizeID1 = [2]float64{85.6, 53.98} // ISO/IEC 7810 ID-1 cards
	sizeID3 = [2]float64{125, 88}     // passport data page
)

// zoneKind says how a zone is read and normalised.
type zoneKind int

const (
	kindNameJA  zoneKind = iota // kanji name, family and given name apart
	kindNameLat                 // Latin capitals
	kindDateJA                  // era or Gregorian date in Japanese
	kindDateEN                  // "02 JAN 1990"
	kindDigits                  // digits only
	kindAlnum                   // capitals and digits (residence card and passport numbers)
	kindMRZ                     // one MRZ line
	kindText                    // Japanese text, spaces removed
)

// zone is one OCR zone: a field's (or a part's) rectangle in mm.
type zone struct {
	field          Field
	kind           zoneKind
	x0, y0, x1, y1 float64
	key            bool // a key field: name, birth date, number
}

// template is the layout of one side of one type.
type template struct {
	typ    Type
	side   Side
	sizeMM [2]float64
	zones  []zone
}

func (t template) key() string { return string(t.typ) + "_" + string(t.side) }

var templates = []template{
	{DriversLicense, SideFront, sizeID1, []zone{
		{FieldName, kindNameJA, 7.7, 3.0, 43, 8.6, true},
		{FieldBirthDate, kindDateJA, 44.2, 3.6, 84, 8.6, true},
		{FieldDocumentNumber, kindDigits, 6.0, 33.5, 27.2, 38.7, true},
		{FieldExpiryDate, kindDateJA, 3.2, 20.6, 56.5, 26.0, false},
		{FieldAddress, kindText, 7.7, 9.5, 84, 14.6, false},
	}},
	{MyNumberCard, SideFront, sizeID1, []zone{
		{FieldName, kindNameJA, 9.3, 7.6, 59.5, 13.4, true},
		{FieldBirthDate, kindDateJA, 9.3, 22.7, 40.5, 27.0, true},
		{FieldExpiryDate, kindDateJA, 4.0, 30.0, 57, 34.5, false},
		{FieldAddress, kindText, 9.3, 15.3, 59.5, 19.6, false},
	}},
	{MyNumberCard, SideBack, sizeID1, []zone{
		{FieldMyNumber, kindDigits, 3.2, 10.0, 45, 16.8, true},
		{FieldName, kindNameJA, 9.3, 18.8, 55, 23.2, true},
		{FieldBirthDate, kindDateJA, 13.3, 24.6, 55, 28.6, true},
	}},
	{ResidenceCard, SideFront, sizeID1, []zone{
		{FieldDocumentNumber, kindAlnum, 56.3, 2.3, 76.5, 6.4, true},
		{FieldName, kindNameLat, 8.3, 7.4, 60, 12.0, true},
		{FieldBirthDate, kindDateJA, 10.8, 13.0, 32.5, 16.4, true},
		{FieldExpiryDate, kindDateJA, 3.8, 49.7, 60, 53.2, false},
	}},
	{Passport, SideDataPage, sizeID3, []zone{
		{FieldDocumentNumber, kindAlnum, 91.3, 14.2, 124, 18.4, true},
		{FieldSurname, kindNameLat, 43.3, 22.6, 120, 26.8, true},
		{FieldGivenNames, kindNameLat, 43.3, 31.1, 120, 35.3, true},
		{FieldBirthDate, kindDateEN, 91.3, 39.6, 124, 43.8, true},
		{FieldExpiryDate, kindDateEN, 91.3, 56.6, 124, 60.8, false},
		{FieldMRZ, kindMRZ, 5.0, 72.6, 121, 79.0, true},
		{FieldMRZ, kindMRZ, 5.0, 79.4, 121, 85.8, true},
	}},
	{HealthInsuranceCard, SideFront, sizeID1, []zone{
		{FieldName, kindNameJA, 11.3, 15.6, 63, 20.2, true},
		{FieldBirthDate, kindDateJA, 15.3, 22.5, 49, 26.5, true},
		{FieldInsuredSymbol, kindDigits, 8.3, 9.6, 32.5, 13.5, true},
		{FieldInsuredSymbol, kindDigits, 37.8, 9.6, 50.5, 13.5, true},
		{FieldInsuredSymbol, kindDigits, 59.8, 9.6, 66, 13.5, true},
		{FieldInsurerNumber, kindDigits, 18.3, 39.8, 40, 43.4, false},
	}},
}

func lookupTemplate(t Type, s Side) (template, bool) {
	for _, tp := range templates {
		if tp.typ == t && tp.side == s {
			return tp, true
		}
	}
	return template{}, false
}
