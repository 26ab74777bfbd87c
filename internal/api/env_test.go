package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/kakunin-dev/kakunin/internal/app"
	"github.com/kakunin-dev/kakunin/internal/config"
	"github.com/kakunin-dev/kakunin/internal/tenant"
)

// env is a running kakunin (real store, blob store, vault, job workers)
// behind an HTTP test server, with two tenants.
type env struct {
	t        testing.TB
	app      *app.App
	srv      *httptest.Server
	keyA     string // tenant "a", test mode
	keyB     string // tenant "b", test mode
	keyALive string
	dataDir  string
}

func newEnv(t testing.TB, dbURL string, configure ...func(*config.Config)) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Storage.Database = dbURL
	cfg.Webhooks.AllowPrivate, cfg.Webhooks.AllowHTTP = true, true
	cfg.Jobs.Workers = 2
	_, file, _, _ := runtime.Caller(0)
	cfg.ModelsDir = filepath.Join(filepath.Dir(file), "..", "..", "models")
	cfg.Jobs.PollInterval = config.Duration(20 * time.Millisecond)
	for _, f := range configure {
		f(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.Open(ctx, cfg, log, app.Options{Migrate: true, Workers: cfg.Jobs.Workers, CreateMasterKey: true})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := a.Queue.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, app: a, srv: httptest.NewServer(a.API.Handler()), dataDir: cfg.DataDir}
	t.Cleanup(func() {
		e.srv.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = a.Queue.Stop(sctx)
		cancel()
		a.Close()
	})
	for _, name := range []string{"a", "b"} {
		if _, err := a.CreateTenant(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	key := func(name string, mode tenant.Mode) string {
		s, _, err := a.Tenants.CreateAPIKey(ctx, name, mode)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	e.keyA, e.keyB, e.keyALive = key("a", tenant.ModeTest), key("b", tenant.ModeTest), key("a", tenant.ModeLive)
	return e
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

func router(t testing.TB) routers.Router {
	specOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(filepath.Join(filepath.Dir(file), "..", "..", "api", "openapi.yaml"))
		if err != nil {
			specErr = err
			return
		}
		if specErr = doc.Validate(context.Background()); specErr != nil {
			return
		}
		doc.Servers = nil // match any host
		specRouter, specErr = legacy.NewRouter(doc)
	})
	if specErr != nil {
		t.Fatalf("api/openapi.yaml: %v", specErr)
	}
	return specRouter
}

// resp is a response already read and checked against the OpenAPI contract.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (r resp) reason(t testing.TB) string {
	t.Helper()
	var p struct {
		Reason string `json:"reason"`
	}
	r.json(t, &p)
	return p.Reason
}

// do sends a request and validates the response against api/openapi.yaml.
func (e *env) do(method, path, key string, body io.Reader, contentType string, headers ...string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	e.validate(req, res, b)
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

func (e *env) validate(req *http.Request, res *http.Response, body []byte) {
	e.t.Helper()
	rt := router(e.t)
	route, params, err := rt.FindRoute(req)
	if err != nil {
		if res.StatusCode == http.StatusNotFound || req.URL.Path == "/healthz" || req.URL.Path == "/readyz" || req.URL.Path == "/metrics" {
			return // routes outside the tenant contract
		}
		e.t.Fatalf("%s %s: not in api/openapi.yaml: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		e.t.Fatalf("%s %s -> %d does not match api/openapi.yaml: %v\nbody: %.500s", req.Method, req.URL.Path, res.StatusCode, err, body)
	}
}

func (e *env) postJSON(path, key string, v any, headers ...string) resp {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(http.MethodPost, path, key, bytes.NewReader(b), "application/json", headers...)
}

func (e *env) upload(id, key, kind string, file []byte) resp {
	e.t.Helper()
	return e.uploadWith(id, key, kind, file, nil)
}

// uploadWith sends evidence with extra form fields (document_type, ...).
func (e *env) uploadWith(id, key, kind string, file []byte, fields map[string]string) resp {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("kind", kind)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "upload.bin")
	_, _ = fw.Write(file)
	_ = mw.Close()
	return e.do(http.MethodPost, "/v1/verifications/"+id+"/evidence", key, &buf, mw.FormDataContentType())
}

type verificationJSON struct {
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	ClientToken string            `json:"client_token"`
	CaptureURL  string            `json:"capture_url"`
	Applicant   map[string]string `json:"applicant"`
	Missing     []string          `json:"missing_evidence"`
	RedactedAt  *time.Time        `json:"redacted_at"`
	Evidence    []struct {
		ID      string `json:"id"`
		Kind    string `json:"kind"`
		Deleted bool   `json:"deleted"`
	} `json:"evidence"`
	Checks []struct {
		Name    string   `json:"name"`
		Status  string   `json:"status"`
		Reasons []string `json:"reasons"`
	} `json:"checks"`
	Decision *struct {
		Status  string   `json:"status"`
		Reasons []string `json:"reasons"`
	} `json:"decision"`
}

func (e *env) create(key string, body map[string]any, headers ...string) verificationJSON {
	e.t.Helper()
	r := e.postJSON("/v1/verifications", key, body, headers...)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("create: got %d %s; want 201", r.Status, r.Body)
	}
	var v verificationJSON
	r.json(e.t, &v)
	return v
}

func (e *env) get(id, key string) verificationJSON {
	e.t.Helper()
	r := e.do(http.MethodGet, "/v1/verifications/"+id, key, nil, "")
	if r.Status != http.StatusOK {
		e.t.Fatalf("get: got %d %s", r.Status, r.Body)
	}
	var v verificationJSON
	r.json(e.t, &v)
	return v
}

// waitLimit bounds every wait for background work in these tests. It only
// bounds a failure: a passing wait returns as soon as its condition holds. It
// is generous because the race detector makes model inference ~10× slower.
const waitLimit = 5 * time.Minute

// waitDecided polls until the verification leaves processing.
func (e *env) waitDecided(id, key string) verificationJSON {
	e.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		v := e.get(id, key)
		if v.Status != "processing" {
			return v
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("verification %s still processing after %v", id, waitLimit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// photo renders a sharp, well-exposed JPEG (textured noise) of w×h pixels.
func photo(t testing.TB, w, h int, seed uint64) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(60 + rng.IntN(130))
			img.Set(x, y, color.RGBA{v, uint8(int(v) * 9 / 10), uint8(int(v) * 8 / 10), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
