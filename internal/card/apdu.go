// Package card is the client side of IC-card evidence: ISO 7816 APDU
// encoding and strict response parsing, the JPKI application of the My Number
// card behind a Transport, and a virtual JPKI card for tests and demos.
package card

import (
	"context"
	"errors"
	"fmt"
)

// Transport sends one command APDU to a card and returns the whole response
// APDU (data followed by SW1 SW2). A PC/SC reader, a phone's NFC bridge or the
// virtual card implement it.
type Transport interface {
	Transmit(ctx context.Context, apdu []byte) ([]byte, error)
}

// Command is a short-form ISO 7816-4 command APDU.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte // at most 255 bytes
	Le               int    // expected response length: 0 = none, 1..256 (256 is encoded as 00)
}

// Bytes encodes c as case 1, 2, 3 or 4.
func (c Command) Bytes() ([]byte, error) {
	if len(c.Data) > 255 {
		return nil, fmt.Errorf("card: command data of %d bytes needs extended length", len(c.Data))
	}
	if c.Le < 0 || c.Le > 256 {
		return nil, fmt.Errorf("card: Le %d out of range", c.Le)
	}
	b := []byte{c.CLA, c.INS, c.P1, c.P2}
	if len(c.Data) > 0 {
		b = append(b, byte(len(c.Data)))
		b = append(b, c.Data...)
	}
	if c.Le > 0 {
		b = append(b, byte(c.Le)) // 256 wraps to 00, as ISO 7816 encodes it
	}
	return b, nil
}

// ParseCommand decodes a short-form command APDU strictly: the length must
// match exactly one of the four cases.
func ParseCommand(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, errors.New("card: command shorter than its header")
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
	case len(body) == 1: // case 2
		c.Le = leValue(body[0])
	default:
		lc := int(body[0])
		if lc == 0 {
			return Command{}, errors.New("card: extended-length commands are not supported")
		}
		switch len(body) {
		case 1 + lc: // case 3
		case 2 + lc: // case 4
			c.Le = leValue(body[1+lc])
		default:
			return Command{}, fmt.Errorf("card: Lc %d does not match a body of %d bytes", lc, len(body))
		}
		c.Data = body[1 : 1+lc]
	}
	return c, nil
}

func leValue(b byte) int {
	if b == 0 {
		return 256
	}
	return int(b)
}

// Response is a response APDU.
type Response struct {
	Data []byte
	SW   uint16
}

// maxResponse is the longest short-form response: 256 data bytes and SW.
const maxResponse = 256 + 2

// ErrMalformedResponse is returned for a response APDU that is too short or
// too long to be one.
var ErrMalformedResponse = errors.New("card: malformed response APDU")

// ParseResponse splits a response APDU into data and status word. It
// rejects responses shorter than the SW and longer than a short-form
// response can be.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 || len(b) > maxResponse {
		return Response{}, fmt.Errorf("%w: %d bytes", ErrMalformedResponse, len(b))
	}
	n := len(b) - 2
	return Response{Data: append([]byte(nil), b[:n]...), SW: uint16(b[n])<<8 | uint16(b[n+1])}, nil
}

// Status words the JPKI client acts on.
const (
	SWSuccess            uint16 = 0x9000
	SWWrongLength        uint16 = 0x6700
	SWFileIncompatible   uint16 = 0x6981
	SWSecurityStatus     uint16 = 0x6982
	SWAuthBlocked        uint16 = 0x6983
	SWReferenceUnusable  uint16 = 0x6984
	SWNoCurrentEF        uint16 = 0x6986
	SWWrongData          uint16 = 0x6A80
	SWFileNotFound       uint16 = 0x6A82
	SWIncorrectP1P2      uint16 = 0x6A86
	SWWrongOffset        uint16 = 0x6B00
	SWINSNotSupported    uint16 = 0x6D00
	SWCLANotSupported    uint16 = 0x6E00
	swVerifyFailedPrefix uint16 = 0x63C0 // low nibble: tries left
)

// Errors a StatusError matches with errors.Is.
var (
	ErrWrongPIN       = errors.New("card: wrong PIN")
	ErrPINBlocked     = errors.New("card: PIN blocked")
	ErrSecurityStatus = errors.New("card: security status not satisfied (PIN not verified)")
	ErrNotFound       = errors.New("card: application or file not found")
)

// StatusError is a status word other than 9000 from an operation.
type StatusError struct {
	Op string // "SELECT", "VERIFY", "READ BINARY", "COMPUTE DIGITAL SIGNATURE"
	SW uint16
}

func (e *StatusError) Error() string {
	if n, ok := e.RetriesLeft(); ok {
		return fmt.Sprintf("card: %s: wrong PIN, %d tries left (SW %04X)", e.Op, n, e.SW)
	}
	return fmt.Sprintf("card: %s failed with SW %04X", e.Op, e.SW)
}

// RetriesLeft reports the PIN tries left for SW 63Cx.
func (e *StatusError) RetriesLeft() (int, bool) {
	if e.SW&0xFFF0 == swVerifyFailedPrefix {
		return int(e.SW & 0x000F), true
	}
	return 0, false
}

// Is matches the sentinel errors above.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrWrongPIN:
		_, ok := e.RetriesLeft()
		return ok
	case ErrPINBlocked:
		return e.SW == SWAuthBlocked || e.SW == SWReferenceUnusable
	case ErrSecurityStatus:
		return e.SW == SWSecurityStatus
	case ErrNotFound:
		return e.SW == SWFileNotFound
	}
	return false
}

// transmit sends c and returns the response data, or a *StatusError for
// any status but 9000.
func transmit(ctx context.Context, t Transport, op string, c Command) ([]byte, error) {
	apdu, err := c.Bytes()
	if err != nil {
		return nil, err
	}
	raw, err := t.Transmit(ctx, apdu)
	if err != nil {
		return nil, fmt.Errorf("card: %s: %w", op, err)
	}
	r, err := ParseResponse(raw)
	if err != nil {
		return nil, fmt.Errorf("card: %s: %w", op, err)
	}
	if r.SW != SWSuccess {
		return nil, &StatusError{Op: op, SW: r.SW}
	}
	if c.Le == 0 && len(r.Data) > 0 {
		return nil, fmt.Errorf("card: %s: %w: %d data bytes where none were asked for", op, ErrMalformedResponse, len(r.Data))
	}
	if len(r.Data) > c.Le && c.Le > 0 {
		return nil, fmt.Errorf("card: %s: %w: %d data bytes for Le %d", op, ErrMalformedResponse, len(r.Data), c.Le)
	}
	return r.Data, nil
}
