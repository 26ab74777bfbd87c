package document

// The registry. It is conservative on purpose: a type is listed for a law
// only where the ordinance clearly accepts it as a photo ID, and a
// condition a machine cannot check sends the case to a reviewer. The
// sources and the open questions are in docs/documents.md.

func on(side Side, fields ...Field) []FieldSpec {
	out := make([]FieldSpec, len(fields))
	for i, f := range fields {
		out[i] = FieldSpec{Field: f, Side: side}
	}
	return out
}

func sensitive(side Side, f Field) FieldSpec { return FieldSpec{Field: f, Side: side, Sensitive: true} }

func join(parts ...[]FieldSpec) []FieldSpec {
	var out []FieldSpec
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var (
	frontBack = []Side{SideFront, SideBack}
	aml       = Acceptance{Law: LawAML}
	mobile    = Acceptance{Law: LawMobilePhone}
)

// handbookCondition applies to the disability handbooks, whose format each
// issuer (prefecture or designated city) sets.
const handbookCondition = "counts only if the issuer attached the holder's photo and the document records name, address and date of birth; formats differ by issuer, so a reviewer confirms it"

var registry = []Spec{
	{
		Type: DriversLicense, NameJA: "運転免許証", NameEN: "Driver's licence",
		Sides: frontBack, Photo: true, ICChip: true, OCR: true,
		Fields: join(
			on(SideFront, FieldName, FieldBirthDate, FieldAddress, FieldIssueDate, FieldExpiryDate,
				FieldLicenseConditions, FieldDocumentNumber, FieldLicenseCategories, FieldIssuer),
			on(SideBack, FieldChanges),
		),
		PhotoIDFor: []Acceptance{aml, mobile},
		Note: "The back records later changes of address or name (備考欄): capture it, or the front may show an old address. " +
			"IC licences (from 2007) print no 本籍; it is in the chip behind PIN 2. " +
			"A licence recorded on a My Number card (マイナ免許証, from 2025-03-24) is a my_number_card.",
	},
	{
		Type: ResidenceCard, NameJA: "在留カード", NameEN: "Residence card",
		Sides: frontBack, Photo: true, ICChip: true, OCR: true,
		Fields: join(
			on(SideFront, FieldName, FieldBirthDate, FieldSex, FieldNationality, FieldAddress,
				FieldStatusOfResidence, FieldWorkPermission, FieldPeriodOfStay, FieldExpiryDate,
				FieldIssueDate, FieldDocumentNumber, FieldIssuer),
			on(SideBack, FieldChanges),
		),
		PhotoIDFor: []Acceptance{aml, mobile},
		Note: "Names are in Latin letters (kanji may be added). A change of address is written on the back (住居地記載欄). " +
			"Cards of holders under 16 carry no photo and cannot be matched to a selfie.",
	},
	{
		Type: MyNumberCard, NameJA: "個人番号カード（マイナンバーカード）", NameEN: "My Number card",
		Sides: frontBack, Photo: true, ICChip: true, OCR: true,
		Fields: join(
			on(SideFront, FieldName, FieldAddress, FieldBirthDate, FieldSex, FieldExpiryDate),
			[]FieldSpec{sensitive(SideBack, FieldMyNumber)},
			on(SideBack, FieldName, FieldBirthDate),
		),
		PhotoIDFor: []Acceptance{aml, mobile},
		Note: "Only the front is needed as a photo ID. The back prints the 12-digit My Number and holds it in a QR code: " +
			"kakunin masks it in every stored image and never records it unless the tenant declares a lawful purpose (番号法). " +
			"The paper 通知カード is not a My Number card. Cards of infants may carry no photo.",
	},
	{
		Type: DrivingHistoryCertificate, NameJA: "運転経歴証明書", NameEN: "Driving history certificate",
		Sides: frontBack, Photo: true, ICChip: false, OCR: false,
		Fields: join(
			on(SideFront, FieldName, FieldBirthDate, FieldAddress, FieldIssueDate, FieldDocumentNumber,
				FieldLicenseCategories, FieldIssuer),
			on(SideBack, FieldChanges),
		),
		PhotoIDFor: []Acceptance{
			{Law: LawAML, Condition: "only a certificate issued on or after 2012-04-01 (交付年月日) is a photo ID; older ones are not"},
			{Law: LawMobilePhone, Condition: "only a certificate issued on or after 2012-04-01 (交付年月日) is a photo ID; older ones are not"},
		},
		Note: "Issued to people who gave up their licence; it has no expiry date. " +
			"kakunin treats it as having no IC chip and has no OCR template for it yet: human review only.",
	},
	{
		Type: Passport, NameJA: "旅券（パスポート）", NameEN: "Passport",
		Sides: []Side{SideDataPage}, Photo: true, ICChip: true, OCR: true,
		Fields: on(SideDataPage, FieldDocumentNumber, FieldSurname, FieldGivenNames, FieldName, FieldNationality,
			FieldBirthDate, FieldSex, FieldRegisteredDomicile, FieldIssueDate, FieldExpiryDate, FieldIssuer, FieldMRZ),
		PhotoIDFor: []Acceptance{
			{Law: LawAML, Condition: "the holder's address must be shown: only a passport with it written in the 所持人記入欄 " +
				"(older designs; that page is taken as the back image) qualifies"},
			{Law: LawMobilePhone, Condition: "a passport shows no current address: a supplementary document with it (補助書類) must be checked by a reviewer"},
		},
		Note: "The data page carries no address, and the 2020 design (issued from February 2020) dropped the 所持人記入欄 " +
			"where holders wrote it, so for the AML law such a passport cannot serve alone. The MRZ (TD3) check digits are verified.",
	},
	{
		Type: SpecialPermanentResidentCertificate, NameJA: "特別永住者証明書", NameEN: "Special permanent resident certificate",
		Sides: frontBack, Photo: true, ICChip: true, OCR: false,
		Fields: join(
			on(SideFront, FieldName, FieldBirthDate, FieldSex, FieldNationality, FieldAddress, FieldExpiryDate,
				FieldIssueDate, FieldDocumentNumber, FieldIssuer),
			on(SideBack, FieldChanges),
		),
		PhotoIDFor: []Acceptance{aml, mobile},
		Note: "Same card family as the residence card (same chip and signature scheme). No OCR template yet: human review only. " +
			"Certificates of holders under 16 carry no photo.",
	},
	{
		Type: HealthInsuranceCard, NameJA: "健康保険被保険者証", NameEN: "Health insurance card",
		Sides: frontBack, Photo: false, ICChip: false, OCR: true,
		Fields: join(
			on(SideFront, FieldName, FieldBirthDate, FieldSex),
			[]FieldSpec{sensitive(SideFront, FieldInsuredSymbol), sensitive(SideFront, FieldInsurerNumber)},
			on(SideFront, FieldIssuer, FieldQualificationDate, FieldIssueDate),
			on(SideBack, FieldAddress),
		),
		Note: "No photo, so it is never accepted as the photo ID of a ホ check: a selfie cannot be matched to it. " +
			"Under the AML law it only ever worked together with another method (such as mail that is not forwarded). " +
			"New cards stopped being issued on 2024-12-02. The symbol, number and insurer number must be masked (健康保険法 194条の2). " +
			"The address on the back is handwritten by the holder; national health insurance cards also print an expiry date.",
	},
	{
		Type: StudentIDCard, NameJA: "学生証", NameEN: "Student ID card",
		Sides: frontBack, Photo: true, ICChip: false, OCR: false,
		Fields: join(
			on(SideFront, FieldName, FieldNameKana, FieldBirthDate, FieldDocumentNumber, FieldIssuer, FieldExpiryDate),
			on(SideBack, FieldAddress),
		),
		Note: "Issued by a school, not a public body: not an identity document under the AML or mobile-phone laws. " +
			"Useful for age checks and student offers (law none). Every school has its own layout.",
	},
	{
		Type: StudentHandbook, NameJA: "生徒手帳", NameEN: "Student handbook",
		Sides: []Side{SideFront}, Photo: true, ICChip: false, OCR: false,
		Fields: on(SideFront, FieldName, FieldNameKana, FieldBirthDate, FieldAddress, FieldDocumentNumber, FieldIssuer, FieldIssueDate),
		Note: "A booklet issued by a school; its identification page is photographed as the front. " +
			"Not an identity document under the AML or mobile-phone laws (law none only).",
	},
	{
		Type: PhysicalDisabilityCertificate, NameJA: "身体障害者手帳", NameEN: "Physical disability certificate",
		Sides: frontBack, Photo: true, ICChip: false, OCR: false,
		Fields: join(
			on(SideFront, FieldName, FieldBirthDate, FieldSex, FieldAddress, FieldDisabilityGrade, FieldIssueDate,
				FieldDocumentNumber, FieldIssuer),
			on(SideBack, FieldChanges),
		),
		PhotoIDFor: []Acceptance{{Law: LawAML, Condition: handbookCondition}},
		Note: "A booklet or, since 2019, a card, in the issuer's own format. Disability details are sensitive personal " +
			"information (要配慮個人情報). Not listed for the mobile-phone law: we have not confirmed that its ordinance accepts it for image checks.",
	},
	{
		Type: RehabilitationCertificate, NameJA: "療育手帳", NameEN: "Rehabilitation certificate (intellectual disability)",
		Sides: frontBack, Photo: true, ICChip: false, OCR: false,
		Fields: join(
			on(SideFront, FieldName, FieldBirthDate, FieldSex, FieldAddress, FieldDisabilityGrade, FieldIssueDate,
				FieldDocumentNumber, FieldIssuer),
			on(SideBack, FieldChanges),
		),
		PhotoIDFor: []Acceptance{{Law: LawAML, Condition: handbookCondition}},
		Note: "Issued under each prefecture's own scheme (no national law), under local names such as 愛の手帳 or みどりの手帳, " +
			"so its layout and grades differ by issuer. Disability details are sensitive personal information. Not listed for the mobile-phone law.",
	},
	{
		Type: MentalDisabilityCertificate, NameJA: "精神障害者保健福祉手帳", NameEN: "Mental disability certificate",
		Sides: frontBack, Photo: true, ICChip: false, OCR: false,
		Fields: join(
			on(SideFront, FieldName, FieldBirthDate, FieldAddress, FieldDisabilityGrade, FieldIssueDate, FieldExpiryDate,
				FieldDocumentNumber, FieldIssuer),
			on(SideBack, FieldChanges),
		),
		PhotoIDFor: []Acceptance{{Law: LawAML, Condition: handbookCondition}},
		Note:       "Valid for two years. Disability details are sensitive personal information. Not listed for the mobile-phone law.",
	},
	{
		Type: PensionHandbook, NameJA: "年金手帳", NameEN: "Pension handbook",
		Sides: []Side{SideFront}, Photo: false, ICChip: false, OCR: false,
		Fields: join(
			[]FieldSpec{sensitive(SideFront, FieldBasicPensionNumber)},
			on(SideFront, FieldName, FieldNameKana, FieldBirthDate, FieldSex, FieldIssueDate),
		),
		Note: "No photo, so never the photo ID of a ホ check. No new handbooks since 2022-04-01 (replaced by the basic pension number notice). " +
			"Its number page is photographed as the front; the pension number is masked.",
	},
	{
		Type: BasicPensionNumberNotice, NameJA: "基礎年金番号通知書", NameEN: "Basic pension number notice",
		Sides: []Side{SideFront}, Photo: false, ICChip: false, OCR: false,
		Fields: join(
			[]FieldSpec{sensitive(SideFront, FieldBasicPensionNumber)},
			on(SideFront, FieldName, FieldNameKana, FieldBirthDate, FieldIssueDate),
		),
		Note: "A paper notice issued from 2022-04-01. No photo and no address: it proves neither face nor residence (law none only). " +
			"The pension number is masked.",
	},
}
