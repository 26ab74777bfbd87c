package blob

import (
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

const (
	testAccessKey = "kakunintestaccess"
	testSecretKey = "kakunin/test+secret/0123456789" // "/" and "+" exercise URL escaping
	testBucket    = "kakunin-evidence"
)

// TestS3 runs the contract and the S3-only checks against a real versitygw
// gateway serving a temporary directory.
func TestS3(t *testing.T) {
	gw := startVersityGW(t)

	var n atomic.Int64
	newStore := func(t *testing.T) *S3 {
		t.Helper()
		cfg := gw
		cfg.Bucket = testBucket
		cfg.CreateBucket = true
		// Each store gets its own prefix, so subtests start empty.
		cfg.Prefix = fmt.Sprintf("run_%d", n.Add(1))
		s, err := NewS3(t.Context(), cfg)
		if err != nil {
			t.Fatalf("NewS3(%v): got %v; want nil", cfg, err)
		}
		return s
	}

	t.Run("contract", func(t *testing.T) {
		runContract(t, func(t *testing.T) Store { return newStore(t) })
	})

	t.Run("server refuses an upload that does not match its digests", func(t *testing.T) {
		s := newStore(t)
		data := randomBytes(7, 4096)
		sha := sha256.Sum256(data)
		sum := md5.Sum(data)
		otherSHA := sha256.Sum256([]byte("other"))
		otherMD5 := md5.Sum([]byte("other"))
		tests := map[string]digests{
			"wrong x-amz-content-sha256":  {payloadSHA256: otherSHA[:], checksumSHA256: sha[:], md5: sum[:]},
			"wrong x-amz-checksum-sha256": {payloadSHA256: sha[:], checksumSHA256: otherSHA[:], md5: sum[:]},
			"wrong Content-MD5":           {payloadSHA256: sha[:], checksumSHA256: sha[:], md5: otherMD5[:]},
		}
		for name, d := range tests {
			t.Run(name, func(t *testing.T) {
				key := "t/ten_1/ver_1/" + strings.NewReplacer(" ", "_", "-", "_").Replace(name)
				if err := s.put(t.Context(), key, data, d); err == nil {
					t.Fatalf("put with %s: got nil; want the server to refuse it", name)
				}
				if ok, err := s.Exists(t.Context(), key); err != nil || ok {
					t.Errorf("Exists after refused put: got (%v, %v); want (false, nil)", ok, err)
				}
			})
		}
		// The same call with the right digests succeeds, so the refusals
		// above came from the digests and nothing else.
		right := digests{payloadSHA256: sha[:], checksumSHA256: sha[:], md5: sum[:]}
		if err := s.put(t.Context(), "t/ten_1/ver_1/right", data, right); err != nil {
			t.Errorf("put with matching digests: got %v; want nil", err)
		}
	})

	t.Run("keys that cannot coexist on the gateway's filesystem", func(t *testing.T) {
		tests := map[string]struct{ first, second string }{
			"object is a prefix of the new key": {"a/b", "a/b/c"},
			"new key is a prefix of an object":  {"x/y/z", "x/y"},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				s := newStore(t)
				if err := s.Put(t.Context(), tc.first, []byte("1")); err != nil {
					t.Fatalf("Put %s: got %v; want nil", tc.first, err)
				}
				err := s.Put(t.Context(), tc.second, []byte("2"))
				assertKind(t, err, errkind.ErrConflict, ReasonKeyConflict)
			})
		}
	})

	t.Run("prefix isolates stores in one bucket", func(t *testing.T) {
		a, b := newStore(t), newStore(t)
		if err := a.Put(t.Context(), "t/k", []byte("a")); err != nil {
			t.Fatalf("Put: got %v; want nil", err)
		}
		if ok, err := b.Exists(t.Context(), "t/k"); err != nil || ok {
			t.Errorf("Exists in a store with another prefix: got (%v, %v); want (false, nil)", ok, err)
		}
	})

	t.Run("missing bucket without create_bucket", func(t *testing.T) {
		cfg := gw
		cfg.Bucket = "kakunin-absent"
		if _, err := NewS3(t.Context(), cfg); err == nil {
			t.Errorf("NewS3 on a missing bucket: got nil; want an error")
		}
	})

	t.Run("wrong secret", func(t *testing.T) {
		cfg := gw
		cfg.Bucket = testBucket
		cfg.SecretAccessKey = "not-the-secret-key"
		_, err := NewS3(t.Context(), cfg)
		if err == nil {
			t.Fatalf("NewS3 with a wrong secret: got nil; want an error")
		}
		if strings.Contains(err.Error(), cfg.SecretAccessKey) {
			t.Errorf("error %q contains the secret key", err)
		}
	})

	t.Run("Open with an s3 URL", func(t *testing.T) {
		loc := fmt.Sprintf("s3://%s@%s/%s?tls=false&region=us-east-1&prefix=opened&create_bucket=true",
			url.UserPassword(gw.AccessKeyID, gw.SecretAccessKey).String(), gw.Endpoint, "kakunin-opened")
		s, err := Open(t.Context(), loc)
		if err != nil {
			t.Fatalf("Open: got %v; want nil", err)
		}
		if _, ok := s.(*S3); !ok {
			t.Fatalf("Open: got %T; want *S3", s)
		}
		if err := s.Put(t.Context(), "t/k", []byte("via url")); err != nil {
			t.Fatalf("Put: got %v; want nil", err)
		}
		got, err := s.Get(t.Context(), "t/k")
		if err != nil {
			t.Fatalf("Get: got %v; want nil", err)
		}
		assertSameBytes(t, got, []byte("via url"))
		// The object sits under the prefix, in the bucket the URL named.
		direct := newStore(t)
		direct.bucket, direct.prefix = "kakunin-opened", "opened/"
		if ok, err := direct.Exists(t.Context(), "t/k"); err != nil || !ok {
			t.Errorf("Exists(opened/t/k) in kakunin-opened: got (%v, %v); want (true, nil)", ok, err)
		}
	})
}

// versitygwPath finds the gateway binary: $KAKUNIN_VERSITYGW, then
// <module root>/bin/versitygw (where `make tools` puts it), then $PATH. When
// it is absent the test skips, except under CI=true, where a silent skip
// would hide a broken install.
func versitygwPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KAKUNIN_VERSITYGW"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("KAKUNIN_VERSITYGW=%s: %v", p, err)
		}
		return p
	}
	if root, err := moduleRoot(); err == nil {
		p := filepath.Join(root, "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	const msg = "versitygw not found in $KAKUNIN_VERSITYGW, bin/ or $PATH: run `make tools` to install it"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found")
		}
		dir = parent
	}
}

// startVersityGW runs the gateway on a free loopback port over a temporary
// directory until the test ends, and returns a config (without bucket)
// that reaches it.
func startVersityGW(t *testing.T) S3Config {
	t.Helper()
	bin := versitygwPath(t)
	dataDir := t.TempDir()
	logPath := filepath.Join(t.TempDir(), "versitygw.log")

	// The port is free when chosen but could be taken before the gateway
	// binds it; a gateway that exits at once gets another try.
	for attempt := 1; attempt <= 3; attempt++ {
		addr := freeLoopbackAddr(t)
		logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin,
			"--access", testAccessKey, "--secret", testSecretKey,
			"--port", addr, "--quiet",
			"posix", dataDir)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			logFile.Close()
			t.Fatalf("start %s: %v", bin, err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); logFile.Close(); close(exited) }()

		if err := waitForHTTP(addr, exited, 30*time.Second); err != nil {
			_ = cmd.Process.Kill()
			<-exited
			log, _ := os.ReadFile(logPath)
			t.Logf("versitygw attempt %d on %s: %v\n%s", attempt, addr, err, log)
			continue
		}
		t.Cleanup(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		})
		return S3Config{
			Endpoint:        addr,
			Region:          "us-east-1",
			AccessKeyID:     testAccessKey,
			SecretAccessKey: testSecretKey,
			UseTLS:          false,
		}
	}
	t.Fatalf("versitygw did not start after 3 attempts")
	return S3Config{}
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitForHTTP polls addr until it answers any HTTP request (an anonymous
// request gets 403, which is enough), the process exits, or time runs out.
func waitForHTTP(addr string, exited <-chan struct{}, limit time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("exited before answering")
		default:
		}
		resp, err := client.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no answer within %v", limit)
}
