package card

import (
	"context"
	"errors"
	"fmt"

	"github.com/kakunin-dev/kakunin/internal/chip"
)

// ChipReadOptions say what to read and with which secrets.
type ChipReadOptions struct {
	Type chip.DocumentType
	// PINs by reference (PINRef...). Files whose PINs are not given are
	// skipped.
	PINs map[byte]string
	// Challenge is the server's active-authentication challenge (8 bytes
	// for a passport). Nil: no INTERNAL AUTHENTICATE.
	Challenge []byte
	// Access is recorded in the bundle as the way the chip was opened.
	// Zero: chip.AccessBAC over an OpenBAC transport, else chip.AccessNone.
	Access chip.AccessMethod
}

// maxChipFile bounds a file read: chip.MaxFileBytes, and what a 15-bit
// READ BINARY offset can reach.
const maxChipFile = min(chip.MaxFileBytes, 0x8000)

// ReadChip reads every file of the document type that is present and
// unlocked, runs INTERNAL AUTHENTICATE when a challenge is given and the
// chip has DG15 (passports), and returns the bundle a phone would send.
// A wrong PIN stops the read with the card's *StatusError.
func ReadChip(ctx context.Context, t Transport, o ChipReadOptions) (*chip.Bundle, error) {
	layout, ok := chipLayouts[o.Type]
	if !ok {
		return nil, fmt.Errorf("card: no layout for document type %q", o.Type)
	}
	access := o.Access
	if access == "" {
		access = chip.AccessNone
	}
	b := &chip.Bundle{Version: chip.BundleVersion, DocumentType: o.Type, Access: access, Files: map[string][]byte{}}
	chunk := 256
	if _, sm := t.(*bacTransport); sm {
		// 223 data bytes, encrypted and MAC'd, still fit a short response.
		chunk = 223
		if o.Access == "" {
			b.Access = chip.AccessBAC
		}
	}
	verified := map[string]map[byte]bool{}
	current := "\x00" // no application selected yet
	for _, f := range layout {
		if !allPINsGiven(f.pins, o.PINs) {
			continue
		}
		if string(f.aid) != current {
			if err := selectApp(ctx, t, f.aid); err != nil {
				if errors.Is(err, ErrNotFound) {
					continue // this card has no such application
				}
				return nil, err
			}
			current = string(f.aid)
			verified[current] = map[byte]bool{}
		}
		if err := selectEFByID(ctx, t, f.fid); err != nil {
			if errors.Is(err, ErrNotFound) {
				continue
			}
			return nil, err
		}
		for _, ref := range f.pins {
			if verified[current][ref] {
				continue
			}
			if _, err := transmit(ctx, t, "VERIFY", Command{CLA: 0x00, INS: 0x20, P1: 0x00, P2: ref, Data: []byte(o.PINs[ref])}); err != nil {
				return nil, err
			}
			verified[current][ref] = true
		}
		data, err := readWholeEF(ctx, t, chunk)
		if err != nil {
			return nil, fmt.Errorf("card: reading %s: %w", f.name, err)
		}
		if len(data) > 0 { // an empty EF carries nothing to verify
			b.Files[f.name] = data
		}
	}
	if len(b.Files) == 0 {
		return nil, fmt.Errorf("card: no %s files could be read", o.Type)
	}
	if o.Type == chip.Passport && o.Challenge != nil && b.Files["DG15"] != nil {
		if err := selectApp(ctx, t, AIDEMRTD); err != nil {
			return nil, err
		}
		resp, err := transmit(ctx, t, "INTERNAL AUTHENTICATE", Command{CLA: 0x00, INS: 0x88, P1: 0x00, P2: 0x00, Data: o.Challenge, Le: 256})
		if err != nil {
			return nil, err
		}
		b.Challenge, b.Response = append([]byte(nil), o.Challenge...), resp
	}
	return b, nil
}

func allPINsGiven(refs []byte, pins map[byte]string) bool {
	for _, r := range refs {
		if _, ok := pins[r]; !ok {
			return false
		}
	}
	return true
}

func selectApp(ctx context.Context, t Transport, aid []byte) error {
	if aid == nil {
		_, err := transmit(ctx, t, "SELECT", Command{CLA: 0x00, INS: 0xA4, P1: 0x00, P2: 0x0C, Data: []byte{0x3F, 0x00}})
		return err
	}
	_, err := transmit(ctx, t, "SELECT", Command{CLA: 0x00, INS: 0xA4, P1: 0x04, P2: 0x0C, Data: aid})
	return err
}

func selectEFByID(ctx context.Context, t Transport, fid uint16) error {
	_, err := transmit(ctx, t, "SELECT", Command{CLA: 0x00, INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}})
	return err
}

// readWholeEF reads the current EF in chunks of size bytes until a short
// chunk or "wrong offset" marks its end. Card files are often several TLVs
// in a row, so the first object's length cannot tell the file's size.
func readWholeEF(ctx context.Context, t Transport, size int) ([]byte, error) {
	var out []byte
	for {
		if len(out) >= maxChipFile {
			return nil, fmt.Errorf("card: file longer than %d bytes", maxChipFile)
		}
		off := len(out)
		chunk, err := transmit(ctx, t, "READ BINARY", Command{CLA: 0x00, INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Le: size})
		var se *StatusError
		if errors.As(err, &se) && se.SW == SWWrongOffset && off > 0 {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, chunk...)
		if len(chunk) < size {
			return out, nil
		}
	}
}
