package namedict

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

// eucJP encodes s as the Debian files are.
func eucJP(s string) io.Reader { return bytes.NewReader(euc(s)) }

func TestReadIPADIC(t *testing.T) {
	d := New()
	in := "佐藤,1290,1290,3000,名詞,固有名詞,人名,姓,*,*,佐藤,サトウ,サトー\n" +
		"花子,1291,1291,8000,名詞,固有名詞,人名,名,*,*,花子,ハナコ,ハナコ\n" +
		"東京,1293,1293,3000,名詞,固有名詞,地域,一般,*,*,東京,トウキョウ,トーキョー\n" +
		"ABC,1291,1291,8000,名詞,固有名詞,人名,名,*,*,ABC,エービーシー,エービーシー\n" +
		"broken line\n"
	if err := d.ReadIPADIC(eucJP(in)); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		s      string
		family bool
		given  bool
	}{
		"family name":           {"佐藤", true, false},
		"given name":            {"花子", false, true},
		"place is not a name":   {"東京", false, false},
		"ASCII is never a name": {"ABC", false, false},
	}
	for name, c := range cases {
		if got := d.IsFamilyName(c.s); got != c.family {
			t.Errorf("%s: IsFamilyName(%q) = %v; want %v", name, c.s, got, c.family)
		}
		if got := d.IsGivenName(c.s); got != c.given {
			t.Errorf("%s: IsGivenName(%q) = %v; want %v", name, c.s, got, c.given)
		}
	}
	if d.Len() != 2 {
		t.Errorf("Len = %d; want 2", d.Len())
	}
}

func TestReadENAMDICT(t *testing.T) {
	d := New()
	in := "　？？？ /ENAMDICT - Japanese Proper Name Dictionary File/\n" +
		"陽菜 [ひな] /(f) Hina/\n" +
		"蓮 [れん] /(f,s) Ren/\n" +
		"横浜 [よこはま] /(p) Yokohama/\n" +
		"山田太郎 [やまだたろう] /(h) Yamada Tarou/\n" +
		"光 [ひかる] /(u) Hikaru/\n" +
		"no tags here\n"
	if err := d.ReadENAMDICT(eucJP(in)); err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string]Kind{"陽菜": Given, "蓮": Given | Family, "横浜": 0, "山田太郎": 0, "光": Family | Given} {
		if got := d.kinds[s]; got != want {
			t.Errorf("kind of %q = %b; want %b", s, got, want)
		}
	}
}

func TestLoadMissing(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "Noun.name.csv"), filepath.Join(dir, "enamdict"))
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Load of missing files: err = %v; want ErrNotInstalled", err)
	}
}

// TestLoadInstalled reads the Debian packages' files, when installed.
func TestLoadInstalled(t *testing.T) {
	for _, p := range []string{IPADICPath, ENAMDICTPath} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			d, err := Load(p)
			if errors.Is(err, ErrNotInstalled) {
				t.Skipf("%s not installed", p)
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Len() < 10000 {
				t.Errorf("%d entries; want the tens of thousands the package has", d.Len())
			}
			// Names common enough that any name dictionary has them.
			if !d.IsFamilyName("鈴木") || !d.IsGivenName("太郎") {
				t.Errorf("鈴木 family %v, 太郎 given %v; want both", d.IsFamilyName("鈴木"), d.IsGivenName("太郎"))
			}
		})
	}
}

func euc(s string) []byte {
	b, err := japanese.EUCJP.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

func FuzzReadENAMDICT(f *testing.F) {
	f.Add(euc("陽菜 [ひな] /(f) Hina/\n蓮 [れん] /(f,s) Ren/\n"))
	f.Add([]byte(" /(\n"))
	f.Fuzz(func(t *testing.T, s []byte) {
		d := New()
		if err := d.ReadENAMDICT(bytes.NewReader(s)); err != nil {
			return
		}
		for k := range d.kinds {
			if !plausible(k) {
				t.Fatalf("implausible entry %q kept", k)
			}
		}
	})
}

func FuzzReadIPADIC(f *testing.F) {
	f.Add(euc("佐藤,1290,1290,3000,名詞,固有名詞,人名,姓,*,*,佐藤,サトウ,サトー\n"))
	f.Add(euc(",,,,,,人名,名,\n"))
	f.Fuzz(func(t *testing.T, s []byte) {
		d := New()
		if err := d.ReadIPADIC(bytes.NewReader(s)); err != nil {
			return
		}
		for k := range d.kinds {
			if !plausible(k) {
				t.Fatalf("implausible entry %q kept", k)
			}
		}
	})
}
