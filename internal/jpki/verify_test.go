package jpki_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/jpki"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

func TestVerifySignatureGoodPath(t *testing.T) {
	f := newFixture(t)
	c := f.creds[synth.JPKIGood]
	msg := []byte("契約に同意します")
	sig, err := c.SignRaw(msg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := jpki.VerifySignature(context.Background(), f.opts(), c.CertDER, sig, msg)
	if err != nil {
		t.Fatalf("got error %v; want success", err)
	}
	want := jpki.Subject{
		Name:              "見本　花子",
		Sex:               "2",
		BirthDate:         "1990-01-02",
		Address:           "テスト県見本市試験町一丁目2番3号",
		NameSubstitute:    "00000",
		AddressSubstitute: strings.Repeat("0", 17),
		BirthDateRaw:      "419900102",
	}
	if res.Subject != want {
		t.Errorf("got subject %+v; want %+v", res.Subject, want)
	}
	if got, want := res.CertSerial, c.Cert.SerialNumber.Text(16); got != want {
		t.Errorf("got serial %s; want %s", got, want)
	}
	if got, want := res.CertSHA256, synth.JPKIFingerprint(c.CertDER); got != want {
		t.Errorf("got cert SHA-256 %s; want %s", got, want)
	}
	if !strings.Contains(res.Issuer, "O=JPKI-TEST") {
		t.Errorf("got issuer %q; want it to name O=JPKI-TEST", res.Issuer)
	}
	if !res.NotAfter.Equal(c.Cert.NotAfter) {
		t.Errorf("got not_after %v; want %v", res.NotAfter, c.Cert.NotAfter)
	}
	if res.Revocation != jpki.RevocationUnchecked {
		t.Errorf("got revocation %q; want %q with no checker", res.Revocation, jpki.RevocationUnchecked)
	}
	if !res.CheckedAt.Equal(f.pki.Now()) {
		t.Errorf("got checked_at %v; want the injected clock %v", res.CheckedAt, f.pki.Now())
	}
}

// TestVerifySignatureAllHolders runs every fictional holder of the test PKI
// through the verifier: one birth date per era code.
func TestVerifySignatureAllHolders(t *testing.T) {
	f := newFixture(t)
	tests := map[string]struct {
		holder synth.JPKIHolder
		want   jpki.Subject
	}{
		"Heisei": {synth.JPKIHolderFor(0, 0), jpki.Subject{Name: "見本　花子", Sex: "2", BirthDate: "1990-01-02", Address: "テスト県見本市試験町一丁目2番3号"}},
		"Showa":  {synth.JPKIHolderFor(0, 1), jpki.Subject{Name: "試験　太郎", Sex: "1", BirthDate: "1958-07-31", Address: "テスト県架空郡仮町大字例456番地"}},
		"Reiwa":  {synth.JPKIHolderFor(0, 2), jpki.Subject{Name: "例示　令子", Sex: "2", BirthDate: "2020-02-29", Address: "サンプル府模擬区試作通り7-8-9"}},
		"Meiji":  {synth.JPKIHolderFor(0, 3), jpki.Subject{Name: "仮名　明治", Sex: "1", BirthDate: "1911-09-11", Address: "サンプル府模擬区旧町十番"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := f.pki.Issue(synth.JPKIGood, tc.holder)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := c.SignRaw([]byte("m"))
			if err != nil {
				t.Fatal(err)
			}
			res, err := jpki.VerifySignature(context.Background(), f.opts(), c.CertDER, sig, []byte("m"))
			if err != nil {
				t.Fatalf("got %v; want success", err)
			}
			got := jpki.Subject{Name: res.Subject.Name, Sex: res.Subject.Sex, BirthDate: res.Subject.BirthDate, Address: res.Subject.Address}
			if got != tc.want {
				t.Errorf("got %+v; want %+v", got, tc.want)
			}
		})
	}
}

// TestVerifySignatureReasons feeds each bad input from the test PKI and
// expects exactly its reason.
func TestVerifySignatureReasons(t *testing.T) {
	f := newFixture(t)
	msg := []byte("payload")
	sign := func(c *synth.JPKICredential, m []byte) []byte {
		s, err := c.SignRaw(m)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := f.creds[synth.JPKIGood]
	crl := jpki.NewCRLChecker(jpki.CRLSourceFunc(func(context.Context, *x509.Certificate, *x509.Certificate) ([]byte, error) { return f.pki.CRL() }))
	ocspSrv := httptest.NewServer(f.pki.OCSPHandler())
	defer ocspSrv.Close()
	ocspChecker, err := jpki.NewOCSPChecker(ocspSrv.URL)
	if err != nil {
		t.Fatal(err)
	}

	tests := map[string]struct {
		cert, sig, msg []byte
		now            time.Time
		revocation     jpki.RevocationChecker
		want           jpki.Reason
	}{
		"expired signing certificate":          {cert: f.creds[synth.JPKIExpired].CertDER, sig: sign(f.creds[synth.JPKIExpired], msg), want: jpki.ReasonExpired},
		"not yet valid":                        {cert: f.creds[synth.JPKINotYetValid].CertDER, sig: sign(f.creds[synth.JPKINotYetValid], msg), want: jpki.ReasonExpired},
		"good certificate, clock after expiry": {cert: good.CertDER, sig: sign(good, msg), now: good.Cert.NotAfter.Add(time.Second), want: jpki.ReasonExpired},
		"revoked (CRL)":                        {cert: f.creds[synth.JPKIRevoked].CertDER, sig: sign(f.creds[synth.JPKIRevoked], msg), revocation: crl, want: jpki.ReasonRevoked},
		"revoked (OCSP)":                       {cert: f.creds[synth.JPKIRevoked].CertDER, sig: sign(f.creds[synth.JPKIRevoked], msg), revocation: ocspChecker, want: jpki.ReasonRevoked},
		"wrong key usage":                      {cert: f.creds[synth.JPKIWrongKeyUsage].CertDER, sig: sign(f.creds[synth.JPKIWrongKeyUsage], msg), want: jpki.ReasonWrongKeyUsage},
		"missing attributes":                   {cert: f.creds[synth.JPKIMissingAttributes].CertDER, sig: sign(f.creds[synth.JPKIMissingAttributes], msg), want: jpki.ReasonMissingAttributes},
		"unknown birth date form":              {cert: f.creds[synth.JPKIUnknownBirthDate].CertDER, sig: sign(f.creds[synth.JPKIUnknownBirthDate], msg), want: jpki.ReasonUnknownBirthDateForm},
		"wrong issuer (copied name)":           {cert: f.creds[synth.JPKIWrongIssuer].CertDER, sig: sign(f.creds[synth.JPKIWrongIssuer], msg), want: jpki.ReasonUntrustedChain},
		"user-authentication certificate":      {cert: f.creds[synth.JPKIAuthCertificate].CertDER, sig: sign(f.creds[synth.JPKIAuthCertificate], msg), want: jpki.ReasonUntrustedChain},
		"signature by another card":            {cert: good.CertDER, sig: sign(f.other, msg), want: jpki.ReasonBadSignature},
		"message changed after signing":        {cert: good.CertDER, sig: sign(good, msg), msg: []byte("payload!"), want: jpki.ReasonBadSignature},
		"truncated signature":                  {cert: good.CertDER, sig: sign(good, msg)[:255], want: jpki.ReasonBadSignature},
		"root certificate as signer":           {cert: f.pki.SignRootDER(), sig: sign(good, msg), want: jpki.ReasonWrongKeyUsage},
		"garbage certificate":                  {cert: []byte{0x30, 0x03, 0x02, 0x01, 0x01}, sig: sign(good, msg), want: jpki.ReasonMalformedCertificate},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			opts := f.opts()
			opts.Revocation = tc.revocation
			if !tc.now.IsZero() {
				opts.CurrentTime = tc.now
			}
			m := msg
			if tc.msg != nil {
				m = tc.msg
			}
			res, err := jpki.VerifySignature(context.Background(), opts, tc.cert, tc.sig, m)
			if got := jpki.ReasonOf(err); got != tc.want {
				t.Fatalf("got reason %q (err %v, result %v); want %q", got, err, res, tc.want)
			}
			if !errors.Is(err, errkind.ErrInvalid) {
				t.Errorf("got errors.Is(err, ErrInvalid) = false; want true")
			}
			if got := errkind.Reason(err); got != string(tc.want) {
				t.Errorf("got errkind.Reason %q; want %q", got, tc.want)
			}
			if res != nil {
				t.Errorf("got a result %+v alongside the error; want nil", res)
			}
		})
	}
}

func TestVerifyNeedsTrustStore(t *testing.T) {
	f := newFixture(t)
	c := f.creds[synth.JPKIGood]
	sig, _ := c.SignRaw([]byte("x"))
	_, err := jpki.VerifySignature(context.Background(), jpki.VerifyOptions{}, c.CertDER, sig, []byte("x"))
	if err == nil || jpki.ReasonOf(err) != "" {
		t.Errorf("got %v; want a configuration error that is not an InvalidError", err)
	}
}
