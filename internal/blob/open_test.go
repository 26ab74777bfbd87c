package blob

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

func TestValidateKeyAcceptsValidKeys(t *testing.T) {
	valid := map[string]string{
		"evidence key":         "t/ten_123/ver_456/evd_789",
		"single segment":       "a",
		"dotfile":              ".hidden",
		"three dots":           "t/.../x",
		"all allowed bytes":    "AZaz09._-",
		"uppercase ULID":       "t/ten_01JD5Z8Q3W9X7Y6V5T4S3R2Q1P/evd_1",
		"255-byte segment":     strings.Repeat("s", 255),
		"many short segments":  strings.Repeat("a/", 255) + "b",
		"segment ending in .":  "t/evd.",
		"segment of only dash": "t/-",
	}
	for name, key := range valid {
		t.Run(name, func(t *testing.T) {
			if err := ValidateKey(key); err != nil {
				t.Errorf("ValidateKey(%q): got %v; want nil", key, err)
			}
		})
	}
}

func TestParseS3URL(t *testing.T) {
	tests := map[string]struct {
		in   string
		want S3Config
	}{
		"all parameters": {
			in: "s3://AKIA:s3cr3t@minio.internal:9000/evidence?region=ap-northeast-1&tls=false&prefix=kakunin/prod&create_bucket=true",
			want: S3Config{Endpoint: "minio.internal:9000", Region: "ap-northeast-1", Bucket: "evidence",
				AccessKeyID: "AKIA", SecretAccessKey: "s3cr3t", UseTLS: false, Prefix: "kakunin/prod", CreateBucket: true},
		},
		"defaults": {
			in:   "s3://AKIA:s3cr3t@s3.ap-northeast-1.amazonaws.com/evidence",
			want: S3Config{Endpoint: "s3.ap-northeast-1.amazonaws.com", Bucket: "evidence", AccessKeyID: "AKIA", SecretAccessKey: "s3cr3t", UseTLS: true},
		},
		"percent-encoded secret": {
			in:   "s3://AKIA:ab%2Fcd+ef%40gh@host:9000/evidence/",
			want: S3Config{Endpoint: "host:9000", Bucket: "evidence", AccessKeyID: "AKIA", SecretAccessKey: "ab/cd+ef@gh", UseTLS: true},
		},
		"upper-case scheme": {
			in:   "S3://AKIA:s3cr3t@host/evidence?tls=1",
			want: S3Config{Endpoint: "host", Bucket: "evidence", AccessKeyID: "AKIA", SecretAccessKey: "s3cr3t", UseTLS: true},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseS3URL(tc.in)
			if err != nil {
				t.Fatalf("ParseS3URL: got %v; want nil", err)
			}
			if got != tc.want {
				t.Errorf("ParseS3URL:\n got %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestParseS3URLRejects(t *testing.T) {
	const secret = "TOPSECRETVALUE"
	tests := map[string]string{
		"no credentials":       "s3://host/evidence",
		"no secret":            "s3://AKIA@host/evidence",
		"empty secret":         "s3://AKIA:@host/evidence",
		"no bucket":            "s3://AKIA:" + secret + "@host/",
		"bucket and path":      "s3://AKIA:" + secret + "@host/evidence/extra",
		"invalid bucket":       "s3://AKIA:" + secret + "@host/Evidence_Bucket",
		"unknown parameter":    "s3://AKIA:" + secret + "@host/evidence?regoin=x",
		"repeated parameter":   "s3://AKIA:" + secret + "@host/evidence?tls=true&tls=false",
		"bad tls":              "s3://AKIA:" + secret + "@host/evidence?tls=maybe",
		"bad create_bucket":    "s3://AKIA:" + secret + "@host/evidence?create_bucket=yes",
		"invalid prefix":       "s3://AKIA:" + secret + "@host/evidence?prefix=../up",
		"unescaped slash":      "s3://AKIA:" + secret + "/x@host/evidence",
		"malformed escape":     "s3://AKIA:" + secret + "%zz@host/evidence",
		"fragment":             "s3://AKIA:" + secret + "@host/evidence#frag",
		"no host":              "s3://AKIA:" + secret + "@/evidence",
		"wrong scheme":         "gs://AKIA:" + secret + "@host/evidence",
		"control byte in host": "s3://AKIA:" + secret + "@ho\x7fst/evidence",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseS3URL(in)
			assertKind(t, err, errkind.ErrInvalid, ReasonURLInvalid)
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("error %q repeats the secret key", err)
			}
		})
	}
}

func TestS3ConfigStringHidesSecret(t *testing.T) {
	cfg := S3Config{Endpoint: "host:9000", Bucket: "b", AccessKeyID: "AKIA", SecretAccessKey: "TOPSECRETVALUE"}
	if s := cfg.String(); strings.Contains(s, "TOPSECRETVALUE") || !strings.Contains(s, "AKIA") {
		t.Errorf("String(): got %q; want the access key and no secret", s)
	}
}

func TestOpenFilesystem(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "abs")
	cwd := t.TempDir()
	t.Chdir(cwd)
	tests := map[string]struct {
		location string
		wantDir  string
	}{
		"absolute path":          {abs, abs},
		"file URL":               {"file://" + abs, abs},
		"file URL for localhost": {"file://localhost" + abs, abs},
		"relative path":          {"./var/evidence", filepath.Join(cwd, "var", "evidence")},
		"bare relative path":     {"evidence", filepath.Join(cwd, "evidence")},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := Open(t.Context(), tc.location)
			if err != nil {
				t.Fatalf("Open(%q): got %v; want nil", tc.location, err)
			}
			fs, ok := s.(*FS)
			if !ok {
				t.Fatalf("Open(%q): got %T; want *FS", tc.location, s)
			}
			// Compare after resolving symlinks: the temp dir may sit
			// behind one (macOS /var -> /private/var).
			gotDir, _ := filepath.EvalSymlinks(fs.Dir())
			wantDir, _ := filepath.EvalSymlinks(tc.wantDir)
			if gotDir != wantDir {
				t.Errorf("Open(%q).Dir(): got %q; want %q", tc.location, gotDir, wantDir)
			}
			if st, err := os.Stat(tc.wantDir); err != nil || !st.IsDir() {
				t.Errorf("directory %s after Open: got %v; want it created", tc.wantDir, err)
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	tests := map[string]string{
		"empty":                "",
		"file URL with host":   "file://fileserver/srv/evidence",
		"relative file URL":    "file://./var/evidence",
		"file URL with query":  "file:///srv/evidence?x=1",
		"unknown scheme":       "ftp://host/evidence",
		"s3 without a secret":  "s3://AKIA@host/evidence",
		"file URL, empty path": "file://",
	}
	for name, loc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := Open(t.Context(), loc)
			assertKind(t, err, errkind.ErrInvalid, ReasonURLInvalid)
			if s != nil {
				t.Errorf("Open(%q): got store %T; want nil", loc, s)
			}
		})
	}
}
