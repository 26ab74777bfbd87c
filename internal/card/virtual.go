package card

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"errors"
	"sync"
)

// signingPINTries is the signing password's retry limit on a real card.
const signingPINTries = 5

// VirtualJPKIConfig is the content of a virtual JPKI card.
type VirtualJPKIConfig struct {
	SigningCert []byte          // DER, EF 0001
	SigningKey  *rsa.PrivateKey // EF 001A
	SigningPIN  string          // the signing password (6-16 of A-Z0-9)
	CACert      []byte          // DER, EF 0002 (optional)
}

// VirtualJPKICard answers the JPKI application's APDUs the way a My Number
// card does, from a test key: SELECT by AID and by file ID, VERIFY with a
// retry counter (63Cx; after 5 wrong tries 6983 for good), READ BINARY with
// offsets, and COMPUTE DIGITAL SIGNATURE over a host-built DigestInfo. It is a
// Transport and safe for concurrent use.
type VirtualJPKICard struct {
	mu       sync.Mutex
	files    map[uint16][]byte
	key      *rsa.PrivateKey
	pin      string
	tries    int
	selected bool   // JPKI application selected
	ef       uint16 // current EF, 0 = none
	verified bool   // signing PIN verified since the application was selected
}

var _ Transport = (*VirtualJPKICard)(nil)

// NewVirtualJPKICard builds a card from cfg.
func NewVirtualJPKICard(cfg VirtualJPKIConfig) (*VirtualJPKICard, error) {
	if len(cfg.SigningCert) == 0 || cfg.SigningKey == nil {
		return nil, errors.New("card: virtual card needs a signing certificate and key")
	}
	pin, err := NormalizeSigningPIN(cfg.SigningPIN)
	if err != nil {
		return nil, err
	}
	files := map[uint16][]byte{
		EFSigningCert: append([]byte(nil), cfg.SigningCert...),
		EFToken:       []byte("JPKIAPICCTOKEN2"),
	}
	if len(cfg.CACert) > 0 {
		files[EFSigningCACert] = append([]byte(nil), cfg.CACert...)
	}
	return &VirtualJPKICard{files: files, key: cfg.SigningKey, pin: pin, tries: signingPINTries}, nil
}

// SigningPINTriesLeft is the card's retry counter, for tests.
func (v *VirtualJPKICard) SigningPINTriesLeft() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.tries
}

// Transmit implements Transport.
func (v *VirtualJPKICard) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	c, err := ParseCommand(apdu)
	if err != nil {
		return sw(SWWrongLength), nil
	}
	switch {
	case c.CLA == 0x00 && c.INS == 0xA4:
		return v.selectFile(c), nil
	case c.CLA == 0x00 && c.INS == 0x20:
		return v.verify(c), nil
	case c.CLA == 0x00 && c.INS == 0xB0:
		return v.readBinary(c), nil
	case c.CLA == 0x80 && c.INS == 0x2A:
		return v.sign(c), nil
	case c.CLA != 0x00 && c.CLA != 0x80:
		return sw(SWCLANotSupported), nil
	}
	return sw(SWINSNotSupported), nil
}

func sw(s uint16) []byte { return []byte{byte(s >> 8), byte(s)} }

func withSW(data []byte, s uint16) []byte {
	return append(append([]byte(nil), data...), byte(s>>8), byte(s))
}

func (v *VirtualJPKICard) selectFile(c Command) []byte {
	switch {
	case c.P1 == 0x04 && c.P2 == 0x0C && c.Le == 0:
		if !bytes.Equal(c.Data, jpkiAID) {
			return sw(SWFileNotFound)
		}
		v.selected, v.ef, v.verified = true, 0, false
		return sw(SWSuccess)
	case c.P1 == 0x02 && c.P2 == 0x0C && c.Le == 0:
		if len(c.Data) != 2 {
			return sw(SWWrongData)
		}
		if !v.selected {
			return sw(SWFileNotFound)
		}
		fid := uint16(c.Data[0])<<8 | uint16(c.Data[1])
		if _, ok := v.files[fid]; !ok && fid != EFSigningKey && fid != EFSigningPIN {
			return sw(SWFileNotFound)
		}
		v.ef = fid
		return sw(SWSuccess)
	}
	return sw(SWIncorrectP1P2)
}

func (v *VirtualJPKICard) verify(c Command) []byte {
	if c.P1 != 0x00 || c.P2 != 0x80 || c.Le != 0 {
		return sw(SWIncorrectP1P2)
	}
	if v.ef != EFSigningPIN {
		return sw(SWNoCurrentEF)
	}
	if v.tries == 0 {
		return sw(SWAuthBlocked)
	}
	if len(c.Data) == 0 { // ask for the counter without spending a try
		return sw(swVerifyFailedPrefix | uint16(v.tries))
	}
	if string(c.Data) == v.pin {
		v.tries, v.verified = signingPINTries, true
		return sw(SWSuccess)
	}
	v.tries--
	v.verified = false
	if v.tries == 0 {
		return sw(SWAuthBlocked)
	}
	return sw(swVerifyFailedPrefix | uint16(v.tries))
}

func (v *VirtualJPKICard) readBinary(c Command) []byte {
	if c.P1&0x80 != 0 {
		return sw(SWIncorrectP1P2) // short EF identifiers are not modelled
	}
	if c.Le == 0 || len(c.Data) != 0 {
		return sw(SWWrongLength)
	}
	data, ok := v.files[v.ef]
	if !ok {
		if v.ef == 0 {
			return sw(SWNoCurrentEF)
		}
		return sw(SWFileIncompatible) // key and PIN files are not readable
	}
	if v.ef == EFSigningCert && !v.verified {
		return sw(SWSecurityStatus)
	}
	off := int(c.P1)<<8 | int(c.P2)
	if off >= len(data) {
		return sw(SWWrongOffset)
	}
	end := min(off+c.Le, len(data))
	return withSW(data[off:end], SWSuccess)
}

func (v *VirtualJPKICard) sign(c Command) []byte {
	if c.P1 != 0x00 || c.P2 != 0x80 {
		return sw(SWIncorrectP1P2)
	}
	if v.ef != EFSigningKey {
		return sw(SWNoCurrentEF)
	}
	if !v.verified {
		return sw(SWSecurityStatus)
	}
	if len(c.Data) == 0 || len(c.Data) > v.key.Size()-11 || c.Le == 0 {
		return sw(SWWrongLength)
	}
	// Hash 0: sign the DigestInfo as given, as the card does.
	s, err := rsa.SignPKCS1v15(nil, v.key, crypto.Hash(0), c.Data)
	if err != nil {
		return sw(SWWrongData)
	}
	if len(s) > c.Le {
		return sw(SWWrongLength)
	}
	return withSW(s, SWSuccess)
}
