package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// kakuninBin builds the binary once per test run.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func kakunin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kakunin-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "kakunin")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// cli runs a kakunin command to completion and returns stdout, stderr and the exit code.
func cli(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(kakunin(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// proc is a long-running kakunin process.
type proc struct {
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer
}

func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(kakunin(t), args...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: &bytes.Buffer{}}
	cmd.Stderr = p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	if args[0] == "serve" {
		addrc := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if a, ok := strings.CutPrefix(sc.Text(), "kakunin is listening on "); ok {
					addrc <- a
				}
			}
		}()
		select {
		case p.addr = <-addrc:
		case <-time.After(60 * time.Second):
			t.Fatalf("serve did not start:\n%s", p.logs)
		}
	} else {
		go func() { _, _ = io.Copy(io.Discard, stdout) }()
	}
	return p
}

type client struct {
	t    *testing.T
	base string
	key  string
}

func (c client) do(method, path string, body io.Reader, contentType string, out any) int {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, body)
	req.Header.Set("Authorization", "Bearer "+c.key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
	}
	return res.StatusCode
}

func (c client) upload(id, kind string, file []byte) int {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", "f.jpg")
	_, _ = fw.Write(file)
	_ = mw.Close()
	return c.do(http.MethodPost, "/v1/verifications/"+id+"/evidence", &buf, mw.FormDataContentType(), nil)
}

func testPhoto(w, h int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 2))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(60 + rng.IntN(130))
			img.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	return buf.Bytes()
}

// TestWorkerKilledMidProcessing: 50 submissions; the only worker process is
// killed with SIGKILL while it processes them; after a restart every
// acknowledged submission is decided exactly once and no evidence is lost.
func TestWorkerKilledMidProcessing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and waits for job rescue (~1 min)")
	}
	data := t.TempDir()
	// The test polls hard; rate limits are tested elsewhere.
	env := []string{"KAKUNIN_DATA_DIR=" + data, "KAKUNIN_JOBS_RESCUE_AFTER=4s", "KAKUNIN_JOBS_POLL_INTERVAL=50ms", "KAKUNIN_LOG_FORMAT=json", "KAKUNIN_API_RATE_LIMIT=0"}
	if _, stderr, code := cli(t, env, "tenant", "create", "crash"); code != 0 {
		t.Fatalf("tenant create: %d %s", code, stderr)
	}
	key, stderr, code := cli(t, env, "apikey", "create", "--tenant", "crash", "--mode", "test")
	if code != 0 {
		t.Fatalf("apikey create: %d %s", code, stderr)
	}
	srv := start(t, env, "serve", "--addr", "127.0.0.1:0", "--workers", "0")
	c := client{t: t, base: srv.addr, key: strings.TrimSpace(key)}

	const n = 50
	ids := make([]string, n)
	photoA, photoB := testPhoto(1600, 1200, 1), testPhoto(1600, 1200, 2)
	for i := range ids {
		var v struct{ ID string }
		if st := c.do(http.MethodPost, "/v1/verifications", strings.NewReader(fmt.Sprintf(`{"method":"document_image","law":"none","reference_id":"r%d"}`, i)), "application/json", &v); st != 201 {
			t.Fatalf("create: %d", st)
		}
		ids[i] = v.ID
		if c.upload(v.ID, "selfie", photoA) != 201 || c.upload(v.ID, "document_front", photoB) != 201 {
			t.Fatal("upload failed")
		}
	}
	for _, id := range ids {
		if st := c.do(http.MethodPost, "/v1/verifications/"+id+"/submit", nil, "", nil); st != 200 {
			t.Fatalf("submit %s: %d", id, st)
		}
	}
	decided := func() int {
		d := 0
		for _, id := range ids {
			var v struct{ Status string }
			c.do(http.MethodGet, "/v1/verifications/"+id, nil, "", &v)
			if v.Status != "processing" {
				d++
			}
		}
		return d
	}
	worker := start(t, env, "worker", "--workers", "2")
	deadline := time.Now().Add(3 * time.Minute)
	for decided() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("worker decided fewer than 3 in 3 minutes:\n%s", worker.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := worker.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = worker.cmd.Wait()
	before := decided()
	t.Logf("killed the worker with %d of %d decided", before, n)
	if before == n {
		t.Fatal("every submission was decided before the kill: the test did not interrupt processing")
	}
	again := start(t, env, "worker", "--workers", "2")
	// The restarted worker must keep deciding until all are done. How fast
	// depends on the machine (each case runs OCR), so what fails is a stall:
	// no new decision for 3 minutes, which takes far longer than one case
	// even on a loaded machine, and longer than the 4 s job rescue.
	last, progress := decided(), time.Now()
	for last < n {
		time.Sleep(200 * time.Millisecond)
		if d := decided(); d > last {
			last, progress = d, time.Now()
		} else if time.Since(progress) > 3*time.Minute {
			t.Fatalf("the restarted worker stalled at %d of %d decided: nothing new for 3 minutes\n%s", d, n, again.logs)
		}
	}
	// Exactly once: one decision event per verification, and the audit chain
	// holds one processing -> review transition per verification.
	reviews := map[string]int{}
	token := ""
	for {
		var page struct {
			Data []struct {
				Type     string `json:"type"`
				ObjectID string `json:"object_id"`
			} `json:"data"`
			Next string `json:"next_page_token"`
		}
		c.do(http.MethodGet, "/v1/events?page_size=100&page_token="+token, nil, "", &page)
		for _, e := range page.Data {
			if e.Type == "verification.review" {
				reviews[e.ObjectID]++
			}
		}
		if page.Next == "" {
			break
		}
		token = page.Next
	}
	for _, id := range ids {
		if reviews[id] != 1 {
			t.Errorf("%s: %d review events; want exactly 1", id, reviews[id])
		}
	}
	out, stderr, code := cli(t, env, "audit", "verify", "--tenant", "crash")
	if code != 0 {
		t.Fatalf("audit verify: %d %s %s", code, out, stderr)
	}
	var rep []struct{ Entries int }
	_ = json.Unmarshal([]byte(out), &rep)
	// Per verification: created, evidence x2, ->awaiting_input, ->processing, ->review, identity record.
	if len(rep) != 1 || rep[0].Entries != n*7 {
		t.Errorf("audit chain: got %+v; want %d entries (7 per verification, none repeated)", rep, n*7)
	}
	// No evidence object is missing: every stored object still opens and matches its hash.
	if _, stderr, code := cli(t, env, "evidence", "verify"); code != 0 {
		t.Fatalf("evidence verify: %d %s", code, stderr)
	}
}
