package card_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/card"
)

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte{0x90, 0x00})
	f.Add([]byte{0x63, 0xC3})
	f.Add([]byte{0x01, 0x02, 0x69, 0x83})
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := card.ParseResponse(raw)
		if err != nil {
			return
		}
		if len(r.Data)+2 != len(raw) || r.SW != uint16(raw[len(raw)-2])<<8|uint16(raw[len(raw)-1]) {
			t.Fatalf("split % X into %+v", raw, r)
		}
		se := &card.StatusError{Op: "fuzz", SW: r.SW}
		if n, ok := se.RetriesLeft(); ok && (n < 0 || n > 15) {
			t.Fatalf("retries %d from SW %04X", n, r.SW)
		}
	})
}

func FuzzParseCommand(f *testing.F) {
	f.Add([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01})
	f.Add([]byte{0x80, 0x2A, 0x00, 0x80, 0x02, 0x01, 0x02, 0x00})
	f.Add([]byte{0x00, 0xB0, 0x00, 0x00, 0x04})
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := card.ParseCommand(raw)
		if err != nil {
			return
		}
		back, err := c.Bytes()
		if err != nil || !bytes.Equal(back, raw) {
			t.Fatalf("% X parsed to %+v and encoded back to % X (%v)", raw, c, back, err)
		}
	})
}

// fuzzTransport answers each command with the next length-prefixed chunk
// of the fuzz input: a card that says anything at all.
type fuzzTransport struct{ script []byte }

func (f *fuzzTransport) Transmit(_ context.Context, _ []byte) ([]byte, error) {
	if len(f.script) == 0 {
		return nil, context.Canceled
	}
	n := min(int(f.script[0]), len(f.script)-1)
	r := f.script[1 : 1+n]
	f.script = f.script[1+n:]
	return r, nil
}

func FuzzJPKIClient(f *testing.F) {
	f.Add([]byte{2, 0x90, 0x00, 2, 0x63, 0xC4})
	f.Add([]byte{2, 0x90, 0x00, 6, 0x30, 0x82, 0x00, 0x03, 0x90, 0x00, 5, 0x01, 0x02, 0x03, 0x90, 0x00})
	f.Add([]byte{2, 0x90, 0x00, 6, 0x30, 0x03, 0x01, 0x01, 0x90, 0x00, 3, 0xFF, 0x90, 0x00})
	f.Fuzz(func(t *testing.T, script []byte) {
		ctx := context.Background()
		c := card.NewJPKI(&fuzzTransport{script: append([]byte(nil), script...)})
		_, _ = c.SigningPINRetries(ctx)
		cert, err := card.NewJPKI(&fuzzTransport{script: append([]byte(nil), script...)}).ReadSigningCACertificate(ctx)
		if err == nil {
			if len(cert) < 2 || cert[0] != 0x30 {
				t.Fatalf("accepted certificate bytes % X", cert)
			}
		}
		sig, err := card.NewJPKI(&fuzzTransport{script: append([]byte(nil), script...)}).SignSHA256(ctx, []byte("m"))
		if err == nil && len(sig) != 256 {
			t.Fatalf("accepted a %d-byte signature", len(sig))
		}
	})
}
