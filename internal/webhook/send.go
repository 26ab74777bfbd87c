package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Request headers of every delivery.
const (
	EventIDHeader = "Kakunin-Event-Id"
	userAgent     = "kakunin-webhook/1"
)

// maxResponseRead bounds what is read of a receiver's answer: only the
// status matters, and a hostile endpoint must not make us read forever.
const maxResponseRead = 4 << 10

// NewClient returns the HTTP client for deliveries under policy p. Its
// dialer checks the IP it actually connects to, after DNS resolution, so a
// name that passed Check and later resolves to an internal address (DNS
// rebinding) is still refused. It follows no redirects, ignores proxy
// environment variables (a proxy would hide the destination from the
// check), refuses plain http unless AllowHTTP, and requires TLS 1.2 or later.
// timeout bounds a whole delivery (connect, send, headers and body read).
func NewClient(p URLPolicy, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{
		Timeout:   min(timeout, 10*time.Second),
		KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			return p.checkDialAddr(address)
		},
	}
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    10 * time.Second,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: &policyTransport{policy: p, base: transport},
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// policyTransport re-applies the DNS-free URL checks (scheme, user info) to
// every request, so a stored URL that predates a policy change is refused.
type policyTransport struct {
	policy URLPolicy
	base   *http.Transport
}

func (t *policyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if _, err := t.policy.parse(req.URL.String()); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return t.base.RoundTrip(req)
}

func (t *policyTransport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// Send posts one event body to an endpoint, signed with secret at now, and
// returns the HTTP status (0 if none arrived). Only a 2xx answer counts as
// delivered; anything else — another status, a redirect, a timeout, a
// refused address — is an *errkind.Error (kind ErrUnavailable, or ErrInvalid
// for a URL the policy refuses) whose reason is one of webhook_http_status,
// webhook_redirect, webhook_timeout, webhook_connection_failed,
// webhook_url_invalid or webhook_url_not_allowed. Errors do not repeat the
// URL, which may carry a tenant's token.
func Send(ctx context.Context, c *http.Client, rawURL, secret, eventID string, body []byte, now time.Time) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return 0, errkind.New(errkind.ErrInvalid, "webhook_url_invalid", "endpoint url does not parse")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(EventIDHeader, eventID)
	req.Header.Set(SignatureHeader, Sign(secret, now, body))

	resp, err := c.Do(req)
	if err != nil {
		return 0, transportError(err)
	}
	defer resp.Body.Close()
	// Reading a little lets the connection be reused for small answers;
	// a larger answer is cut off and its connection closed.
	_, readErr := io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseRead))

	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp.StatusCode, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return resp.StatusCode, errkind.New(errkind.ErrUnavailable, "webhook_redirect",
			"endpoint answered %d; redirects are not followed, register the final URL", resp.StatusCode)
	default:
		err := errkind.New(errkind.ErrUnavailable, "webhook_http_status", "endpoint answered %d", resp.StatusCode)
		if readErr != nil && isTimeout(readErr) {
			err.Err = readErr
		}
		return resp.StatusCode, err
	}
}

// transportError classifies a failed round trip, dropping *url.Error's copy
// of the URL.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ke *errkind.Error
	if errors.As(err, &ke) { // refused by the policy, at request or dial time
		return ke
	}
	if isTimeout(err) {
		return errkind.Wrap(err, errkind.ErrUnavailable, "webhook_timeout", "endpoint did not answer in time")
	}
	return errkind.Wrap(err, errkind.ErrUnavailable, "webhook_connection_failed", "could not reach endpoint")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
