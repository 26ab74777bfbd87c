package app

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/config"
	"github.com/kakunin-dev/kakunin/internal/jpki"
	"github.com/kakunin-dev/kakunin/internal/synth"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

// jpkiDeps builds the JPKI verifier set-up: live mode trusts the pinned
// J-LIS roots only; test mode may add the synthetic test PKI.
func jpkiDeps(cfg config.Config, nonces verification.NonceStore) (*verification.JPKIDeps, *synth.JPKI, error) {
	prod, err := jpki.ProductionRoots()
	if err != nil {
		return nil, nil, fmt.Errorf("jpki: %w", err)
	}
	live := jpki.VerifyOptions{Trust: prod}
	if cfg.JPKI.Revocation != "" {
		if live.Revocation, err = revocationChecker(cfg.JPKI); err != nil {
			return nil, nil, err
		}
	}
	test := live
	var pki *synth.JPKI
	if cfg.JPKI.TestPKI {
		pki, err = synth.NewJPKI(synth.JPKIConfig{Seed: synth.JPKITestSeed})
		if err != nil {
			return nil, nil, fmt.Errorf("jpki: test PKI: %w", err)
		}
		roots := []jpki.PinnedRoot{{Cert: pki.SignRootDER(), SHA256: synth.JPKIFingerprint(pki.SignRootDER())}}
		for _, c := range prod.Roots() {
			sum := sha256.Sum256(c.Raw)
			roots = append(roots, jpki.PinnedRoot{Cert: c.Raw, SHA256: hex.EncodeToString(sum[:])})
		}
		if test.Trust, err = jpki.NewTrustStore(roots...); err != nil {
			return nil, nil, fmt.Errorf("jpki: test trust store: %w", err)
		}
		testCRL := jpki.NewCRLChecker(jpki.CRLSourceFunc(func(context.Context, *x509.Certificate, *x509.Certificate) ([]byte, error) {
			return pki.CRLAt(time.Now())
		}))
		test.Revocation = byIssuer{root: pki.SignRoot(), test: testCRL, other: live.Revocation}
	}
	return &verification.JPKIDeps{
		Options: func(mode string) jpki.VerifyOptions {
			if mode == "test" {
				return test
			}
			return live
		},
		Nonces: nonces, NonceTTL: cfg.JPKI.NonceTTL.Std(),
	}, pki, nil
}

func revocationChecker(c config.JPKI) (jpki.RevocationChecker, error) {
	var opts []jpki.HTTPOption
	if c.RevocationToken != "" {
		opts = append(opts, jpki.WithBearerToken(c.RevocationToken))
	}
	kind, url, _ := strings.Cut(c.Revocation, ":")
	switch kind {
	case "crl":
		src, err := jpki.NewHTTPCRLSource(url, opts...)
		if err != nil {
			return nil, err
		}
		return jpki.NewCRLChecker(src), nil
	case "ocsp":
		return jpki.NewOCSPChecker(url, opts...)
	case "platform":
		return jpki.NewPlatformChecker(url, opts...)
	}
	return nil, fmt.Errorf("jpki.revocation: unknown source %q", kind)
}

// byIssuer sends test-PKI certificates to the test PKI's CRL and everything
// else to the configured source (none: unknown, never good).
type byIssuer struct {
	root  *x509.Certificate
	test  jpki.RevocationChecker
	other jpki.RevocationChecker
}

func (b byIssuer) CheckRevocation(ctx context.Context, cert, issuer *x509.Certificate, at time.Time) (jpki.RevocationAnswer, error) {
	if issuer != nil && issuer.Equal(b.root) {
		return b.test.CheckRevocation(ctx, cert, issuer, at)
	}
	if b.other == nil {
		return jpki.RevocationAnswer{Status: jpki.RevocationUnknown, Detail: "no revocation source configured for J-LIS certificates"}, nil
	}
	return b.other.CheckRevocation(ctx, cert, issuer, at)
}
