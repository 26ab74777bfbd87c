package jpki_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/jpki"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// fakePlatform is a local server speaking the platform protocol of
// docs/jpki.md, answering from the test PKI's revocation list.
type fakePlatform struct {
	t       *testing.T
	token   string
	revoked map[string]bool // serial hex
	unknown bool
	status  int // non-zero: fail with this HTTP status
	got     jpki.PlatformRequest
}

func (p *fakePlatform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.status != 0 {
		http.Error(w, "down", p.status)
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+p.token {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if err := json.NewDecoder(r.Body).Decode(&p.got); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	der, err := base64.StdEncoding.DecodeString(p.got.Certificate)
	if err != nil {
		http.Error(w, "bad certificate", http.StatusBadRequest)
		return
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		http.Error(w, "bad certificate", http.StatusBadRequest)
		return
	}
	resp := jpki.PlatformResponse{Status: "good", CheckedAt: "2026-06-01T08:59:00Z", Method: "crl"}
	switch {
	case p.unknown:
		resp.Status = "unknown"
	case p.revoked[cert.SerialNumber.Text(16)]:
		resp.Status, resp.RevokedAt = "revoked", "2026-06-01T08:00:00Z"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func TestRevocationCheckers(t *testing.T) {
	f := newFixture(t)
	good, revoked := f.creds[synth.JPKIGood], f.creds[synth.JPKIRevoked]

	ocspSrv := httptest.NewServer(f.pki.OCSPHandler())
	defer ocspSrv.Close()
	crlSrv := httptest.NewServer(f.pki.CRLHandler())
	defer crlSrv.Close()
	platform := &fakePlatform{t: t, token: "s3cret", revoked: map[string]bool{revoked.Cert.SerialNumber.Text(16): true}}
	platformSrv := httptest.NewServer(platform)
	defer platformSrv.Close()

	ocspChecker, err := jpki.NewOCSPChecker(ocspSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	crlSource, err := jpki.NewHTTPCRLSource(crlSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	crlChecker := jpki.NewCRLChecker(crlSource)
	platformChecker, err := jpki.NewPlatformChecker(platformSrv.URL, jpki.WithBearerToken("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	noTokenChecker, err := jpki.NewPlatformChecker(platformSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	otherPKI, err := synth.NewJPKI(synth.JPKIConfig{Seed: 43})
	if err != nil {
		t.Fatal(err)
	}
	foreignCRL := jpki.NewCRLChecker(jpki.CRLSourceFunc(func(context.Context, *x509.Certificate, *x509.Certificate) ([]byte, error) {
		return otherPKI.CRL()
	}))

	delegated := func(o synth.JPKIOCSPOptions) jpki.RevocationChecker {
		h, err := f.pki.OCSPHandlerWith(o)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		c, err := jpki.NewOCSPChecker(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	delegatedOK := delegated(synth.JPKIOCSPOptions{Delegated: true})
	delegatedNoEKU := delegated(synth.JPKIOCSPOptions{Delegated: true, OmitOCSPSigning: true})

	tests := map[string]struct {
		checker    jpki.RevocationChecker
		cred       *synth.JPKICredential
		now        time.Time
		want       jpki.RevocationStatus
		wantReason jpki.Reason
		wantSource string
		detail     string // substring of RevocationDetail
	}{
		"CRL good":                           {checker: crlChecker, cred: good, want: jpki.RevocationGood, wantSource: "crl"},
		"CRL revoked":                        {checker: crlChecker, cred: revoked, wantReason: jpki.ReasonRevoked},
		"CRL stale at signing time":          {checker: crlChecker, cred: good, now: f.pki.Now().Add(48 * time.Hour), want: jpki.RevocationUnknown, detail: "stale"},
		"CRL of another key, same name":      {checker: foreignCRL, cred: good, want: jpki.RevocationUnknown, detail: "signature"},
		"OCSP good":                          {checker: ocspChecker, cred: good, want: jpki.RevocationGood, wantSource: "ocsp"},
		"OCSP revoked":                       {checker: ocspChecker, cred: revoked, wantReason: jpki.ReasonRevoked},
		"OCSP stale at signing time":         {checker: ocspChecker, cred: good, now: f.pki.Now().Add(48 * time.Hour), want: jpki.RevocationUnknown, detail: "stale"},
		"OCSP delegated responder good":      {checker: delegatedOK, cred: good, want: jpki.RevocationGood, wantSource: "ocsp"},
		"OCSP delegated responder revoked":   {checker: delegatedOK, cred: revoked, wantReason: jpki.ReasonRevoked},
		"OCSP responder without OCSPSigning": {checker: delegatedNoEKU, cred: revoked, want: jpki.RevocationUnknown, detail: "OCSPSigning"},
		"platform good":                      {checker: platformChecker, cred: good, want: jpki.RevocationGood, wantSource: "platform"},
		"platform revoked":                   {checker: platformChecker, cred: revoked, wantReason: jpki.ReasonRevoked},
		"platform without credential":        {checker: noTokenChecker, cred: good, want: jpki.RevocationUnknown, detail: "401"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			opts := f.opts()
			opts.Revocation = tc.checker
			if !tc.now.IsZero() {
				opts.CurrentTime = tc.now
			}
			msg := []byte("m")
			sig, err := tc.cred.SignRaw(msg)
			if err != nil {
				t.Fatal(err)
			}
			res, err := jpki.VerifySignature(context.Background(), opts, tc.cred.CertDER, sig, msg)
			if tc.wantReason != "" {
				if got := jpki.ReasonOf(err); got != tc.wantReason {
					t.Fatalf("got reason %q (err %v); want %q", got, err, tc.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v; want a result", err)
			}
			if res.Revocation != tc.want {
				t.Errorf("got revocation %q (detail %q); want %q", res.Revocation, res.RevocationDetail, tc.want)
			}
			if tc.wantSource != "" && res.RevocationSource != tc.wantSource {
				t.Errorf("got source %q; want %q", res.RevocationSource, tc.wantSource)
			}
			if !strings.Contains(res.RevocationDetail, tc.detail) {
				t.Errorf("got detail %q; want it to contain %q", res.RevocationDetail, tc.detail)
			}
		})
	}

	t.Run("platform request follows the protocol", func(t *testing.T) {
		opts := f.opts()
		opts.Revocation = platformChecker
		sig, _ := good.SignRaw([]byte("m"))
		if _, err := jpki.VerifySignature(context.Background(), opts, good.CertDER, sig, []byte("m")); err != nil {
			t.Fatal(err)
		}
		if platform.got.Version != jpki.PlatformProtocolVersion {
			t.Errorf("got version %q; want %q", platform.got.Version, jpki.PlatformProtocolVersion)
		}
		if platform.got.Serial != good.Cert.SerialNumber.Text(16) {
			t.Errorf("got serial %q; want %q", platform.got.Serial, good.Cert.SerialNumber.Text(16))
		}
		if platform.got.At != "2026-06-01T09:00:00Z" {
			t.Errorf("got at %q; want the signing time 2026-06-01T09:00:00Z", platform.got.At)
		}
		if issuer, _ := base64.StdEncoding.DecodeString(platform.got.Issuer); string(issuer) != string(f.pki.SignRootDER()) {
			t.Errorf("got an issuer that is not the signing root")
		}
	})

	t.Run("platform unknown and platform down", func(t *testing.T) {
		for _, p := range []*fakePlatform{
			{token: "t", unknown: true},
			{token: "t", status: http.StatusServiceUnavailable},
		} {
			srv := httptest.NewServer(p)
			checker, err := jpki.NewPlatformChecker(srv.URL, jpki.WithBearerToken("t"))
			if err != nil {
				t.Fatal(err)
			}
			opts := f.opts()
			opts.Revocation = checker
			sig, _ := good.SignRaw([]byte("m"))
			res, err := jpki.VerifySignature(context.Background(), opts, good.CertDER, sig, []byte("m"))
			srv.Close()
			if err != nil {
				t.Fatalf("got error %v; want a result with status unknown", err)
			}
			if res.Revocation != jpki.RevocationUnknown {
				t.Errorf("got %q; want unknown", res.Revocation)
			}
		}
	})
}

func TestNewCheckersRejectBadEndpoints(t *testing.T) {
	for name, u := range map[string]string{"no scheme": "example.com/ocsp", "ftp": "ftp://example.com/", "empty": ""} {
		t.Run(name, func(t *testing.T) {
			if _, err := jpki.NewPlatformChecker(u); err == nil {
				t.Errorf("got no error for %q; want one", u)
			}
			if _, err := jpki.NewOCSPChecker(u); err == nil {
				t.Errorf("got no error for %q; want one", u)
			}
		})
	}
}
