package capture_test

// Browser tests: the capture page in real headless Chromium, its camera fed
// with a y4m video rendered by internal/synth (a real face photo turning and
// blinking), against a real kakunin (SQLite, job workers, face engine,
// liveness, the JPKI test PKI). Screenshots of every step go to the test's
// output folder ($KAKUNIN_TEST_OUTPUT, default $TMPDIR/kakunin-browser).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/kakunin-dev/kakunin/internal/app"
	"github.com/kakunin-dev/kakunin/internal/applicant"
	"github.com/kakunin-dev/kakunin/internal/capture"
	"github.com/kakunin-dev/kakunin/internal/card"
	"github.com/kakunin-dev/kakunin/internal/config"
	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/facetest"
	"github.com/kakunin-dev/kakunin/internal/imagequality"
	"github.com/kakunin-dev/kakunin/internal/liveness"
	"github.com/kakunin-dev/kakunin/internal/synth"
	"github.com/kakunin-dev/kakunin/internal/tenant"
)

const chromiumPath = "/usr/bin/chromium"

// need stops the test when a prerequisite is missing: a skip on a
// developer's machine, a failure in CI (where `make test` installs them).
func need(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI must provide it)", what)
	}
	t.Skip(what)
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// server is a running kakunin with a test-mode tenant.
type server struct {
	app  *app.App
	base string
	key  string
}

func newServer(t *testing.T) *server {
	t.Helper()
	need(t, capture.Built(), "the capture page is not built: run `make web`")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.BaseURL = "http://" + ln.Addr().String()
	cfg.ModelsDir = filepath.Join(repoRoot(), "models")
	cfg.Jobs.PollInterval = config.Duration(20 * time.Millisecond)
	// The test picks the challenge before Chromium starts (its fake camera
	// plays a file rendered for that challenge), so it must outlive the
	// steps before the liveness step.
	cfg.Verification.ChallengeTTL = config.Duration(10 * time.Minute)
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{Migrate: true, Workers: 2, CreateMasterKey: true})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	need(t, a.Faces != nil, "the face models are not installed: run `make models`")
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
	return &server{app: a, base: cfg.BaseURL, key: key}
}

func (s *server) call(t *testing.T, method, path string, body any, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+s.key)
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

type created struct {
	ID         string `json:"id"`
	CaptureURL string `json:"capture_url"`
}

// poseChallenge renews the verification's challenge until it asks for head
// movements only, which the synthetic video renders most faithfully.
func (s *server) poseChallenge(t *testing.T, id string) liveness.Challenge {
	t.Helper()
	for range 300 {
		var ch liveness.Challenge
		s.call(t, http.MethodPost, "/v1/verifications/"+id+"/challenge", nil, &ch)
		if facetest.PoseOnly(ch) {
			return ch
		}
	}
	t.Fatal("no head-movement-only challenge in 300 tries")
	return liveness.Challenge{}
}

// video renders the y4m the fake camera plays (facetest.Schedule at 15 fps,
// which lines up with the page's 1 s + 1.7 s per action), plus three
// seconds looking ahead.
func (s *server) video(t *testing.T, actions []liveness.Action) string {
	t.Helper()
	f, err := facetest.Frontal(context.Background(), s.app.Faces, filepath.Join(repoRoot(), "models"))
	need(t, err == nil, fmt.Sprintf("sample face: %v", err))
	frames := f.Frames(facetest.Schedule(actions, 15, 3))
	path := filepath.Join(t.TempDir(), "camera.y4m")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := synth.WriteY4M(out, frames, 15, 3, 1); err != nil {
		t.Fatal(err)
	}
	return path
}

// browser starts headless Chromium with the fake camera playing video.
func browser(t *testing.T, video string, w, h int) context.Context {
	t.Helper()
	_, err := os.Stat(chromiumPath)
	need(t, err == nil, "Chromium is not installed: apt-get install chromium chromium-driver")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
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

// shots writes numbered screenshots into the test's output folder.
type shots struct {
	t   *testing.T
	dir string
	n   int
}

func newShots(t *testing.T) *shots {
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
	return &shots{t: t, dir: dir}
}

func (s *shots) take(ctx context.Context, name string) {
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

// waitStep waits until the page shows step, up to limit.
func waitStep(t *testing.T, ctx context.Context, step string, limit time.Duration) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if err := chromedp.Run(c, chromedp.WaitVisible(`main[data-step="`+step+`"]`, chromedp.ByQuery)); err != nil {
		var cur, text string
		_ = chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector('main')?.dataset.step || ''`, &cur),
			chromedp.Evaluate(`document.querySelector('main')?.innerText || ''`, &text))
		t.Fatalf("step %q not reached within %v: the page shows %q: %s", step, limit, cur, text)
	}
}

func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(c, chromedp.WaitEnabled(sel, chromedp.ByQuery), chromedp.Click(sel, chromedp.ByQuery)); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// a11y checks what every step must have: the heading holds the focus (so a
// screen reader announces the step), every control has a name, every image
// a text alternative, and nothing overflows the viewport sideways.
func a11y(t *testing.T, ctx context.Context, step string) {
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

// TestBrowserJPKIWithFace: the jpki method with a face bound to the
// signature (JPKI+face). The page takes the selfie and the liveness frames,
// then hands off to the card client by QR code/deep link; the virtual My
// Number card signs over what the server received; the page submits and
// shows the decision.
func TestBrowserJPKIWithFace(t *testing.T) {
	s := newServer(t)
	var v created
	s.call(t, http.MethodPost, "/v1/verifications", map[string]any{"method": "jpki", "face": true, "law": "aml", "reference_id": "browser-jpki"}, &v)
	ch := s.poseChallenge(t, v.ID)
	ctx := browser(t, s.video(t, ch.Actions), 390, 844)
	shot := newShots(t)

	if err := chromedp.Run(ctx, chromedp.Navigate(v.CaptureURL)); err != nil {
		t.Fatal(err)
	}
	waitStep(t, ctx, "consent", 30*time.Second)
	a11y(t, ctx, "consent")
	shot.take(ctx, "consent")
	click(t, ctx, "#agree")
	click(t, ctx, "#start")

	waitStep(t, ctx, "selfie", 30*time.Second)
	time.Sleep(700 * time.Millisecond)
	shot.take(ctx, "selfie")
	waitStep(t, ctx, "liveness", 90*time.Second)
	a11y(t, ctx, "liveness")
	shot.take(ctx, "liveness-intro")
	startLiveness(t, ctx)
	time.Sleep(3 * time.Second)
	shot.take(ctx, "liveness-capture")

	waitStep(t, ctx, "handoff", 90*time.Second)
	var link string
	if err := chromedp.Run(ctx, chromedp.WaitVisible("#card-link", chromedp.ByQuery), chromedp.AttributeValue("#card-link", "href", &link, nil)); err != nil {
		t.Fatal(err)
	}
	a11y(t, ctx, "handoff")
	shot.take(ctx, "handoff")

	// The card client, as the phone would run it after scanning the QR code.
	cc, err := applicant.ParseCardLink(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	vc, err := synth.VirtualJPKICard(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.JPKIHandoff(context.Background(), signer{card.NewJPKI(vc)}, t.Logf); err != nil {
		t.Fatalf("card client: %v", err)
	}
	// One time: the token is spent once the signature is accepted.
	if _, err := cc.Verification(context.Background()); err == nil || !strings.Contains(err.Error(), "handoff_token_used") {
		t.Errorf("hand-off token after use: got %v; want handoff_token_used", err)
	}

	status := waitResult(t, ctx)
	shot.take(ctx, "done")
	var got struct {
		Status string
		Checks []struct {
			Name, Status string
			Reasons      []string
			Details      json.RawMessage
		}
	}
	s.call(t, http.MethodGet, "/v1/verifications/"+v.ID, nil, &got)
	logChecks(t, got.Status, got.Checks)
	if status != got.Status {
		t.Errorf("page shows %q; the API says %q", status, got.Status)
	}
	if got.Status != "approved" {
		t.Errorf("got %s; want approved (a genuine JPKI signature over the page's own selfie and frames)", got.Status)
	}
}

func logChecks[C any](t *testing.T, status string, checks []C) {
	b, _ := json.Marshal(checks)
	t.Logf("decision %s; checks %s", status, b)
}

// startLiveness presses Start on the liveness step. Chromium's fake camera
// plays its file from the start only when the device was fully released by
// the selfie step, which happens asynchronously after the tracks stop: wait
// for it, so the video's actions line up with the page's prompts as a
// person's would.
func startLiveness(t *testing.T, ctx context.Context) {
	t.Helper()
	time.Sleep(1500 * time.Millisecond)
	click(t, ctx, "#liveness-start")
}

type signer struct{ c *card.JPKI }

func (s signer) Sign(ctx context.Context, msg []byte) ([]byte, []byte, error) {
	return s.c.SignMessage(ctx, synth.VirtualJPKICardPIN, msg)
}

// waitResult waits for the done step's result and returns the status shown.
func waitResult(t *testing.T, ctx context.Context) string {
	t.Helper()
	waitStep(t, ctx, "done", 60*time.Second)
	c, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var status string
	if err := chromedp.Run(c, chromedp.WaitVisible("#result", chromedp.ByQuery), chromedp.AttributeValue("#result", "data-status", &status, nil)); err != nil {
		t.Fatalf("no result shown: %v", err)
	}
	return status
}

// myNumberCard photographs a synthetic My Number card (internal/synth
// specimens, grey silhouette portrait) and returns the files of its front,
// back and thickness views: the first card whose three photographs all pass
// the document quality gate (some of the generator's shots carry glare, as
// a person's would; they would retake those).
func myNumberCard(t *testing.T) (front, back, edge string) {
	t.Helper()
	fonts, err := synth.LoadFonts()
	need(t, err == nil, fmt.Sprintf("Japanese fonts: %v", err))
	dir := t.TempDir()
	for index := range 20 {
		shots, err := synth.SpecimenShots(fonts, document.MyNumberCard, index, synth.GenerateOptions{N: 1, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		front, back, edge = "", "", ""
		ok := true
		for _, sh := range shots {
			b, err := sh.JPEG()
			if err != nil {
				t.Fatal(err)
			}
			img, err := jpeg.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if !imagequality.Assess(img, imagequality.DocumentThresholds()).Pass {
				ok = false
				break
			}
			path := filepath.Join(dir, fmt.Sprintf("%d-%s-%s.jpg", index, sh.Truth.Side, sh.Truth.View))
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			switch {
			case sh.Truth.View == synth.ViewThickness:
				edge = path
			case sh.Truth.Side == document.SideFront:
				front = path
			default:
				back = path
			}
		}
		if ok && front != "" && back != "" && edge != "" {
			return front, back, edge
		}
	}
	t.Fatal("no synthetic My Number card in 20 whose photographs all pass the quality gate")
	return
}

// smallPhoto is a sharp 320x202 photo: too small for a document.
func smallPhoto(t *testing.T) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	img := image.NewRGBA(image.Rect(0, 0, 320, 202))
	for i := 0; i < len(img.Pix); i += 4 {
		v := uint8(60 + rng.IntN(150))
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = v, v, v, 255
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "small.jpg")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBrowserDocumentImage: ホ by photos. The person picks the document
// type, sends a photo that is too small (the page says so, from the quality
// endpoint), then photographs of a synthetic My Number card (front, back,
// edge), then selfie and liveness.
func TestBrowserDocumentImage(t *testing.T) {
	s := newServer(t)
	var v created
	s.call(t, http.MethodPost, "/v1/verifications", map[string]any{"method": "document_image", "face": true, "law": "none", "reference_id": "browser-doc"}, &v)
	ch := s.poseChallenge(t, v.ID)
	ctx := browser(t, s.video(t, ch.Actions), 390, 844)
	shot := newShots(t)

	if err := chromedp.Run(ctx, chromedp.Navigate(v.CaptureURL)); err != nil {
		t.Fatal(err)
	}
	waitStep(t, ctx, "consent", 30*time.Second)
	click(t, ctx, "#agree")
	click(t, ctx, "#start")
	waitStep(t, ctx, "doctype", 10*time.Second)
	a11y(t, ctx, "doctype")
	click(t, ctx, "#doc-my_number_card")
	shot.take(ctx, "doctype")
	click(t, ctx, "#next")

	upload := func(step, file string) {
		t.Helper()
		waitStep(t, ctx, step, 20*time.Second)
		if err := chromedp.Run(ctx, chromedp.SetUploadFiles("#file", []string{file}, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
	}
	waitStep(t, ctx, "document_front", 10*time.Second)
	a11y(t, ctx, "document_front")
	shot.take(ctx, "document-front")
	front, back, edge := myNumberCard(t)
	upload("document_front", smallPhoto(t))
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	var reasons string
	if err := chromedp.Run(c, chromedp.WaitVisible(".errors", chromedp.ByQuery), chromedp.Text(".errors", &reasons, chromedp.ByQuery)); err != nil {
		t.Fatalf("a 320x202 photo: no quality feedback shown: %v", err)
	}
	cancel()
	if !strings.Contains(reasons, "小さすぎ") {
		t.Errorf("feedback for a 320x202 photo: %q; want the too-small message", reasons)
	}
	shot.take(ctx, "document-front-too-small")
	click(t, ctx, "#retake")
	upload("document_front", front)
	upload("document_back", back)
	upload("document_thickness", edge)

	waitStep(t, ctx, "selfie", 30*time.Second)
	waitStep(t, ctx, "liveness", 90*time.Second)
	startLiveness(t, ctx)
	status := waitResult(t, ctx)
	shot.take(ctx, "done")
	var got struct {
		Status string
		Checks []struct {
			Name, Status string
			Reasons      []string
			Details      json.RawMessage
		}
	}
	s.call(t, http.MethodGet, "/v1/verifications/"+v.ID, nil, &got)
	logChecks(t, got.Status, got.Checks)
	if status != got.Status || !slices.Contains([]string{"approved", "review", "rejected"}, got.Status) {
		t.Errorf("page shows %q, API %q; want the same decision", status, got.Status)
	}
	// The person moved as asked, and no camera stayed on behind a step (a
	// leaked stream keeps Chromium's fake camera from restarting its video).
	for _, c := range got.Checks {
		if c.Name == "liveness" && c.Status != "passed" {
			t.Errorf("liveness %s %v; want passed", c.Status, c.Reasons)
		}
	}
	var evidence struct {
		Evidence []struct{ Kind string } `json:"evidence"`
	}
	s.call(t, http.MethodGet, "/v1/verifications/"+v.ID, nil, &evidence)
	kinds := map[string]int{}
	for _, e := range evidence.Evidence {
		kinds[e.Kind]++
	}
	if kinds["document_front"] != 1 || kinds["document_back"] != 1 || kinds["document_thickness"] != 1 || kinds["selfie"] != 1 || kinds["liveness_frame"] < 20 {
		t.Errorf("evidence stored: %v; want one of each photo (the too-small one was never sent) and the frames", kinds)
	}
}

// TestCaptureLayouts: the first step at a small phone's and a laptop's size,
// with no sideways overflow, in both languages.
func TestCaptureLayouts(t *testing.T) {
	s := newServer(t)
	shot := newShots(t)
	for _, size := range []struct{ w, h int }{{360, 640}, {1280, 800}} {
		var v created
		s.call(t, http.MethodPost, "/v1/verifications", map[string]any{"method": "ic_chip", "face": true, "reference_id": "layout"}, &v)
		ctx := browser(t, "", size.w, size.h)
		if err := chromedp.Run(ctx, chromedp.Navigate(v.CaptureURL)); err != nil {
			t.Fatal(err)
		}
		waitStep(t, ctx, "consent", 30*time.Second)
		a11y(t, ctx, "consent")
		shot.take(ctx, fmt.Sprintf("consent-%dx%d-ja", size.w, size.h))
		var before, after string
		if err := chromedp.Run(ctx, chromedp.Text("h1", &before, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#lang")
		if err := chromedp.Run(ctx, chromedp.Text("h1", &after, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		if before != "はじめに" || after != "Before you start" {
			t.Errorf("heading %q, after switching the language %q; want Japanese for a Japanese browser, then English", before, after)
		}
		shot.take(ctx, fmt.Sprintf("consent-%dx%d-en", size.w, size.h))
		click(t, ctx, "#agree")
		click(t, ctx, "#start")
		waitStep(t, ctx, "handoff", 20*time.Second)
		a11y(t, ctx, "handoff")
		shot.take(ctx, fmt.Sprintf("handoff-%dx%d", size.w, size.h))
	}
}
