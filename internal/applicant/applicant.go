// Package applicant is the client side of a verification: what the
// applicant's device (a phone app, the card client, the capture page) does
// with the verification's client token. It never holds an API key.
package applicant

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/jpki"
)

// Client talks to a kakunin server with one verification's client token.
type Client struct {
	Base  string // e.g. http://127.0.0.1:8080
	Token string // ct_...
	HTTP  *http.Client
}

// Verification is the client's view of its verification.
type Verification struct {
	ID              string    `json:"id"`
	Status          string    `json:"status"`
	Method          string    `json:"method"`
	Face            bool      `json:"face"`
	MissingEvidence []string  `json:"missing_evidence"`
	ExpiresAt       time.Time `json:"expires_at"`
}

// Error is a refusal from the server, with its problem reason.
type Error struct {
	Status int
	Reason string
	Detail string
}

func (e *Error) Error() string {
	return fmt.Sprintf("server refused (%d %s): %s", e.Status, e.Reason, e.Detail)
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 60 * time.Second}
}

func (c *Client) do(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.Base, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := c.http().Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		var p struct{ Reason, Detail string }
		_ = json.Unmarshal(b, &p)
		return &Error{Status: res.StatusCode, Reason: p.Reason, Detail: p.Detail}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// Verification fetches the verification the token belongs to.
func (c *Client) Verification(ctx context.Context) (*Verification, error) {
	var v Verification
	return &v, c.do(ctx, http.MethodGet, "/v1/client/verification", "", nil, &v)
}

// Upload sends one piece of evidence.
func (c *Client) Upload(ctx context.Context, verificationID, kind string, data []byte) error {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("kind", kind)
	fw, err := mw.CreateFormFile("file", kind)
	if err != nil {
		return err
	}
	_, _ = fw.Write(data)
	if err := mw.Close(); err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, "/v1/verifications/"+verificationID+"/evidence", mw.FormDataContentType(), &buf, nil)
}

// Submit asks the server to process the verification.
func (c *Client) Submit(ctx context.Context, verificationID string) error {
	return c.do(ctx, http.MethodPost, "/v1/verifications/"+verificationID+"/submit", "", nil, nil)
}

// Signer signs a message with the My Number card's JPKI signing key,
// returning the signing certificate and the raw signature.
type Signer interface {
	Sign(ctx context.Context, message []byte) (certDER, signature []byte, err error)
}

// Step reports progress to the caller (for a CLI or a UI).
type Step func(format string, args ...any)

// JPKI runs the JPKI (and, if the verification wants it, JPKI+face) flow:
// upload the selfie and frames, get a nonce, build the canonical payload
// over their SHA-256 as uploaded, have the card sign it, submit the signature
// and then the verification. It returns the verification ID.
func (c *Client) JPKI(ctx context.Context, signer Signer, selfie []byte, frames [][]byte, step Step) (string, error) {
	if step == nil {
		step = func(string, ...any) {}
	}
	v, err := c.Verification(ctx)
	if err != nil {
		return "", err
	}
	step("verification %s: method %s, face %v, status %s", v.ID, v.Method, v.Face, v.Status)
	if v.Method != "jpki" {
		return "", fmt.Errorf("verification %s uses method %s, not jpki", v.ID, v.Method)
	}
	selfieSum := sha256.Sum256(nil)
	if v.Face {
		if selfie == nil {
			return "", fmt.Errorf("this verification binds a face: give a selfie")
		}
		if err := c.Upload(ctx, v.ID, "selfie", selfie); err != nil {
			return "", fmt.Errorf("upload selfie: %w", err)
		}
		selfieSum = sha256.Sum256(selfie)
		step("uploaded the selfie (sha256 %x)", selfieSum[:6])
		for i, f := range frames {
			if err := c.Upload(ctx, v.ID, "liveness_frame", f); err != nil {
				return "", fmt.Errorf("upload frame %d: %w", i, err)
			}
		}
	}
	step("signing the payload with the card's signing key")
	if err := c.signJPKI(ctx, signer, v.ID, hex.EncodeToString(selfieSum[:]), jpki.FramesDigest(frames)); err != nil {
		return "", err
	}
	step("the server verified the signature")
	if err := c.Submit(ctx, v.ID); err != nil {
		return "", fmt.Errorf("submit: %w", err)
	}
	step("submitted for processing")
	return v.ID, nil
}

// signJPKI gets a nonce, has the card sign the canonical JPKI+face payload
// over the given digests and submits the signature.
func (c *Client) signJPKI(ctx context.Context, signer Signer, id, selfieSHA256, framesSHA256 string) error {
	var ch struct {
		Nonce  string `json:"nonce"`
		Origin string `json:"origin"`
	}
	if err := c.do(ctx, http.MethodPost, "/v1/verifications/"+id+"/jpki/nonce", "", nil, &ch); err != nil {
		return fmt.Errorf("nonce: %w", err)
	}
	p := jpki.FacePayload{Purpose: "kakunin/jpki-face/v1", VerificationID: id, Nonce: ch.Nonce, Origin: ch.Origin,
		CapturedAt: time.Now().UTC().Format("2006-01-02T15:04:05Z"), SelfieSHA256: selfieSHA256, FramesSHA256: framesSHA256}
	payload, err := p.Canonical()
	if err != nil {
		return err
	}
	cert, sig, err := signer.Sign(ctx, payload)
	if err != nil {
		return fmt.Errorf("card: %w", err)
	}
	body, _ := json.Marshal(map[string][]byte{"certificate": cert, "signature": sig, "payload": payload})
	if err := c.do(ctx, http.MethodPost, "/v1/verifications/"+id+"/jpki", "application/json", bytes.NewReader(body), nil); err != nil {
		return fmt.Errorf("submit signature: %w", err)
	}
	return nil
}

// UploadFrame sends one liveness frame with its capture time and the
// challenge's nonce.
func (c *Client) UploadFrame(ctx context.Context, verificationID string, data []byte, capturedAt time.Time, nonce string) error {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("kind", "liveness_frame")
	_ = mw.WriteField("captured_at", capturedAt.UTC().Format(time.RFC3339Nano))
	_ = mw.WriteField("nonce", nonce)
	fw, err := mw.CreateFormFile("file", "frame.jpg")
	if err != nil {
		return err
	}
	_, _ = fw.Write(data)
	if err := mw.Close(); err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, "/v1/verifications/"+verificationID+"/evidence", mw.FormDataContentType(), &buf, nil)
}

// Wait polls until the verification leaves processing and returns its status.
func (c *Client) Wait(ctx context.Context, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		v, err := c.Verification(ctx)
		if err != nil {
			return "", err
		}
		if v.Status != "processing" {
			return v.Status, nil
		}
		if time.Now().After(deadline) {
			return v.Status, fmt.Errorf("still processing after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
