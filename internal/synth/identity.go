package synth

// Fictional identities for specimen documents: names with their kana
// readings and passport spellings, birth dates, addresses and document
// numbers whose check digits are right. Prefectures and cities are real
// (an OCR test needs real place names); towns are common names and the
// block numbers random, so an address is not anyone's on purpose.

import (
	"fmt"
	"github.com/kakunin-dev/kakunin/internal/document"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/mynumber"
)

// Identity is one fictional holder.
type Identity struct {
	FamilyName, GivenName   string // kanji; Latin capitals for foreign nationals
	FamilyKana, GivenKana   string // katakana reading; "" for foreign nationals
	FamilyRoman, GivenRoman string // passport (Hepburn) spelling, capitals
	Sex                     string // "M" or "F"
	BirthDate               time.Time
	Nationality             string // ICAO 9303 code: "JPN", "VNM", ...
	NationalityJA           string // as a residence card prints it: "ベトナム"; "" for Japanese
	Address                 Address
}

// Japanese reports whether the holder is a Japanese national.
func (id Identity) Japanese() bool { return id.Nationality == "JPN" }

// Name is the name as the documents order it, family name first,
// separated by one ASCII space (the normalised form OCR results use).
func (id Identity) Name() string { return id.FamilyName + " " + id.GivenName }

// NameKana is the reading, family name first; "" for foreign nationals.
func (id Identity) NameKana() string {
	if id.FamilyKana == "" {
		return ""
	}
	return id.FamilyKana + " " + id.GivenKana
}

// Address is a Japanese address: prefecture, city, town and a block
// number in the 丁目・番・号 form.
type Address struct {
	Prefecture      string // "東京都"
	PrefectureRoman string // "TOKYO"
	PrefectureCode  int    // JIS X 0401 (13 for Tokyo)
	LicenseCode     int    // first two digits of licences issued there
	City            string // "千代田区"
	Town            string // "丸の内"
	Chome, Ban, Go  int
}

// String is the address with ASCII digits ("東京都千代田区丸の内2丁目15番3号").
func (a Address) String() string {
	return fmt.Sprintf("%s%s%s%d丁目%d番%d号", a.Prefecture, a.City, a.Town, a.Chome, a.Ban, a.Go)
}

// Printed is the address as cards print it, with full-width digits.
func (a Address) Printed() string { return FullWidthDigits(a.String()) }

// FullWidthDigits turns ASCII digits into full-width ones (０-９), as
// Japanese documents print numbers inside kanji text.
func FullWidthDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r - '0' + '０'
		}
		return r
	}, s)
}

type nameEntry struct{ kanji, kana, roman string }

var familyNames = []nameEntry{
	{"佐藤", "サトウ", "SATO"}, {"鈴木", "スズキ", "SUZUKI"}, {"高橋", "タカハシ", "TAKAHASHI"},
	{"田中", "タナカ", "TANAKA"}, {"伊藤", "イトウ", "ITO"}, {"渡辺", "ワタナベ", "WATANABE"},
	{"山本", "ヤマモト", "YAMAMOTO"}, {"中村", "ナカムラ", "NAKAMURA"}, {"小林", "コバヤシ", "KOBAYASHI"},
	{"加藤", "カトウ", "KATO"}, {"吉田", "ヨシダ", "YOSHIDA"}, {"山田", "ヤマダ", "YAMADA"},
	{"佐々木", "ササキ", "SASAKI"}, {"山口", "ヤマグチ", "YAMAGUCHI"}, {"松本", "マツモト", "MATSUMOTO"},
	{"井上", "イノウエ", "INOUE"}, {"木村", "キムラ", "KIMURA"}, {"林", "ハヤシ", "HAYASHI"},
	{"清水", "シミズ", "SHIMIZU"}, {"山崎", "ヤマザキ", "YAMAZAKI"}, {"森", "モリ", "MORI"},
	{"池田", "イケダ", "IKEDA"}, {"橋本", "ハシモト", "HASHIMOTO"}, {"阿部", "アベ", "ABE"},
	{"石川", "イシカワ", "ISHIKAWA"}, {"前田", "マエダ", "MAEDA"}, {"藤田", "フジタ", "FUJITA"},
	{"後藤", "ゴトウ", "GOTO"}, {"岡田", "オカダ", "OKADA"}, {"長谷川", "ハセガワ", "HASEGAWA"},
	{"近藤", "コンドウ", "KONDO"}, {"村上", "ムラカミ", "MURAKAMI"},
}

var maleNames = []nameEntry{
	{"翔太", "ショウタ", "SHOTA"}, {"大輔", "ダイスケ", "DAISUKE"}, {"健太", "ケンタ", "KENTA"},
	{"拓也", "タクヤ", "TAKUYA"}, {"直樹", "ナオキ", "NAOKI"}, {"誠", "マコト", "MAKOTO"},
	{"浩二", "コウジ", "KOJI"}, {"隆", "タカシ", "TAKASHI"}, {"一郎", "イチロウ", "ICHIRO"},
	{"蓮", "レン", "REN"}, {"悠真", "ユウマ", "YUMA"}, {"陽翔", "ハルト", "HARUTO"},
	{"和也", "カズヤ", "KAZUYA"}, {"修", "オサム", "OSAMU"}, {"健一", "ケンイチ", "KENICHI"},
	{"博", "ヒロシ", "HIROSHI"},
}

var femaleNames = []nameEntry{
	{"花子", "ハナコ", "HANAKO"}, {"陽子", "ヨウコ", "YOKO"}, {"美咲", "ミサキ", "MISAKI"},
	{"さくら", "サクラ", "SAKURA"}, {"恵子", "ケイコ", "KEIKO"}, {"由美", "ユミ", "YUMI"},
	{"愛", "アイ", "AI"}, {"結衣", "ユイ", "YUI"}, {"真由美", "マユミ", "MAYUMI"},
	{"明美", "アケミ", "AKEMI"}, {"陽菜", "ヒナ", "HINA"}, {"葵", "アオイ", "AOI"},
	{"奈々", "ナナ", "NANA"}, {"裕子", "ユウコ", "YUKO"}, {"千尋", "チヒロ", "CHIHIRO"},
	{"智子", "トモコ", "TOMOKO"},
}

type foreignName struct{ family, given, sex string }

var foreignNationals = []struct {
	code, ja string
	names    []foreignName
}{
	{"VNM", "ベトナム", []foreignName{{"NGUYEN", "VAN AN", "M"}, {"NGUYEN", "THI LAN", "F"}, {"TRAN", "VAN MINH", "M"}, {"LE", "THI HOA", "F"}, {"PHAM", "DUC ANH", "M"}}},
	{"CHN", "中国", []foreignName{{"WANG", "WEI", "M"}, {"LI", "NA", "F"}, {"ZHANG", "MIN", "F"}, {"LIU", "YANG", "M"}}},
	{"PHL", "フィリピン", []foreignName{{"SANTOS", "MARIA CLARA", "F"}, {"REYES", "JOSE", "M"}, {"CRUZ", "ANNA", "F"}}},
	{"NPL", "ネパール", []foreignName{{"GURUNG", "RAM", "M"}, {"TAMANG", "SITA", "F"}, {"SHRESTHA", "BIKASH", "M"}}},
	{"KOR", "韓国", []foreignName{{"KIM", "MINJUN", "M"}, {"LEE", "SEOYEON", "F"}, {"PARK", "JIHO", "M"}}},
	{"IDN", "インドネシア", []foreignName{{"SANTOSO", "BUDI", "M"}, {"WIJAYA", "DEWI", "F"}}},
	{"BRA", "ブラジル", []foreignName{{"SILVA", "ANA", "F"}, {"OLIVEIRA", "LUCAS", "M"}}},
	{"USA", "米国", []foreignName{{"SMITH", "JOHN", "M"}, {"JOHNSON", "EMILY", "F"}}},
}

type place struct {
	pref, roman string
	jis, lic    int
	cities      []struct{ city, towns string }
}

// places: JIS X 0401 prefecture codes, and the licence's first-issuing
// 公安委員会 codes as commonly published (30 = Tokyo; not from the NPA
// specification). Towns are space-separated.
var places = []place{
	{"東京都", "TOKYO", 13, 30, []struct{ city, towns string }{{"千代田区", "丸の内 神田神保町 麹町"}, {"世田谷区", "三軒茶屋 桜新町 用賀"}, {"八王子市", "旭町 横山町"}}},
	{"大阪府", "OSAKA", 27, 62, []struct{ city, towns string }{{"大阪市北区", "梅田 天満"}, {"堺市堺区", "大町東"}, {"豊中市", "新千里東町"}}},
	{"愛知県", "AICHI", 23, 54, []struct{ city, towns string }{{"名古屋市中区", "栄 錦"}, {"豊田市", "小坂本町"}}},
	{"神奈川県", "KANAGAWA", 14, 45, []struct{ city, towns string }{{"横浜市西区", "南幸 北幸"}, {"川崎市中原区", "小杉町"}, {"藤沢市", "鵠沼石上"}}},
	{"福岡県", "FUKUOKA", 40, 90, []struct{ city, towns string }{{"福岡市博多区", "博多駅前 祇園町"}, {"北九州市小倉北区", "京町"}}},
	{"宮城県", "MIYAGI", 4, 22, []struct{ city, towns string }{{"仙台市青葉区", "一番町 国分町"}}},
	{"広島県", "HIROSHIMA", 34, 73, []struct{ city, towns string }{{"広島市中区", "紙屋町 大手町"}}},
	{"埼玉県", "SAITAMA", 11, 43, []struct{ city, towns string }{{"さいたま市浦和区", "高砂 常盤"}, {"川越市", "新富町"}}},
	{"千葉県", "CHIBA", 12, 44, []struct{ city, towns string }{{"千葉市中央区", "富士見 中央"}, {"船橋市", "本町"}}},
	{"兵庫県", "HYOGO", 28, 63, []struct{ city, towns string }{{"神戸市中央区", "三宮町 元町通"}}},
	{"静岡県", "SHIZUOKA", 22, 49, []struct{ city, towns string }{{"静岡市葵区", "紺屋町 呉服町"}}},
	{"新潟県", "NIIGATA", 15, 46, []struct{ city, towns string }{{"新潟市中央区", "万代 古町通"}}},
	{"沖縄県", "OKINAWA", 47, 97, []struct{ city, towns string }{{"那覇市", "久茂地 松山"}}},
}

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

// NewAddress draws an address.
func NewAddress(rng *rand.Rand) Address {
	p := pick(rng, places)
	c := pick(rng, p.cities)
	return Address{
		Prefecture: p.pref, PrefectureRoman: p.roman, PrefectureCode: p.jis, LicenseCode: p.lic,
		City: c.city, Town: pick(rng, strings.Fields(c.towns)),
		Chome: 1 + rng.IntN(5), Ban: 1 + rng.IntN(30), Go: 1 + rng.IntN(20),
	}
}

// IdentityOptions bound a drawn identity.
type IdentityOptions struct {
	Now            time.Time // reference date for ages
	MinAge, MaxAge int       // inclusive; zero values mean 18 and 80
	Foreign        bool      // a foreign national (residence card holders)
	Sex            string    // "M" or "F"; "" draws one
}

// NewIdentity draws a fictional identity. The same rng state gives the
// same identity.
func NewIdentity(rng *rand.Rand, o IdentityOptions) Identity {
	if o.MinAge == 0 && o.MaxAge == 0 {
		o.MinAge, o.MaxAge = 18, 80
	}
	if o.Now.IsZero() {
		o.Now = ChipReferenceTime()
	}
	var id Identity
	if o.Foreign {
		n := pick(rng, foreignNationals)
		names := slices.DeleteFunc(slices.Clone(n.names), func(f foreignName) bool { return o.Sex != "" && f.sex != o.Sex })
		if len(names) == 0 {
			names = n.names
		}
		f := pick(rng, names)
		id = Identity{FamilyName: f.family, GivenName: f.given, FamilyRoman: f.family, GivenRoman: f.given,
			Sex: f.sex, Nationality: n.code, NationalityJA: n.ja}
	} else {
		fam := pick(rng, familyNames)
		id.Sex = o.Sex
		if id.Sex != "M" && id.Sex != "F" {
			id.Sex = []string{"M", "F"}[rng.IntN(2)]
		}
		given := maleNames
		if id.Sex == "F" {
			given = femaleNames
		}
		g := pick(rng, given)
		id.FamilyName, id.FamilyKana, id.FamilyRoman = fam.kanji, fam.kana, fam.roman
		id.GivenName, id.GivenKana, id.GivenRoman = g.kanji, g.kana, g.roman
		id.Nationality = "JPN"
	}
	// A birth date between MaxAge+1 years and MinAge years before now.
	latest := dateOnly(o.Now).AddDate(-o.MinAge, 0, 0)
	earliest := dateOnly(o.Now).AddDate(-o.MaxAge-1, 0, 1)
	days := int(latest.Sub(earliest).Hours()/24) + 1
	id.BirthDate = earliest.AddDate(0, 0, rng.IntN(days))
	id.Address = NewAddress(rng)
	return id
}

func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Age is the holder's age in whole years on day at.
func (id Identity) Age(at time.Time) int {
	age := at.Year() - id.BirthDate.Year()
	if at.Month() < id.BirthDate.Month() || at.Month() == id.BirthDate.Month() && at.Day() < id.BirthDate.Day() {
		age--
	}
	return age
}

// The Japanese eras since the Gregorian calendar was adopted (明治6年 =
// 1873), each with its first day.
var eras = []struct {
	name  string
	start time.Time
}{
	{"令和", time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)},
	{"平成", time.Date(1989, 1, 8, 0, 0, 0, 0, time.UTC)},
	{"昭和", time.Date(1926, 12, 25, 0, 0, 0, 0, time.UTC)},
	{"大正", time.Date(1912, 7, 30, 0, 0, 0, 0, time.UTC)},
	{"明治", time.Date(1868, 10, 23, 0, 0, 0, 0, time.UTC)},
}

// Era returns the era name and the year within it of day t (calendar date,
// time of day ignored). ok is false before 1873-01-01, when Japan still used
// its lunisolar calendar and a Gregorian date has no simple era form.
func Era(t time.Time) (name string, year int, ok bool) {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if d.Before(time.Date(1873, 1, 1, 0, 0, 0, 0, time.UTC)) {
		return "", 0, false
	}
	for _, e := range eras {
		if !d.Before(e.start) {
			return e.name, d.Year() - e.start.Year() + 1, true
		}
	}
	return "", 0, false
}

// EraDate prints t in the Japanese era form, "平成2年1月15日"; the first
// year of an era is 元年. padded gives two-digit numbers, as driver's
// licences print them ("平成02年01月15日"). It returns "" where Era has no
// answer.
func EraDate(t time.Time, padded bool) string {
	name, y, ok := Era(t)
	if !ok {
		return ""
	}
	num := strconv.Itoa
	if padded {
		num = func(n int) string { return fmt.Sprintf("%02d", n) }
	}
	year := num(y)
	if y == 1 {
		year = "元"
	}
	return name + year + "年" + num(int(t.Month())) + "月" + num(t.Day()) + "日"
}

// GregorianDate prints t as "1990年01月15日" (residence cards) or, unpadded,
// "1990年1月15日".
func GregorianDate(t time.Time, padded bool) string {
	if padded {
		return fmt.Sprintf("%d年%02d月%02d日", t.Year(), t.Month(), t.Day())
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// ISODate is YYYY-MM-DD, the form the ground truth and OCR results use.
func ISODate(t time.Time) string { return t.Format(time.DateOnly) }

// LicenseCheckDigit is document.LicenceCheckDigit: the 11th digit of a
// driver's licence number over its first ten digits (-1 for bad input).
func LicenseCheckDigit(first10 string) int { return document.LicenceCheckDigit(first10) }

// NewLicenseNumber draws a 12-digit licence number: the issuing
// prefecture's code, the two-digit year of first issue, a six-digit serial,
// the check digit and a reissue count of 0.
func NewLicenseNumber(rng *rand.Rand, a Address, firstIssue time.Time) string {
	s := fmt.Sprintf("%02d%02d%06d", a.LicenseCode, firstIssue.Year()%100, rng.IntN(1000000))
	return s + strconv.Itoa(LicenseCheckDigit(s)) + "0"
}

// NewMyNumber draws a 12-digit individual number with its check digit
// (番号法施行規則 第5条, internal/mynumber).
func NewMyNumber(rng *rand.Rand) string {
	var b strings.Builder
	for range 11 {
		b.WriteByte(byte('0' + rng.IntN(10)))
	}
	s := b.String()
	return s + strconv.Itoa(mynumber.CheckDigit(s))
}

func letters(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('A' + rng.IntN(26))
	}
	return string(b)
}

func digits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b)
}

// NewResidenceCardNumber draws a number in the card's format: two letters,
// eight digits, two letters. Its check rule, if any, is not public; the
// number is only format-valid.
func NewResidenceCardNumber(rng *rand.Rand) string {
	return letters(rng, 2) + digits(rng, 8) + letters(rng, 2)
}

// NewPassportNumber draws a Japanese passport number: two letters (the
// first "T", as on current booklets) and seven digits.
func NewPassportNumber(rng *rand.Rand) string {
	return "T" + letters(rng, 1) + digits(rng, 7)
}

// InsurerCheckDigit is the 8th digit (検証番号) of a health-insurance insurer
// number over its first seven: the digits are multiplied by 2 and 1
// alternately from the right, the digits of the products summed, and the
// check digit is 10 minus the last digit of the sum (0 for 10): a Luhn
// variant. This is the widely published rule; the tests check it against
// published 協会けんぽ branch numbers, not against the ministry's notice,
// so use it as a soft check only. It returns -1 if first7 is not seven
// ASCII digits.
func InsurerCheckDigit(first7 string) int {
	if len(first7) != 7 {
		return -1
	}
	sum := 0
	for i := range 7 {
		c := first7[6-i]
		if c < '0' || c > '9' {
			return -1
		}
		p := int(c-'0') * (2 - i%2)
		sum += p/10 + p%10
	}
	return (10 - sum%10) % 10
}

// NewInsurerNumber draws an 8-digit insurer number of a health insurance
// society (法別番号 06) in the holder's prefecture.
func NewInsurerNumber(rng *rand.Rand, a Address) string {
	s := fmt.Sprintf("06%02d%03d", a.PrefectureCode, rng.IntN(1000))
	return s + strconv.Itoa(InsurerCheckDigit(s))
}
