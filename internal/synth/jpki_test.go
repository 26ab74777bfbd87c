package synth

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/crypto/ocsp"
)

func TestJPKIDeterministic(t *testing.T) {
	a, err := NewJPKI(JPKIConfig{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewJPKI(JPKIConfig{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.SignRootDER(), b.SignRootDER()) {
		t.Errorf("same seed gave different sign roots")
	}
	ca, err := a.Issue(JPKIGood, JPKIHolderFor(7, 0))
	if err != nil {
		t.Fatal(err)
	}
	cb, err := b.Issue(JPKIGood, JPKIHolderFor(7, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ca.CertDER, cb.CertDER) {
		t.Errorf("same seed gave different signing certificates")
	}
	c, err := NewJPKI(JPKIConfig{Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.SignRootDER(), c.SignRootDER()) {
		t.Errorf("seeds 7 and 8 gave the same sign root")
	}
}

func TestJPKIVariantsChain(t *testing.T) {
	p, err := NewJPKI(JPKIConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.SignRoot())
	tests := map[string]struct {
		v         JPKIVariant
		wantChain bool
	}{
		"good":                 {JPKIGood, true},
		"revoked still chains": {JPKIRevoked, true},
		"wrong key usage":      {JPKIWrongKeyUsage, true},
		"missing attributes":   {JPKIMissingAttributes, true},
		"unknown birth date":   {JPKIUnknownBirthDate, true},
		"expired":              {JPKIExpired, false},
		"not yet valid":        {JPKINotYetValid, false},
		"wrong issuer":         {JPKIWrongIssuer, false},
		"auth certificate":     {JPKIAuthCertificate, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := p.Issue(tc.v, JPKIHolderFor(1, 0))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: p.Now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
			if got := err == nil; got != tc.wantChain {
				t.Errorf("chain verifies = %v (%v); want %v", got, err, tc.wantChain)
			}
			sig, err := c.SignRaw([]byte("payload"))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256([]byte("payload"))
			if err := rsa.VerifyPKCS1v15(c.Cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sig); err != nil {
				t.Errorf("raw signature does not verify: %v", err)
			}
		})
	}
}

func TestJPKIRevocationSources(t *testing.T) {
	p, err := NewJPKI(JPKIConfig{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	good, err := p.Issue(JPKIGood, JPKIHolderFor(2, 0))
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := p.Issue(JPKIRevoked, JPKIHolderFor(2, 1))
	if err != nil {
		t.Fatal(err)
	}
	der, err := p.CRL()
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(p.SignRoot()); err != nil {
		t.Errorf("CRL signature: %v", err)
	}
	if n := len(crl.RevokedCertificateEntries); n != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(revoked.Cert.SerialNumber) != 0 {
		t.Errorf("CRL entries = %d; want exactly the revoked serial", n)
	}

	srv := httptest.NewServer(p.OCSPHandler())
	defer srv.Close()
	tests := map[string]struct {
		cert *x509.Certificate
		want int
	}{
		"good":    {good.Cert, ocsp.Good},
		"revoked": {revoked.Cert, ocsp.Revoked},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			req, err := ocsp.CreateRequest(tc.cert, p.SignRoot(), &ocsp.RequestOptions{Hash: crypto.SHA256})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Post(srv.URL, "application/ocsp-request", bytes.NewReader(req))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			r, err := ocsp.ParseResponseForCert(body, tc.cert, p.SignRoot())
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.want {
				t.Errorf("OCSP status = %d; want %d", r.Status, tc.want)
			}
		})
	}
}
