package webhook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// testPolicy lets deliveries reach httptest servers on loopback.
var testPolicy = URLPolicy{AllowPrivate: true, AllowHTTP: true}

func assertReason(t *testing.T, err error, reason string) {
	t.Helper()
	if got := errkind.Reason(err); got != reason {
		t.Fatalf("error = %v; want reason %s", err, reason)
	}
}

func TestSendDelivers(t *testing.T) {
	const secret = "whsec_test"
	body := []byte(`{"id":"evt_1","type":"verification.approved"}`)
	now := time.Unix(1700000000, 0)
	var got struct {
		method, contentType, userAgent, eventID string
		verifyErr                               error
		body                                    []byte
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.contentType, got.userAgent = r.Method, r.Header.Get("Content-Type"), r.Header.Get("User-Agent")
		got.eventID = r.Header.Get("Kakunin-Event-Id")
		got.body, _ = io.ReadAll(r.Body)
		got.verifyErr = Verify(r.Header.Get("Kakunin-Signature"), secret, got.body, now, time.Minute)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	status, err := Send(context.Background(), NewClient(testPolicy, 5*time.Second), srv.URL+"/hook", secret, "evt_1", body, now)
	if err != nil || status != http.StatusNoContent {
		t.Fatalf("Send = %d, %v; want 204, nil", status, err)
	}
	for name, pair := range map[string][2]string{
		"method":           {got.method, "POST"},
		"Content-Type":     {got.contentType, "application/json"},
		"User-Agent":       {got.userAgent, "kakunin-webhook/1"},
		"Kakunin-Event-Id": {got.eventID, "evt_1"},
		"body":             {string(got.body), string(body)},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s = %q; want %q", name, pair[0], pair[1])
		}
	}
	if got.verifyErr != nil {
		t.Errorf("receiver's Verify = %v; want nil", got.verifyErr)
	}
}

func TestSendFailures(t *testing.T) {
	var hitTarget atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hitTarget.Add(1) }))
	defer target.Close()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/500":
			w.WriteHeader(http.StatusInternalServerError)
		case "/410":
			w.WriteHeader(http.StatusGone)
		case "/redirect":
			http.Redirect(w, r, target.URL+"/elsewhere", http.StatusFound)
		case "/permanent-redirect":
			http.Redirect(w, r, target.URL+"/elsewhere", http.StatusPermanentRedirect)
		case "/slow":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	defer srv.Close()
	defer close(release) // before srv.Close: unblock handlers so Close can finish

	for name, tc := range map[string]struct {
		path       string
		timeout    time.Duration
		wantStatus int
		reason     string
	}{
		"server error":       {"/500", 5 * time.Second, 500, "webhook_http_status"},
		"gone":               {"/410", 5 * time.Second, 410, "webhook_http_status"},
		"redirect":           {"/redirect", 5 * time.Second, 302, "webhook_redirect"},
		"permanent redirect": {"/permanent-redirect", 5 * time.Second, 308, "webhook_redirect"},
		"timeout":            {"/slow", 200 * time.Millisecond, 0, "webhook_timeout"},
	} {
		t.Run(name, func(t *testing.T) {
			status, err := Send(context.Background(), NewClient(testPolicy, tc.timeout), srv.URL+tc.path, "s", "evt_1", []byte("{}"), time.Now())
			if status != tc.wantStatus {
				t.Errorf("status = %d; want %d", status, tc.wantStatus)
			}
			assertReason(t, err, tc.reason)
		})
	}
	if n := hitTarget.Load(); n != 0 {
		t.Errorf("redirect target was requested %d times; want 0", n)
	}
}

func TestSendConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	_, err := Send(context.Background(), NewClient(testPolicy, 5*time.Second), url, "s", "evt_1", nil, time.Now())
	assertReason(t, err, "webhook_connection_failed")
}

// An endpoint that sends a long answer and then stalls must not keep Send
// reading: Send stops after 4 KB. (The watchdog only turns a hang into a
// failure; it does not measure speed.)
func TestSendReadsBoundedResponse(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 64<<10))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		status, err := Send(context.Background(), NewClient(testPolicy, time.Hour), srv.URL, "s", "evt_1", nil, time.Now())
		done <- result{status, err}
	}()
	select {
	case r := <-done:
		if r.err != nil || r.status != 200 {
			t.Fatalf("Send = %d, %v; want 200, nil", r.status, r.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Send is still reading a stalled response after 30s; want it to stop after 4 KB")
	}
}

// The same loopback server that testPolicy reaches is refused when private
// addresses are not allowed — at dial time, since Send does not call Check:
// this is the check that stops DNS rebinding.
func TestSendRefusesPrivateAddressAtDial(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	ctx := context.Background()

	if _, err := Send(ctx, NewClient(testPolicy, 5*time.Second), srv.URL, "s", "evt_1", nil, time.Now()); err != nil {
		t.Fatalf("allowed Send = %v; want nil", err)
	}
	for name, url := range map[string]string{
		"literal loopback": srv.URL,
		"localhost name":   "http://localhost:" + strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Send(ctx, NewClient(URLPolicy{AllowHTTP: true}, 5*time.Second), url, "s", "evt_1", nil, time.Now())
			assertReason(t, err, "webhook_url_not_allowed")
			if !errors.Is(err, errkind.ErrInvalid) {
				t.Errorf("error kind: %v; want ErrInvalid", err)
			}
		})
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("server saw %d requests; want 1 (only the allowed one)", n)
	}
}

func TestSendEnforcesScheme(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	for name, tc := range map[string]struct {
		url    string
		reason string
	}{
		"plain http without AllowHTTP": {srv.URL, "webhook_url_not_allowed"},
		"user info":                    {"https://u:p@" + srv.Listener.Addr().String(), "webhook_url_not_allowed"},
		"unparsable":                   {"https://[::1", "webhook_url_invalid"},
		"other scheme":                 {"ftp://" + srv.Listener.Addr().String(), "webhook_url_invalid"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Send(context.Background(), NewClient(URLPolicy{AllowPrivate: true}, 5*time.Second), tc.url, "s", "evt_1", nil, time.Now())
			assertReason(t, err, tc.reason)
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("server saw %d requests; want 0", n)
	}
}

func TestSendTLS(t *testing.T) {
	newServer := func(maxVersion uint16) *httptest.Server {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		srv.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: maxVersion}
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // expected handshake failures
		srv.StartTLS()
		return srv
	}
	clientTrusting := func(srv *httptest.Server) *http.Client {
		c := NewClient(URLPolicy{AllowPrivate: true}, 5*time.Second)
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		c.Transport.(*policyTransport).base.TLSClientConfig.RootCAs = pool
		return c
	}

	modern := newServer(tls.VersionTLS13)
	defer modern.Close()
	if status, err := Send(context.Background(), clientTrusting(modern), modern.URL, "s", "evt_1", nil, time.Now()); err != nil || status != 200 {
		t.Fatalf("Send over TLS 1.3 = %d, %v; want 200, nil", status, err)
	}
	if _, err := Send(context.Background(), NewClient(URLPolicy{AllowPrivate: true}, 5*time.Second), modern.URL, "s", "evt_1", nil, time.Now()); err == nil {
		t.Error("Send to a server with an untrusted certificate succeeded; want an error")
	}

	// A server that stops at TLS 1.1 is refused; the same client with only
	// its minimum version lowered gets through, so the minimum is the cause.
	old := newServer(tls.VersionTLS11)
	defer old.Close()
	_, err := Send(context.Background(), clientTrusting(old), old.URL, "s", "evt_1", nil, time.Now())
	assertReason(t, err, "webhook_connection_failed")
	if !strings.Contains(err.Error(), "protocol version") {
		t.Errorf("Send to a TLS 1.1 server: %v; want a protocol version alert", err)
	}
	lowered := clientTrusting(old)
	lowered.Transport.(*policyTransport).base.TLSClientConfig.MinVersion = tls.VersionTLS10
	if _, err := Send(context.Background(), lowered, old.URL, "s", "evt_1", nil, time.Now()); err != nil {
		t.Errorf("control: Send with MinVersion TLS 1.0 = %v; want nil", err)
	}
}
