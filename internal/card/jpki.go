package card

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
)

// jpkiAID is the application identifier of the JPKI application (公的個人認証AP).
var jpkiAID = []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}

// JPKIAID returns the JPKI application identifier D392F000260100000001.
func JPKIAID() []byte { return append([]byte(nil), jpkiAID...) }

// Elementary files of the JPKI application.
const (
	EFSigningCert   uint16 = 0x0001 // 署名用電子証明書 (readable after the signing PIN)
	EFSigningCACert uint16 = 0x0002 // the issuing CA's certificate (never trusted by the server)
	EFToken         uint16 = 0x0006 // "JPKIAPICCTOKEN2" on a card
	EFAuthCert      uint16 = 0x000A // 利用者証明用電子証明書
	EFSigningKey    uint16 = 0x001A // signing private key
	EFSigningPIN    uint16 = 0x001B // signing password, 5 tries
)

// maxCertLen bounds a certificate read from a card; JPKI certificates are
// under 2 KB.
const maxCertLen = 8 << 10

// sha256DigestInfoPrefix is the DER prefix of a DigestInfo for SHA-256
// (RFC 8017 §9.2 note 1).
var sha256DigestInfoPrefix = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// SHA256DigestInfo returns the DigestInfo of SHA-256(message): what the host
// sends to COMPUTE DIGITAL SIGNATURE.
func SHA256DigestInfo(message []byte) []byte {
	sum := sha256.Sum256(message)
	return append(append([]byte(nil), sha256DigestInfoPrefix...), sum[:]...)
}

// JPKI drives the JPKI application over a Transport. Calls are sequential:
// the card has one current file and one security state.
type JPKI struct{ t Transport }

// NewJPKI returns a client for the card behind t.
func NewJPKI(t Transport) *JPKI { return &JPKI{t: t} }

// Select selects the JPKI application, which also resets PIN state.
func (c *JPKI) Select(ctx context.Context) error {
	_, err := transmit(ctx, c.t, "SELECT", Command{CLA: 0x00, INS: 0xA4, P1: 0x04, P2: 0x0C, Data: jpkiAID})
	return err
}

func (c *JPKI) selectEF(ctx context.Context, fid uint16) error {
	_, err := transmit(ctx, c.t, "SELECT", Command{CLA: 0x00, INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}})
	return err
}

// SigningPINRetries returns how many signing-PIN tries are left (0 when
// blocked) without spending one.
func (c *JPKI) SigningPINRetries(ctx context.Context) (int, error) {
	if err := c.selectEF(ctx, EFSigningPIN); err != nil {
		return 0, err
	}
	_, err := transmit(ctx, c.t, "VERIFY", Command{CLA: 0x00, INS: 0x20, P1: 0x00, P2: 0x80})
	var se *StatusError
	switch {
	case err == nil:
		return 0, fmt.Errorf("card: VERIFY without a PIN returned 9000; cannot tell the tries left")
	case errors.As(err, &se):
		if n, ok := se.RetriesLeft(); ok {
			return n, nil
		}
		if errors.Is(err, ErrPINBlocked) {
			return 0, nil
		}
	}
	return 0, err
}

// NormalizeSigningPIN upper-cases a signing password and checks its form:
// 6 to 16 characters of A-Z and 0-9. Checking here saves the card's tries
// from typos.
func NormalizeSigningPIN(pin string) (string, error) {
	p := strings.ToUpper(pin)
	if len(p) < 6 || len(p) > 16 {
		return "", errors.New("card: the signing password has 6 to 16 characters")
	}
	for i := 0; i < len(p); i++ {
		if !(p[i] >= 'A' && p[i] <= 'Z' || p[i] >= '0' && p[i] <= '9') {
			return "", errors.New("card: the signing password uses only A-Z and 0-9")
		}
	}
	return p, nil
}

// VerifySigningPIN presents the signing password. A wrong one returns a
// *StatusError matching ErrWrongPIN with RetriesLeft; a blocked PIN
// matches ErrPINBlocked.
func (c *JPKI) VerifySigningPIN(ctx context.Context, pin string) error {
	p, err := NormalizeSigningPIN(pin)
	if err != nil {
		return err
	}
	if err := c.selectEF(ctx, EFSigningPIN); err != nil {
		return err
	}
	_, err = transmit(ctx, c.t, "VERIFY", Command{CLA: 0x00, INS: 0x20, P1: 0x00, P2: 0x80, Data: []byte(p)})
	return err
}

// ReadSigningCertificate reads EF 0001 (needs VerifySigningPIN first).
func (c *JPKI) ReadSigningCertificate(ctx context.Context) ([]byte, error) {
	return c.readCertificate(ctx, EFSigningCert)
}

// ReadSigningCACertificate reads EF 0002. A server never trusts it; it is
// for display and diagnostics.
func (c *JPKI) ReadSigningCACertificate(ctx context.Context) ([]byte, error) {
	return c.readCertificate(ctx, EFSigningCACert)
}

// readCertificate reads the DER header to learn the length, then the rest
// in chunks of at most 256 bytes.
func (c *JPKI) readCertificate(ctx context.Context, fid uint16) ([]byte, error) {
	if err := c.selectEF(ctx, fid); err != nil {
		return nil, err
	}
	head, err := c.readBinary(ctx, 0, 4)
	if err != nil {
		return nil, err
	}
	total, err := derLength(head)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, total)
	out = append(out, head...)
	for len(out) < total {
		n := min(total-len(out), 256)
		chunk, err := c.readBinary(ctx, len(out), n)
		if err != nil {
			return nil, err
		}
		if len(chunk) == 0 {
			return nil, fmt.Errorf("card: READ BINARY: %w: empty chunk at offset %d of %d", ErrMalformedResponse, len(out), total)
		}
		out = append(out, chunk...)
	}
	return out, nil
}

func (c *JPKI) readBinary(ctx context.Context, offset, n int) ([]byte, error) {
	if offset > 0x7FFF {
		return nil, fmt.Errorf("card: READ BINARY offset %d beyond 0x7FFF", offset)
	}
	data, err := transmit(ctx, c.t, "READ BINARY", Command{CLA: 0x00, INS: 0xB0, P1: byte(offset >> 8), P2: byte(offset), Le: n})
	if err != nil {
		return nil, err
	}
	if offset == 0 && len(data) != n {
		return nil, fmt.Errorf("card: READ BINARY: %w: header of %d bytes, want %d", ErrMalformedResponse, len(data), n)
	}
	return data, nil
}

// derLength returns the total length (header included) of the DER
// SEQUENCE whose first bytes are head, and rejects anything that is not a
// plausible certificate.
func derLength(head []byte) (int, error) {
	if len(head) < 2 || head[0] != 0x30 {
		return 0, fmt.Errorf("card: %w: certificate does not start with a SEQUENCE", ErrMalformedResponse)
	}
	var total int
	switch l := head[1]; {
	case l < 0x80:
		total = 2 + int(l)
	case l == 0x81 && len(head) >= 3 && head[2] >= 0x80:
		total = 3 + int(head[2])
	case l == 0x82 && len(head) >= 4 && head[2] != 0:
		total = 4 + (int(head[2])<<8 | int(head[3]))
	default:
		return 0, fmt.Errorf("card: %w: certificate length %#x not in DER form", ErrMalformedResponse, l)
	}
	if total < len(head) || total > maxCertLen {
		return 0, fmt.Errorf("card: %w: certificate of %d bytes", ErrMalformedResponse, total)
	}
	return total, nil
}

// SignDigestInfo asks the card to sign a DigestInfo with the signing key
// (needs VerifySigningPIN first). The card pads it (PKCS#1 v1.5, type 1)
// and applies the RSA private key.
func (c *JPKI) SignDigestInfo(ctx context.Context, digestInfo []byte) ([]byte, error) {
	if err := c.selectEF(ctx, EFSigningKey); err != nil {
		return nil, err
	}
	sig, err := transmit(ctx, c.t, "COMPUTE DIGITAL SIGNATURE", Command{CLA: 0x80, INS: 0x2A, P1: 0x00, P2: 0x80, Data: digestInfo, Le: 256})
	if err != nil {
		return nil, err
	}
	if len(sig) != 256 {
		return nil, fmt.Errorf("card: COMPUTE DIGITAL SIGNATURE: %w: %d-byte signature, want 256 (RSA-2048)", ErrMalformedResponse, len(sig))
	}
	return sig, nil
}

// SignSHA256 signs SHA-256(message) with the signing key.
func (c *JPKI) SignSHA256(ctx context.Context, message []byte) ([]byte, error) {
	return c.SignDigestInfo(ctx, SHA256DigestInfo(message))
}

// SignMessage runs the whole signing flow an applicant's device runs: select
// the application, verify the signing password, read the signing
// certificate and sign SHA-256(message). It returns the certificate and the
// raw signature, which is what the server's JPKI endpoint takes.
func (c *JPKI) SignMessage(ctx context.Context, pin string, message []byte) (certDER, signature []byte, err error) {
	if err := c.Select(ctx); err != nil {
		return nil, nil, err
	}
	if err := c.VerifySigningPIN(ctx, pin); err != nil {
		return nil, nil, err
	}
	if certDER, err = c.ReadSigningCertificate(ctx); err != nil {
		return nil, nil, err
	}
	if signature, err = c.SignSHA256(ctx, message); err != nil {
		return nil, nil, err
	}
	return certDER, signature, nil
}
