// Package ids makes kakunin's object identifiers and secrets: prefixed,
// time-ordered IDs (so cursor pagination can order by ID) and random tokens.
package ids

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// New returns prefix + "_" + a lowercase ULID, e.g. "ver_01jd...".
// IDs made later sort after earlier ones (to the millisecond).
func New(prefix string) string {
	u := ulid.MustNew(ulid.Timestamp(time.Now()), rand.Reader)
	return prefix + "_" + strings.ToLower(u.String())
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Secret returns prefix + 32 random bytes in lowercase base32 (256 bits).
func Secret(prefix string) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("ids: crypto/rand failed: " + err.Error())
	}
	return prefix + strings.ToLower(b32.EncodeToString(b[:]))
}

// Valid reports whether s looks like an ID with the given prefix; it lets
// handlers refuse malformed IDs before touching storage.
func Valid(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(rest) != 26 {
		return false
	}
	for _, c := range rest {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}
