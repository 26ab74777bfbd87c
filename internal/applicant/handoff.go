package applicant

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kakunin-dev/kakunin/internal/jpki"
)

// ParseCardLink reads the deep link the capture page shows as a QR code,
// kakunin-card://v1/handoff?server=URL&token=ht_..., into a Client for the
// card client.
func ParseCardLink(link string) (*Client, error) {
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "kakunin-card" || u.Host != "v1" || u.Path != "/handoff" {
		return nil, fmt.Errorf("not a kakunin card link (want kakunin-card://v1/handoff?server=URL&token=ht_…)")
	}
	server, token := u.Query().Get("server"), u.Query().Get("token")
	su, err := url.Parse(server)
	if err != nil || (su.Scheme != "http" && su.Scheme != "https") || su.Host == "" {
		return nil, fmt.Errorf("card link: server %q is not an http(s) URL", server)
	}
	if !strings.HasPrefix(token, "ht_") {
		return nil, fmt.Errorf("card link: the token is not a hand-off token")
	}
	return &Client{Base: server, Token: token}, nil
}

// faceBinding is what GET /v1/client/verification says a JPKI+face
// signature must cover.
type faceBinding struct {
	SelfieSHA256 string `json:"selfie_sha256"`
	FramesSHA256 string `json:"frames_sha256"`
	Selfie       bool   `json:"selfie"`
}

// JPKIHandoff is the card client's half of a capture-page verification:
// the page has taken the selfie and frames; this signs the JPKI+face payload
// over the hashes the server received (or a plain JPKI payload when the
// verification binds no face) and submits the signature. The page submits
// the verification. It returns the verification ID.
func (c *Client) JPKIHandoff(ctx context.Context, signer Signer, step Step) (string, error) {
	if step == nil {
		step = func(string, ...any) {}
	}
	var v struct {
		Verification
		FaceBinding *faceBinding `json:"face_binding"`
	}
	if err := c.do(ctx, http.MethodGet, "/v1/client/verification", "", nil, &v); err != nil {
		return "", err
	}
	step("verification %s: method %s, face %v", v.ID, v.Method, v.Face)
	if v.Method != "jpki" {
		return "", fmt.Errorf("verification %s uses method %s, not jpki", v.ID, v.Method)
	}
	selfie, frames := jpki.FramesDigest(nil), jpki.FramesDigest(nil)
	if v.FaceBinding != nil {
		if !v.FaceBinding.Selfie {
			return "", fmt.Errorf("the capture page has not sent the selfie yet")
		}
		selfie, frames = v.FaceBinding.SelfieSHA256, v.FaceBinding.FramesSHA256
	}
	step("signing the payload (selfie %s…) with the card's signing key", selfie[:12])
	if err := c.signJPKI(ctx, signer, v.ID, selfie, frames); err != nil {
		return "", err
	}
	step("the server verified the signature; the capture page carries on")
	return v.ID, nil
}
