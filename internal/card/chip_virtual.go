package card

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/kakunin-dev/kakunin/internal/chip"
)

// chipPINTries is the retry limit of every PIN on the virtual documents.
const chipPINTries = 3

// maxVirtualFile: READ BINARY with a 15-bit offset in P1-P2 reaches 32 KiB;
// larger files need the odd READ BINARY (B1), which is not modelled.
const maxVirtualFile = 0x8000

// VirtualChipConfig is the content of a virtual IC document.
type VirtualChipConfig struct {
	Type chip.DocumentType
	// Files maps bundle file names (chip.FileNames) to content.
	Files map[string][]byte
	// PINs maps a PIN reference (PINRef...) to its value. Files that need
	// a PIN with no value here cannot be read.
	PINs map[byte]string
	// InternalAuthenticate answers INTERNAL AUTHENTICATE (passport active
	// authentication). Nil: the chip does not support it (6D00).
	InternalAuthenticate func(challenge []byte) ([]byte, error)
	// BAC, for a passport, makes the chip demand Basic Access Control with
	// this key: only SELECT of the application, GET CHALLENGE and MUTUAL
	// AUTHENTICATE work in the clear; everything else needs secure
	// messaging. Nil: files are readable in the clear.
	BAC *BACKey
}

// VirtualChip answers the APDUs a reader sends to a passport, residence
// card, driver's licence or My Number card: SELECT (MF, application by
// AID, EF by file ID), VERIFY with retry counters, READ BINARY with
// offsets and INTERNAL AUTHENTICATE, and for a passport optionally Basic
// Access Control with secure messaging. PACE and the residence card's
// card-number authentication are not modelled: those files are readable in
// the clear once selected and the PINs verified. It is a Transport and
// safe for concurrent use.
type VirtualChip struct {
	mu       sync.Mutex
	files    map[string]map[uint16]virtualFile // AID (string) → FID → file; "" is the MF
	pins     map[byte]string
	tries    map[byte]int
	verified map[byte]bool
	ia       func([]byte) ([]byte, error)
	app      string
	ef       uint16
	efOK     bool
	bac      *bacChip   // nil: no access control
	sm       *smSession // the BAC session, once established
}

type virtualFile struct {
	data []byte
	pins []byte
}

var _ Transport = (*VirtualChip)(nil)

// NewVirtualChip lays cfg.Files out on the card as the document type
// does (see chipLayouts).
func NewVirtualChip(cfg VirtualChipConfig) (*VirtualChip, error) {
	layout, ok := chipLayouts[cfg.Type]
	if !ok {
		return nil, fmt.Errorf("card: no virtual layout for %q", cfg.Type)
	}
	v := &VirtualChip{files: map[string]map[uint16]virtualFile{}, pins: map[byte]string{}, tries: map[byte]int{}, verified: map[byte]bool{}, ia: cfg.InternalAuthenticate}
	if cfg.BAC != nil {
		if cfg.Type != chip.Passport {
			return nil, fmt.Errorf("card: BAC is for passports, not %s", cfg.Type)
		}
		var err error
		if v.bac, err = newBACChip(*cfg.BAC); err != nil {
			return nil, err
		}
	}
	for ref, p := range cfg.PINs {
		v.pins[ref], v.tries[ref] = p, chipPINTries
	}
	placed := 0
	for _, f := range layout {
		if v.files[string(f.aid)] == nil {
			v.files[string(f.aid)] = map[uint16]virtualFile{}
		}
		data, ok := cfg.Files[f.name]
		if !ok {
			continue
		}
		if len(data) == 0 || len(data) > maxVirtualFile {
			return nil, fmt.Errorf("card: virtual file %s of %d bytes", f.name, len(data))
		}
		v.files[string(f.aid)][f.fid] = virtualFile{data: bytes.Clone(data), pins: f.pins}
		placed++
	}
	if placed != len(cfg.Files) {
		return nil, fmt.Errorf("card: %d of %d files have no place on a %s", len(cfg.Files)-placed, len(cfg.Files), cfg.Type)
	}
	return v, nil
}

// PINTriesLeft is the retry counter of a PIN, for tests.
func (v *VirtualChip) PINTriesLeft(ref byte) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.tries[ref]
}

// Transmit implements Transport.
func (v *VirtualChip) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	c, err := ParseCommand(apdu)
	if err != nil {
		return sw(SWWrongLength), nil
	}
	if v.sm != nil && c.CLA == 0x0C {
		plain, err := v.sm.unprotectCommand(c)
		if err != nil {
			v.sm = nil // a broken MAC ends the session, as on a real chip
			return sw(0x6988), nil
		}
		return v.sm.protectResponse(v.dispatch(plain)), nil
	}
	if v.bac != nil {
		switch {
		case c.CLA == 0x00 && c.INS == 0x84:
			v.sm = nil
			return v.bac.getChallenge(c), nil
		case c.CLA == 0x00 && c.INS == 0x82:
			resp, s := v.bac.mutualAuthenticate(c)
			v.sm = s
			return resp, nil
		case c.CLA == 0x00 && c.INS == 0xA4 && c.P1 == 0x04:
			v.sm = nil
			return v.dispatch(c), nil
		}
		return sw(SWSecurityStatus), nil
	}
	return v.dispatch(c), nil
}

func (v *VirtualChip) dispatch(c Command) []byte {
	if c.CLA != 0x00 {
		return sw(SWCLANotSupported)
	}
	switch c.INS {
	case 0xA4:
		return v.selectFile(c)
	case 0x20:
		return v.verifyPIN(c)
	case 0xB0:
		return v.readBinary(c)
	case 0x88:
		return v.internalAuthenticate(c)
	}
	return sw(SWINSNotSupported)
}

func (v *VirtualChip) selectFile(c Command) []byte {
	switch {
	case c.P1 == 0x00 && (len(c.Data) == 0 || bytes.Equal(c.Data, []byte{0x3F, 0x00})):
		v.app, v.efOK = "", false
		return sw(SWSuccess)
	case c.P1 == 0x04:
		if _, ok := v.files[string(c.Data)]; !ok || len(c.Data) == 0 {
			return sw(SWFileNotFound)
		}
		v.app, v.efOK = string(c.Data), false
		return sw(SWSuccess)
	case c.P1 == 0x02:
		if len(c.Data) != 2 {
			return sw(SWWrongData)
		}
		fid := uint16(c.Data[0])<<8 | uint16(c.Data[1])
		if _, ok := v.files[v.app][fid]; !ok {
			return sw(SWFileNotFound)
		}
		v.ef, v.efOK = fid, true
		return sw(SWSuccess)
	}
	return sw(SWIncorrectP1P2)
}

func (v *VirtualChip) verifyPIN(c Command) []byte {
	ref := c.P2
	want, ok := v.pins[ref]
	if c.P1 != 0x00 || !ok {
		return sw(SWIncorrectP1P2)
	}
	if v.tries[ref] == 0 {
		return sw(SWAuthBlocked)
	}
	if len(c.Data) == 0 {
		return sw(swVerifyFailedPrefix | uint16(v.tries[ref]))
	}
	if string(c.Data) == want {
		v.tries[ref], v.verified[ref] = chipPINTries, true
		return sw(SWSuccess)
	}
	v.tries[ref]--
	v.verified[ref] = false
	if v.tries[ref] == 0 {
		return sw(SWAuthBlocked)
	}
	return sw(swVerifyFailedPrefix | uint16(v.tries[ref]))
}

func (v *VirtualChip) readBinary(c Command) []byte {
	if c.P1&0x80 != 0 {
		return sw(SWIncorrectP1P2)
	}
	if c.Le == 0 || len(c.Data) != 0 {
		return sw(SWWrongLength)
	}
	if !v.efOK {
		return sw(SWNoCurrentEF)
	}
	f := v.files[v.app][v.ef]
	for _, p := range f.pins {
		if !v.verified[p] {
			return sw(SWSecurityStatus)
		}
	}
	off := int(c.P1)<<8 | int(c.P2)
	if off >= len(f.data) {
		return sw(SWWrongOffset)
	}
	return withSW(f.data[off:min(off+c.Le, len(f.data))], SWSuccess)
}

func (v *VirtualChip) internalAuthenticate(c Command) []byte {
	if v.ia == nil {
		return sw(SWINSNotSupported)
	}
	if c.P1 != 0x00 || c.P2 != 0x00 {
		return sw(SWIncorrectP1P2)
	}
	if len(c.Data) == 0 || c.Le == 0 {
		return sw(SWWrongLength)
	}
	out, err := v.ia(c.Data)
	if err != nil || len(out) > c.Le {
		return sw(SWWrongData)
	}
	return withSW(out, SWSuccess)
}
