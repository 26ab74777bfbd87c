// Package demo runs one verification of each implemented method through a
// kakunin server's real HTTP API, as a newcomer's "it works": virtual My
// Number card and passport chip, sample photos as the selfies, synthetic
// clips of them answering the liveness challenge, and the decision with its
// reasons for each.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/applicant"
	"github.com/kakunin-dev/kakunin/internal/face"
	"github.com/kakunin-dev/kakunin/internal/facetest"
	"github.com/kakunin-dev/kakunin/internal/liveness"
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
	// person is the sample face both face flows use: the chip flow's clip
	// comes first, so the JPKI+face flow's clip of the same photo is caught
	// as a replay, which the demo shows on purpose.
	person *facetest.Face
}

// Run runs every method and returns their outcomes.
func Run(ctx context.Context, c Config) ([]Outcome, error) {
	d := &demo{Config: c, http: &http.Client{Timeout: time.Minute}}
	selfie, err := os.ReadFile(filepath.Join(c.ModelsDir, "samples", "sample2.jpg"))
	if err != nil {
		return nil, fmt.Errorf("sample photo: %w (run `make models`)", err)
	}
	if d.person, err = facetest.Frontal(ctx, c.Faces, c.ModelsDir); err != nil {
		return nil, err
	}
	var out []Outcome
	for _, step := range []struct {
		method, name string
		run          func(context.Context, []byte) (string, error)
	}{
		{"jpki", "jpki (ワ): My Number card signature", d.jpki(false)},
		{"ic_chip", "ic_chip (ヘ): passport chip + selfie + liveness", d.icChip},
		{"jpki+face", "jpki + face: the card signs the selfie's hash (the same synthetic clip again: a replay)", d.jpki(true)},
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
	return d.callAs(ctx, d.APIKey, method, path, contentType, body, out)
}

// callAs calls the API with a bearer: the tenant's API key, or a client token
// where the demo plays the applicant's device.
func (d *demo) callAs(ctx context.Context, bearer, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, d.BaseURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
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
	return func(ctx context.Context, _ []byte) (string, error) {
		c, err := d.create(ctx, fmt.Sprintf(`{"method":"jpki","face":%v,"reference_id":"demo-jpki"}`, withFace))
		if err != nil {
			return "", err
		}
		cl := &applicant.Client{Base: d.BaseURL, Token: c.ClientToken}
		step := func(f string, a ...any) { d.step("applicant: "+f, a...) }
		if !withFace {
			_, err = cl.JPKI(ctx, d.Card, nil, nil, step)
			return c.ID, err
		}
		// The capture page's order: selfie and liveness first, then the card
		// signs over their hashes as the server received them.
		if err := d.selfieAndLiveness(ctx, c, d.person); err != nil {
			return "", err
		}
		if _, err := cl.JPKIHandoff(ctx, d.Card, step); err != nil {
			return "", err
		}
		return c.ID, cl.Submit(ctx, c.ID)
	}
}

// selfieAndLiveness does what the capture page does with a person's face:
// a selfie, then frames answering the liveness challenge, captured 200 ms
// apart. The person is a synthetic clip of a sample photo, which renders
// head movements faithfully, so the demo asks for a new challenge until it
// is head movements only.
func (d *demo) selfieAndLiveness(ctx context.Context, c created, person *facetest.Face) error {
	cl := &applicant.Client{Base: d.BaseURL, Token: c.ClientToken}
	selfie, err := facetest.JPEG(person.Frames(facetest.Schedule(nil, 5, 0))[0])
	if err != nil {
		return err
	}
	if err := cl.Upload(ctx, c.ID, "selfie", selfie); err != nil {
		return fmt.Errorf("selfie: %w", err)
	}
	d.step("applicant: uploaded the selfie")
	var ch liveness.Challenge
	for tries := 0; len(ch.Actions) == 0 || !facetest.PoseOnly(ch); tries++ {
		if tries == 100 {
			return fmt.Errorf("no head-movement challenge in 100 tries")
		}
		ch = liveness.Challenge{}
		if err := d.callAs(ctx, c.ClientToken, http.MethodPost, "/v1/verifications/"+c.ID+"/challenge", "", nil, &ch); err != nil {
			return err
		}
	}
	d.step("server: liveness challenge %v", ch.Actions)
	frames := person.Frames(facetest.Schedule(ch.Actions, 5, 0.4))
	facetest.AddNoise(frames, 3, uint64(len(c.ID)))
	for k, fr := range frames {
		b, err := facetest.JPEG(fr)
		if err != nil {
			return err
		}
		if err := cl.UploadFrame(ctx, c.ID, b, ch.IssuedAt.Add(300*time.Millisecond+time.Duration(k)*200*time.Millisecond), ch.Nonce); err != nil {
			return fmt.Errorf("frame %d: %w", k, err)
		}
	}
	d.step("applicant: uploaded %d liveness frames (a synthetic clip of a sample photo turning and nodding)", len(frames))
	return nil
}

func (d *demo) icChip(ctx context.Context, _ []byte) (string, error) {
	c, err := d.create(ctx, `{"method":"ic_chip","face":true,"reference_id":"demo-chip"}`)
	if err != nil {
		return "", err
	}
	cl := &applicant.Client{Base: d.BaseURL, Token: c.ClientToken}
	var ch struct {
		Challenge []byte `json:"challenge"`
	}
	if err := d.callAs(ctx, c.ClientToken, http.MethodPost, "/v1/verifications/"+c.ID+"/chip/challenge", "", nil, &ch); err != nil {
		return "", err
	}
	d.step("applicant: got the server's challenge (%d bytes)", len(ch.Challenge))
	person := d.person
	portrait, err := person.Portrait()
	if err != nil {
		return "", err
	}
	photo, err := synth.ChipPhoto(portrait, 20000)
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
	if err := d.callAs(ctx, c.ClientToken, http.MethodPost, "/v1/verifications/"+c.ID+"/chip", "application/json", bytes.NewReader(body), nil); err != nil {
		return "", fmt.Errorf("chip bundle refused: %w", err)
	}
	d.step("server: issuer signature and active authentication verified")
	if err := d.selfieAndLiveness(ctx, c, person); err != nil {
		return "", err
	}
	return c.ID, cl.Submit(ctx, c.ID)
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
