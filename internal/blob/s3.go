package blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// S3Config locates a bucket on an S3-compatible server.
type S3Config struct {
	Endpoint        string // host or host:port, without scheme
	Region          string // empty: ask the server
	Bucket          string
	AccessKeyID     string
	SecretAccessKey string
	UseTLS          bool
	Prefix          string // optional key prefix inside the bucket; a valid key itself
	CreateBucket    bool   // create the bucket if it is missing instead of failing
}

// maxPrefixLen keeps prefix + "/" + key within S3's 1024-byte object names.
const maxPrefixLen = 1024 - MaxKeyLen - 1

// Validate checks the config without contacting the server.
func (c S3Config) Validate() error {
	bad := func(format string, args ...any) error {
		return errkind.New(errkind.ErrInvalid, ReasonURLInvalid, format, args...)
	}
	switch {
	case c.Endpoint == "":
		return bad("s3 endpoint is empty")
	case strings.Contains(c.Endpoint, "/"):
		return bad("s3 endpoint %q must be host[:port] without scheme or path", c.Endpoint)
	case c.AccessKeyID == "" || c.SecretAccessKey == "":
		return bad("s3 access key and secret key are both required")
	}
	if err := s3utils.CheckValidBucketNameStrict(c.Bucket); err != nil {
		return bad("s3 bucket name %q is invalid: %v", c.Bucket, err)
	}
	if p := strings.TrimSuffix(c.Prefix, "/"); p != "" {
		if len(p) > maxPrefixLen {
			return bad("s3 prefix is %d bytes; the limit is %d", len(p), maxPrefixLen)
		}
		if err := ValidateKey(p); err != nil {
			return bad("s3 prefix %q is not a valid key: %s", c.Prefix, errkind.Reason(err))
		}
	}
	return nil
}

// String describes the config with the secret key left out, so that a
// config can be logged or printed.
func (c S3Config) String() string {
	scheme := "https"
	if !c.UseTLS {
		scheme = "http"
	}
	return fmt.Sprintf("s3 %s://%s/%s prefix=%q region=%q access_key=%q secret_key=[redacted]",
		scheme, c.Endpoint, c.Bucket, c.Prefix, c.Region, c.AccessKeyID)
}

// S3 stores objects in one bucket of an S3-compatible server, each key
// (under the optional prefix) as one object.
type S3 struct {
	core   *minio.Core
	bucket string
	prefix string // "" or ends with "/"
}

// NewS3 connects to the server and checks that the bucket exists, creating
// it when cfg.CreateBucket is set, so that a misconfigured store fails at
// start-up rather than on the first upload.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	core, err := minio.NewCore(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, ""),
		Secure: cfg.UseTLS,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: s3 client: %w", err)
	}
	s := &S3{core: core, bucket: cfg.Bucket}
	if p := strings.TrimSuffix(cfg.Prefix, "/"); p != "" {
		s.prefix = p + "/"
	}

	exists, err := core.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, s.fail(ctx, "check bucket", "", err)
	}
	if exists {
		return s, nil
	}
	if !cfg.CreateBucket {
		return nil, fmt.Errorf("blob: s3 bucket %q does not exist (create it, or set create_bucket=true)", cfg.Bucket)
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	err = core.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: region})
	if err != nil {
		// Another process may have won a race to create it.
		code := minio.ToErrorResponse(err).Code
		if code != minio.BucketAlreadyOwnedByYou && code != minio.BucketAlreadyExists {
			return nil, s.fail(ctx, "create bucket", "", err)
		}
		if exists, err2 := core.BucketExists(ctx, cfg.Bucket); err2 != nil || !exists {
			return nil, s.fail(ctx, "create bucket", "", err)
		}
	}
	return s, nil
}

func (s *S3) object(key string) string { return s.prefix + key }

// Put uploads data in one PUT carrying three digests of the payload: the
// signed x-amz-content-sha256, x-amz-checksum-sha256 and Content-MD5. The
// server recomputes each and refuses a mismatch, so a nil return means it
// holds exactly data.
func (s *S3) Put(ctx context.Context, key string, data []byte) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	sha := sha256.Sum256(data)
	sum := md5.Sum(data)
	return s.put(ctx, key, data, digests{payloadSHA256: sha[:], checksumSHA256: sha[:], md5: sum[:]})
}

// digests are the three a PUT carries; Put sends the true ones, and tests
// send false ones to prove that the server checks each.
type digests struct {
	payloadSHA256  []byte // signed x-amz-content-sha256
	checksumSHA256 []byte // x-amz-checksum-sha256, stored with the object
	md5            []byte // Content-MD5
}

func (s *S3) put(ctx context.Context, key string, data []byte, d digests) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	opts := minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		// With the streaming signature off, minio-go sends the hex SHA-256
		// given below as the signed x-amz-content-sha256 header, on plain
		// HTTP and TLS alike, instead of a per-chunk signature (HTTP) or
		// UNSIGNED-PAYLOAD (TLS).
		DisableContentSha256: true,
		UserMetadata: map[string]string{
			"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(d.checksumSHA256),
		},
	}
	_, err := s.core.PutObject(ctx, s.bucket, s.object(key), bytes.NewReader(data), int64(len(data)),
		base64.StdEncoding.EncodeToString(d.md5), hex.EncodeToString(d.payloadSHA256), opts)
	if err != nil {
		switch minio.ToErrorResponse(err).Code {
		case "ObjectParentIsFile", "ExistingObjectIsDirectory":
			// Gateways over a filesystem (versitygw posix) cannot hold both
			// "a/b" and "a/b/c"; report it as the FS back end does.
			return errkind.Wrap(err, errkind.ErrConflict, ReasonKeyConflict,
				"blob key %q clashes with an existing key that is a prefix of it or has it as a prefix", key)
		}
		return s.fail(ctx, "put", key, err)
	}
	return nil
}

// Get downloads the whole object.
func (s *S3) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", key, err)
	}
	body, info, _, err := s.core.GetObject(ctx, s.bucket, s.object(key), minio.GetObjectOptions{})
	if err != nil {
		if isNoSuchKey(err) {
			return nil, notFound(key)
		}
		return nil, s.fail(ctx, "get", key, err)
	}
	defer body.Close()
	var buf bytes.Buffer
	if info.Size > 0 {
		buf.Grow(int(info.Size))
	}
	if _, err := io.Copy(&buf, body); err != nil {
		return nil, s.fail(ctx, "get", key, err)
	}
	if info.Size >= 0 && int64(buf.Len()) != info.Size {
		return nil, fmt.Errorf("blob: get %s: read %d bytes; the server announced %d", key, buf.Len(), info.Size)
	}
	return buf.Bytes(), nil
}

// Delete removes the object; S3 answers a delete of a missing key with
// success, and a NoSuchKey from a stricter server is treated the same way.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	err := s.core.RemoveObject(ctx, s.bucket, s.object(key), minio.RemoveObjectOptions{})
	if err != nil && !isNoSuchKey(err) {
		return s.fail(ctx, "delete", key, err)
	}
	return nil
}

// Exists asks for the object's metadata.
func (s *S3) Exists(ctx context.Context, key string) (bool, error) {
	if err := ValidateKey(key); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("blob: exists %s: %w", key, err)
	}
	_, err := s.core.StatObject(ctx, s.bucket, s.object(key), minio.StatObjectOptions{})
	if err != nil {
		if isNoSuchKey(err) {
			return false, nil
		}
		return false, s.fail(ctx, "exists", key, err)
	}
	return true, nil
}

func isNoSuchKey(err error) bool {
	return minio.ToErrorResponse(err).Code == minio.NoSuchKey
}

// fail wraps a server or transport error. Cancellation stays recognisable
// with errors.Is; a transport failure or a 5xx becomes ErrUnavailable, since
// retrying later may succeed; anything else (access denied, missing bucket)
// is a configuration fault and stays a plain error.
func (s *S3) fail(ctx context.Context, op, key string, err error) error {
	what := op
	if key != "" {
		what += " " + key
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("blob: s3 %s: %w", what, errors.Join(ctxErr, err))
	}
	resp := minio.ToErrorResponse(err)
	if resp.Code == "" || resp.StatusCode >= http.StatusInternalServerError {
		return errkind.Wrap(err, errkind.ErrUnavailable, ReasonUnavailable, "s3 %s failed", what)
	}
	return fmt.Errorf("blob: s3 %s: %s (%s): %w", what, resp.Code, resp.Message, err)
}
