package synth

// Fonts for the specimen documents, loaded at run time from the Debian
// font packages (nothing is embedded: Noto CJK alone is 60 MB). Noto CJK
// (fonts-noto-cjk) is preferred; IPA fonts (fonts-ipafont) are the
// fallback.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

// ErrNoCJKFont says that no Japanese font is installed.
var ErrNoCJKFont = errors.New("synth: no Japanese font found under /usr/share/fonts: install the Debian package fonts-noto-cjk (or fonts-ipafont)")

// FontDir is where Debian installs fonts.
const FontDir = "/usr/share/fonts"

// Fonts holds the typefaces a specimen is printed in. Sans is a Japanese
// gothic, Serif a mincho (Sans when none is installed), Mono a fixed-pitch
// face for numbers and the MRZ. A Fonts is read-only after LoadFonts and
// safe for concurrent use; each render makes its own font.Faces.
type Fonts struct {
	Sans, SansBold, Serif, Mono *opentype.Font
	// Files names the file each role came from, for the ground truth.
	Files map[string]string
}

// fontCandidate is a file name (anywhere under the font directories) and
// the family inside it; "" takes the file's only font.
type fontCandidate struct{ file, family string }

var fontRoles = []struct {
	role       string
	candidates []fontCandidate
}{
	{"sans", []fontCandidate{{"NotoSansCJK-Regular.ttc", "Noto Sans CJK JP"}, {"NotoSansCJKjp-Regular.otf", ""}, {"ipagp.ttf", ""}, {"ipag.ttf", ""}}},
	{"sans_bold", []fontCandidate{{"NotoSansCJK-Bold.ttc", "Noto Sans CJK JP"}, {"NotoSansCJKjp-Bold.otf", ""}}},
	{"serif", []fontCandidate{{"NotoSerifCJK-Regular.ttc", "Noto Serif CJK JP"}, {"ipamp.ttf", ""}, {"ipam.ttf", ""}}},
	{"mono", []fontCandidate{{"NotoSansCJK-Regular.ttc", "Noto Sans Mono CJK JP"}, {"NotoSansMonoCJKjp-Regular.otf", ""}, {"ipag.ttf", ""}}},
}

// LoadFonts finds and parses the fonts under dirs (default FontDir). It
// returns ErrNoCJKFont when no Japanese gothic is installed; the other
// roles fall back to it.
func LoadFonts(dirs ...string) (*Fonts, error) {
	if len(dirs) == 0 {
		dirs = []string{FontDir}
	}
	paths := map[string]string{} // base name → first path found
	for _, d := range dirs {
		_ = filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				if _, dup := paths[e.Name()]; !dup {
					paths[e.Name()] = p
				}
			}
			return nil // unreadable directories are skipped
		})
	}
	files := map[string][]byte{}
	read := func(p string) ([]byte, error) {
		if b, ok := files[p]; ok {
			return b, nil
		}
		b, err := os.ReadFile(p)
		if err == nil {
			files[p] = b
		}
		return b, err
	}
	out := &Fonts{Files: map[string]string{}}
	got := map[string]*opentype.Font{}
	for _, r := range fontRoles {
		for _, c := range r.candidates {
			p, ok := paths[c.file]
			if !ok {
				continue
			}
			b, err := read(p)
			if err != nil {
				continue
			}
			f, err := pickFont(b, c.family)
			if err != nil || !hasJapanese(f) {
				continue
			}
			got[r.role], out.Files[r.role] = f, p
			break
		}
	}
	if got["sans"] == nil {
		return nil, ErrNoCJKFont
	}
	out.Sans = got["sans"]
	out.SansBold, out.Serif, out.Mono = out.Sans, out.Sans, out.Sans
	for role, dst := range map[string]**opentype.Font{"sans_bold": &out.SansBold, "serif": &out.Serif, "mono": &out.Mono} {
		if f := got[role]; f != nil {
			*dst = f
		} else {
			out.Files[role] = out.Files["sans"]
		}
	}
	return out, nil
}

// pickFont parses a font file or collection and returns the font whose
// family is family (any when family is "").
func pickFont(b []byte, family string) (*opentype.Font, error) {
	c, err := opentype.ParseCollection(b)
	if err != nil {
		return nil, err
	}
	for i := range c.NumFonts() {
		f, err := c.Font(i)
		if err != nil {
			return nil, err
		}
		if family == "" {
			return f, nil
		}
		if name, err := f.Name(nil, sfnt.NameIDFamily); err == nil && name == family {
			return f, nil
		}
	}
	return nil, fmt.Errorf("synth: no family %q in the collection", family)
}

// hasJapanese checks a few characters every specimen prints.
func hasJapanese(f *opentype.Font) bool {
	var buf sfnt.Buffer
	for _, r := range "令和氏名住所ア" {
		if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
			return false
		}
	}
	return true
}
