package jpki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"golang.org/x/crypto/ocsp"
)

// RevocationChecker answers whether a signing certificate was revoked at a
// given time. J-LIS gives revocation data only to registered verifiers and
// certified platform operators, so kakunin talks to whichever of them the
// deployment has: a CRL, an OCSP responder, or a platform operator's API.
type RevocationChecker interface {
	// CheckRevocation returns Good, Revoked or Unknown. An error means
	// the source could not answer; the verification then records
	// RevocationUnknown with the error as detail.
	CheckRevocation(ctx context.Context, cert, issuer *x509.Certificate, at time.Time) (RevocationAnswer, error)
}

// RevocationAnswer is a revocation source's answer.
type RevocationAnswer struct {
	Status    RevocationStatus // Good, Revoked or Unknown
	Source    string           // "crl", "ocsp", "platform"
	CheckedAt time.Time        // when the source produced the answer
	RevokedAt time.Time        // set when Revoked
	Detail    string           // why Unknown, for developers
}

// clockSkew is how far in the future a CRL's thisUpdate or an OCSP answer's
// thisUpdate may lie.
const clockSkew = 5 * time.Minute

// HTTPOption configures the HTTP client side of a revocation source.
type HTTPOption func(*httpSettings)

type httpSettings struct {
	client   *http.Client
	header   http.Header
	maxBytes int64
}

func newHTTPSettings(opts []HTTPOption) httpSettings {
	s := httpSettings{client: &http.Client{Timeout: 10 * time.Second}, header: http.Header{}, maxBytes: 8 << 20}
	for _, o := range opts {
		o(&s)
	}
	return s
}

// WithHTTPClient sets the HTTP client (default: 10 s timeout).
func WithHTTPClient(c *http.Client) HTTPOption { return func(s *httpSettings) { s.client = c } }

// WithBearerToken sends "Authorization: Bearer <token>".
func WithBearerToken(token string) HTTPOption {
	return func(s *httpSettings) { s.header.Set("Authorization", "Bearer "+token) }
}

// WithHeader sends an extra header (an API key header, for instance).
func WithHeader(name, value string) HTTPOption {
	return func(s *httpSettings) { s.header.Add(name, value) }
}

// WithMaxResponseBytes bounds the response body (default 8 MiB).
func WithMaxResponseBytes(n int64) HTTPOption { return func(s *httpSettings) { s.maxBytes = n } }

func (s httpSettings) do(req *http.Request) ([]byte, error) {
	for k, vs := range s.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.maxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > s.maxBytes {
		return nil, fmt.Errorf("response larger than %d bytes", s.maxBytes)
	}
	return body, nil
}

// CRLSource fetches the CRL (DER) covering cert. J-LIS partitions its CRLs
// by the directoryName distribution point in each certificate, so a source
// gets the certificate, not just the issuer.
type CRLSource interface {
	FetchCRL(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error)
}

// CRLSourceFunc adapts a function to CRLSource (a file on disk, a CRL
// already in memory).
type CRLSourceFunc func(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error)

// FetchCRL calls f.
func (f CRLSourceFunc) FetchCRL(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	return f(ctx, cert, issuer)
}

// HTTPCRLSource fetches one CRL from a fixed URL on every check.
type HTTPCRLSource struct {
	url  string
	http httpSettings
}

// NewHTTPCRLSource returns a source that GETs rawURL.
func NewHTTPCRLSource(rawURL string, opts ...HTTPOption) (*HTTPCRLSource, error) {
	if err := checkEndpoint(rawURL); err != nil {
		return nil, err
	}
	return &HTTPCRLSource{url: rawURL, http: newHTTPSettings(opts)}, nil
}

// FetchCRL implements CRLSource.
func (s *HTTPCRLSource) FetchCRL(ctx context.Context, _, _ *x509.Certificate) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	return s.http.do(req)
}

// CRLChecker checks revocation against a CRL from a CRLSource. The CRL must
// be signed by the certificate's issuer and current at the signing time.
type CRLChecker struct{ source CRLSource }

var _ RevocationChecker = (*CRLChecker)(nil)

// NewCRLChecker returns a checker reading CRLs from src.
func NewCRLChecker(src CRLSource) *CRLChecker { return &CRLChecker{source: src} }

// CheckRevocation implements RevocationChecker.
func (c *CRLChecker) CheckRevocation(ctx context.Context, cert, issuer *x509.Certificate, at time.Time) (RevocationAnswer, error) {
	der, err := c.source.FetchCRL(ctx, cert, issuer)
	if err != nil {
		return RevocationAnswer{}, fmt.Errorf("crl: fetch: %w", err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return RevocationAnswer{}, fmt.Errorf("crl: parse: %w", err)
	}
	if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
		return RevocationAnswer{}, errors.New("crl: issued by another CA")
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return RevocationAnswer{}, fmt.Errorf("crl: signature: %w", err)
	}
	if crl.ThisUpdate.After(at.Add(clockSkew)) {
		return RevocationAnswer{}, errors.New("crl: thisUpdate is after the signing time")
	}
	if crl.NextUpdate.IsZero() || crl.NextUpdate.Before(at) {
		return RevocationAnswer{}, errors.New("crl: stale (nextUpdate before the signing time)")
	}
	ans := RevocationAnswer{Status: RevocationGood, Source: "crl", CheckedAt: crl.ThisUpdate}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			ans.Status, ans.RevokedAt = RevocationRevoked, e.RevocationTime
			break
		}
	}
	return ans, nil
}

// OCSPChecker asks an RFC 6960 responder. The answer must be signed by the
// issuer, or by a responder certificate the issuer signed for OCSP signing.
type OCSPChecker struct {
	url  string
	http httpSettings
}

var _ RevocationChecker = (*OCSPChecker)(nil)

// NewOCSPChecker returns a checker that POSTs requests to responderURL.
// CertIDs use SHA-1, as RFC 5019 responders expect.
func NewOCSPChecker(responderURL string, opts ...HTTPOption) (*OCSPChecker, error) {
	if err := checkEndpoint(responderURL); err != nil {
		return nil, err
	}
	return &OCSPChecker{url: responderURL, http: newHTTPSettings(append([]HTTPOption{WithMaxResponseBytes(1 << 20)}, opts...))}, nil
}

// CheckRevocation implements RevocationChecker.
func (c *OCSPChecker) CheckRevocation(ctx context.Context, cert, issuer *x509.Certificate, at time.Time) (RevocationAnswer, error) {
	reqDER, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA1})
	if err != nil {
		return RevocationAnswer{}, fmt.Errorf("ocsp: request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(reqDER))
	if err != nil {
		return RevocationAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/ocsp-request")
	req.Header.Set("Accept", "application/ocsp-response")
	body, err := c.http.do(req)
	if err != nil {
		return RevocationAnswer{}, fmt.Errorf("ocsp: %w", err)
	}
	resp, err := ocsp.ParseResponseForCert(body, cert, issuer)
	if err != nil {
		return RevocationAnswer{}, fmt.Errorf("ocsp: response: %w", err)
	}
	if rc := resp.Certificate; rc != nil {
		if !slices.Contains(rc.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
			return RevocationAnswer{}, errors.New("ocsp: delegated responder lacks id-kp-OCSPSigning")
		}
		if at.Before(rc.NotBefore) || at.After(rc.NotAfter) {
			return RevocationAnswer{}, errors.New("ocsp: delegated responder certificate not valid")
		}
	}
	if resp.ThisUpdate.After(at.Add(clockSkew)) {
		return RevocationAnswer{}, errors.New("ocsp: thisUpdate is after the signing time")
	}
	if !resp.NextUpdate.IsZero() && resp.NextUpdate.Before(at) {
		return RevocationAnswer{}, errors.New("ocsp: stale answer")
	}
	ans := RevocationAnswer{Source: "ocsp", CheckedAt: resp.ThisUpdate}
	switch resp.Status {
	case ocsp.Good:
		ans.Status = RevocationGood
	case ocsp.Revoked:
		ans.Status, ans.RevokedAt = RevocationRevoked, resp.RevokedAt
	default:
		ans.Status, ans.Detail = RevocationUnknown, "responder does not know the certificate"
	}
	return ans, nil
}

// PlatformChecker asks a certified platform operator (プラットフォーム事業者)
// over the JSON protocol in docs/jpki.md: POST the certificate, receive
// good, revoked or unknown. An operator whose own API differs is put behind
// a small adapter that speaks this protocol.
type PlatformChecker struct {
	endpoint string
	http     httpSettings
}

var _ RevocationChecker = (*PlatformChecker)(nil)

// PlatformProtocolVersion is the "version" member of every request.
const PlatformProtocolVersion = "kakunin.jpki.revocation/v1"

// NewPlatformChecker returns a checker for endpoint, authenticated with
// WithBearerToken or WithHeader.
func NewPlatformChecker(endpoint string, opts ...HTTPOption) (*PlatformChecker, error) {
	if err := checkEndpoint(endpoint); err != nil {
		return nil, err
	}
	return &PlatformChecker{endpoint: endpoint, http: newHTTPSettings(append([]HTTPOption{WithMaxResponseBytes(64 << 10)}, opts...))}, nil
}

// PlatformRequest is the body kakunin POSTs to a platform operator.
type PlatformRequest struct {
	Version     string `json:"version"`
	Certificate string `json:"certificate"` // standard base64 of the DER
	Issuer      string `json:"issuer"`      // standard base64 of the issuer's DER
	Serial      string `json:"serial"`      // lowercase hex
	At          string `json:"at"`          // RFC 3339 signing time
}

// PlatformResponse is the operator's answer.
type PlatformResponse struct {
	Status    string `json:"status"`               // "good", "revoked" or "unknown"
	CheckedAt string `json:"checked_at"`           // RFC 3339
	RevokedAt string `json:"revoked_at,omitempty"` // RFC 3339, with "revoked"
	Method    string `json:"method,omitempty"`     // "crl", "ocsp", ... (informative)
	Detail    string `json:"detail,omitempty"`     // informative, never personal data
}

// CheckRevocation implements RevocationChecker.
func (c *PlatformChecker) CheckRevocation(ctx context.Context, cert, issuer *x509.Certificate, at time.Time) (RevocationAnswer, error) {
	body, err := json.Marshal(PlatformRequest{
		Version:     PlatformProtocolVersion,
		Certificate: base64.StdEncoding.EncodeToString(cert.Raw),
		Issuer:      base64.StdEncoding.EncodeToString(issuer.Raw),
		Serial:      cert.SerialNumber.Text(16),
		At:          at.UTC().Format(time.RFC3339),
	})
	if err != nil {
		return RevocationAnswer{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return RevocationAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	raw, err := c.http.do(req)
	if err != nil {
		return RevocationAnswer{}, fmt.Errorf("platform: %w", err)
	}
	var pr PlatformResponse
	if err := json.Unmarshal(raw, &pr); err != nil {
		return RevocationAnswer{}, fmt.Errorf("platform: response: %w", err)
	}
	checked, err := time.Parse(time.RFC3339, pr.CheckedAt)
	if err != nil {
		return RevocationAnswer{}, fmt.Errorf("platform: checked_at: %w", err)
	}
	ans := RevocationAnswer{Source: "platform", CheckedAt: checked, Detail: pr.Detail}
	switch pr.Status {
	case "good":
		ans.Status = RevocationGood
	case "unknown":
		ans.Status = RevocationUnknown
	case "revoked":
		ans.Status = RevocationRevoked
		if pr.RevokedAt != "" {
			if ans.RevokedAt, err = time.Parse(time.RFC3339, pr.RevokedAt); err != nil {
				return RevocationAnswer{}, fmt.Errorf("platform: revoked_at: %w", err)
			}
		}
	default:
		return RevocationAnswer{}, fmt.Errorf("platform: unknown status %q", pr.Status)
	}
	return ans, nil
}

func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("jpki: endpoint: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("jpki: endpoint %q is not an http(s) URL", raw)
	}
	return nil
}
