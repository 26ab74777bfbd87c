package jpki_test

import (
	"sync"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/jpki"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// fixture is one test PKI with one credential per variant, shared by the
// package's tests because deriving RSA keys is the slow part.
type fixture struct {
	pki   *synth.JPKI
	trust *jpki.TrustStore
	creds map[synth.JPKIVariant]*synth.JPKICredential
	other *synth.JPKICredential // a second good holder, for swapped-key cases
}

// goodHolder is the holder of the good certificate; tests compare the
// verified attributes with these literals.
var goodHolder = synth.JPKIHolder{
	Name:       "見本　花子",
	Sex:        "2",
	BirthDate:  "419900102",
	Address:    "テスト県見本市試験町一丁目2番3号",
	Prefecture: "Test-Prefecture",
	City:       "Mihon-City",
}

var (
	fixtureOnce sync.Once
	fixtureVal  *fixture
	fixtureErr  error
)

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	fixtureOnce.Do(func() {
		f := &fixture{creds: map[synth.JPKIVariant]*synth.JPKICredential{}}
		if f.pki, fixtureErr = synth.NewJPKI(synth.JPKIConfig{Seed: 42}); fixtureErr != nil {
			return
		}
		f.trust, fixtureErr = jpki.NewTrustStore(jpki.PinnedRoot{Cert: f.pki.SignRootDER(), SHA256: synth.JPKIFingerprint(f.pki.SignRootDER())})
		if fixtureErr != nil {
			return
		}
		for _, v := range []synth.JPKIVariant{
			synth.JPKIGood, synth.JPKIExpired, synth.JPKINotYetValid, synth.JPKIRevoked,
			synth.JPKIWrongKeyUsage, synth.JPKIMissingAttributes, synth.JPKIUnknownBirthDate,
			synth.JPKIWrongIssuer, synth.JPKIAuthCertificate,
		} {
			if f.creds[v], fixtureErr = f.pki.Issue(v, goodHolder); fixtureErr != nil {
				return
			}
		}
		f.other, fixtureErr = f.pki.Issue(synth.JPKIGood, synth.JPKIHolderFor(42, 1))
		fixtureVal = f
	})
	if fixtureErr != nil {
		tb.Fatalf("test PKI: %v", fixtureErr)
	}
	return fixtureVal
}

func (f *fixture) opts() jpki.VerifyOptions {
	return jpki.VerifyOptions{Trust: f.trust, CurrentTime: f.pki.Now()}
}
