package jpki_test

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/jpki"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

func TestRecheck(t *testing.T) {
	pki, err := synth.NewJPKI(synth.JPKIConfig{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	trust, err := jpki.NewTrustStore(jpki.PinnedRoot{Cert: pki.SignRootDER(), SHA256: synth.JPKIFingerprint(pki.SignRootDER())})
	if err != nil {
		t.Fatal(err)
	}
	crl := jpki.NewCRLChecker(jpki.CRLSourceFunc(func(context.Context, *x509.Certificate, *x509.Certificate) ([]byte, error) {
		return pki.CRLAt(pki.Now().Add(48 * time.Hour))
	}))
	cred, err := pki.Issue(synth.JPKIGood, synth.JPKIHolderFor(7, 0))
	if err != nil {
		t.Fatal(err)
	}
	signedAt := pki.Now()
	later := jpki.VerifyOptions{Trust: trust, Revocation: crl, CurrentTime: pki.Now().Add(48 * time.Hour)}
	ctx := context.Background()

	res, err := jpki.Recheck(ctx, later, cred.CertDER, signedAt)
	if err != nil || res.Revocation != jpki.RevocationGood {
		t.Fatalf("before revocation: got %+v, %v; want good", res, err)
	}
	pki.Revoke(cred.Cert.SerialNumber, pki.Now().Add(24*time.Hour))
	res, err = jpki.Recheck(ctx, later, cred.CertDER, signedAt)
	if err != nil || res.Revocation != jpki.RevocationRevoked {
		t.Fatalf("after revocation: got %+v, %v; want revoked (as a result, not an error)", res, err)
	}
	if res, err := jpki.Recheck(ctx, jpki.VerifyOptions{Trust: trust, CurrentTime: later.CurrentTime}, cred.CertDER, signedAt); err != nil || res.Revocation != jpki.RevocationUnchecked {
		t.Fatalf("no source: got %+v, %v; want unchecked", res, err)
	}
	if _, err := jpki.Recheck(ctx, later, []byte("junk"), signedAt); jpki.ReasonOf(err) != jpki.ReasonMalformedCertificate {
		t.Fatalf("junk certificate: got %v", err)
	}
}
