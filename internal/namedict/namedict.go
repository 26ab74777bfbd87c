// Package namedict knows which strings are Japanese family and given names,
// from name dictionaries Debian packages: IPADIC's person names
// (mecab-ipadic, Noun.name.csv) and ENAMDICT (enamdict). The document reader
// uses it to correct kanji names OCR misread. The files are read at run
// time and never shipped with kakunin.
package namedict

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// Where Debian installs the dictionaries.
const (
	// IPADICPath is IPADIC's person-name entries (Debian: mecab-ipadic),
	// EUC-JP CSV: surface, ids, cost, part of speech ... 人名,姓|名|一般, reading.
	IPADICPath = "/usr/share/mecab/dic/ipadic/Noun.name.csv"
	// ENAMDICTPath is the EDRDG's Japanese names file (Debian: enamdict),
	// EUC-JP EDICT format: "陽菜 [ひな] /(f) Hina/".
	ENAMDICTPath = "/usr/share/edict/enamdict"
)

// ErrNotInstalled is returned by Load when none of the dictionaries is there.
var ErrNotInstalled = errors.New("namedict: no name dictionary installed (Debian: apt-get install mecab-ipadic enamdict)")

// maxRunes bounds the entries kept: kanji names on documents have at most
// a few characters per part; longer entries (full names, phrases) are of
// no use here and would only cost memory.
const maxRunes = 5

// Kind says what a dictionary entry names.
type Kind uint8

// The kinds; an entry can be both.
const (
	Family Kind = 1 << iota
	Given
)

// Dictionary is a set of family and given names. It is read-only after
// loading and safe for concurrent use.
type Dictionary struct {
	kinds map[string]Kind
	// Sources lists the files loaded.
	Sources []string
}

// New returns an empty dictionary.
func New() *Dictionary { return &Dictionary{kinds: map[string]Kind{}} }

// Load reads the dictionaries at the given paths (IPADICPath and
// ENAMDICTPath when none are given), skipping those that do not exist. It
// fails with ErrNotInstalled when none exists, and on a file it cannot
// read.
func Load(paths ...string) (*Dictionary, error) {
	if len(paths) == 0 {
		paths = []string{IPADICPath, ENAMDICTPath}
	}
	d := New()
	for _, p := range paths {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("namedict: %w", err)
		}
		if strings.HasSuffix(p, ".csv") {
			err = d.ReadIPADIC(f)
		} else {
			err = d.ReadENAMDICT(f)
		}
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("namedict: %s: %w", p, err)
		}
		d.Sources = append(d.Sources, p)
	}
	if len(d.Sources) == 0 {
		return nil, ErrNotInstalled
	}
	return d, nil
}

// Installed reports whether any of the dictionaries at paths (by default
// IPADICPath and ENAMDICTPath) is there, without reading it.
func Installed(paths ...string) bool {
	if len(paths) == 0 {
		paths = []string{IPADICPath, ENAMDICTPath}
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// Len is the number of distinct entries.
func (d *Dictionary) Len() int { return len(d.kinds) }

// Add records s as a name of kind k.
func (d *Dictionary) Add(s string, k Kind) {
	if k == 0 || !plausible(s) {
		return
	}
	d.kinds[s] |= k
}

// Is reports whether s is a name of kind k (Family or Given).
func (d *Dictionary) Is(s string, k Kind) bool { return d.kinds[s]&k != 0 }

// IsFamilyName reports whether s is a known family name.
func (d *Dictionary) IsFamilyName(s string) bool { return d.Is(s, Family) }

// IsGivenName reports whether s is a known given name.
func (d *Dictionary) IsGivenName(s string) bool { return d.Is(s, Given) }

// plausible keeps entries of one to maxRunes letters: no ASCII, no
// punctuation, no spaces.
func plausible(s string) bool {
	n := 0
	for _, r := range s {
		if r == utf8.RuneError || r < 0x80 || !unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) && r != 'ー' && r != '々' {
			return false
		}
		n++
	}
	return n >= 1 && n <= maxRunes
}

// The files are EUC-JP, whose multi-byte characters are all bytes of
// 0x8E and above: the ASCII separators can be found in the raw bytes, and
// only the few surfaces kept need decoding.

// add decodes an EUC-JP surface and records it.
func (d *Dictionary) add(surface []byte, k Kind) {
	if k == 0 || len(surface) == 0 || len(surface) > 3*maxRunes {
		return
	}
	s, err := japanese.EUCJP.NewDecoder().Bytes(surface)
	if err != nil {
		return
	}
	d.Add(string(s), k)
}

// ReadIPADIC adds the person names of an IPADIC CSV (EUC-JP): the surface
// in column 1, and in column 8 姓 (family) or 名 (given). Other lines,
// and 一般 (names of either kind, often full names), are ignored.
func (d *Dictionary) ReadIPADIC(r io.Reader) error {
	sei, _ := japanese.EUCJP.NewEncoder().Bytes([]byte("人名,姓,"))
	mei, _ := japanese.EUCJP.NewEncoder().Bytes([]byte("人名,名,"))
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		surface, _, ok := bytes.Cut(line, []byte(","))
		if !ok {
			continue
		}
		switch {
		case bytes.Contains(line, sei):
			d.add(surface, Family)
		case bytes.Contains(line, mei):
			d.add(surface, Given)
		}
	}
	return sc.Err()
}

// ReadENAMDICT adds the person names of an ENAMDICT file (EUC-JP):
// "KANJI [reading] /(tags) Romaji/". Tag s is a surname; g, f and m are
// given names; u is a person's name of unknown kind, kept as both.
// Places, companies, full names (h) and other lines are ignored.
func (d *Dictionary) ReadENAMDICT(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		surface, rest, ok := bytes.Cut(line, []byte(" "))
		if !ok {
			continue
		}
		_, gloss, ok := bytes.Cut(rest, []byte("/("))
		if !ok {
			continue
		}
		tags, _, ok := bytes.Cut(gloss, []byte(")"))
		if !ok {
			continue
		}
		var k Kind
		for _, t := range bytes.Split(tags, []byte(",")) {
			switch string(t) {
			case "s":
				k |= Family
			case "g", "f", "m":
				k |= Given
			case "u":
				k |= Family | Given
			}
		}
		d.add(surface, k)
	}
	return sc.Err()
}
