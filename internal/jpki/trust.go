package jpki

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"embed"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"
)

// The SHA-256 fingerprints J-LIS publishes for its roots
// (https://www.jpki.go.jp/ca/ca_rules3.html). A root file is only ever
// loaded if it hashes to one of these.
const (
	FingerprintSign2015 = "19645405a1fe14377434bd55957628ac4038557c542403a2243f21c706fc9355"
	FingerprintSign2019 = "79679c33e4cc9319440f1ad120a597ff1844e2ef217063adb176966fd5e6fbeb"
	FingerprintSign2023 = "d227f6cde11d35c5252178f106f843d24651944975413b539fa2fb68dbfa365f"
	FingerprintAuth2015 = "4dcfc4ca0aaf9fb2a3081b3f0c991c320b3acc008667a341eeaec5af1d58ca7d"
	FingerprintAuth2023 = "64114f29620c24ed2631d46476a040e7ee740d956089c00b036a6a8118c322b5"
)

//go:embed roots/*.pem
var embeddedRoots embed.FS

// embeddedSignRoots and embeddedAuthRoots map the files under roots/ to
// their pins. The 2019 signing root is not shipped (no public copy was at
// hand); a deployment adds it with ProductionRoots(extra).
var (
	embeddedSignRoots = []pinnedFile{
		{"roots/jlis_sign_ca_2015.pem", FingerprintSign2015},
		{"roots/jlis_sign_ca_2023.pem", FingerprintSign2023},
	}
	embeddedAuthRoots = []pinnedFile{
		{"roots/jlis_auth_ca_2015.pem", FingerprintAuth2015},
		{"roots/jlis_auth_ca_2023.pem", FingerprintAuth2023},
	}
)

type pinnedFile struct{ path, sha256 string }

// PinnedRoot is a root certificate (PEM or DER) and the SHA-256 fingerprint
// it must have (hex; case and colons are ignored).
type PinnedRoot struct {
	Cert   []byte
	SHA256 string
}

// TrustStore is a fixed set of root certificates, each pinned by
// fingerprint. Certificates a client sends are never added to it: chains are
// built from the end-entity certificate to these roots only.
type TrustStore struct {
	roots []*x509.Certificate
	pool  *x509.CertPool
}

// NewTrustStore loads roots, refusing any whose SHA-256 differs from its pin,
// that is not a self-signed CA certificate allowed to sign certificates, or
// whose key is weaker than RSA-2048. An expired root loads: signatures made
// before it expired may still need checking, and the verification time
// decides.
func NewTrustStore(roots ...PinnedRoot) (*TrustStore, error) {
	if len(roots) == 0 {
		return nil, errors.New("jpki: trust store needs at least one root")
	}
	s := &TrustStore{pool: x509.NewCertPool()}
	for i, r := range roots {
		cert, err := parsePinnedRoot(r)
		if err != nil {
			return nil, fmt.Errorf("jpki: root %d: %w", i, err)
		}
		s.roots = append(s.roots, cert)
		s.pool.AddCert(cert)
	}
	return s, nil
}

func parsePinnedRoot(r PinnedRoot) (*x509.Certificate, error) {
	der := r.Cert
	if block, _ := pem.Decode(r.Cert); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %q is not a CERTIFICATE", block.Type)
		}
		der = block.Bytes
	}
	want := normalizeFingerprint(r.SHA256)
	if len(want) != 64 {
		return nil, errors.New("pin is not a SHA-256 fingerprint")
	}
	if got := fingerprint(der); got != want {
		return nil, fmt.Errorf("fingerprint %s does not match the pin %s", got, want)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if !cert.BasicConstraintsValid || !cert.IsCA {
		return nil, errors.New("not a CA certificate")
	}
	if cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, errors.New("key usage does not allow certificate signing")
	}
	if err := cert.CheckSignatureFrom(cert); err != nil {
		return nil, fmt.Errorf("not self-signed: %w", err)
	}
	if pub, ok := cert.PublicKey.(*rsa.PublicKey); !ok || pub.N.BitLen() < 2048 {
		return nil, errors.New("key is not RSA-2048 or stronger")
	}
	return cert, nil
}

func normalizeFingerprint(s string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(s))
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// ProductionRoots is the trust store for JPKI signing certificates: the J-LIS
// 2015 and 2023 signing roots embedded in the binary, checked against their
// published fingerprints, plus extra root files (PEM or DER) — in practice the
// 2019 root (signca02.cer) — each of which must hash to a J-LIS signing
// fingerprint. Call it at start-up: an error means the binary or the
// configured file is not what J-LIS published.
func ProductionRoots(extra ...[]byte) (*TrustStore, error) {
	return productionRootsFrom(embeddedRoots, embeddedSignRoots, extra)
}

// ProductionAuthRoots is the trust store for user-authentication
// (利用者証明用) certificates, for a future login flow. Those certificates
// carry no attributes; never use this store for identity verification.
func ProductionAuthRoots() (*TrustStore, error) {
	return productionRootsFrom(embeddedRoots, embeddedAuthRoots, nil)
}

func productionRootsFrom(fsys fs.FS, files []pinnedFile, extra [][]byte) (*TrustStore, error) {
	var roots []PinnedRoot
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f.path)
		if err != nil {
			return nil, fmt.Errorf("jpki: embedded root %s: %w", f.path, err)
		}
		if _, err := parsePinnedRoot(PinnedRoot{Cert: b, SHA256: f.sha256}); err != nil {
			return nil, fmt.Errorf("jpki: embedded root %s refused: %w", f.path, err)
		}
		roots = append(roots, PinnedRoot{Cert: b, SHA256: f.sha256})
	}
	for i, b := range extra {
		der := b
		if block, _ := pem.Decode(b); block != nil {
			der = block.Bytes
		}
		fp := fingerprint(der)
		switch fp {
		case FingerprintSign2015, FingerprintSign2019, FingerprintSign2023:
			roots = append(roots, PinnedRoot{Cert: der, SHA256: fp})
		default:
			return nil, fmt.Errorf("jpki: extra root %d (SHA-256 %s) is not a published J-LIS signing root", i, fp)
		}
	}
	return NewTrustStore(roots...)
}

// Roots returns the pinned roots.
func (s *TrustStore) Roots() []*x509.Certificate {
	return append([]*x509.Certificate(nil), s.roots...)
}

// Fingerprints returns the roots' SHA-256 fingerprints (lowercase hex).
func (s *TrustStore) Fingerprints() []string {
	out := make([]string, len(s.roots))
	for i, r := range s.roots {
		out[i] = fingerprint(r.Raw)
	}
	return out
}

// verifyChain builds a chain from ee to a pinned root valid at t. JPKI
// roots issue end-entity certificates directly, so no intermediates are
// accepted, from the client or anywhere else.
func (s *TrustStore) verifyChain(ee *x509.Certificate, t time.Time) ([]*x509.Certificate, error) {
	chains, err := ee.Verify(x509.VerifyOptions{
		Roots:       s.pool,
		CurrentTime: t,
		// JPKI certificates carry no extended key usage; x509 would
		// otherwise demand serverAuth.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return nil, err
	}
	return chains[0], nil
}
