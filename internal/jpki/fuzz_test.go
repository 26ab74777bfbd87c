package jpki_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/jpki"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

func FuzzParseSAN(f *testing.F) {
	base := synth.JPKISANOtherNames(goodHolder)
	f.Add(mustSAN(f, base))
	f.Add(mustSAN(f, base[:4]))
	f.Add(mustSAN(f, append(base, synth.JPKIOtherName{OID: oid(4), Value: "400000000"})))
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		s, err := jpki.ParseSAN(der)
		if err != nil {
			if jpki.ReasonOf(err) == "" {
				t.Fatalf("error %v is not an InvalidError", err)
			}
			return
		}
		if s.Name == "" || s.Address == "" || (s.Sex != "1" && s.Sex != "2") {
			t.Fatalf("accepted incomplete subject %+v", s)
		}
		if iso, err := jpki.ParseBirthDate(s.BirthDateRaw); err != nil || iso != s.BirthDate {
			t.Fatalf("birth date %q -> %q, but ParseBirthDate says %q, %v", s.BirthDateRaw, s.BirthDate, iso, err)
		}
	})
}

var update = flag.Bool("update", false, "rewrite testdata fixtures")

// cmsFixtureDir holds what FuzzVerifyCMS needs, written by
// TestCMSFixtures -update: fuzz workers are coverage-instrumented, and
// deriving the test PKI's RSA keys there takes longer than the fuzz run.
const cmsFixtureDir = "testdata/cms"

var cmsFixtureContent = []byte(`{"purpose":"fuzz"}`)

func TestCMSFixtures(t *testing.T) {
	fx := newFixture(t)
	if *update {
		files := map[string]func() ([]byte, error){
			"root.der": func() ([]byte, error) { return fx.pki.SignRootDER(), nil },
			"embedded.p7s": func() ([]byte, error) {
				return fx.creds[synth.JPKIGood].SignCMS(cmsFixtureContent, synth.JPKICMSOptions{})
			},
			"detached.p7s": func() ([]byte, error) {
				return fx.creds[synth.JPKIGood].SignCMS(cmsFixtureContent, synth.JPKICMSOptions{Detached: true})
			},
			"wrong_issuer.p7s": func() ([]byte, error) {
				return fx.creds[synth.JPKIWrongIssuer].SignCMS(cmsFixtureContent, synth.JPKICMSOptions{})
			},
		}
		if err := os.MkdirAll(cmsFixtureDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, mk := range files {
			b, err := mk()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(cmsFixtureDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	root, err := os.ReadFile(filepath.Join(cmsFixtureDir, "root.der"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(root, fx.pki.SignRootDER()) {
		t.Fatalf("testdata root differs from the seed-42 test PKI; run go test -run TestCMSFixtures -update")
	}
	for name, want := range map[string]jpki.Reason{"embedded.p7s": "", "detached.p7s": "", "wrong_issuer.p7s": jpki.ReasonUntrustedChain} {
		b, err := os.ReadFile(filepath.Join(cmsFixtureDir, name))
		if err != nil {
			t.Fatal(err)
		}
		_, err = jpki.VerifyCMS(context.Background(), fx.opts(), b, cmsFixtureContent)
		if got := jpki.ReasonOf(err); got != want {
			t.Errorf("%s: got reason %q (%v); want %q", name, got, err, want)
		}
	}
}

func FuzzVerifyCMS(f *testing.F) {
	root, err := os.ReadFile(filepath.Join(cmsFixtureDir, "root.der"))
	if err != nil {
		f.Fatal(err)
	}
	trust, err := jpki.NewTrustStore(jpki.PinnedRoot{Cert: root, SHA256: synth.JPKIFingerprint(root)})
	if err != nil {
		f.Fatal(err)
	}
	opts := jpki.VerifyOptions{Trust: trust, CurrentTime: synth.JPKIReferenceTime()}
	for _, name := range []string{"embedded.p7s", "detached.p7s", "wrong_issuer.p7s"} {
		b, err := os.ReadFile(filepath.Join(cmsFixtureDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, cms []byte) {
		res, err := jpki.VerifyCMS(context.Background(), opts, cms, cmsFixtureContent)
		if err != nil {
			if jpki.ReasonOf(err) == "" {
				t.Fatalf("error %v is not an InvalidError", err)
			}
			return
		}
		if !strings.Contains(res.Issuer, "JPKI-TEST") || res.Subject.Name != goodHolder.Name {
			t.Fatalf("accepted a CMS from %q for %q", res.Issuer, res.Subject.Name)
		}
	})
}

func FuzzParseFacePayload(f *testing.F) {
	p := jpki.FacePayload{
		Purpose: jpki.FacePurpose, VerificationID: "ver_1", Nonce: strings.Repeat("n", 43), Origin: "https://a.example",
		CapturedAt: "2026-06-01T00:00:00Z", SelfieSHA256: jpki.SelfieDigest(nil), FramesSHA256: jpki.FramesDigest(nil),
	}
	canon, err := p.Canonical()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(canon)
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := jpki.ParseFacePayload(b)
		if err != nil {
			return
		}
		c, err := p.Canonical()
		if err != nil || !bytes.Equal(c, b) {
			t.Fatalf("accepted %q, which is not canonical (%q, %v)", b, c, err)
		}
	})
}
