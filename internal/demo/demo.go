// Package demo runs one verification of each implemented method through a
// kakunin server's real HTTP API, as a newcomer's "it works": virtual My
// Number card and passport chip, a sample photo as the selfie, and the
// decision with its reasons for each.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/applicant"
	"github.com/kakunin-dev/kakunin/internal/face"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// Signer is the card that signs for the JPKI flows.
type Signer = applicant.Signer

// Config is what the demo needs.
type Config struct {
	BaseURL   string
	APIKey    string // a test-mode key
	ModelsDir string // for the sample photo (models/samples/sample2.jpg)
	Card      Signer // a virtual My Number card
	Faces     *face.Engine
	Out       io.Writer
}

// Outcome is one method's result.
type Outcome struct {
	Method         string   `json:"method"`
	VerificationID string   `json:"verification_id"`
	Status         string   `json:"status"`
	Reasons        []string `json:"reasons"`
}

type demo struct {
	Config
	http *http.Client
}

// Run runs every method and returns their outcomes.
func Run(ctx context.Context, c Config) ([]Outcome, error) {
	d := &demo{Config: c, http: &http.Client{Timeout: time.Minute}}
	selfie, err := os.ReadFile(filepath.Join(c.ModelsDir, "samples", "sample2.jpg"))
	if err != nil {
		return nil, fmt.Errorf("sample photo: %w (run `make models`)", err)
	}
	var out []Outcome
	for _, step := range []struct {
		method, name string
		run          func(context.Context, []byte) (string, error)
	}{
		{"jpki", "jpki (ワ): My Number card signature", d.jpki(false)},
		{"jpki+face", "jpki + face: the card signs the selfie's hash", d.jpki(true)},
		{"ic_chip", "ic_chip (ヘ): passport chip + selfie", d.icChip},
		{"document_image", "document_image (ホ, law none): photos of an ID + selfie", d.documentImage},
	} {
		fmt.Fprintf(c.Out, "\n▶ %s\n", step.name)
		id, err := step.run(ctx, selfie)
		if err != nil {
			return out, fmt.Errorf("%s: %w", step.name, err)
		}
		o, err := d.wait(ctx, id)
		if err != nil {
			return out, err
		}
		o.Method = step.method
		fmt.Fprintf(c.Out, "  decision: %s", strings.ToUpper(o.Status))
		if len(o.Reasons) > 0 {
			fmt.Fprintf(c.Out, " — %s", strings.Join(o.Reasons, ", "))
		}
		fmt.Fprintln(c.Out)
		out = append(out, o)
	}
	return out, nil
}

func (d *demo) step(format string, args ...any) { fmt.Fprintf(d.Out, "  · "+format+"\n", args...) }

func (d *demo) call(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, d.BaseURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+d.APIKey)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := d.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

type created struct {
	ID          string `json:"id"`
	ClientToken string `json:"client_token"`
}

func (d *demo) create(ctx context.Context, body string) (created, error) {
	var c created
	err := d.call(ctx, http.MethodPost, "/v1/verifications", "application/json", strings.NewReader(body), &c)
	if err == nil {
		d.step("created %s (the tenant's server, with its API key)", c.ID)
	}
	return c, err
}

func (d *demo) jpki(withFace bool) func(context.Context, []byte) (string, error) {
	return func(ctx context.Context, selfie []byte) (string, error) {
		c, err := d.create(ctx, fmt.Sprintf(`{"method":"jpki","face":%v,"reference_id":"demo-jpki"}`, withFace))
		if err != nil {
			return "", err
		}
		cl := &applicant.Client{Base: d.BaseURL, Token: c.ClientToken}
		var img []byte
		if withFace {
			img = selfie
		}
		_, err = cl.JPKI(ctx, d.Card, img, nil, func(f string, a ...any) { d.step("applicant: "+f, a...) })
		return c.ID, err
	}
}

func (d *demo) icChip(ctx context.Context, selfie []byte) (string, error) {
	c, err := d.create(ctx, `{"method":"ic_chip","reference_id":"demo-chip"}`)
	if err != nil {
		return "", err
	}
	cl := &applicant.Client{Base: d.BaseURL, Token: c.ClientToken}
	var ch struct {
		Challenge []byte `json:"challenge"`
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, d.BaseURL+"/v1/verifications/"+c.ID+"/chip/challenge", nil)
	req.Header.Set("Authorization", "Bearer "+c.ClientToken)
	res, err := d.http.Do(req)
	if err != nil {
		return "", err
	}
	_ = json.NewDecoder(res.Body).Decode(&ch)
	res.Body.Close()
	d.step("applicant: got the server's challenge (%d bytes)", len(ch.Challenge))
	photo, err := d.chipPhoto(ctx, selfie)
	if err != nil {
		return "", err
	}
	icao, err := synth.NewICAO(synth.ChipTestSeed, synth.ChipReferenceTime())
	if err != nil {
		return "", err
	}
	p, err := icao.Passport(synth.PassportOptions{Face: photo})
	if err != nil {
		return "", err
	}
	b, err := p.Bundle(synth.PassportGood, ch.Challenge)
	if err != nil {
		return "", err
	}
	body, err := b.Marshal()
	if err != nil {
		return "", err
	}
	d.step("applicant: read the virtual passport's chip (%d files, active authentication answered)", len(b.Files))
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, d.BaseURL+"/v1/verifications/"+c.ID+"/chip", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.ClientToken)
	res, err = d.http.Do(req)
	if err != nil {
		return "", err
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		return "", fmt.Errorf("chip bundle refused: %d", res.StatusCode)
	}
	d.step("server: issuer signature and active authentication verified")
	if err := cl.Upload(ctx, c.ID, "selfie", selfie); err != nil {
		return "", err
	}
	d.step("applicant: uploaded the selfie")
	return c.ID, cl.Submit(ctx, c.ID)
}

// chipPhoto crops the sample's face as a chip portrait would show it.
func (d *demo) chipPhoto(ctx context.Context, selfie []byte) ([]byte, error) {
	img, err := face.DecodeImage(selfie)
	if err != nil {
		return nil, err
	}
	dets, err := d.Faces.Detect(ctx, img)
	if err != nil || len(dets) == 0 {
		return nil, fmt.Errorf("no face in the sample photo")
	}
	src, _, err := image.Decode(bytes.NewReader(selfie))
	if err != nil {
		return nil, err
	}
	bx := dets[0].Box
	cx, cy, half := int(bx.X+bx.Width/2), int(bx.Y+bx.Height/2), int(max(bx.Width, bx.Height))
	crop := image.Rect(cx-half, cy-half*13/10, cx+half, cy+half*13/10).Intersect(src.Bounds())
	sub, ok := src.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return nil, fmt.Errorf("cannot crop the sample photo")
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, sub.SubImage(crop), &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	return synth.ChipPhoto(buf.Bytes(), 20000)
}

func (d *demo) documentImage(ctx context.Context, selfie []byte) (string, error) {
	c, err := d.create(ctx, `{"method":"document_image","law":"none","reference_id":"demo-doc"}`)
	if err != nil {
		return "", err
	}
	for _, kind := range []string{"document_front", "selfie"} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("kind", kind)
		fw, _ := mw.CreateFormFile("file", kind+".jpg")
		_, _ = fw.Write(selfie)
		_ = mw.Close()
		if err := d.call(ctx, http.MethodPost, "/v1/verifications/"+c.ID+"/evidence", mw.FormDataContentType(), &buf, nil); err != nil {
			return "", err
		}
		d.step("uploaded %s (the sample photo stands in for an ID)", kind)
	}
	return c.ID, d.call(ctx, http.MethodPost, "/v1/verifications/"+c.ID+"/submit", "", nil, nil)
}

func (d *demo) wait(ctx context.Context, id string) (Outcome, error) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var v struct {
			Status   string `json:"status"`
			Decision *struct {
				Reasons []string `json:"reasons"`
			} `json:"decision"`
		}
		if err := d.call(ctx, http.MethodGet, "/v1/verifications/"+id, "", nil, &v); err != nil {
			return Outcome{}, err
		}
		if v.Status != "processing" && v.Decision != nil {
			return Outcome{VerificationID: id, Status: v.Status, Reasons: v.Decision.Reasons}, nil
		}
		if time.Now().After(deadline) {
			return Outcome{}, fmt.Errorf("%s still %s after 2 minutes", id, v.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
