// Package document knows the Japanese identity documents kakunin accepts by
// photo (the ホ method and uses no law restricts): their sides, printed
// fields, whether they carry a photo or an IC chip, and which laws accept
// them as photo-ID evidence.
package document

import (
	"slices"
	"strings"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Type is a document type's API code.
type Type string

// The 14 document types.
const (
	DriversLicense                      Type = "drivers_license"                        // 運転免許証
	ResidenceCard                       Type = "residence_card"                         // 在留カード
	MyNumberCard                        Type = "my_number_card"                         // 個人番号カード
	DrivingHistoryCertificate           Type = "driving_history_certificate"            // 運転経歴証明書
	Passport                            Type = "passport"                               // 旅券
	SpecialPermanentResidentCertificate Type = "special_permanent_resident_certificate" // 特別永住者証明書
	HealthInsuranceCard                 Type = "health_insurance_card"                  // 健康保険被保険者証
	StudentIDCard                       Type = "student_id_card"                        // 学生証
	StudentHandbook                     Type = "student_handbook"                       // 生徒手帳
	PhysicalDisabilityCertificate       Type = "physical_disability_certificate"        // 身体障害者手帳
	RehabilitationCertificate           Type = "rehabilitation_certificate"             // 療育手帳
	MentalDisabilityCertificate         Type = "mental_disability_certificate"          // 精神障害者保健福祉手帳
	PensionHandbook                     Type = "pension_handbook"                       // 年金手帳
	BasicPensionNumberNotice            Type = "basic_pension_number_notice"            // 基礎年金番号通知書
)

// Side is one photographed face of a document.
type Side string

// The sides. A passport is photographed open at its data page.
const (
	SideFront    Side = "front"
	SideBack     Side = "back"
	SideDataPage Side = "data_page"
)

// Law is a law whose rules a verification follows. The values are the API's
// `law` codes (the same strings as verification.Law; this package does not
// import the verification aggregate, which will import it).
type Law string

// The laws.
const (
	LawAML         Law = "aml"          // 犯罪収益移転防止法
	LawMobilePhone Law = "mobile_phone" // 携帯電話不正利用防止法
	LawNone        Law = "none"         // no law: age checks, marketplaces, a business's own policy
)

// Field names a printed item. Its string is the key used in OCR results and
// in the synthetic specimens' ground truth.
type Field string

// The fields. Dates are normalised to ISO 8601 (YYYY-MM-DD) whatever
// calendar the document prints them in.
const (
	FieldName               Field = "name"                  // as printed: kanji, or Latin for foreign nationals and passports
	FieldNameKana           Field = "name_kana"             // reading in kana, where the document prints one
	FieldSurname            Field = "surname"               // passport
	FieldGivenNames         Field = "given_names"           // passport
	FieldBirthDate          Field = "birth_date"            //
	FieldSex                Field = "sex"                   // "M" or "F"
	FieldAddress            Field = "address"               // 住所 / 住居地
	FieldNationality        Field = "nationality"           // 国籍・地域
	FieldIssueDate          Field = "issue_date"            // 交付年月日
	FieldExpiryDate         Field = "expiry_date"           // 有効期限 / 有効期間満了日
	FieldDocumentNumber     Field = "document_number"       // licence number, card number, passport number, handbook number
	FieldIssuer             Field = "issuer"                // 公安委員会, 法務大臣, municipality, insurer, school
	FieldLicenseCategories  Field = "license_categories"    // 免許の種類
	FieldLicenseConditions  Field = "license_conditions"    // 免許の条件等
	FieldStatusOfResidence  Field = "status_of_residence"   // 在留資格
	FieldPeriodOfStay       Field = "period_of_stay"        // 在留期間(満了日)
	FieldWorkPermission     Field = "work_permission"       // 就労制限の有無
	FieldMyNumber           Field = "my_number"             // 個人番号: restricted by 番号法
	FieldRegisteredDomicile Field = "registered_domicile"   // 本籍 (passport: prefecture only)
	FieldMRZ                Field = "mrz"                   // ICAO 9303 machine-readable zone, lines joined
	FieldInsurerNumber      Field = "insurer_number"        // 保険者番号
	FieldInsuredSymbol      Field = "insured_symbol_number" // 被保険者等記号・番号
	FieldQualificationDate  Field = "qualification_date"    // 資格取得年月日
	FieldDisabilityGrade    Field = "disability_grade"      // 障害等級 / 障害の程度
	FieldBasicPensionNumber Field = "basic_pension_number"  // 基礎年金番号
	FieldChanges            Field = "changes"               // 備考 / 追記欄: changes of address or name recorded after issue
)

// FieldSpec is one field of a type: where it is printed and whether kakunin
// must keep it out of stored images and records.
type FieldSpec struct {
	Field Field
	Side  Side
	// Sensitive fields are masked in every stored image and never
	// recorded unless the tenant declares a lawful purpose: the My Number
	// (番号法), the health-insurance symbol and number (健康保険法 194条の2:
	// a business may not ask for them), the basic pension number.
	Sensitive bool
}

// Acceptance is one law's acceptance of a type as the photo-ID of an
// online document-image (ホ-style) check.
type Acceptance struct {
	Law Law
	// Condition, when not empty, is what a reviewer must confirm before the
	// document counts for this law; the automatic judgment cannot.
	Condition string
}

// Spec describes one document type.
type Spec struct {
	Type   Type
	NameJA string
	NameEN string
	Sides  []Side // the physical sides, in capture order
	Photo  bool   // the issuer prints or attaches the holder's photo
	ICChip bool   // the document has an IC chip (the ヘ method reads it; see internal/chip)
	// OCR is true when kakunin has a layout template for the type: the
	// synthetic generator (internal/synth) renders it and the OCR pipeline
	// reads its field zones. Types without one are still accepted, for
	// human review only, and the result says so.
	OCR    bool
	Fields []FieldSpec
	// PhotoIDFor lists the laws that accept the type as the photo-ID in an
	// online check by document image and selfie. Whether the method itself
	// is still allowed on a date (ホ ends for the AML law on 2027-04-01,
	// image upload for phone contracts on 2026-04-01) is decided in
	// internal/decision, not here. LawNone is never listed: with no law,
	// every type is acceptable (see Accepts).
	PhotoIDFor []Acceptance
	Note       string // why, caveats, what changed; for reviewers and docs
}

// HasField reports whether the type prints f on any side.
func (s Spec) HasField(f Field) bool {
	return slices.ContainsFunc(s.Fields, func(fs FieldSpec) bool { return fs.Field == f })
}

// FieldsOn returns the fields printed on side, in registry order.
func (s Spec) FieldsOn(side Side) []Field {
	var out []Field
	for _, fs := range s.Fields {
		if fs.Side == side {
			out = append(out, fs.Field)
		}
	}
	return out
}

// ReviewOnly reports whether a document of this type can only be judged by
// a human reviewer because kakunin has no OCR template for it.
func (s Spec) ReviewOnly() bool { return !s.OCR }

// Accepts returns the type's acceptance as photo-ID evidence under law.
// Under LawNone every type is accepted: no ordinance restricts the
// document, and the business's own policy decides (a type without a photo
// then proves attributes only; the selfie cannot be matched to it). For an
// unknown law it returns false.
func (s Spec) Accepts(law Law) (Acceptance, bool) {
	if law == LawNone {
		a := Acceptance{Law: LawNone}
		if !s.Photo {
			a.Condition = "the document has no photo: the selfie cannot be matched to it"
		}
		return a, true
	}
	for _, a := range s.PhotoIDFor {
		if a.Law == law {
			return a, true
		}
	}
	return Acceptance{}, false
}

// Lookup returns the spec of the type with API code code, or an
// errkind.ErrInvalid error (reason "document_type_unknown") that lists the
// valid codes.
func Lookup(code string) (Spec, error) {
	for _, s := range registry {
		if string(s.Type) == code {
			return clone(s), nil
		}
	}
	codes := make([]string, len(registry))
	for i, s := range registry {
		codes[i] = string(s.Type)
	}
	return Spec{}, errkind.New(errkind.ErrInvalid, "document_type_unknown",
		"document type %q is not one of: %s", truncate(code, 64), strings.Join(codes, ", "))
}

// MustLookup is Lookup for codes known at compile time (the constants).
func MustLookup(t Type) Spec {
	s, err := Lookup(string(t))
	if err != nil {
		panic(err)
	}
	return s
}

// All returns every registered type's spec in registry order.
func All() []Spec {
	out := make([]Spec, len(registry))
	for i, s := range registry {
		out[i] = clone(s)
	}
	return out
}

// Types returns the registered API codes in registry order.
func Types() []Type {
	out := make([]Type, len(registry))
	for i, s := range registry {
		out[i] = s.Type
	}
	return out
}

// clone copies the slices so a caller cannot change the registry.
func clone(s Spec) Spec {
	s.Sides = slices.Clone(s.Sides)
	s.Fields = slices.Clone(s.Fields)
	s.PhotoIDFor = slices.Clone(s.PhotoIDFor)
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…" // never split a character
}
