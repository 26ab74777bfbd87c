package console

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("got hash %q; want PHC argon2id with the default parameters", h)
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h == h2 {
		t.Fatal("two hashes of one password are equal; want a fresh salt each time")
	}
	tests := map[string]struct {
		password string
		want     bool
	}{
		"right":         {"correct horse battery staple", true},
		"wrong":         {"correct horse battery stapl", false},
		"empty":         {"", false},
		"case matters":  {"Correct horse battery staple", false},
		"far too long":  {strings.Repeat("x", maxPasswordLen+1), false},
		"trailing byte": {"correct horse battery staple\x00", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := VerifyPassword(h, tc.password)
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v, nil", got, err, tc.want)
			}
		})
	}
}

// A hash made with other (in-bounds) parameters still verifies: the
// parameters travel with the hash, so the defaults can rise later.
func TestPasswordOtherParameters(t *testing.T) {
	p := hashParams{Memory: 64, Time: 1, Threads: 2, Salt: []byte("saltsaltsalt"), Key: nil}
	p.Key = argonKey("pw", p)
	ok, err := VerifyPassword(p.String(), "pw")
	if err != nil || !ok {
		t.Fatalf("got %v, %v; want true, nil", ok, err)
	}
}

func TestParseHashMalformed(t *testing.T) {
	good := "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	if _, err := parseHash(good); err != nil {
		t.Fatalf("parse %q: %v; want nil", good, err)
	}
	tests := map[string]string{
		"empty":              "",
		"argon2i":            strings.Replace(good, "argon2id", "argon2i", 1),
		"bcrypt":             "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"old version":        strings.Replace(good, "v=19", "v=16", 1),
		"missing version":    "$argon2id$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U",
		"parameters swapped": strings.Replace(good, "m=19456,t=2", "t=2,m=19456", 1),
		"leading zero":       strings.Replace(good, "t=2", "t=02", 1),
		"plus sign":          strings.Replace(good, "t=2", "t=+2", 1),
		"zero time":          strings.Replace(good, "t=2", "t=0", 1),
		"huge memory":        strings.Replace(good, "m=19456", "m=4194304", 1),
		"memory overflow":    strings.Replace(good, "m=19456", "m=99999999999", 1),
		"zero threads":       strings.Replace(good, "p=1", "p=0", 1),
		"too many threads":   strings.Replace(good, "p=1", "p=255", 1),
		"padded salt":        strings.Replace(good, "c2FsdHNhbHRzYWx0c2FsdA", "c2FsdHNhbHRzYWx0c2FsdA==", 1),
		"short salt":         strings.Replace(good, "c2FsdHNhbHRzYWx0c2FsdA", "c2FsdA", 1),
		"bad base64 key":     strings.Replace(good, "a2V5a2V5", "a2V5*2V5", 1),
		"short key":          strings.Replace(good, "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U", "a2V5", 1),
		"extra field":        good + "$x",
		"no leading dollar":  strings.TrimPrefix(good, "$"),
		"too long":           good + strings.Repeat("A", 600),
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := parseHash(s)
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("got %v; want an error wrapping ErrMalformedHash", err)
			}
			if _, err := VerifyPassword(s, "pw"); !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("VerifyPassword: got %v; want ErrMalformedHash", err)
			}
		})
	}
}

func TestCheckNewPassword(t *testing.T) {
	for pw, wantOK := range map[string]bool{
		"short":                               false,
		"elevenchars":                         false,
		"twelve chars":                        true,
		"確認確認確認確認確認確認":                        true, // 12 characters, 36 bytes
		strings.Repeat("a", maxPasswordLen):   true,
		strings.Repeat("a", maxPasswordLen+1): false,
	} {
		if got := checkNewPassword(pw) == ""; got != wantOK {
			t.Errorf("checkNewPassword(%.20q) ok = %v; want %v", pw, got, wantOK)
		}
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p := generatePassword()
		if len(p) != 20 || strings.Trim(p, passwordAlphabet) != "" || seen[p] {
			t.Fatalf("got %q; want 20 fresh characters from the alphabet", p)
		}
		if checkNewPassword(p) != "" {
			t.Fatalf("generated password %q breaks the password rules", p)
		}
		seen[p] = true
	}
}

// FuzzParseHash: the parser never panics, accepts only the canonical
// encoding (so parse then String gives the input back) and keeps
// parameters within bounds.
func FuzzParseHash(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=,t=,p=$$")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseHash(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("error %v does not wrap ErrMalformedHash", err)
			}
			return
		}
		if p.String() != s {
			t.Fatalf("parse(%q).String() = %q; want the input back", s, p.String())
		}
		if p.Memory > maxMemory || p.Time > maxTime || p.Threads > maxThreads || p.Threads == 0 || p.Time == 0 {
			t.Fatalf("parameters out of bounds: %+v", p)
		}
	})
}
