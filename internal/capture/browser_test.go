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
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kakunin-dev/kakunin/internal/applicant"
	"github.com/kakunin-dev/kakunin/internal/browsertest"
	"github.com/kakunin-dev/kakunin/internal/capture"
	"github.com/kakunin-dev/kakunin/internal/card"
	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/facetest"
	"github.com/kakunin-dev/kakunin/internal/imagequality"
	"github.com/kakunin-dev/kakunin/internal/liveness"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// server is browsertest's server with the capture page built in.
type server struct{ *browsertest.Server }

func newServer(t *testing.T) *server {
	t.Helper()
	browsertest.Need(t, capture.Built(), "the capture page is not built: run `make web`")
	return &server{browsertest.NewServer(t)}
}

func (s *server) call(t *testing.T, method, path string, body any, out any) {
	t.Helper()
	s.Call(t, method, path, body, out)
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
	f, err := facetest.Frontal(context.Background(), s.App.Faces, filepath.Join(browsertest.RepoRoot(), "models"))
	browsertest.Need(t, err == nil, fmt.Sprintf("sample face: %v", err))
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

// open creates a verification, picks a head-movement challenge for it,
// renders the fake camera's video for that challenge, starts Chromium on a
// phone-sized window and opens the capture page at its consent step.
func open(t *testing.T, body map[string]any) (*server, created, context.Context, *browsertest.Shots) {
	t.Helper()
	s := newServer(t)
	var v created
	s.call(t, http.MethodPost, "/v1/verifications", body, &v)
	ch := s.poseChallenge(t, v.ID)
	ctx := browsertest.Browser(t, s.video(t, ch.Actions), 390, 844)
	shot := browsertest.NewShots(t)
	if err := chromedp.Run(ctx, chromedp.Navigate(v.CaptureURL)); err != nil {
		t.Fatal(err)
	}
	waitStep(t, ctx, "consent", 30*time.Second)
	return s, v, ctx, shot
}

// TestBrowserJPKIWithFace: the jpki method with a face bound to the
// signature (JPKI+face). The page takes the selfie and the liveness frames,
// then hands off to the card client by QR code/deep link; the virtual My
// Number card signs over what the server received; the page submits and
// shows the decision.
func TestBrowserJPKIWithFace(t *testing.T) {
	s, v, ctx, shot := open(t, map[string]any{"method": "jpki", "face": true, "law": "aml", "reference_id": "browser-jpki"})
	browsertest.A11y(t, ctx, "consent")
	shot.Take(ctx, "consent")
	browsertest.Click(t, ctx, "#agree")
	browsertest.Click(t, ctx, "#start")

	waitStep(t, ctx, "selfie", 30*time.Second)
	time.Sleep(700 * time.Millisecond)
	shot.Take(ctx, "selfie")
	waitStep(t, ctx, "liveness", 90*time.Second)
	browsertest.A11y(t, ctx, "liveness")
	shot.Take(ctx, "liveness-intro")
	startLiveness(t, ctx)
	time.Sleep(3 * time.Second)
	shot.Take(ctx, "liveness-capture")

	waitStep(t, ctx, "handoff", 90*time.Second)
	var link string
	if err := chromedp.Run(ctx, chromedp.WaitVisible("#card-link", chromedp.ByQuery), chromedp.AttributeValue("#card-link", "href", &link, nil)); err != nil {
		t.Fatal(err)
	}
	browsertest.A11y(t, ctx, "handoff")
	shot.Take(ctx, "handoff")

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
	shot.Take(ctx, "done")
	got := s.decision(t, v.ID)
	if status != got.Status {
		t.Errorf("page shows %q; the API says %q", status, got.Status)
	}
	if got.Status != "approved" {
		t.Errorf("got %s; want approved (a genuine JPKI signature over the page's own selfie and frames)", got.Status)
	}
}

// decided is a verification's decision as the API reports it.
type decided struct {
	Status string
	Checks []struct {
		Name, Status string
		Reasons      []string
		Details      json.RawMessage
	}
}

// decision reads the verification and logs its checks in full (liveness
// frames and poses help when a flow fails).
func (s *server) decision(t *testing.T, id string) decided {
	t.Helper()
	var got decided
	s.call(t, http.MethodGet, "/v1/verifications/"+id, nil, &got)
	b, _ := json.Marshal(got.Checks)
	t.Logf("decision %s; checks %s", got.Status, b)
	return got
}

// startLiveness presses Start on the liveness step. Chromium's fake camera
// plays its file from the start only when the device was fully released by
// the selfie step, which happens asynchronously after the tracks stop: wait
// for it, so the video's actions line up with the page's prompts as a
// person's would.
func startLiveness(t *testing.T, ctx context.Context) {
	t.Helper()
	time.Sleep(1500 * time.Millisecond)
	browsertest.Click(t, ctx, "#liveness-start")
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
	browsertest.Need(t, err == nil, fmt.Sprintf("Japanese fonts: %v", err))
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
	s, v, ctx, shot := open(t, map[string]any{"method": "document_image", "face": true, "law": "none", "reference_id": "browser-doc"})
	browsertest.Click(t, ctx, "#agree")
	browsertest.Click(t, ctx, "#start")
	waitStep(t, ctx, "doctype", 10*time.Second)
	browsertest.A11y(t, ctx, "doctype")
	browsertest.Click(t, ctx, "#doc-my_number_card")
	shot.Take(ctx, "doctype")
	browsertest.Click(t, ctx, "#next")

	upload := func(step, file string) {
		t.Helper()
		waitStep(t, ctx, step, 20*time.Second)
		if err := chromedp.Run(ctx, chromedp.SetUploadFiles("#file", []string{file}, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
	}
	waitStep(t, ctx, "document_front", 10*time.Second)
	browsertest.A11y(t, ctx, "document_front")
	shot.Take(ctx, "document-front")
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
	shot.Take(ctx, "document-front-too-small")
	browsertest.Click(t, ctx, "#retake")
	upload("document_front", front)
	// The front again where the back should be: the server cannot find the
	// back's number to paint out, refuses to store it, and the page asks
	// for another photo.
	upload("document_back", front)
	c, cancel = context.WithTimeout(ctx, 30*time.Second)
	if err := chromedp.Run(c, chromedp.WaitVisible(".errors", chromedp.ByQuery), chromedp.Text(".errors", &reasons, chromedp.ByQuery)); err != nil {
		t.Fatalf("a front sent as the back: no message shown: %v", err)
	}
	cancel()
	if !strings.Contains(reasons, "個人番号を隠せません") {
		t.Errorf("message for a front sent as the back: %q; want the masking message", reasons)
	}
	shot.Take(ctx, "document-back-not-masked")
	browsertest.Click(t, ctx, "#retake")
	upload("document_back", back)
	upload("document_thickness", edge)

	waitStep(t, ctx, "selfie", 30*time.Second)
	waitStep(t, ctx, "liveness", 90*time.Second)
	startLiveness(t, ctx)
	status := waitResult(t, ctx)
	shot.Take(ctx, "done")
	got := s.decision(t, v.ID)
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
	shot := browsertest.NewShots(t)
	for _, size := range []struct{ w, h int }{{360, 640}, {1280, 800}} {
		var v created
		s.call(t, http.MethodPost, "/v1/verifications", map[string]any{"method": "ic_chip", "face": true, "reference_id": "layout"}, &v)
		ctx := browsertest.Browser(t, "", size.w, size.h)
		if err := chromedp.Run(ctx, chromedp.Navigate(v.CaptureURL)); err != nil {
			t.Fatal(err)
		}
		waitStep(t, ctx, "consent", 30*time.Second)
		browsertest.A11y(t, ctx, "consent")
		shot.Take(ctx, fmt.Sprintf("consent-%dx%d-ja", size.w, size.h))
		var before, after string
		if err := chromedp.Run(ctx, chromedp.Text("h1", &before, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		browsertest.Click(t, ctx, "#lang")
		if err := chromedp.Run(ctx, chromedp.Text("h1", &after, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		if before != "はじめに" || after != "Before you start" {
			t.Errorf("heading %q, after switching the language %q; want Japanese for a Japanese browser, then English", before, after)
		}
		shot.Take(ctx, fmt.Sprintf("consent-%dx%d-en", size.w, size.h))
		browsertest.Click(t, ctx, "#agree")
		browsertest.Click(t, ctx, "#start")
		waitStep(t, ctx, "handoff", 20*time.Second)
		browsertest.A11y(t, ctx, "handoff")
		shot.Take(ctx, fmt.Sprintf("handoff-%dx%d", size.w, size.h))
	}
}
