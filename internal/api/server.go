// Package api is kakunin's tenant REST API (/v1) plus health and metrics:
// handlers, authentication, problem+json errors and idempotency.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/ratelimit"
	"github.com/kakunin-dev/kakunin/internal/store"
	"github.com/kakunin-dev/kakunin/internal/tenant"
	"github.com/kakunin-dev/kakunin/internal/upload"
	"github.com/kakunin-dev/kakunin/internal/verification"
	"github.com/kakunin-dev/kakunin/internal/webhook"
)

// Authenticator resolves API keys.
type Authenticator interface {
	Authenticate(ctx context.Context, secret string) (tenant.Principal, error)
}

// IdempotencyStore keeps responses to creating POSTs.
type IdempotencyStore interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Idempotency(ctx context.Context, tenantID, key string) (*store.IdempotencyRecord, error)
	PutIdempotency(ctx context.Context, r store.IdempotencyRecord) error
}

// Sealer encrypts stored responses (they can hold client tokens).
type Sealer interface {
	Seal(ctx context.Context, tenantID string, plaintext, aad []byte) ([]byte, error)
	Open(ctx context.Context, tenantID string, ciphertext, aad []byte) ([]byte, error)
}

// Deps are the Server's collaborators.
type Deps struct {
	Auth          Authenticator
	Verifications *verification.Service
	Webhooks      *webhook.Dispatcher
	WebhookStore  webhook.Store
	Idempotency   IdempotencyStore
	Sealer        Sealer
	Limits        upload.Limits
	Ready         func(ctx context.Context) error
	Log           *slog.Logger
	Metrics       *Metrics
	// RateLimit is requests per second allowed per API key or client token
	// (0: unlimited); RateBurst the bucket size.
	RateLimit float64
	RateBurst int
	// PublicURL is the base URL clients reach the server at (for hand-off
	// links); empty: the request's own host.
	PublicURL string
}

// Server serves the API.
type Server struct {
	Deps
	log     *slog.Logger
	mux     *http.ServeMux
	limiter *ratelimit.Keyed
}

// Metrics are the Prometheus collectors, in a registry of their own.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	Jobs     *prometheus.HistogramVec
	Checks   *prometheus.HistogramVec
}

// NewMetrics registers kakunin's collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kakunin_http_requests_total",
			Help: "HTTP requests by route and status code."}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kakunin_http_request_duration_seconds",
			Help: "HTTP request latency by route.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"route"}),
		Jobs: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kakunin_job_duration_seconds",
			Help: "Job run time by kind and outcome.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}, []string{"kind", "outcome"}),
		Checks: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kakunin_check_duration_seconds",
			Help: "Pipeline check run time by check and status.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}, []string{"check", "status"}),
	}
	m.Registry.MustRegister(m.requests, m.latency, m.Jobs, m.Checks,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// New builds the Server and its routes.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics()
	}
	if d.Limits == (upload.Limits{}) {
		d.Limits = upload.DefaultLimits()
	}
	s := &Server{Deps: d, log: d.Log, mux: http.NewServeMux(), limiter: ratelimit.New(d.RateLimit, max(d.RateBurst, 1))}
	s.routes()
	return s
}

func (s *Server) routes() {
	key := s.withAPIKey
	s.mux.Handle("POST /v1/verifications", key(s.createVerification))
	s.mux.Handle("GET /v1/verifications", key(s.listVerifications))
	s.mux.Handle("GET /v1/verifications/{id}", key(s.getVerification))
	s.mux.Handle("DELETE /v1/verifications/{id}", key(s.redactVerification))
	s.mux.Handle("POST /v1/verifications/{id}/cancel", key(s.cancelVerification))
	client, card := s.withKeyOrClientToken, s.withKeyClientOrHandoff
	s.mux.Handle("POST /v1/verifications/{id}/evidence", client(s.addEvidence))
	s.mux.Handle("POST /v1/verifications/{id}/quality", client(s.assessQuality))
	s.mux.Handle("POST /v1/verifications/{id}/submit", client(s.submitVerification))
	s.mux.Handle("GET /v1/verifications/{id}/challenge", client(s.livenessChallenge))
	s.mux.Handle("POST /v1/verifications/{id}/challenge", client(s.livenessChallenge))
	s.mux.Handle("POST /v1/verifications/{id}/handoff", client(s.createHandoff))
	s.mux.Handle("POST /v1/verifications/{id}/jpki/nonce", card(s.jpkiNonce))
	s.mux.Handle("POST /v1/verifications/{id}/jpki", card(s.submitJPKI))
	s.mux.Handle("POST /v1/verifications/{id}/chip/challenge", card(s.chipChallenge))
	s.mux.Handle("POST /v1/verifications/{id}/chip", card(s.submitChip))
	s.mux.Handle("GET /v1/client/verification", http.HandlerFunc(s.clientVerification))
	s.mux.Handle("GET /v1/verifications/{id}/records", key(s.listRecords))
	s.mux.Handle("POST /v1/subjects/{ref}/close", key(s.closeSubject))
	s.mux.Handle("POST /v1/webhook_endpoints", key(s.createWebhookEndpoint))
	s.mux.Handle("GET /v1/webhook_endpoints", key(s.listWebhookEndpoints))
	s.mux.Handle("DELETE /v1/webhook_endpoints/{id}", key(s.disableWebhookEndpoint))
	s.mux.Handle("GET /v1/events", key(s.listEvents))
	s.mux.Handle("POST /v1/events/{id}/redeliver", key(s.redeliverEvent))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if s.Ready != nil {
			if err := s.Ready(r.Context()); err != nil {
				s.writeError(w, r, errkind.Wrap(err, errkind.ErrUnavailable, "not_ready", "not ready"))
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.Metrics.Registry, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errkind.New(errkind.ErrNotFound, "route_not_found", "no route for %s %s", r.Method, r.URL.Path))
	})
}

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyPrincipal
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// Handler wraps the routes with request IDs, panic recovery, access logs and
// metrics. Logs carry the route pattern, never the path (paths hold IDs) or
// bodies.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var b [8]byte
		_, _ = rand.Read(b[:])
		rid := "req_" + hex.EncodeToString(b[:])
		r = r.WithContext(context.WithValue(r.Context(), keyRequestID, rid))
		w.Header().Set("X-Request-Id", rid)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.writeError(sw, r, fmt.Errorf("panic: %v", p))
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			s.Metrics.requests.WithLabelValues(r.Method, route, strconv.Itoa(sw.status)).Inc()
			s.Metrics.latency.WithLabelValues(route).Observe(d.Seconds())
			if route != "GET /metrics" && route != "GET /healthz" {
				s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("request_id", rid),
					slog.String("route", route), slog.Int("status", sw.status), slog.Duration("duration", d))
			}
		}()
		s.mux.ServeHTTP(sw, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, p tenant.Principal) error

// withAPIKey authenticates the tenant's API key.
func (s *Server) withAPIKey(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.Auth.Authenticate(r.Context(), bearer(r))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kakunin"`)
			s.writeError(w, r, err)
			return
		}
		if !s.allow(w, r, p.KeyID) {
			return
		}
		if err := h(w, r, p); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// withKeyOrClientToken accepts an API key, or the verification's own client
// token (the applicant's device) — which grants nothing beyond that one
// verification.
func (s *Server) withKeyOrClientToken(h handlerFunc) http.Handler { return s.withClient(h, false) }

// withKeyClientOrHandoff also admits the card client's hand-off token (card
// routes only).
func (s *Server) withKeyClientOrHandoff(h handlerFunc) http.Handler { return s.withClient(h, true) }

func (s *Server) withClient(h handlerFunc, card bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, p, ok, err := s.clientPrincipal(r, card)
		if !ok {
			s.withAPIKey(h).ServeHTTP(w, r)
			return
		}
		if err == nil && v.ID != r.PathValue("id") {
			err = errkind.New(errkind.ErrNotFound, "verification_not_found", "no such verification")
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !s.allow(w, r, "client:"+v.ID) {
			return
		}
		if err := h(w, r, p); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// allow applies the per-key rate limit, answering 429 with Retry-After.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, key string) bool {
	ok, retry := s.limiter.Allow(key, time.Now())
	if !ok {
		w.Header().Set("Retry-After", retry)
		s.writeError(w, r, errkind.New(errkind.ErrRateLimited, "rate_limited",
			"more than %g requests per second with this key; retry after %s s", s.limiter.Rate(), retry))
	}
	return ok
}

func actorOf(p tenant.Principal) verification.Actor {
	switch p.KeyID {
	case "client":
		return "capture_client"
	case "handoff":
		return "card_client"
	}
	return verification.Actor("api_key:" + p.KeyID)
}
