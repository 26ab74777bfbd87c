package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// ErrMalformedHash is wrapped by every error about a stored password hash
// that cannot be parsed or whose parameters are out of bounds.
var ErrMalformedHash = errors.New("console: malformed password hash")

// hashParams are argon2id's cost parameters. The defaults are OWASP's
// minimum (19 MiB, 2 passes, 1 lane): the server hashes on every sign-in,
// on small machines, and lock-out caps online guessing anyway.
type hashParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	Salt    []byte
	Key     []byte
}

var defaultParams = hashParams{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// Bounds on parsed parameters, so a tampered row cannot make one
	// sign-in allocate gigabytes or spin for minutes.
	maxMemory  = 256 * 1024
	maxTime    = 16
	maxThreads = 16
	// Passwords longer than this are refused before hashing.
	maxPasswordLen = 256
	minPasswordLen = 12
)

var b64 = base64.RawStdEncoding.Strict()

// HashPassword returns password's argon2id hash in PHC string form:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>.
func HashPassword(password string) (string, error) {
	p := defaultParams
	p.Salt = make([]byte, saltLen)
	if _, err := rand.Read(p.Salt); err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	p.Key = argonKey(password, p)
	return p.String(), nil
}

func (p hashParams) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(p.Salt), b64.EncodeToString(p.Key))
}

// VerifyPassword reports whether password matches encoded, comparing in
// constant time. A malformed encoded hash is an error wrapping ErrMalformedHash.
func VerifyPassword(encoded, password string) (bool, error) {
	p, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	if len(password) > maxPasswordLen {
		return false, nil
	}
	got := argon2.IDKey([]byte(password), p.Salt, p.Time, p.Memory, p.Threads, uint32(len(p.Key)))
	return subtle.ConstantTimeCompare(got, p.Key) == 1, nil
}

// dummyHash is verified against when the email is unknown, so that an
// unknown email takes as long as a wrong password. It is made on first use,
// not at start-up: every kakunin command links this package.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("not a password anyone has")
	if err != nil {
		panic(err)
	}
	return h
})

// parseHash parses the PHC string form strictly: exactly one encoding of
// each hash is accepted, so parse and String round-trip.
func parseHash(s string) (hashParams, error) {
	var p hashParams
	bad := func(problem string) (hashParams, error) {
		return hashParams{}, fmt.Errorf("%w: %s", ErrMalformedHash, problem)
	}
	if len(s) > 512 {
		return bad("too long")
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want $argon2id$v=..$m=..,t=..,p=..$salt$key")
	}
	if parts[1] != "argon2id" {
		return bad("not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version")
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return bad("want m, t and p")
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(fields[i], name+"=")
		if !ok {
			return bad("want m, t and p in that order")
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || strconv.FormatUint(n, 10) != v {
			return bad("parameter " + name + " is not a canonical number")
		}
		vals[i] = n
	}
	switch m, t, th := vals[0], vals[1], vals[2]; {
	case th < 1 || th > maxThreads:
		return bad("p out of range")
	case t < 1 || t > maxTime:
		return bad("t out of range")
	case m < 8*th || m > maxMemory:
		return bad("m out of range")
	}
	p.Memory, p.Time, p.Threads = uint32(vals[0]), uint32(vals[1]), uint8(vals[2])
	var err error
	if p.Salt, err = b64.DecodeString(parts[4]); err != nil || len(p.Salt) < 8 || len(p.Salt) > 64 {
		return bad("salt is not 8-64 bytes of unpadded base64")
	}
	if p.Key, err = b64.DecodeString(parts[5]); err != nil || len(p.Key) < 16 || len(p.Key) > 64 {
		return bad("key is not 16-64 bytes of unpadded base64")
	}
	return p, nil
}

// checkNewPassword applies the password rules: length only (NIST SP 800-63B
// and OWASP ASVS advise against composition rules).
func checkNewPassword(password string) string {
	n := len([]rune(password))
	switch {
	case n < minPasswordLen:
		return fmt.Sprintf("The new password must have at least %d characters.", minPasswordLen)
	case len(password) > maxPasswordLen:
		return fmt.Sprintf("The new password must be at most %d bytes long.", maxPasswordLen)
	}
	return ""
}

func argonKey(password string, p hashParams) []byte {
	return argon2.IDKey([]byte(password), p.Salt, p.Time, p.Memory, p.Threads, keyLen)
}
