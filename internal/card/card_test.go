package card_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/card"
	"github.com/kakunin-dev/kakunin/internal/jpki"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

const testPIN = "ABC123"

var (
	pkiOnce sync.Once
	pki     *synth.JPKI
	cred    *synth.JPKICredential
	pkiErr  error
)

func testCredential(t *testing.T) (*synth.JPKI, *synth.JPKICredential) {
	t.Helper()
	pkiOnce.Do(func() {
		if pki, pkiErr = synth.NewJPKI(synth.JPKIConfig{Seed: 9}); pkiErr != nil {
			return
		}
		cred, pkiErr = pki.Issue(synth.JPKIGood, synth.JPKIHolderFor(9, 0))
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pki, cred
}

func newCard(t *testing.T) *card.VirtualJPKICard {
	t.Helper()
	p, c := testCredential(t)
	vc, err := card.NewVirtualJPKICard(card.VirtualJPKIConfig{SigningCert: c.CertDER, SigningKey: c.Key, SigningPIN: testPIN, CACert: p.SignRootDER()})
	if err != nil {
		t.Fatal(err)
	}
	return vc
}

func TestCommandEncoding(t *testing.T) {
	tests := map[string]struct {
		cmd  card.Command
		want []byte
	}{
		"case 1 (PIN tries)":       {card.Command{CLA: 0x00, INS: 0x20, P1: 0x00, P2: 0x80}, []byte{0x00, 0x20, 0x00, 0x80}},
		"case 2 (read 256)":        {card.Command{CLA: 0x00, INS: 0xB0, P1: 0x01, P2: 0x00, Le: 256}, []byte{0x00, 0xB0, 0x01, 0x00, 0x00}},
		"case 3 (SELECT JPKI AP)":  {card.Command{CLA: 0x00, INS: 0xA4, P1: 0x04, P2: 0x0C, Data: card.JPKIAID()}, []byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}},
		"case 4 (sign DigestInfo)": {card.Command{CLA: 0x80, INS: 0x2A, P1: 0x00, P2: 0x80, Data: []byte{1, 2}, Le: 256}, []byte{0x80, 0x2A, 0x00, 0x80, 0x02, 1, 2, 0x00}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := tc.cmd.Bytes()
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("got % X, %v; want % X", got, err, tc.want)
			}
			back, err := card.ParseCommand(got)
			if err != nil {
				t.Fatal(err)
			}
			if back.INS != tc.cmd.INS || back.Le != tc.cmd.Le || !bytes.Equal(back.Data, tc.cmd.Data) {
				t.Errorf("got %+v back; want %+v", back, tc.cmd)
			}
		})
	}
	if _, err := (card.Command{Data: make([]byte, 256)}).Bytes(); err == nil {
		t.Errorf("got no error for 256 data bytes; want one (extended length unsupported)")
	}
	for name, raw := range map[string][]byte{"3 bytes": {0, 0xA4, 0}, "Lc too long": {0, 0xA4, 4, 0x0C, 5, 1, 2}, "extended": {0, 0xA4, 4, 0x0C, 0, 0, 2, 1, 2}} {
		if _, err := card.ParseCommand(raw); err == nil {
			t.Errorf("%s: got no error; want one", name)
		}
	}
}

func TestParseResponse(t *testing.T) {
	tests := map[string]struct {
		raw      []byte
		wantSW   uint16
		wantData []byte
		wantErr  bool
	}{
		"status only":   {raw: []byte{0x90, 0x00}, wantSW: 0x9000},
		"data and SW":   {raw: []byte{0xAA, 0xBB, 0x90, 0x00}, wantSW: 0x9000, wantData: []byte{0xAA, 0xBB}},
		"wrong PIN":     {raw: []byte{0x63, 0xC2}, wantSW: 0x63C2},
		"empty":         {raw: nil, wantErr: true},
		"one byte":      {raw: []byte{0x90}, wantErr: true},
		"over 256 data": {raw: make([]byte, 259), wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := card.ParseResponse(tc.raw)
			if tc.wantErr {
				if !errors.Is(err, card.ErrMalformedResponse) {
					t.Fatalf("got %v; want ErrMalformedResponse", err)
				}
				return
			}
			if err != nil || r.SW != tc.wantSW || !bytes.Equal(r.Data, tc.wantData) {
				t.Errorf("got %+v, %v; want SW %04X data % X", r, err, tc.wantSW, tc.wantData)
			}
		})
	}
}

// TestVirtualCardSignVerifyRoundTrip is the client flow against the virtual
// card, verified by the server-side verifier.
func TestVirtualCardSignVerifyRoundTrip(t *testing.T) {
	p, c := testCredential(t)
	client := card.NewJPKI(newCard(t))
	ctx := context.Background()
	msg := []byte("kakunin round trip")
	certDER, sig, err := client.SignMessage(ctx, "abc123", msg) // lower case is normalised
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(certDER, c.CertDER) {
		t.Fatalf("got a %d-byte certificate; want the card's %d bytes", len(certDER), len(c.CertDER))
	}
	trust, err := jpki.NewTrustStore(jpki.PinnedRoot{Cert: p.SignRootDER(), SHA256: synth.JPKIFingerprint(p.SignRootDER())})
	if err != nil {
		t.Fatal(err)
	}
	res, err := jpki.VerifySignature(ctx, jpki.VerifyOptions{Trust: trust, CurrentTime: p.Now()}, certDER, sig, msg)
	if err != nil {
		t.Fatalf("got %v; want the card's signature to verify", err)
	}
	if res.Subject.Name != c.Holder.Name {
		t.Errorf("got name %q; want %q", res.Subject.Name, c.Holder.Name)
	}
	ca, err := client.ReadSigningCACertificate(ctx)
	if err != nil || !bytes.Equal(ca, p.SignRootDER()) {
		t.Errorf("got CA certificate of %d bytes, %v; want the test root", len(ca), err)
	}
}

func TestVirtualCardJPKIFace(t *testing.T) {
	p, _ := testCredential(t)
	ctx := context.Background()
	store := jpki.NewMemoryNonceStore()
	nonce, _, err := store.Issue("ver_card", p.Now().Add(-time.Minute), 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	selfie := []byte("selfie bytes")
	payload, err := jpki.FacePayload{
		Purpose: jpki.FacePurpose, VerificationID: "ver_card", Nonce: nonce, Origin: "https://kyc.example.test",
		CapturedAt:   p.Now().Add(-10 * time.Second).Format("2006-01-02T15:04:05Z"),
		SelfieSHA256: jpki.SelfieDigest(selfie), FramesSHA256: jpki.FramesDigest(nil),
	}.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	certDER, sig, err := card.NewJPKI(newCard(t)).SignMessage(ctx, testPIN, payload)
	if err != nil {
		t.Fatal(err)
	}
	trust, _ := jpki.NewTrustStore(jpki.PinnedRoot{Cert: p.SignRootDER(), SHA256: synth.JPKIFingerprint(p.SignRootDER())})
	expect := jpki.FaceExpectation{VerificationID: "ver_card", Origin: "https://kyc.example.test", SelfieSHA256: jpki.SelfieDigest(selfie), FramesSHA256: jpki.FramesDigest(nil)}
	if _, err := jpki.VerifyFace(ctx, jpki.VerifyOptions{Trust: trust, CurrentTime: p.Now()}, certDER, sig, payload, expect, store); err != nil {
		t.Errorf("got %v; want the card-signed JPKI+face payload to verify", err)
	}
}

func TestVirtualCardPIN(t *testing.T) {
	ctx := context.Background()

	t.Run("retry counter counts down and resets", func(t *testing.T) {
		vc := newCard(t)
		c := card.NewJPKI(vc)
		if err := c.Select(ctx); err != nil {
			t.Fatal(err)
		}
		for want := 4; want >= 1; want-- {
			err := c.VerifySigningPIN(ctx, "WRONG1")
			var se *card.StatusError
			if !errors.As(err, &se) || !errors.Is(err, card.ErrWrongPIN) {
				t.Fatalf("got %v; want a wrong-PIN StatusError", err)
			}
			if n, _ := se.RetriesLeft(); n != want {
				t.Fatalf("got %d tries left; want %d", n, want)
			}
		}
		if n, err := c.SigningPINRetries(ctx); err != nil || n != 1 {
			t.Fatalf("got %d, %v from the counter query; want 1", n, err)
		}
		if err := c.VerifySigningPIN(ctx, testPIN); err != nil {
			t.Fatalf("got %v; want the right PIN accepted", err)
		}
		if got := vc.SigningPINTriesLeft(); got != 5 {
			t.Errorf("got %d tries after a good PIN; want 5", got)
		}
	})

	t.Run("blocks after 5 wrong tries with 6983", func(t *testing.T) {
		vc := newCard(t)
		c := card.NewJPKI(vc)
		if err := c.Select(ctx); err != nil {
			t.Fatal(err)
		}
		var err error
		for range 5 {
			err = c.VerifySigningPIN(ctx, "WRONG1")
		}
		var se *card.StatusError
		if !errors.As(err, &se) || se.SW != 0x6983 || !errors.Is(err, card.ErrPINBlocked) {
			t.Fatalf("fifth wrong PIN: got %v; want SW 6983 (blocked)", err)
		}
		if err := c.VerifySigningPIN(ctx, testPIN); !errors.Is(err, card.ErrPINBlocked) {
			t.Errorf("right PIN on a blocked card: got %v; want ErrPINBlocked", err)
		}
		if n, err := c.SigningPINRetries(ctx); err != nil || n != 0 {
			t.Errorf("got %d, %v; want 0 tries left", n, err)
		}
	})

	t.Run("malformed PIN spends no try", func(t *testing.T) {
		vc := newCard(t)
		c := card.NewJPKI(vc)
		for _, pin := range []string{"12345", "ABCDEFGHIJKLMNOPQ", "ABC 123", "あいうえおか"} {
			if err := c.VerifySigningPIN(ctx, pin); err == nil {
				t.Errorf("PIN %q: got no error; want a format error", pin)
			}
		}
		if got := vc.SigningPINTriesLeft(); got != 5 {
			t.Errorf("got %d tries; want 5", got)
		}
	})

	t.Run("certificate and key need the PIN", func(t *testing.T) {
		c := card.NewJPKI(newCard(t))
		if err := c.Select(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ReadSigningCertificate(ctx); !errors.Is(err, card.ErrSecurityStatus) {
			t.Errorf("read certificate without PIN: got %v; want ErrSecurityStatus", err)
		}
		if _, err := c.SignSHA256(ctx, []byte("x")); !errors.Is(err, card.ErrSecurityStatus) {
			t.Errorf("sign without PIN: got %v; want ErrSecurityStatus", err)
		}
		if err := c.VerifySigningPIN(ctx, testPIN); err != nil {
			t.Fatal(err)
		}
		if err := c.Select(ctx); err != nil { // re-selecting the application drops the PIN state
			t.Fatal(err)
		}
		if _, err := c.SignSHA256(ctx, []byte("x")); !errors.Is(err, card.ErrSecurityStatus) {
			t.Errorf("sign after re-select: got %v; want ErrSecurityStatus", err)
		}
	})
}

func TestVirtualCardRejects(t *testing.T) {
	ctx := context.Background()
	vc := newCard(t)
	send := func(apdu ...byte) uint16 {
		raw, err := vc.Transmit(ctx, apdu)
		if err != nil {
			t.Fatal(err)
		}
		r, err := card.ParseResponse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return r.SW
	}
	selectAP := []byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}
	tests := []struct {
		name string
		apdu []byte
		want uint16
	}{
		{"EF before the application", []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01}, 0x6A82},
		{"other application", []byte{0x00, 0xA4, 0x04, 0x0C, 0x03, 0xA0, 0x00, 0x01}, 0x6A82},
		{"select JPKI", selectAP, 0x9000},
		{"unknown EF", []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x12, 0x34}, 0x6A82},
		{"VERIFY without the PIN EF", []byte{0x00, 0x20, 0x00, 0x80}, 0x6986},
		{"select key EF", []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1A}, 0x9000},
		{"read the private key", []byte{0x00, 0xB0, 0x00, 0x00, 0x00}, 0x6981},
		{"select token EF", []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x06}, 0x9000},
		{"read past the end", []byte{0x00, 0xB0, 0x01, 0x00, 0x10}, 0x6B00},
		{"READ BINARY with SFI", []byte{0x00, 0xB0, 0x81, 0x00, 0x10}, 0x6A86},
		{"unknown instruction", []byte{0x00, 0xCA, 0x00, 0x00, 0x00}, 0x6D00},
		{"unknown class", []byte{0xA0, 0xA4, 0x04, 0x0C}, 0x6E00},
		{"Lc mismatch", []byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3}, 0x6700},
	}
	for _, tc := range tests {
		if got := send(tc.apdu...); got != tc.want {
			t.Errorf("%s: got SW %04X; want %04X", tc.name, got, tc.want)
		}
	}
}

// scriptedTransport replays canned responses: a fake card that misbehaves.
type scriptedTransport struct{ responses [][]byte }

func (s *scriptedTransport) Transmit(_ context.Context, _ []byte) ([]byte, error) {
	if len(s.responses) == 0 {
		return nil, errors.New("script exhausted")
	}
	r := s.responses[0]
	s.responses = s.responses[1:]
	return r, nil
}

func TestClientRejectsMisbehavingCard(t *testing.T) {
	ok := []byte{0x90, 0x00}
	tests := map[string][][]byte{
		"data on SELECT":                  {{0x01, 0x90, 0x00}},
		"certificate header not SEQUENCE": {ok, {0x31, 0x82, 0x01, 0x00, 0x90, 0x00}},
		"certificate length not minimal":  {ok, {0x30, 0x82, 0x00, 0x10, 0x90, 0x00}},
		"certificate too large":           {ok, {0x30, 0x83, 0x01, 0x00, 0x90, 0x00}},
		"short header":                    {ok, {0x30, 0x82, 0x90, 0x00}},
		"more data than Le":               {ok, {0x30, 0x82, 0x01, 0x00, 0xAA, 0xBB, 0x90, 0x00}},
		"response longer than short form": {ok, append(make([]byte, 257), 0x90, 0x00)},
		"empty chunk":                     {ok, {0x30, 0x82, 0x01, 0x00, 0x90, 0x00}, ok},
	}
	for name, script := range tests {
		t.Run(name, func(t *testing.T) {
			c := card.NewJPKI(&scriptedTransport{responses: script})
			var err error
			if name == "data on SELECT" {
				err = c.Select(context.Background())
			} else {
				_, err = c.ReadSigningCACertificate(context.Background())
			}
			if !errors.Is(err, card.ErrMalformedResponse) {
				t.Errorf("got %v; want ErrMalformedResponse", err)
			}
		})
	}
	t.Run("short signature", func(t *testing.T) {
		c := card.NewJPKI(&scriptedTransport{responses: [][]byte{ok, append(make([]byte, 128), 0x90, 0x00)}})
		if _, err := c.SignSHA256(context.Background(), []byte("x")); !errors.Is(err, card.ErrMalformedResponse) {
			t.Errorf("got %v; want ErrMalformedResponse", err)
		}
	})
}
