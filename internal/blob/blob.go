// Package blob stores kakunin's evidence objects as opaque bytes under
// slash-separated keys, on the local filesystem (the default) or in an
// S3-compatible bucket.
//
// Callers encrypt each object and record its SHA-256 before calling Put; blob
// neither inspects nor verifies content on Get. What blob promises is
// durability: when Put returns nil the object is on stable storage (fsynced
// file and directory, or an S3 PUT the server acknowledged after checking the
// payload's SHA-256 and MD5), so the database row that references it may be
// written next.
//
// Because keys become file paths, "a/b" and "a/b/c" cannot both exist on the
// filesystem back end (nor on a gateway over a filesystem); the second Put
// fails with ErrConflict, reason blob_key_conflict. A crash in the middle of
// a filesystem Put may leave a file named ".~tmp-*"; no key can name it, and
// it is safe to delete.
//
// A store is chosen by a location string, parsed by Open:
//
//	./var/evidence                  a filesystem path (relative or absolute)
//	file:///srv/kakunin/evidence    the same, as a URL (absolute paths only)
//	s3://ACCESS:SECRET@host:port/bucket?region=us-east-1&tls=true&prefix=evidence&create_bucket=false
//
// In the s3 form ACCESS and SECRET are required and must be percent-encoded
// where they contain reserved characters (a "/" in a secret is written %2F).
// Query parameters are all optional: region (default: discovered from the
// server), tls (default true), prefix (a key prefix inside the bucket, itself
// a valid key), create_bucket (default false: a missing bucket is an error).
// Any other parameter is an error.
//
// Keys look like "t/ten_123/ver_456/evd_789": at most 512 bytes; segments
// of 1 to 255 bytes of [A-Za-z0-9._-] separated by single slashes; no "." or
// ".." segment; no leading or trailing slash. Anything else is refused with
// reason blob_key_invalid before any I/O.
package blob

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Store is the contract both back ends satisfy. Consumers should declare the
// subset they need; this one exists so tests and wiring can treat the back
// ends alike.
type Store interface {
	// Put stores data under key, replacing any previous object. A nil error
	// means the object is durable.
	Put(ctx context.Context, key string, data []byte) error
	// Get returns the object under key, or an error of kind ErrNotFound
	// with reason blob_not_found.
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete removes the object under key. Deleting a missing object is not
	// an error.
	Delete(ctx context.Context, key string) error
	// Exists reports whether an object is stored under key.
	Exists(ctx context.Context, key string) (bool, error)
}

var (
	_ Store = (*FS)(nil)
	_ Store = (*S3)(nil)
)

// Reason codes of the domain errors this package returns.
const (
	ReasonKeyInvalid  = "blob_key_invalid"
	ReasonNotFound    = "blob_not_found"
	ReasonKeyConflict = "blob_key_conflict"
	ReasonURLInvalid  = "blob_url_invalid"
	ReasonUnavailable = "blob_unavailable"
)

// MaxKeyLen is the longest key accepted, in bytes.
const MaxKeyLen = 512

// maxSegmentLen is the longest file name common filesystems accept.
const maxSegmentLen = 255

// ValidateKey reports whether key is acceptable to every back end. The
// rules are strict on purpose: a key becomes a file path on disk and an
// object name in S3, and must mean the same thing in both.
func ValidateKey(key string) error {
	if key == "" {
		return errkind.New(errkind.ErrInvalid, ReasonKeyInvalid, "blob key is empty")
	}
	if len(key) > MaxKeyLen {
		return errkind.New(errkind.ErrInvalid, ReasonKeyInvalid, "blob key is %d bytes; the limit is %d", len(key), MaxKeyLen)
	}
	for i, seg := range strings.Split(key, "/") {
		if err := validateSegment(seg); err != nil {
			// Keys are generated ids, never personal data, so quoting the
			// segment is safe and saves the developer a search.
			return errkind.New(errkind.ErrInvalid, ReasonKeyInvalid, "blob key segment %d %q: %s", i+1, seg, err)
		}
	}
	return nil
}

func validateSegment(seg string) error {
	switch seg {
	case "":
		return fmt.Errorf("empty segment (leading, trailing or doubled slash)")
	case ".", "..":
		return fmt.Errorf("dot segments are not allowed")
	}
	if len(seg) > maxSegmentLen {
		return fmt.Errorf("segment is %d bytes; the limit is %d", len(seg), maxSegmentLen)
	}
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("byte 0x%02x at offset %d is outside [A-Za-z0-9._-]", c, i)
		}
	}
	return nil
}

func notFound(key string) error {
	return errkind.New(errkind.ErrNotFound, ReasonNotFound, "no blob stored under key %q", key)
}

// Open returns the store named by location; see the package comment for the
// accepted forms. For s3 locations it contacts the server (see NewS3).
func Open(ctx context.Context, location string) (Store, error) {
	if location == "" {
		return nil, errkind.New(errkind.ErrInvalid, ReasonURLInvalid, "blob location is empty")
	}
	scheme, _, hasScheme := strings.Cut(location, "://")
	if !hasScheme {
		return storeOrNil(NewFS(location))
	}
	switch strings.ToLower(scheme) {
	case "file":
		dir, err := parseFileURL(location)
		if err != nil {
			return nil, err
		}
		return storeOrNil(NewFS(dir))
	case "s3":
		cfg, err := ParseS3URL(location)
		if err != nil {
			return nil, err
		}
		return storeOrNil(NewS3(ctx, cfg))
	default:
		return nil, errkind.New(errkind.ErrInvalid, ReasonURLInvalid, "blob location scheme %q is not file or s3", scheme)
	}
}

// storeOrNil keeps a failed constructor's nil pointer from becoming a
// non-nil Store.
func storeOrNil[T Store](s T, err error) (Store, error) {
	if err != nil {
		return nil, err
	}
	return s, nil
}

func parseFileURL(location string) (string, error) {
	u, err := url.Parse(location)
	if err != nil {
		return "", errkind.New(errkind.ErrInvalid, ReasonURLInvalid, "file location is not a valid URL")
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", errkind.New(errkind.ErrInvalid, ReasonURLInvalid, "file location names host %q; only local paths (file:///abs/path) are supported", u.Host)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", errkind.New(errkind.ErrInvalid, ReasonURLInvalid, "file location takes no user, query or fragment")
	}
	if !filepath.IsAbs(u.Path) {
		return "", errkind.New(errkind.ErrInvalid, ReasonURLInvalid, "file location path must be absolute; write a relative path without file://")
	}
	return filepath.Clean(u.Path), nil
}

// ParseS3URL turns an s3:// location into an S3Config without contacting
// the server. Error details never contain the secret key.
func ParseS3URL(location string) (S3Config, error) {
	bad := func(format string, args ...any) (S3Config, error) {
		return S3Config{}, errkind.New(errkind.ErrInvalid, ReasonURLInvalid, format, args...)
	}
	u, err := url.Parse(location)
	if err != nil {
		// url.Error repeats the whole input, secret included: drop it.
		return bad("s3 location is not a valid URL (check that reserved characters in the credentials are percent-encoded)")
	}
	if !strings.EqualFold(u.Scheme, "s3") {
		return bad("s3 location has scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return bad("s3 location has no host")
	}
	if u.User == nil || u.User.Username() == "" {
		return bad("s3 location has no access key (s3://ACCESS:SECRET@host/bucket)")
	}
	secret, ok := u.User.Password()
	if !ok || secret == "" {
		return bad("s3 location has no secret key (s3://ACCESS:SECRET@host/bucket)")
	}
	bucket := strings.Trim(u.Path, "/")
	if bucket == "" || strings.Contains(bucket, "/") {
		return bad("s3 location path must be exactly one bucket name; use ?prefix= for a key prefix")
	}
	if u.Fragment != "" {
		return bad("s3 location takes no fragment")
	}
	cfg := S3Config{
		Endpoint:        u.Host,
		Bucket:          bucket,
		AccessKeyID:     u.User.Username(),
		SecretAccessKey: secret,
		UseTLS:          true,
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("s3 location query is malformed")
	}
	for name, vals := range q {
		if len(vals) != 1 {
			return bad("s3 location parameter %q given %d times", name, len(vals))
		}
		v := vals[0]
		switch name {
		case "region":
			cfg.Region = v
		case "prefix":
			cfg.Prefix = v
		case "tls":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return bad("s3 location parameter tls=%q is not a boolean", v)
			}
			cfg.UseTLS = b
		case "create_bucket":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return bad("s3 location parameter create_bucket=%q is not a boolean", v)
			}
			cfg.CreateBucket = b
		default:
			return bad("s3 location has unknown parameter %q (known: region, tls, prefix, create_bucket)", name)
		}
	}
	if err := cfg.Validate(); err != nil {
		return S3Config{}, err
	}
	return cfg, nil
}
