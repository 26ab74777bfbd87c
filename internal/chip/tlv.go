package chip

import (
	"errors"
	"fmt"
)

// tlv is one BER-TLV data object as ISO/IEC 7816-4 and the card
// specifications use them (private and application tags, lengths up to
// three bytes, definite form only).
type tlv struct {
	Tag         uint32 // the tag bytes as a big-endian number, e.g. 0x5F1F
	Constructed bool
	Value       []byte
}

// maxTLVDepth bounds recursion through nested constructed objects.
const maxTLVDepth = 16

var errTLV = errors.New("malformed BER-TLV")

// parseTLV reads one data object from the front of b.
func parseTLV(b []byte) (tlv, []byte, error) {
	if len(b) < 2 {
		return tlv{}, nil, fmt.Errorf("%w: %d bytes left", errTLV, len(b))
	}
	i := 0
	tag := uint32(b[0])
	constructed := b[0]&0x20 != 0
	i++
	if b[0]&0x1F == 0x1F {
		for {
			if i >= len(b) || i > 3 {
				return tlv{}, nil, fmt.Errorf("%w: tag longer than 4 bytes or truncated", errTLV)
			}
			tag = tag<<8 | uint32(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return tlv{}, nil, fmt.Errorf("%w: no length", errTLV)
	}
	l := int(b[i])
	i++
	if l >= 0x80 {
		n := l & 0x7F
		if n == 0 || n > 3 {
			return tlv{}, nil, fmt.Errorf("%w: length form %#x", errTLV, l)
		}
		if i+n > len(b) {
			return tlv{}, nil, fmt.Errorf("%w: truncated length", errTLV)
		}
		l = 0
		for _, c := range b[i : i+n] {
			l = l<<8 | int(c)
		}
		i += n
	}
	if l > len(b)-i {
		return tlv{}, nil, fmt.Errorf("%w: value of %d bytes with %d left", errTLV, l, len(b)-i)
	}
	return tlv{Tag: tag, Constructed: constructed, Value: b[i : i+l]}, b[i+l:], nil
}

// parseTLVs splits b into consecutive data objects. Trailing bytes that
// are all 0x00 or all 0xFF are taken as the padding of a fixed-size EF.
func parseTLVs(b []byte) ([]tlv, error) {
	var out []tlv
	for len(b) > 0 {
		if isPadding(b) {
			break
		}
		t, rest, err := parseTLV(b)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		b = rest
	}
	return out, nil
}

func isPadding(b []byte) bool {
	if b[0] != 0x00 && b[0] != 0xFF {
		return false
	}
	for _, c := range b {
		if c != b[0] {
			return false
		}
	}
	return true
}

// single expects b to hold exactly one object with the given tag (plus
// optional padding) and returns its value.
func single(b []byte, tag uint32) ([]byte, error) {
	t, rest, err := parseTLV(b)
	if err != nil {
		return nil, err
	}
	if t.Tag != tag {
		return nil, fmt.Errorf("%w: tag %X, want %X", errTLV, t.Tag, tag)
	}
	if len(rest) > 0 && !isPadding(rest) {
		return nil, fmt.Errorf("%w: %d bytes after tag %X", errTLV, len(rest), tag)
	}
	return t.Value, nil
}

// fields parses b as a flat list of objects into a tag → value map and
// rejects repeated tags, so that no two readers can disagree on a value.
func fields(b []byte) (map[uint32][]byte, error) {
	ts, err := parseTLVs(b)
	if err != nil {
		return nil, err
	}
	m := make(map[uint32][]byte, len(ts))
	for _, t := range ts {
		if _, dup := m[t.Tag]; dup {
			return nil, fmt.Errorf("%w: tag %X repeated", errTLV, t.Tag)
		}
		m[t.Tag] = t.Value
	}
	return m, nil
}

// walkTLV checks that b is a well-formed tree of objects, descending into
// constructed ones. It backs the TLV fuzz target and the file checks.
func walkTLV(b []byte, depth int, visit func(tlv, int)) error {
	if depth > maxTLVDepth {
		return fmt.Errorf("%w: nested deeper than %d", errTLV, maxTLVDepth)
	}
	ts, err := parseTLVs(b)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if visit != nil {
			visit(t, depth)
		}
		if t.Constructed {
			if err := walkTLV(t.Value, depth+1, visit); err != nil {
				return err
			}
		}
	}
	return nil
}

// encodeTLV builds one data object; the synthetic material and virtual
// cards use the same encoder through EncodeTLV.
func encodeTLV(tag uint32, value []byte) []byte {
	var out []byte
	switch {
	case tag > 0xFFFF:
		out = append(out, byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xFF:
		out = append(out, byte(tag>>8), byte(tag))
	default:
		out = append(out, byte(tag))
	}
	switch l := len(value); {
	case l < 0x80:
		out = append(out, byte(l))
	case l <= 0xFF:
		out = append(out, 0x81, byte(l))
	case l <= 0xFFFF:
		out = append(out, 0x82, byte(l>>8), byte(l))
	default:
		out = append(out, 0x83, byte(l>>16), byte(l>>8), byte(l))
	}
	return append(out, value...)
}

// EncodeTLV returns the BER-TLV encoding of tag and value (tag given as
// its bytes in big-endian order, e.g. 0x5F1F). Values longer than 16 MiB
// are not representable and panic.
func EncodeTLV(tag uint32, value []byte) []byte {
	if len(value) > 0xFFFFFF {
		panic("chip: TLV value too long")
	}
	return encodeTLV(tag, value)
}
