// Package browsertest runs kakunin's web pages in real headless Chromium
// (Debian's /usr/bin/chromium, driven by chromedp) against a real kakunin:
// a server with a test tenant, a browser with an optional fake camera
// video, numbered screenshots and the accessibility checks every page must
// pass. Missing prerequisites skip the test on a developer's machine and
// fail it in CI.
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/kakunin-dev/kakunin/internal/app"
	"github.com/kakunin-dev/kakunin/internal/config"
	"github.com/kakunin-dev/kakunin/internal/tenant"
)

// ChromiumPath is Debian's Chromium.
const ChromiumPath = "/usr/bin/chromium"

// need stops the test when a prerequisite is missing: a skip on a
// developer's machine, a failure in CI (where `make test` installs them).
func Need(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI must provide it)", what)
	}
	t.Skip(what)
}

func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Server is a running kakunin with a test-mode tenant.
type Server struct {
	App  *app.App
	Base string
	Key  string
}

func NewServer(t *testing.T, configure ...func(*config.Config)) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.BaseURL = "http://" + ln.Addr().String()
	cfg.ModelsDir = filepath.Join(RepoRoot(), "models")
	cfg.Jobs.PollInterval = config.Duration(20 * time.Millisecond)
	// The test picks the challenge before Chromium starts (its fake camera
	// plays a file rendered for that challenge), so it must outlive the
	// steps before the liveness step.
	cfg.Verification.ChallengeTTL = config.Duration(10 * time.Minute)
	cfg.Console.InsecureCookie = true // the test server is plain http
	for _, f := range configure {
		f(&cfg)
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{Migrate: true, Workers: 2, CreateMasterKey: true})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	Need(t, a.Faces != nil, "the face models are not installed: run `make models`")
	done := make(chan struct{})
	go func() { _ = a.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	if _, err := a.CreateTenant(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	key, _, err := a.Tenants.CreateAPIKey(ctx, "shop", tenant.ModeTest)
	if err != nil {
		t.Fatal(err)
	}
	return &Server{App: a, Base: cfg.BaseURL, Key: key}
}

func (s *Server) Call(t *testing.T, method, path string, body any, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.Base+path, rd)
	req.Header.Set("Authorization", "Bearer "+s.Key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
}

// Browser starts headless Chromium with the fake camera playing video.
func Browser(t *testing.T, video string, w, h int) context.Context {
	t.Helper()
	_, err := os.Stat(ChromiumPath)
	Need(t, err == nil, "Chromium is not installed: apt-get install chromium chromium-driver")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(w, h),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "ja"),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
	}
	if video != "" {
		opts = append(opts, chromedp.Flag("use-file-for-fake-video-capture", video))
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	// The page's own errors and warnings belong in the test log.
	chromedp.ListenTarget(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *cdpruntime.EventExceptionThrown:
			t.Logf("page exception: %s", ev.ExceptionDetails.Error())
		case *cdpruntime.EventConsoleAPICalled:
			if ev.Type == cdpruntime.APITypeError || ev.Type == cdpruntime.APITypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				t.Logf("page console %s: %s", ev.Type, strings.Join(parts, " "))
			}
		}
	})
	// A Japanese phone: navigator.language follows Accept-Language.
	ua := "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36"
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(int64(w), int64(h)),
		emulation.SetUserAgentOverride(ua).WithAcceptLanguage("ja-JP,ja")); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// Shots writes numbered screenshots into the test's output folder.
type Shots struct {
	t   *testing.T
	dir string
	n   int
}

func NewShots(t *testing.T) *Shots {
	base := os.Getenv("KAKUNIN_TEST_OUTPUT")
	if base == "" {
		base = filepath.Join(os.TempDir(), "kakunin-browser")
	}
	dir := filepath.Join(base, strings.ReplaceAll(t.Name(), "/", "_"))
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots: %s", dir)
	return &Shots{t: t, dir: dir}
}

func (s *Shots) Take(ctx context.Context, name string) {
	s.t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)); err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	s.n++
	if err := os.WriteFile(filepath.Join(s.dir, fmt.Sprintf("%02d-%s.png", s.n, name)), png, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func Click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(c, chromedp.WaitEnabled(sel, chromedp.ByQuery), chromedp.Click(sel, chromedp.ByQuery)); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// A11y checks what every step must have: the heading holds the focus (so a
// screen reader announces the step), every control has a name, every image
// a text alternative, and nothing overflows the viewport sideways.
func A11y(t *testing.T, ctx context.Context, step string) {
	t.Helper()
	var problems []string
	err := chromedp.Run(ctx, chromedp.Evaluate(`(() => {
	  const p = [];
	  if (document.activeElement?.tagName !== 'H1') p.push('focus is on ' + document.activeElement?.tagName + ', not the heading');
	  for (const b of document.querySelectorAll('button, a.button')) if (!(b.innerText.trim() || b.getAttribute('aria-label'))) p.push('unnamed control ' + b.outerHTML.slice(0, 80));
	  for (const i of document.querySelectorAll('input:not([type=hidden])')) if (!document.querySelector('label[for="' + i.id + '"]')) p.push('input without label ' + i.id);
	  for (const i of document.querySelectorAll('img')) if (!i.hasAttribute('alt')) p.push('img without alt');
	  if (document.documentElement.scrollWidth > window.innerWidth + 1) p.push('page overflows sideways: ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth);
	  return p;
	})()`, &problems))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("step %s: %s", step, p)
	}
}
