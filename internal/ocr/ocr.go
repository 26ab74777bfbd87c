// Package ocr reads single lines of text from images with the tesseract
// command-line program (Debian packages tesseract-ocr, tesseract-ocr-jpn).
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
	"strconv"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// ErrNotInstalled is returned when the tesseract program, or the language
// data asked for, is missing.
var ErrNotInstalled = errors.New("ocr: tesseract is not installed (Debian: apt-get install tesseract-ocr tesseract-ocr-jpn)")

// Tesseract runs the tesseract program once per line. It keeps no state
// between calls and is safe for concurrent use.
//
// The program, not the C library through cgo (gosseract), because the
// rest of kakunin builds with CGO_ENABLED=0 and a crash or a hang in
// tesseract then kills one child process under a deadline instead of the
// server. The price is a process start and a model load per call (about
// 30 ms for eng and 60 ms for jpn with the tessdata_fast models Debian
// ships); callers OCR a handful of short zones per document.
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
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&in, img); err != nil {
		return "", 0, fmt.Errorf("ocr: encode: %w", err)
	}
	args := []string{"stdin", "stdout", "-l", lang, "--psm", "7", "--dpi", strconv.Itoa(t.dpi)}
	if whitelist != "" {
		args = append(args, "-c", "tessedit_char_whitelist="+whitelist)
	}
	args = append(args, "tsv")
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, t.path, args...)
	cmd.Stdin = &in
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	// One thread per call: the callers run documents in parallel, and
	// OpenMP threads on a small machine only fight each other.
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", 0, fmt.Errorf("ocr: tesseract: %w", ctx.Err())
		}
		var ee *exec.Error
		if errors.As(err, &ee) {
			return "", 0, fmt.Errorf("%w: %v", ErrNotInstalled, err)
		}
		return "", 0, fmt.Errorf("ocr: tesseract: %v: %s", err, firstLine(stderr.String()))
	}
	text, conf := parseTSV(out.Bytes())
	return text, conf, nil
}

// parseTSV joins the words of tesseract's TSV output (level 5 rows) with
// single spaces and averages their confidences.
func parseTSV(b []byte) (string, float64) {
	var words []string
	var sum float64
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 12 || f[0] != "5" {
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
		words = append(words, w)
		sum += c
	}
	if len(words) == 0 {
		return "", 0
	}
	return strings.Join(words, " "), sum / float64(len(words)) / 100
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
