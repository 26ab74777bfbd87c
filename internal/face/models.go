package face

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/nn"
)

// modelSums is a copy of the repository's models.sha256 (a test keeps the two
// identical): every model file the engine may load, with its SHA-256.
//
//go:embed models.sha256
var modelSums []byte

// fixHint is the command that installs the pinned model files.
const fixHint = "run `make models` to install the pinned model files"

func parseSums(b []byte) (map[string]string, error) {
	sums := make(map[string]string)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 {
			return nil, fmt.Errorf("models.sha256: bad line %q", line)
		}
		sums[name] = sum
	}
	return sums, sc.Err()
}

// modelStore reads model files from a directory and checks each against the
// pinned checksum before anything parses it.
type modelStore struct {
	dir  string
	sums map[string]string
}

func newModelStore(dir string) (*modelStore, error) {
	sums, err := parseSums(modelSums)
	if err != nil {
		return nil, err
	}
	return &modelStore{dir: dir, sums: sums}, nil
}

// read returns the verified contents of the model file at rel (a slash path
// such as "face-api/face_recognition_model.bin").
func (s *modelStore) read(rel string) ([]byte, error) {
	want, pinned := s.sums[rel]
	if !pinned {
		return nil, errkind.New(errkind.ErrUnavailable, ReasonModelAltered, "model file %s is not listed in models.sha256", rel)
	}
	p := filepath.Join(s.dir, filepath.FromSlash(rel))
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errkind.New(errkind.ErrUnavailable, ReasonModelMissing, "model file %s is missing; %s", p, fixHint)
	}
	if err != nil {
		return nil, errkind.Wrap(err, errkind.ErrUnavailable, ReasonModelMissing, "cannot read model file %s", p)
	}
	got := sha256.Sum256(b)
	if hex.EncodeToString(got[:]) != want {
		return nil, errkind.New(errkind.ErrUnavailable, ReasonModelAltered, "model file %s does not match its pinned SHA-256; %s", p, fixHint)
	}
	return b, nil
}

// loadManifest reads a face-api weights manifest and its shards from dir
// (relative to the models directory) and returns the named weights.
func (s *modelStore) loadManifest(dir, name string) (map[string]*nn.Tensor, error) {
	js, err := s.read(path.Join(dir, name+"-weights_manifest.json"))
	if err != nil {
		return nil, err
	}
	w, err := nn.ParseManifest(js, func(shard string) ([]byte, error) {
		if strings.Contains(shard, "/") || strings.Contains(shard, `\`) || shard == ".." {
			return nil, fmt.Errorf("shard path %q leaves the model directory", shard)
		}
		return s.read(path.Join(dir, shard))
	})
	var ke *errkind.Error
	if errors.As(err, &ke) {
		return nil, err // a shard was missing or altered; that error names it
	}
	if err != nil {
		return nil, errkind.Wrap(err, errkind.ErrUnavailable, ReasonModelAltered, "cannot load model %s/%s", dir, name)
	}
	return w, nil
}

// weights looks up named tensors and reports the first missing one.
type weights struct {
	model string
	m     map[string]*nn.Tensor
	err   error
}

func (w *weights) get(name string, rank int) *nn.Tensor {
	if w.err != nil {
		return nil
	}
	t, ok := w.m[name]
	if !ok || len(t.Shape) != rank {
		w.err = fmt.Errorf("model %s: weight %q missing or not rank %d", w.model, name, rank)
		return nil
	}
	return t
}

func (w *weights) filter(name string) *nn.Filter {
	t := w.get(name, 4)
	if t == nil {
		return nil
	}
	f, err := nn.NewFilter(t)
	if err != nil && w.err == nil {
		w.err = err
	}
	return f
}

func (w *weights) vec(name string) []float32 {
	t := w.get(name, 1)
	if t == nil {
		return nil
	}
	return t.Data
}
