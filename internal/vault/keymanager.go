package vault

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// KeyManager wraps and unwraps data keys under master keys it never reveals.
// LocalKeyManager holds master keys in memory; a cloud KMS can implement the
// same three methods.
type KeyManager interface {
	// CurrentKeyID names the master key that Wrap uses now.
	CurrentKeyID() string
	// Wrap encrypts dataKey under the current master key and reports that key's id.
	Wrap(ctx context.Context, dataKey []byte) (keyID string, wrapped []byte, err error)
	// Unwrap decrypts a data key wrapped under the master key keyID.
	Unwrap(ctx context.Context, keyID string, wrapped []byte) ([]byte, error)
}

// ErrMasterKeyUnknown is wrapped by Unwrap when the named master key is not
// loaded: the key file lost a key that data still depends on.
var ErrMasterKeyUnknown = errors.New("vault: master key not loaded")

// errUnwrapFailed hides why a wrapped key failed to open: the reasons
// (tampering, wrong key) are the same to an operator.
var errUnwrapFailed = errors.New("vault: wrapped data key failed authentication")

const (
	masterKeySize  = 32 // AES-256
	wrapFormat     = 1  // first byte of every wrapped key
	maxKeyIDLen    = 64
	maxKeyFileSize = 1 << 20
)

// LocalKeyManager keeps master keys in process memory. The last key listed
// is current; the others stay loaded so data keys wrapped under them can still
// be unwrapped until `kakunin keys rotate` has re-wrapped them.
//
// A manager loaded from a file re-reads that file when asked to unwrap under
// a key it does not hold: after `kakunin keys rotate` added a key and
// re-wrapped data keys under it, a running server picks the key up (and
// makes it current) instead of failing. Keys it already held stay loaded.
type LocalKeyManager struct {
	path string // key file to re-read; "" for keys given as a string

	mu    sync.RWMutex
	ids   []string // current last
	aeads map[string]cipher.AEAD
}

var _ KeyManager = (*LocalKeyManager)(nil)

// CurrentKeyID returns the id of the last listed master key.
func (m *LocalKeyManager) CurrentKeyID() string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.ids[len(m.ids)-1]
}

// KeyIDs returns the ids of the loaded master keys, current last.
func (m *LocalKeyManager) KeyIDs() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]string(nil), m.ids...)
}

// Wrap seals dataKey with AES-256-GCM under the current master key, binding
// the key id as additional data. The result is a format byte, a random
// 12-byte nonce and the sealed key.
func (m *LocalKeyManager) Wrap(_ context.Context, dataKey []byte) (string, []byte, error) {
	m.mu.RLock()
	id := m.ids[len(m.ids)-1]
	a := m.aeads[id]
	m.mu.RUnlock()
	out := make([]byte, 1, 1+a.Overhead()+len(dataKey))
	out[0] = wrapFormat
	return id, a.Seal(out, nil, dataKey, []byte(id)), nil
}

// Unwrap opens a key produced by Wrap under master key keyID.
func (m *LocalKeyManager) Unwrap(_ context.Context, keyID string, wrapped []byte) ([]byte, error) {
	m.mu.RLock()
	a, ok := m.aeads[keyID]
	m.mu.RUnlock()
	if !ok && m.path != "" {
		if err := m.reload(); err != nil {
			return nil, fmt.Errorf("unwrap under master key %q: %w (re-reading the key file: %v)", keyID, ErrMasterKeyUnknown, err)
		}
		m.mu.RLock()
		a, ok = m.aeads[keyID]
		m.mu.RUnlock()
	}
	if !ok {
		return nil, fmt.Errorf("unwrap under master key %q: %w", keyID, ErrMasterKeyUnknown)
	}
	if len(wrapped) < 1+a.Overhead() || wrapped[0] != wrapFormat {
		return nil, fmt.Errorf("unwrap under master key %q: %w", keyID, errUnwrapFailed)
	}
	key, err := a.Open(nil, nil, wrapped[1:], []byte(keyID))
	if err != nil {
		return nil, fmt.Errorf("unwrap under master key %q: %w", keyID, errUnwrapFailed)
	}
	return key, nil
}

// reload merges the key file's current contents into m: keys only held in
// memory come first, then the file's keys in file order, so the file's last
// key becomes current.
func (m *LocalKeyManager) reload() error {
	fresh, err := LoadMasterKeyFile(m.path)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for _, id := range m.ids {
		if _, inFile := fresh.aeads[id]; !inFile {
			ids = append(ids, id)
		}
	}
	m.ids = append(ids, fresh.ids...)
	for id, a := range fresh.aeads {
		if _, held := m.aeads[id]; !held {
			m.aeads[id] = a
		}
	}
	return nil
}

// ParseMasterKeys reads master keys written as `id:base64` entries separated
// by newlines or commas (the form used in the key file and in an environment
// variable). Lines starting with '#' are comments. Each key must decode
// (standard base64, padded) to exactly 32 bytes; ids are 1–64 characters of
// letters, digits, '_', '.', '-' and must be unique. The last entry is current.
// Errors name the entry by position and never echo key material.
func ParseMasterKeys(s string) (*LocalKeyManager, error) {
	m := &LocalKeyManager{aeads: make(map[string]cipher.AEAD)}
	n := 0
	for line := range strings.Lines(s) {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for entry := range strings.SplitSeq(line, ",") {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			n++
			id, key, err := parseMasterKeyEntry(entry)
			if err != nil {
				return nil, errkind.New(errkind.ErrInvalid, "master_key_invalid", "master key entry %d: %s", n, err)
			}
			if _, dup := m.aeads[id]; dup {
				return nil, errkind.New(errkind.ErrInvalid, "master_key_invalid", "master key entry %d: id %q is listed twice", n, id)
			}
			a, err := newAEAD(key)
			clear(key)
			if err != nil {
				return nil, err
			}
			m.ids = append(m.ids, id)
			m.aeads[id] = a
		}
	}
	if len(m.ids) == 0 {
		return nil, errkind.New(errkind.ErrInvalid, "master_key_invalid", "no master key given")
	}
	return m, nil
}

func parseMasterKeyEntry(entry string) (string, []byte, error) {
	id, b64, ok := strings.Cut(entry, ":")
	if !ok {
		return "", nil, errors.New("want id:base64")
	}
	id, b64 = strings.TrimSpace(id), strings.TrimSpace(b64)
	if !validKeyID(id) {
		return "", nil, errors.New("id must be 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit")
	}
	key, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil {
		return "", nil, errors.New("key is not standard padded base64")
	}
	if len(key) != masterKeySize {
		clear(key)
		return "", nil, fmt.Errorf("key is %d bytes; want %d", len(key), masterKeySize)
	}
	return id, key, nil
}

func validKeyID(id string) bool {
	if id == "" || len(id) > maxKeyIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case (c == '_' || c == '.' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// LoadMasterKeyFile reads master keys from a file in the ParseMasterKeys
// format. It refuses a file that group or others may read, because whoever
// reads it can decrypt every tenant's data. The manager re-reads the file
// when it meets an unknown key id (see LocalKeyManager).
func LoadMasterKeyFile(path string) (*LocalKeyManager, error) {
	s, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	m, err := ParseMasterKeys(s)
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	m.path = path
	return m, nil
}

func readKeyFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("vault: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("vault: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("vault: master key file %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("vault: master key file %s may be read by group or others (mode %04o); fix with: chmod 600 %s",
			path, fi.Mode().Perm(), path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return "", fmt.Errorf("vault: read %s: %w", path, err)
	}
	if len(b) > maxKeyFileSize {
		return "", fmt.Errorf("vault: master key file %s is larger than %d bytes", path, maxKeyFileSize)
	}
	return string(b), nil
}

const keyFileHeader = `# kakunin master keys: one id:base64 per line; the last line is the current key.
# Keep this file private (mode 0600) and backed up: data cannot be decrypted without it.
`

// CreateMasterKeyFile writes a new key file holding one fresh master key,
// with mode 0600. It fails with an error wrapping fs.ErrExist if the file
// already exists, so two first starts cannot overwrite each other's key.
func CreateMasterKeyFile(path string) (*LocalKeyManager, error) {
	line, err := newMasterKeyLine(nil)
	if err != nil {
		return nil, err
	}
	content := keyFileHeader + line
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("vault: create master key file: %w", err)
	}
	if _, err = f.WriteString(content); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("vault: write master key file %s: %w", path, err)
	}
	m, err := ParseMasterKeys(content)
	if err != nil {
		return nil, err
	}
	m.path = path
	return m, nil
}

// AddMasterKey appends a fresh master key to the key file, making it current,
// and returns the keys now in the file. Older keys stay so existing data keys
// can be unwrapped; Vault.RotateMasterKey then re-wraps them under the new key.
// The file is replaced atomically (temporary file, fsync, rename).
func AddMasterKey(path string) (*LocalKeyManager, error) {
	old, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	m, err := ParseMasterKeys(old)
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	line, err := newMasterKeyLine(m.aeads)
	if err != nil {
		return nil, err
	}
	if old != "" && !strings.HasSuffix(old, "\n") {
		old += "\n"
	}
	content := old + line
	if err := replaceFile(path, content); err != nil {
		return nil, fmt.Errorf("vault: update master key file %s: %w", path, err)
	}
	m, err = ParseMasterKeys(content)
	if err != nil {
		return nil, err
	}
	m.path = path
	return m, nil
}

// newMasterKeyLine returns "id:base64\n" for a fresh random key whose id is
// not in taken. Ids carry the creation date so operators can tell keys apart.
func newMasterKeyLine(taken map[string]cipher.AEAD) (string, error) {
	for range 10 {
		var suffix [4]byte
		rand.Read(suffix[:])
		id := "mk_" + time.Now().UTC().Format("20060102") + "_" + hex.EncodeToString(suffix[:])
		if _, dup := taken[id]; dup {
			continue
		}
		key := make([]byte, masterKeySize)
		rand.Read(key)
		line := id + ":" + base64.StdEncoding.EncodeToString(key) + "\n"
		clear(key)
		return line, nil
	}
	return "", errors.New("vault: could not pick an unused master key id")
}

func replaceFile(path, content string) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".kakunin-keys-*") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err = tmp.WriteString(content); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a created or renamed directory entry durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
