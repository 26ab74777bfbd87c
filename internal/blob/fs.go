package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

const (
	fileMode = 0o600
	dirMode  = 0o700

	// tmpPrefix starts the name of every file being written. "~" cannot
	// occur in a valid key, so no key ever names a partly written file and
	// leftovers from a crash are easy to find.
	tmpPrefix = ".~tmp-"

	// maxSyncedDirs bounds the memory spent remembering which directories
	// are already durable; past it the memory is dropped and rebuilt, which
	// costs a few extra directory fsyncs and nothing else.
	maxSyncedDirs = 8192
)

// FS stores each object as one file under a root directory, at the path
// its key names. Every access goes through an os.Root, so neither a key
// nor a symbolic link planted in the tree can reach outside the root.
type FS struct {
	dir string

	mu sync.Mutex
	// synced holds directories (relative to dir) whose own entry in their
	// parent directory is known to be on stable storage.
	synced map[string]struct{}
}

// NewFS returns a store rooted at dir, creating it (mode 0700) if needed.
func NewFS(dir string) (*FS, error) {
	if dir == "" {
		return nil, errkind.New(errkind.ErrInvalid, ReasonURLInvalid, "blob directory is empty")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: resolve directory: %w", err)
	}
	if err := os.MkdirAll(abs, dirMode); err != nil {
		return nil, fmt.Errorf("blob: create directory: %w", err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("blob: stat directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("blob: %s is not a directory", abs)
	}
	// The root may have just been created: make its entry durable too.
	if err := syncPath(filepath.Dir(abs)); err != nil {
		return nil, fmt.Errorf("blob: sync parent of root: %w", err)
	}
	return &FS{dir: abs, synced: make(map[string]struct{})}, nil
}

// Dir returns the absolute root directory.
func (s *FS) Dir() string { return s.dir }

// Put writes data to a temporary file next to the final one, fsyncs it,
// renames it into place and fsyncs the directory, so that after a crash the
// key holds either the old object or the new one, never a torn mix, and a nil
// return means the new one survives power loss.
func (s *FS) Put(ctx context.Context, key string, data []byte) (err error) {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		return fmt.Errorf("blob: open root: %w", err)
	}
	defer root.Close()

	dir := path.Dir(key)
	if err := s.makeDirs(root, dir); err != nil {
		return s.pathError(root, "put", key, err)
	}

	tmp := path.Join(dir, tmpPrefix+randomSuffix())
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	if errors.Is(err, fs.ErrNotExist) {
		// A directory this FS remembered was removed behind its back
		// (an operator tidying up): forget what it knew and try once more.
		s.forgetSynced()
		if err := s.makeDirs(root, dir); err != nil {
			return s.pathError(root, "put", key, err)
		}
		f, err = root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	}
	if err != nil {
		return s.pathError(root, "put", key, err)
	}
	renamed := false
	defer func() {
		if !renamed {
			_ = root.Remove(tmp)
		}
	}()
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("blob: put %s: write: %w", key, werr)
	}
	// Last point at which giving up leaves no trace.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := root.Rename(tmp, key); err != nil {
		return s.pathError(root, "put", key, err)
	}
	renamed = true
	if err := syncDir(root, dir); err != nil {
		return fmt.Errorf("blob: put %s: sync directory: %w", key, err)
	}
	return nil
}

// makeDirs creates dir and its missing ancestors below the root, then makes
// their entries durable. A directory another goroutine created (or one left
// from an earlier run) is synced too the first time this FS meets it, because
// its creator may not have synced it yet.
func (s *FS) makeDirs(root *os.Root, dir string) error {
	if dir == "." {
		return nil
	}
	segs := strings.Split(dir, "/")
	for i := range segs {
		p := strings.Join(segs[:i+1], "/")
		if s.isSynced(p) {
			continue
		}
		if err := root.Mkdir(p, dirMode); err != nil {
			if !errors.Is(err, fs.ErrExist) {
				return err
			}
			st, serr := root.Stat(p)
			if serr != nil {
				return serr
			}
			if !st.IsDir() {
				return &fs.PathError{Op: "mkdir", Path: p, Err: syscall.ENOTDIR}
			}
		}
		if err := syncDir(root, path.Dir(p)); err != nil {
			return fmt.Errorf("sync directory: %w", err)
		}
		s.markSynced(p)
	}
	return nil
}

func (s *FS) isSynced(dir string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.synced[dir]
	return ok
}

func (s *FS) markSynced(dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.synced) >= maxSyncedDirs {
		clear(s.synced)
	}
	s.synced[dir] = struct{}{}
}

func (s *FS) forgetSynced() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.synced)
}

// Get returns the file's bytes. It opens without blocking so that a key
// naming something other than a regular file (a FIFO, say) cannot hang it.
func (s *FS) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", key, err)
	}
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		return nil, fmt.Errorf("blob: open root: %w", err)
	}
	defer root.Close()
	f, err := root.OpenFile(key, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if isMissing(err) {
			return nil, notFound(key)
		}
		return nil, fmt.Errorf("blob: get %s: %w", key, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", key, err)
	}
	if !st.Mode().IsRegular() {
		return nil, notFound(key)
	}
	// Read to EOF rather than trusting the size, but start with a buffer of
	// that size so the common case allocates once.
	buf := make([]byte, 0, st.Size()+1)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("blob: get %s: %w", key, err)
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// Delete removes the file and fsyncs its directory, so an erasure (a
// redaction) is as durable as a write.
func (s *FS) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		return fmt.Errorf("blob: open root: %w", err)
	}
	defer root.Close()
	st, err := root.Lstat(key)
	if err != nil {
		if isMissing(err) {
			return nil
		}
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	if st.IsDir() {
		// A directory is the parent of other keys, not an object.
		return nil
	}
	if err := root.Remove(key); err != nil {
		if isMissing(err) {
			return nil
		}
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	if err := syncDir(root, path.Dir(key)); err != nil {
		return fmt.Errorf("blob: delete %s: sync directory: %w", key, err)
	}
	return nil
}

// Exists reports whether key names a regular file.
func (s *FS) Exists(ctx context.Context, key string) (bool, error) {
	if err := ValidateKey(key); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("blob: exists %s: %w", key, err)
	}
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		return false, fmt.Errorf("blob: open root: %w", err)
	}
	defer root.Close()
	st, err := root.Stat(key)
	if err != nil {
		if isMissing(err) {
			return false, nil
		}
		return false, fmt.Errorf("blob: exists %s: %w", key, err)
	}
	return st.Mode().IsRegular(), nil
}

// pathError turns a failure to create key's file or directories into a
// conflict when the cause is an object and a directory wanting the same
// name ("a/b" stored, then "a/b/c" put, or the reverse).
func (s *FS) pathError(root *os.Root, op, key string, err error) error {
	if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.EEXIST) {
		return errkind.Wrap(err, errkind.ErrConflict, ReasonKeyConflict,
			"blob key %q clashes with an existing key that is a prefix of it or has it as a prefix", key)
	}
	if st, serr := root.Lstat(key); serr == nil && st.IsDir() {
		return errkind.Wrap(err, errkind.ErrConflict, ReasonKeyConflict,
			"blob key %q is the parent of other keys", key)
	}
	return fmt.Errorf("blob: %s %s: %w", op, key, err)
}

// isMissing reports whether err means "no such object": the file is absent
// or one of its parents is a file rather than a directory.
func isMissing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

func syncDir(root *os.Root, dir string) error {
	d, err := root.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	cerr := d.Close()
	if serr != nil {
		return serr
	}
	return cerr
}

func syncPath(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	cerr := d.Close()
	if serr != nil {
		return serr
	}
	return cerr
}

func randomSuffix() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
