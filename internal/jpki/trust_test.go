package jpki

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kakunin-dev/kakunin/internal/synth"
)

func TestProductionRootsLoad(t *testing.T) {
	sign, err := ProductionRoots()
	if err != nil {
		t.Fatalf("ProductionRoots: %v", err)
	}
	if got := sign.Fingerprints(); !slices.Equal(got, []string{FingerprintSign2015, FingerprintSign2023}) {
		t.Errorf("got signing fingerprints %v; want the 2015 and 2023 J-LIS signing roots", got)
	}
	for _, r := range sign.Roots() {
		if !slices.Contains(r.Subject.OrganizationalUnit, "JPKI for digital signature") {
			t.Errorf("got signing root %q; want OU=JPKI for digital signature", r.Subject)
		}
	}
	auth, err := ProductionAuthRoots()
	if err != nil {
		t.Fatalf("ProductionAuthRoots: %v", err)
	}
	if got := auth.Fingerprints(); !slices.Equal(got, []string{FingerprintAuth2015, FingerprintAuth2023}) {
		t.Errorf("got auth fingerprints %v; want the 2015 and 2023 J-LIS auth roots", got)
	}
	root2023 := sign.Roots()[1]
	if want := time.Date(2033, 7, 15, 14, 59, 59, 0, time.UTC); !root2023.NotAfter.Equal(want) {
		t.Errorf("got 2023 root not_after %v; want %v", root2023.NotAfter, want)
	}
}

func TestProductionRootsRefuseMismatch(t *testing.T) {
	real2015, err := fs.ReadFile(embeddedRoots, "roots/jlis_sign_ca_2015.pem")
	if err != nil {
		t.Fatal(err)
	}
	p, err := synth.NewJPKI(synth.JPKIConfig{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		fsys  fs.FS
		extra [][]byte
		want  string // substring of the error
	}{
		"2023 file replaced by the 2015 root": {
			fsys: fstest.MapFS{"roots/jlis_sign_ca_2015.pem": {Data: real2015}, "roots/jlis_sign_ca_2023.pem": {Data: real2015}},
			want: "does not match the pin",
		},
		"2023 file replaced by a test root": {
			fsys: fstest.MapFS{"roots/jlis_sign_ca_2015.pem": {Data: real2015}, "roots/jlis_sign_ca_2023.pem": {Data: p.SignRootDER()}},
			want: "does not match the pin",
		},
		"2023 file missing": {
			fsys: fstest.MapFS{"roots/jlis_sign_ca_2015.pem": {Data: real2015}},
			want: "jlis_sign_ca_2023.pem",
		},
		"extra root that J-LIS never published": {
			fsys:  embeddedRoots,
			extra: [][]byte{p.SignRootDER()},
			want:  "not a published J-LIS signing root",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := productionRootsFrom(tc.fsys, embeddedSignRoots, tc.extra)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v; want an error containing %q", err, tc.want)
			}
		})
	}
	t.Run("extra copy of a published root", func(t *testing.T) {
		if _, err := ProductionRoots(real2015); err != nil {
			t.Errorf("got %v; want a J-LIS signing root to be accepted as extra", err)
		}
	})
}

func TestNewTrustStoreRefuses(t *testing.T) {
	p, err := synth.NewJPKI(synth.JPKIConfig{Seed: 6})
	if err != nil {
		t.Fatal(err)
	}
	ee, err := p.Issue(synth.JPKIGood, synth.JPKIHolderFor(6, 0))
	if err != nil {
		t.Fatal(err)
	}
	root := p.SignRootDER()
	tests := map[string]struct {
		root PinnedRoot
		want string
	}{
		"wrong pin":                  {PinnedRoot{Cert: root, SHA256: FingerprintSign2023}, "does not match the pin"},
		"pin is not a SHA-256":       {PinnedRoot{Cert: root, SHA256: "abc"}, "not a SHA-256"},
		"end-entity certificate":     {PinnedRoot{Cert: ee.CertDER, SHA256: synth.JPKIFingerprint(ee.CertDER)}, "not a CA"},
		"garbage pinned by its hash": {PinnedRoot{Cert: []byte("junk"), SHA256: synth.JPKIFingerprint([]byte("junk"))}, "x509"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := NewTrustStore(tc.root)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v; want an error containing %q", err, tc.want)
			}
		})
	}
	t.Run("pin with colons and upper case", func(t *testing.T) {
		fp := strings.ToUpper(synth.JPKIFingerprint(root))
		var b strings.Builder
		for i := 0; i < len(fp); i += 2 {
			if i > 0 {
				b.WriteByte(':')
			}
			b.WriteString(fp[i : i+2])
		}
		if _, err := NewTrustStore(PinnedRoot{Cert: root, SHA256: b.String()}); err != nil {
			t.Errorf("got %v; want the pin accepted", err)
		}
	})
}

// A test certificate never verifies against the production roots, however
// well-formed it is.
func TestProductionRootsDoNotTrustTestPKI(t *testing.T) {
	p, err := synth.NewJPKI(synth.JPKIConfig{Seed: 6})
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Issue(synth.JPKIGood, synth.JPKIHolderFor(6, 0))
	if err != nil {
		t.Fatal(err)
	}
	prod, err := ProductionRoots()
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := c.SignRaw([]byte("m"))
	_, err = VerifySignature(context.Background(), VerifyOptions{Trust: prod, CurrentTime: p.Now()}, c.CertDER, sig, []byte("m"))
	if got := ReasonOf(err); got != ReasonUntrustedChain {
		t.Errorf("got %q (%v); want untrusted_chain", got, err)
	}
}
