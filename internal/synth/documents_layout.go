package synth

// The specimen layouts, one function per type and side, in millimetres on
// the physical card. They follow the real documents' arrangement of
// fields (so OCR zones learnt here are plausible) without copying their
// artwork; positions are approximate.

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"strings"
	"time"

	"rsc.io/qr"

	"github.com/kakunin-dev/kakunin/internal/document"
)

type layoutFunc func(c *canvas, d DocumentData, portrait image.Image) error

func layoutFor(t document.Type, side document.Side) (layoutFunc, [2]float64) {
	switch {
	case t == document.DriversLicense && side == document.SideFront:
		return licenceFront, sizeID1
	case t == document.MyNumberCard && side == document.SideFront:
		return myNumberFront, sizeID1
	case t == document.MyNumberCard && side == document.SideBack:
		return myNumberBack, sizeID1
	case t == document.ResidenceCard && side == document.SideFront:
		return residenceFront, sizeID1
	case t == document.Passport && side == document.SideDataPage:
		return passportDataPage, sizeID3
	case t == document.HealthInsuranceCard && side == document.SideFront:
		return insuranceFront, sizeID1
	}
	return nil, [2]float64{}
}

// printedName is a Japanese name as cards print it: a full-width space
// between family and given name.
func printedName(id Identity) string {
	if id.Japanese() {
		return id.FamilyName + "　" + id.GivenName
	}
	return id.Name()
}

func sexJA(s string) string {
	if s == "F" {
		return "女"
	}
	return "男"
}

var bandColors = map[string]color.RGBA{
	"gold": {222, 190, 92, 255}, "blue": {120, 170, 225, 255}, "green": {130, 200, 140, 255},
}

func licenceFront(c *canvas, d DocumentData, portrait image.Image) error {
	c.background(color.RGBA{243, 247, 238, 255}, color.RGBA{150, 200, 170, 90}, 1.6, 0.3, 0.4)
	line := color.RGBA{120, 150, 130, 255}
	id := d.Holder

	c.text(2.5, 6.6, c.label(2.0), "氏名")
	c.field(document.FieldName, printedName(id), id.Name(), c.fit(8.5, 7.0, 34, c.bold(3.6), printedName(id)))
	birth := EraDate(id.BirthDate, true) + "生"
	c.field(document.FieldBirthDate, birth, ISODate(id.BirthDate), c.fit(45, 6.8, 38, c.sans(2.5), birth))
	c.hline(1.5, 84, 8.8, 0.15, line)

	c.text(2.5, 12.6, c.label(2.0), "住所")
	c.field(document.FieldAddress, id.Address.Printed(), id.Address.String(), c.fit(8.5, 12.9, 74, c.sans(2.8), id.Address.Printed()))
	c.hline(1.5, 84, 14.8, 0.15, line)

	c.text(2.5, 18.6, c.label(2.0), "交付")
	issue := EraDate(d.IssueDate, true)
	r := c.text(8.5, 18.8, c.sans(2.5), issue)
	c.field(document.FieldIssueDate, issue, ISODate(d.IssueDate), r)
	c.text(float64(r.Max.X)/pxPerMM+1.2, 18.8, c.mono(2.5), d.InquiryCode)
	c.text(44, 18.8, c.bold(2.6), "運転免許証")

	c.fill(1.5, 20.2, 57, 26.2, bandColors[d.BandColor])
	expiry := EraDate(d.ExpiryDate, true) + "まで有効"
	c.field(document.FieldExpiryDate, expiry, ISODate(d.ExpiryDate), c.fit(4, 24.6, 50, c.bold(3.2), expiry))

	c.text(2.5, 29.3, c.label(1.7), "免許の")
	c.text(2.5, 31.4, c.label(1.7), "条件等")
	cond := c.fit(9, 30.8, 47, c.sans(2.8), d.Conditions)
	if d.Conditions == "" {
		cond = c.rectPx(9, 27.8, 56, 31.6) // the empty zone: OCR should read nothing
	}
	c.field(document.FieldLicenseConditions, d.Conditions, toHalfWidth(d.Conditions), cond)
	c.hline(1.5, 57, 33, 0.15, line)

	c.text(2.5, 37.3, c.sans(2.6), "第")
	r = c.text(6.5, 37.4, c.mono(3.4), d.Number)
	c.field(document.FieldDocumentNumber, d.Number, d.Number, r)
	c.text(float64(r.Max.X)/pxPerMM+0.6, 37.3, c.sans(2.6), "号")

	for i, l := range []string{"二・小・原", "他", "二種"} {
		y := 40.6 + float64(i)*2.6
		c.text(4, y, c.label(1.7), l)
		if l == "他" {
			c.text(13, y, c.sans(1.9), EraDate(d.FirstIssue, true))
		}
	}

	// Category grid: held categories printed, the others a dash.
	cats := [][]string{{"大型", "中型", "準中型", "普通", "大特", "大自二", "普自二", "小特"}, {"原付", "け引", "大二", "中二", "普二", "大特二", "け引二", ""}}
	held := map[string]bool{}
	for _, k := range d.Categories {
		held[k] = true
	}
	var catBox image.Rectangle
	for row, names := range cats {
		for col, n := range names {
			x0, y0 := 4+float64(col)*6.6, 48.0+float64(row)*2.7
			c.box(x0, y0, x0+6.6, y0+2.7, 0.1, line)
			switch {
			case n == "":
			case held[n]:
				catBox = catBox.Union(c.text(x0+0.4, y0+2.15, c.sans(1.7), n))
			default:
				c.text(x0+2.6, y0+2.1, c.label(1.6), "－")
			}
		}
	}
	c.field(document.FieldLicenseCategories, strings.Join(d.Categories, " "), strings.Join(d.Categories, " "), catBox)

	c.portrait(portrait, 59.5, 15.5, 83, 44.9)
	c.field(document.FieldIssuer, d.LicenseIssuer, d.LicenseIssuer, c.fit(58, 50.2, 19, c.sans(2.3), d.LicenseIssuer))
	c.seal(80, 49, 3, "公安委員会")
	c.stamp(36, 35.3)
	return nil
}

func myNumberFront(c *canvas, d DocumentData, portrait image.Image) error {
	c.background(color.RGBA{250, 243, 240, 255}, color.RGBA{230, 170, 170, 70}, 2.2, 0.25, 1.1)
	id := d.Holder
	c.text(3.5, 5.2, c.bold(2.6), "個人番号カード")
	c.text(26, 5.0, c.label(1.6), "Individual Number Card")

	c.text(3.5, 11.5, c.label(1.9), "氏名")
	c.field(document.FieldName, printedName(id), id.Name(), c.fit(10, 12, 48, c.bold(4.0), printedName(id)))
	c.text(3.5, 18.5, c.label(1.9), "住所")
	c.field(document.FieldAddress, id.Address.Printed(), id.Address.String(), c.fit(10, 18.6, 48, c.sans(2.8), id.Address.Printed()))
	birth := EraDate(id.BirthDate, false) + "生"
	c.field(document.FieldBirthDate, birth, ISODate(id.BirthDate), c.fit(10, 26, 30, c.sans(2.8), birth))
	c.text(41, 26, c.label(1.9), "性別")
	c.field(document.FieldSex, sexJA(id.Sex), id.Sex, c.text(46, 26, c.sans(2.8), sexJA(id.Sex)))

	c.box(3, 29, 58, 35, 0.15, color.RGBA{150, 110, 110, 255})
	expiry := GregorianDate(d.ExpiryDate, false) + "まで有効"
	c.field(document.FieldExpiryDate, expiry, ISODate(d.ExpiryDate), c.fit(5, 33.2, 50, c.sans(2.8), expiry))

	c.box(3, 37, 40, 48, 0.12, color.RGBA{150, 110, 110, 255})
	c.text(4, 39.3, c.label(1.5), "電子証明書の有効期限の記載欄")
	c.text(4, 42.6, c.label(1.5), "署名用")
	c.text(4, 46, c.label(1.5), "利用者証明用")
	c.hline(14, 39, 43.2, 0.08, labelInk)
	c.hline(14, 39, 46.6, 0.08, labelInk)

	c.portrait(portrait, 61, 9, 82, 35.5)
	c.right(82, 41.5, c.sans(2.2), d.Holder.Address.City+"長")
	c.seal(78.5, 47, 2.8, "市長")
	c.stamp(43, 38.5)
	return nil
}

func myNumberBack(c *canvas, d DocumentData, _ image.Image) error {
	c.background(color.RGBA{246, 243, 250, 255}, color.RGBA{180, 170, 220, 60}, 2.0, 0.3, 2.3)
	id := d.Holder
	c.text(4, 8, c.label(2.0), "個人番号")
	printed := d.MyNumber[:4] + " " + d.MyNumber[4:8] + " " + d.MyNumber[8:]
	c.field(document.FieldMyNumber, printed, d.MyNumber, c.text(4, 15.5, c.mono(5.6), printed))
	c.text(4, 22, c.label(1.9), "氏名")
	c.field(document.FieldName, printedName(id), id.Name(), c.fit(10, 22.3, 44, c.sans(3.0), printedName(id)))
	c.text(4, 27.5, c.label(1.9), "生年月日")
	birth := EraDate(id.BirthDate, false) + "生"
	c.field(document.FieldBirthDate, birth, ISODate(id.BirthDate), c.fit(14, 27.7, 40, c.sans(2.6), birth))

	if err := c.qrCode(d.MyNumber, 62, 4, 19); err != nil {
		return err
	}
	c.contacts(8, 33, 11.5, 9)
	c.stamp(45, 38)
	return nil
}

// qrCode draws text as a QR code (error correction M) in a size mm
// square, quiet zone included.
func (c *canvas) qrCode(text string, x, y, size float64) error {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return fmt.Errorf("synth: QR code: %w", err)
	}
	c.fill(x, y, x+size, y+size, color.RGBA{255, 255, 255, 255})
	m := size / float64(code.Size+8)
	for j := range code.Size {
		for i := range code.Size {
			if code.Black(i, j) {
				x0, y0 := x+float64(i+4)*m, y+float64(j+4)*m
				c.blend(c.rectPx(x0, y0, x0+m, y0+m), color.RGBA{0, 0, 0, 255})
			}
		}
	}
	c.regions["qr"] = c.rectPx(x, y, x+size, y+size)
	return nil
}

// contacts draws an IC chip's gold contact plate.
func (c *canvas) contacts(x, y, w, h float64) {
	c.fill(x, y, x+w, y+h, color.RGBA{214, 178, 92, 255})
	dark := color.RGBA{150, 118, 50, 255}
	c.box(x, y, x+w, y+h, 0.15, dark)
	c.fill(x+w/2-0.1, y, x+w/2+0.1, y+h, dark)
	for i := 1; i < 4; i++ {
		yy := y + float64(i)*h/4
		c.hline(x, x+w*0.35, yy, 0.2, dark)
		c.hline(x+w*0.65, x+w, yy, 0.2, dark)
	}
	c.box(x+w*0.35, y+h*0.2, x+w*0.65, y+h*0.8, 0.2, dark)
	c.regions["ic_contacts"] = c.rectPx(x, y, x+w, y+h)
}

func residenceFront(c *canvas, d DocumentData, portrait image.Image) error {
	c.background(color.RGBA{238, 246, 247, 255}, color.RGBA{120, 190, 200, 70}, 1.9, 0.35, 0.8)
	id := d.Holder
	c.text(3, 5.5, c.bold(3.2), "在留カード")
	c.text(52, 5.3, c.label(1.9), "番号")
	c.field(document.FieldDocumentNumber, d.Number, d.Number, c.text(57, 5.5, c.mono(3.0), d.Number))

	c.text(3, 10.8, c.label(1.9), "氏名")
	c.field(document.FieldName, id.Name(), id.Name(), c.fit(9, 11, 50, c.bold(3.4), id.Name()))
	c.text(3, 15.5, c.label(1.8), "生年月日")
	birth := GregorianDate(id.BirthDate, true)
	c.field(document.FieldBirthDate, birth, ISODate(id.BirthDate), c.text(11.5, 15.6, c.sans(2.4), birth))
	c.text(33, 15.5, c.label(1.8), "性別")
	sex := sexJA(id.Sex) + " " + id.Sex + "."
	c.field(document.FieldSex, sex, id.Sex, c.text(37.5, 15.6, c.sans(2.4), sex))
	c.text(3, 20, c.label(1.8), "国籍・地域")
	c.field(document.FieldNationality, id.NationalityJA, id.NationalityJA, c.fit(14, 20.1, 44, c.sans(2.6), id.NationalityJA))
	c.text(3, 25, c.label(1.8), "住居地")
	c.field(document.FieldAddress, id.Address.Printed(), id.Address.String(), c.fit(11, 25.1, 48, c.sans(2.5), id.Address.Printed()))
	c.text(3, 30.3, c.label(1.8), "在留資格")
	c.field(document.FieldStatusOfResidence, d.Status, toHalfWidth(d.Status), c.fit(13, 30.6, 45, c.bold(3.0), d.Status))
	c.text(3, 35, c.label(1.8), "就労制限の有無")
	c.field(document.FieldWorkPermission, d.WorkPermission, d.WorkPermission, c.fit(16.5, 35.1, 42, c.sans(2.4), d.WorkPermission))
	c.text(3, 39.6, c.label(1.8), "在留期間(満了日)")
	period := fmt.Sprintf("%d年（%s）", d.StayYears, GregorianDate(d.ExpiryDate, true))
	c.field(document.FieldPeriodOfStay, period, fmt.Sprintf("%d年(%s)", d.StayYears, ISODate(d.ExpiryDate)), c.fit(20, 39.7, 38, c.sans(2.4), period))
	c.text(3, 44, c.label(1.8), "許可の種類")
	c.fit(14, 44.1, 44, c.sans(2.2), d.PermitKind)
	c.text(3, 48.2, c.label(1.7), "許可年月日")
	c.text(12.5, 48.3, c.sans(2.0), GregorianDate(d.IssueDate, true))
	c.text(32, 48.2, c.label(1.7), "交付年月日")
	issue := GregorianDate(d.IssueDate, true)
	c.field(document.FieldIssueDate, issue, ISODate(d.IssueDate), c.text(41.5, 48.3, c.sans(2.0), issue))
	valid := "このカードは" + GregorianDate(d.ExpiryDate, true) + "まで有効です。"
	c.field(document.FieldExpiryDate, valid, ISODate(d.ExpiryDate), c.fit(4.5, 52.1, 55, c.sans(2.1), valid))

	c.portrait(portrait, 61.5, 8, 82.5, 35)
	c.field(document.FieldIssuer, "法務大臣", "法務大臣", c.text(63, 41, c.sans(2.4), "法務大臣"))
	c.seal(78.5, 40.2, 3, "法務大臣")
	c.stamp(63, 44.5)
	return nil
}

// toHalfWidth maps full-width ASCII (digits, letters) to ASCII, the
// normalisation OCR results get.
func toHalfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '！' && r <= '～' {
			return r - '！' + '!'
		}
		return r
	}, s)
}

var monthsEN = [...]string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}

func passportDate(t time.Time) string {
	return fmt.Sprintf("%02d %s %d", t.Day(), monthsEN[t.Month()-1], t.Year())
}

func passportDataPage(c *canvas, d DocumentData, portrait image.Image) error {
	c.background(color.RGBA{248, 240, 245, 255}, color.RGBA{200, 150, 190, 70}, 2.5, 0.4, 1.7)
	id := d.Holder
	c.text(6, 7.5, c.bold(4.2), "日本国")
	c.text(21, 7.5, c.bold(3.8), "JAPAN")
	c.text(70, 7.5, c.bold(4.2), "旅券")
	c.text(80, 7.5, c.bold(3.8), "PASSPORT")
	c.portrait(portrait, 6, 15, 38, 56)

	lab, val := c.label(1.8), c.bold(3.2)
	A, B, C := 44.0, 66.0, 92.0
	c.text(A, 13, lab, "型/Type")
	c.text(B, 13, lab, "発行国/Issuing country")
	c.text(C, 13, lab, "旅券番号/Passport No.")
	c.text(A, 17.4, val, "P")
	c.text(B, 17.4, val, "JPN")
	c.field(document.FieldDocumentNumber, d.Number, d.Number, c.text(C, 17.4, val, d.Number))

	c.text(A, 21.5, lab, "姓/Surname")
	r := c.fit(A, 25.9, 75, val, id.FamilyRoman)
	c.field(document.FieldSurname, id.FamilyRoman, id.FamilyRoman, r)
	c.field(document.FieldName, id.FamilyRoman, id.FamilyRoman, r)
	c.text(A, 30, lab, "名/Given name")
	r = c.fit(A, 34.4, 75, val, id.GivenRoman)
	c.field(document.FieldGivenNames, id.GivenRoman, id.GivenRoman, r)
	c.field(document.FieldName, id.GivenRoman, id.FamilyRoman+" "+id.GivenRoman, r)

	c.text(A, 38.5, lab, "国籍/Nationality")
	c.field(document.FieldNationality, "JAPAN", "JAPAN", c.text(A, 42.9, val, "JAPAN"))
	c.text(C, 38.5, lab, "生年月日/Date of birth")
	birth := passportDate(id.BirthDate)
	c.field(document.FieldBirthDate, birth, ISODate(id.BirthDate), c.text(C, 42.9, val, birth))
	c.text(A, 47, lab, "性別/Sex")
	c.field(document.FieldSex, id.Sex, id.Sex, c.text(A, 51.4, val, id.Sex))
	c.text(B, 47, lab, "本籍/Registered Domicile")
	dom := id.Address.PrefectureRoman
	c.field(document.FieldRegisteredDomicile, dom, dom, c.text(B, 51.4, val, dom))
	c.text(A, 55.5, lab, "発行年月日/Date of issue")
	issue := passportDate(d.IssueDate)
	c.field(document.FieldIssueDate, issue, ISODate(d.IssueDate), c.text(A, 59.9, val, issue))
	c.text(C, 55.5, lab, "有効期間満了日/Date of expiry")
	expiry := passportDate(d.ExpiryDate)
	c.field(document.FieldExpiryDate, expiry, ISODate(d.ExpiryDate), c.text(C, 59.9, val, expiry))
	c.text(A, 64, lab, "発行官庁/Authority")
	const authority = "MINISTRY OF FOREIGN AFFAIRS"
	c.field(document.FieldIssuer, authority, authority, c.fit(A, 68.4, 50, val, authority))

	c.text(6, 60, lab, "所持人自署/Signature of bearer")
	c.stroke(signature(d), 0.35, color.RGBA{30, 30, 90, 230})

	// The MRZ at the ICAO pitch of 2.54 mm per character.
	mrzText := d.MRZ()
	st := c.mono(5)
	if w := c.width(st, "<"); w > 0 {
		st.size *= 2.54 / w
	}
	l1 := c.text(6.5, 77.5, st, mrzText[:44])
	l2 := c.text(6.5, 84.3, st, mrzText[44:])
	c.field(document.FieldMRZ, mrzText[:44]+"\n"+mrzText[44:], mrzText, l1.Union(l2))
	c.regions["mrz"] = l1.Union(l2)
	c.stamp(102, 62)
	return nil
}

// signature is a scribble under the photo, the same for the same document.
func signature(d DocumentData) [][2]float64 {
	seed := uint64(0)
	for _, b := range []byte(d.Number) {
		seed = seed*31 + uint64(b)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	var pts [][2]float64
	x, y := 9.0, 66.0
	for x < 35 {
		pts = append(pts, [2]float64{x, y})
		x += 0.6 + rng.Float64()*1.4
		y = 66 + (rng.Float64()-0.5)*5
	}
	return pts
}

func insuranceFront(c *canvas, d DocumentData, _ image.Image) error {
	c.background(color.RGBA{252, 250, 246, 255}, color.RGBA{240, 200, 150, 60}, 2.8, 0.2, 0.3)
	id := d.Holder
	c.fill(0, 0, 85.6, 8, color.RGBA{244, 196, 150, 255})
	c.text(3.5, 5.8, c.bold(3.2), "健康保険")
	c.text(18.5, 5.8, c.bold(3.2), "被保険者証")
	c.right(82, 5.6, c.sans(2.2), "本人（被保険者）")

	c.text(3.5, 12.5, c.label(1.9), "記号")
	c.field(document.FieldInsuredSymbol, d.Symbol, d.Number, c.text(9, 12.7, c.mono(3.0), d.Symbol))
	c.text(33, 12.5, c.label(1.9), "番号")
	c.field(document.FieldInsuredSymbol, d.InsuredNumber, d.Number, c.text(38.5, 12.7, c.mono(3.0), d.InsuredNumber))
	c.text(51, 12.5, c.label(1.9), "（枝番）")
	c.field(document.FieldInsuredSymbol, d.Branch, d.Number, c.text(60.5, 12.7, c.mono(3.0), d.Branch))

	c.text(3.5, 19, c.label(1.9), "氏名")
	c.field(document.FieldName, printedName(id), id.Name(), c.fit(12, 19.3, 50, c.bold(3.6), printedName(id)))
	c.text(3.5, 25.5, c.label(1.9), "生年月日")
	birth := EraDate(id.BirthDate, false)
	c.field(document.FieldBirthDate, birth, ISODate(id.BirthDate), c.text(16, 25.6, c.sans(2.6), birth))
	c.text(50, 25.5, c.label(1.9), "性別")
	c.field(document.FieldSex, sexJA(id.Sex), id.Sex, c.text(56, 25.6, c.sans(2.6), sexJA(id.Sex)))
	c.text(3.5, 31.5, c.label(1.9), "資格取得年月日")
	q := EraDate(d.QualificationDate, false)
	c.field(document.FieldQualificationDate, q, ISODate(d.QualificationDate), c.text(22, 31.6, c.sans(2.6), q))
	c.text(3.5, 37, c.label(1.9), "事業所名称")
	c.fit(19, 37.1, 45, c.sans(2.6), d.Employer)
	c.text(3.5, 42.5, c.label(1.9), "保険者番号")
	c.field(document.FieldInsurerNumber, d.InsurerNumber, d.InsurerNumber, c.text(19, 42.7, c.mono(2.8), d.InsurerNumber))
	c.text(3.5, 47.5, c.label(1.9), "保険者名称")
	c.field(document.FieldIssuer, d.InsurerName, d.InsurerName, c.fit(19, 47.6, 45, c.sans(2.6), d.InsurerName))
	c.text(3.5, 52, c.label(1.9), "交付年月日")
	issue := EraDate(d.IssueDate, false)
	c.field(document.FieldIssueDate, issue, ISODate(d.IssueDate), c.text(19, 52.1, c.sans(2.4), issue))
	c.seal(76, 46, 4, "保険者印")
	c.stamp(66, 28.5)
	return nil
}
