// Package ocr reads single lines of text from images with the tesseract
// command-line program (Debian packages tesseract-ocr, tesseract-ocr-jpn),
// one image per run (Line) or many in one run (Lines).
package ocr

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// ErrNotInstalled is returned when the tesseract program, or the language
// data asked for, is missing.
var ErrNotInstalled = errors.New("ocr: tesseract is not installed (Debian: apt-get install tesseract-ocr tesseract-ocr-jpn)")

// Tesseract runs the tesseract program once per line, or once per batch
// of lines of one language and whitelist. It keeps no state between
// calls and is safe for concurrent use.
//
// The program, not the C library through cgo (gosseract), because the
// rest of kakunin builds with CGO_ENABLED=0 and a crash or a hang in
// tesseract then kills one child process under a deadline instead of the
// server. The price is a process start and a model load per call (about
// 90 ms of CPU for eng and 120 ms for jpn with the tessdata_fast models
// Debian ships, most of it the universal ambiguity table tesseract builds
// at start, whatever the image), which Lines pays once for many zones.
type Tesseract struct {
	path    string
	timeout time.Duration
	dpi     int
}

// Option configures a Tesseract.
type Option func(*Tesseract)

// WithPath sets the program to run (default: "tesseract" on $PATH).
func WithPath(p string) Option { return func(t *Tesseract) { t.path = p } }

// WithTimeout bounds each call (default 10 s); the context can shorten it.
func WithTimeout(d time.Duration) Option { return func(t *Tesseract) { t.timeout = d } }

// New returns a Tesseract. It does not check that the program exists; Open does.
func New(opts ...Option) *Tesseract {
	t := &Tesseract{path: "tesseract", timeout: 10 * time.Second, dpi: 300}
	for _, o := range opts {
		o(t)
	}
	return t
}

// Open checks that the program runs and has the languages langs.
func (t *Tesseract) Open(ctx context.Context, langs ...string) error {
	path, err := exec.LookPath(t.path)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotInstalled, err)
	}
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--list-langs").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: tesseract --list-langs: %v", ErrNotInstalled, err)
	}
	have := map[string]bool{}
	for _, l := range strings.Fields(string(out)) {
		have[l] = true
	}
	for _, l := range langs {
		if !have[l] {
			return fmt.Errorf("%w: language %q missing (Debian: tesseract-ocr-%s)", ErrNotInstalled, l, l)
		}
	}
	t.path = path
	return nil
}

// Line reads img as a single line of text (page segmentation mode 7) in
// lang ("jpn", "eng", or "jpn+eng"). A non-empty whitelist restricts the
// characters tesseract may output. It returns the text with surrounding
// space trimmed and the mean word confidence in [0, 1] (0 for no text).
func (t *Tesseract) Line(ctx context.Context, img image.Image, lang, whitelist string) (string, float64, error) {
	if img == nil || img.Bounds().Empty() {
		return "", 0, errkind.New(errkind.ErrInvalid, "ocr_empty_image", "ocr: empty image")
	}
	var in bytes.Buffer
	if err := encodePNG(&in, img); err != nil {
		return "", 0, err
	}
	out, err := t.run(ctx, "stdin", &in, lang, whitelist)
	if err != nil {
		return "", 0, err
	}
	pages := parseTSVPages(out, 1)
	return pages[0].text, pages[0].conf, nil
}

// Lines reads each image as a single line, as Line does, in one run of
// the program: the model is loaded once for all of them, which saves
// about 90 ms (eng) to 120 ms (jpn) of CPU per image. The images go to a
// temporary directory that is removed before Lines returns, and the
// program reads them from a list file; the page number in its TSV output
// tells which line came from which image. The timeout bounds the whole
// run. texts[i] and confs[i] belong to imgs[i].
func (t *Tesseract) Lines(ctx context.Context, imgs []image.Image, lang, whitelist string) (texts []string, confs []float64, err error) {
	if len(imgs) == 0 {
		return nil, nil, nil
	}
	if len(imgs) == 1 {
		text, conf, err := t.Line(ctx, imgs[0], lang, whitelist)
		if err != nil {
			return nil, nil, err
		}
		return []string{text}, []float64{conf}, nil
	}
	for _, img := range imgs {
		if img == nil || img.Bounds().Empty() {
			return nil, nil, errkind.New(errkind.ErrInvalid, "ocr_empty_image", "ocr: empty image")
		}
	}
	dir, err := os.MkdirTemp("", "kakunin-ocr-")
	if err != nil {
		return nil, nil, fmt.Errorf("ocr: %w", err)
	}
	defer os.RemoveAll(dir)
	var list bytes.Buffer
	for i, img := range imgs {
		name := filepath.Join(dir, strconv.Itoa(i)+".png")
		var b bytes.Buffer
		if err := encodePNG(&b, img); err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(name, b.Bytes(), 0o600); err != nil {
			return nil, nil, fmt.Errorf("ocr: %w", err)
		}
		list.WriteString(name + "\n")
	}
	listName := filepath.Join(dir, "list.txt")
	if err := os.WriteFile(listName, list.Bytes(), 0o600); err != nil {
		return nil, nil, fmt.Errorf("ocr: %w", err)
	}
	out, err := t.run(ctx, listName, nil, lang, whitelist)
	if err != nil {
		return nil, nil, err
	}
	pages := parseTSVPages(out, len(imgs))
	texts, confs = make([]string, len(imgs)), make([]float64, len(imgs))
	for i, p := range pages {
		texts[i], confs[i] = p.text, p.conf
	}
	return texts, confs, nil
}

func encodePNG(w *bytes.Buffer, img image.Image) error {
	// No compression: the bytes go to a pipe or a temporary file, and
	// deflate would cost more than it saves.
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(w, img); err != nil {
		return fmt.Errorf("ocr: encode: %w", err)
	}
	return nil
}

// run runs the program on input (a file name, or "stdin" with stdin set)
// as single lines and returns its TSV output.
func (t *Tesseract) run(ctx context.Context, input string, stdin *bytes.Buffer, lang, whitelist string) ([]byte, error) {
	args := []string{input, "stdout", "-l", lang, "--psm", "7", "--dpi", strconv.Itoa(t.dpi)}
	if whitelist != "" {
		args = append(args, "-c", "tessedit_char_whitelist="+whitelist)
	}
	args = append(args, "tsv")
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, t.path, args...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	// One thread per call: the callers run documents in parallel, and
	// OpenMP threads on a small machine only fight each other.
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ocr: tesseract: %w", ctx.Err())
		}
		var ee *exec.Error
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("%w: %v", ErrNotInstalled, err)
		}
		return nil, fmt.Errorf("ocr: tesseract: %v: %s", err, firstLine(stderr.String()))
	}
	return out.Bytes(), nil
}

type page struct {
	text string
	conf float64
}

// parseTSVPages joins the words of tesseract's TSV output (level 5 rows)
// with single spaces and averages their confidences, for each of pages
// pages (page_num 1..pages); rows of other pages are ignored.
func parseTSVPages(b []byte, pages int) []page {
	words := make([][]string, pages)
	sums := make([]float64, pages)
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 12 || f[0] != "5" {
			continue
		}
		p, err := strconv.Atoi(f[1])
		if err != nil || p < 1 || p > pages {
			continue
		}
		w := strings.TrimSpace(f[11])
		if w == "" {
			continue
		}
		c, err := strconv.ParseFloat(f[10], 64)
		if err != nil || c < 0 {
			c = 0
		}
		words[p-1] = append(words[p-1], w)
		sums[p-1] += c
	}
	out := make([]page, pages)
	for i, ws := range words {
		if len(ws) > 0 {
			out[i] = page{strings.Join(ws, " "), sums[i] / float64(len(ws)) / 100}
		}
	}
	return out
}

// parseTSV is parseTSVPages for a single page.
func parseTSV(b []byte) (string, float64) {
	p := parseTSVPages(b, 1)[0]
	return p.text, p.conf
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
