package jpki

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
)

// FacePurpose is the purpose of a JPKI+face payload, version 1. See
// docs/jpki-face.md.
const FacePurpose = "kakunin/jpki-face/v1"

// maxFacePayload bounds the payload: seven short members fit in well under
// one kilobyte.
const maxFacePayload = 2048

// capturedAtLayout is the only accepted form of captured_at: UTC, seconds.
const capturedAtLayout = "2006-01-02T15:04:05Z"

// FacePayload is what the card signs in JPKI+face: the selfie and liveness
// frames' hashes bound to one verification and one server nonce.
type FacePayload struct {
	Purpose        string `json:"purpose"`
	VerificationID string `json:"verification_id"`
	Nonce          string `json:"nonce"`
	Origin         string `json:"origin"`
	CapturedAt     string `json:"captured_at"`
	SelfieSHA256   string `json:"selfie_sha256"`
	FramesSHA256   string `json:"frames_sha256"`
}

// Validate checks every member's form (docs/jpki-face.md §2). The forms
// never need JSON escaping, which is what makes the encoding canonical.
func (p FacePayload) Validate() error {
	switch {
	case p.Purpose != FacePurpose:
		return fmt.Errorf("purpose is not %q", FacePurpose)
	case !isToken(p.VerificationID, 1, 128, "._-"):
		return errors.New("verification_id is not 1-128 characters of [A-Za-z0-9._-]")
	case !isToken(p.Nonce, 22, 128, "_-"):
		return errors.New("nonce is not 22-128 characters of base64url")
	case !isOrigin(p.Origin):
		return errors.New("origin is not a lowercase http(s) origin")
	case !isCapturedAt(p.CapturedAt):
		return errors.New("captured_at is not YYYY-MM-DDThh:mm:ssZ")
	case !isSHA256Hex(p.SelfieSHA256):
		return errors.New("selfie_sha256 is not 64 lowercase hex digits")
	case !isSHA256Hex(p.FramesSHA256):
		return errors.New("frames_sha256 is not 64 lowercase hex digits")
	}
	return nil
}

// Canonical returns the canonical encoding: the seven members in the order
// of the struct, no whitespace, no escapes. This exact byte string is what
// the card signs.
func (p FacePayload) Canonical() ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for i, kv := range [][2]string{
		{"purpose", p.Purpose}, {"verification_id", p.VerificationID}, {"nonce", p.Nonce},
		{"origin", p.Origin}, {"captured_at", p.CapturedAt},
		{"selfie_sha256", p.SelfieSHA256}, {"frames_sha256", p.FramesSHA256},
	} {
		if i == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%q", kv[0], kv[1])
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// ParseFacePayload parses a signed payload and insists that it is exactly
// the canonical encoding of valid members: no other spelling of the same
// JSON is accepted, so what was signed is what is read.
func ParseFacePayload(b []byte) (FacePayload, error) {
	if len(b) > maxFacePayload {
		return FacePayload{}, invalid(ReasonPayloadMismatch, "payload larger than %d bytes", maxFacePayload)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p FacePayload
	if err := dec.Decode(&p); err != nil {
		return FacePayload{}, invalidWrap(err, ReasonPayloadMismatch, "payload is not the JPKI+face JSON object")
	}
	if err := p.Validate(); err != nil {
		return FacePayload{}, invalidWrap(err, ReasonPayloadMismatch, "payload member has the wrong form")
	}
	canon, _ := p.Canonical()
	if !bytes.Equal(canon, b) {
		return FacePayload{}, invalid(ReasonPayloadMismatch, "payload is not in canonical form")
	}
	return p, nil
}

func isToken(s string, minLen, maxLen int, extra string) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

func isOrigin(s string) bool {
	if len(s) > 255 || s != strings.ToLower(s) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return false
	}
	// scheme://host[:port] and nothing else.
	return s == u.Scheme+"://"+u.Host && isToken(strings.NewReplacer("[", "", "]", "").Replace(u.Host), 1, 255, ".-:")
}

func isCapturedAt(s string) bool {
	t, err := time.Parse(capturedAtLayout, s)
	return err == nil && t.Format(capturedAtLayout) == s
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// SelfieDigest is selfie_sha256: lowercase hex SHA-256 of the image bytes
// exactly as uploaded.
func SelfieDigest(image []byte) string {
	s := sha256.Sum256(image)
	return hex.EncodeToString(s[:])
}

// FramesDigest is frames_sha256: SHA-256 over the concatenated SHA-256
// digests of the liveness frames, in capture order. No frames: SHA-256 of
// the empty string.
func FramesDigest(frames [][]byte) string {
	h := sha256.New()
	for _, f := range frames {
		s := sha256.Sum256(f)
		h.Write(s[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// FaceExpectation is what the server knows independently of the payload:
// its own verification, its own origin, and the hashes it computed from the
// images it received. Every member is required.
type FaceExpectation struct {
	VerificationID string
	Origin         string
	SelfieSHA256   string
	FramesSHA256   string
}

// NonceStore holds the single-use nonces the server issued for JPKI+face.
// Consume marks a nonce used. It returns an error wrapping ErrNonceReused if
// it was used before, ErrNonceExpired if its lifetime ended before now, and
// ErrNonceUnknown if it was never issued for verificationID; other errors
// are the store's own failures.
type NonceStore interface {
	Consume(ctx context.Context, verificationID, nonce string, now time.Time) error
}

// The NonceStore outcomes VerifyFace turns into reasons.
var (
	ErrNonceReused  = errors.New("jpki: nonce already used")
	ErrNonceExpired = errors.New("jpki: nonce expired")
	ErrNonceUnknown = errors.New("jpki: nonce not issued for this verification")
)

// NewNonce returns a fresh nonce: 32 random bytes, base64url without padding.
func NewNonce() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// MemoryNonceStore is an in-memory NonceStore for tests and single-process
// demos. It is safe for concurrent use.
type MemoryNonceStore struct {
	mu     sync.Mutex
	nonces map[[2]string]*memNonce
}

type memNonce struct {
	expiresAt time.Time
	used      bool
}

var _ NonceStore = (*MemoryNonceStore)(nil)

// NewMemoryNonceStore returns an empty store.
func NewMemoryNonceStore() *MemoryNonceStore {
	return &MemoryNonceStore{nonces: map[[2]string]*memNonce{}}
}

// Issue creates a nonce for verificationID that expires ttl after now.
func (s *MemoryNonceStore) Issue(verificationID string, now time.Time, ttl time.Duration) (string, time.Time, error) {
	n, err := NewNonce()
	if err != nil {
		return "", time.Time{}, err
	}
	exp := now.Add(ttl)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nonces[[2]string{verificationID, n}] = &memNonce{expiresAt: exp}
	return n, exp, nil
}

// Consume implements NonceStore.
func (s *MemoryNonceStore) Consume(_ context.Context, verificationID, nonce string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.nonces[[2]string{verificationID, nonce}]
	switch {
	case !ok:
		return ErrNonceUnknown
	case n.used:
		return ErrNonceReused
	case now.After(n.expiresAt):
		return ErrNonceExpired
	}
	n.used = true
	return nil
}

// FaceResult is a verified JPKI+face submission.
type FaceResult struct {
	Result
	Payload FacePayload
}

// VerifyFace verifies a JPKI+face submission whose signature is raw (what
// the card returns): payload is the exact signed byte string. It checks the
// payload's form and that it names this verification, this origin and the
// hashes of the images actually received (ReasonPayloadMismatch), that
// captured_at is not in the future, then the certificate and signature as
// VerifySignature does, then consumes the nonce (ReasonNonceReused,
// ReasonNonceExpired, ReasonNonceUnknown), and last checks revocation. The
// nonce is consumed only by a valid signature, so garbage cannot burn it.
func VerifyFace(ctx context.Context, opts VerifyOptions, certDER, signature, payload []byte, expect FaceExpectation, nonces NonceStore) (*FaceResult, error) {
	return verifyFace(ctx, opts, payload, expect, nonces, func() (*verified, error) {
		return verifyRaw(opts, certDER, signature, payload)
	})
}

// VerifyFaceCMS is VerifyFace for a CMS SignedData over payload (detached,
// or embedding exactly payload).
func VerifyFaceCMS(ctx context.Context, opts VerifyOptions, cms, payload []byte, expect FaceExpectation, nonces NonceStore) (*FaceResult, error) {
	return verifyFace(ctx, opts, payload, expect, nonces, func() (*verified, error) {
		return verifyCMS(opts, cms, payload)
	})
}

func verifyFace(ctx context.Context, opts VerifyOptions, payload []byte, expect FaceExpectation, nonces NonceStore, verifySig func() (*verified, error)) (*FaceResult, error) {
	if expect.VerificationID == "" || expect.Origin == "" || expect.SelfieSHA256 == "" || expect.FramesSHA256 == "" {
		return nil, errors.New("jpki: FaceExpectation is incomplete")
	}
	if nonces == nil {
		return nil, errors.New("jpki: no NonceStore")
	}
	p, err := ParseFacePayload(payload)
	if err != nil {
		return nil, err
	}
	switch {
	case p.VerificationID != expect.VerificationID:
		return nil, invalid(ReasonPayloadMismatch, "payload is for another verification")
	case p.Origin != expect.Origin:
		return nil, invalid(ReasonPayloadMismatch, "payload is for another origin")
	case p.SelfieSHA256 != strings.ToLower(expect.SelfieSHA256):
		return nil, invalid(ReasonPayloadMismatch, "uploaded selfie does not match the signed hash")
	case p.FramesSHA256 != strings.ToLower(expect.FramesSHA256):
		return nil, invalid(ReasonPayloadMismatch, "uploaded liveness frames do not match the signed hash")
	}
	now := opts.now()
	captured, _ := time.Parse(capturedAtLayout, p.CapturedAt)
	if captured.After(now.Add(clockSkew)) {
		return nil, invalid(ReasonPayloadMismatch, "captured_at is in the future")
	}
	v, err := verifySig()
	if err != nil {
		return nil, err
	}
	if err := nonces.Consume(ctx, p.VerificationID, p.Nonce, now); err != nil {
		switch {
		case errors.Is(err, ErrNonceReused):
			return nil, invalidWrap(err, ReasonNonceReused, "nonce already used")
		case errors.Is(err, ErrNonceExpired):
			return nil, invalidWrap(err, ReasonNonceExpired, "nonce expired")
		case errors.Is(err, ErrNonceUnknown):
			return nil, invalidWrap(err, ReasonNonceUnknown, "nonce not issued for this verification")
		}
		return nil, fmt.Errorf("jpki: nonce store: %w", err)
	}
	res, err := finish(ctx, opts, v)
	if err != nil {
		return nil, err
	}
	return &FaceResult{Result: *res, Payload: p}, nil
}
