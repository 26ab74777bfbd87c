package upload

import (
	"bytes"
	"encoding/asn1"
	"encoding/json"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Content types Sniff recognises. TypeDER covers any single DER-encoded
// ASN.1 structure: certificates, CMS signatures, IC-chip data groups.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
	TypeJSON = "application/json"
	TypeDER  = "application/x-der"
)

// MaxJSONDepth is the deepest nesting of objects and arrays Sniff accepts in
// JSON evidence; deeper documents are refused rather than handed to decoders
// that recurse.
const MaxJSONDepth = 64

// maxDERDepth bounds how far Sniff descends into nested constructed ASN.1
// values while checking that every length adds up.
const maxDERDepth = 32

var (
	magicJPEG = []byte{0xFF, 0xD8, 0xFF}
	magicPNG  = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}
)

// Sniff names the content type of data from its bytes alone; a type a client
// declared plays no part. Images are recognised by their signature (their
// pixels are checked by Sanitize); JSON must be a valid object or array no
// deeper than MaxJSONDepth; DER must be exactly one constructed ASN.1 value
// whose nested lengths all add up, with nothing after it. Anything else is
// refused with reason unsupported_type (kind errkind.ErrUnsupported).
func Sniff(data []byte) (string, error) {
	switch {
	case len(data) == 0:
		return "", errkind.New(errkind.ErrInvalid, ReasonFileEmpty, "upload is empty")
	case bytes.HasPrefix(data, magicJPEG):
		return TypeJPEG, nil
	case bytes.HasPrefix(data, magicPNG):
		return TypePNG, nil
	case isWebP(data):
		return TypeWebP, nil
	case isJSON(data):
		return TypeJSON, nil
	case isDER(data):
		return TypeDER, nil
	}
	return "", errkind.New(errkind.ErrUnsupported, ReasonUnsupportedType, "content is not JPEG, PNG, WebP, JSON or DER")
}

// isWebP checks the RIFF container header: "RIFF", a length, "WEBP".
func isWebP(data []byte) bool {
	return len(data) >= 12 && string(data[0:4]) == "RIFF" && string(data[8:12]) == "WEBP"
}

func isJSON(data []byte) bool {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[') {
		return false
	}
	return jsonDepthWithin(trimmed, MaxJSONDepth) && json.Valid(data)
}

// jsonDepthWithin reports whether the nesting of objects and arrays in data
// never exceeds limit. It only tracks strings and brackets; json.Valid checks
// the grammar afterwards.
func jsonDepthWithin(data []byte, limit int) bool {
	depth := 0
	inString, escaped := false, false
	for _, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > limit {
				return false
			}
		case '}', ']':
			depth--
		}
	}
	return true
}

// isDER accepts exactly one constructed ASN.1 value (SEQUENCE, SET, or a
// constructed application/context tag such as an ICAO data group) filling
// all of data. Requiring a constructed outer value whose contents are
// themselves well-formed values keeps a stray text file from passing as a
// primitive value by coincidence.
func isDER(data []byte) bool {
	var outer asn1.RawValue
	rest, err := asn1.Unmarshal(data, &outer)
	if err != nil || len(rest) != 0 || !outer.IsCompound {
		return false
	}
	return derContentsValid(outer.Bytes, 1)
}

// derContentsValid checks that contents is a run of complete DER values, and
// recursively so inside each constructed one.
func derContentsValid(contents []byte, depth int) bool {
	if depth > maxDERDepth {
		return false
	}
	for len(contents) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(contents, &v)
		if err != nil {
			return false
		}
		if v.IsCompound && !derContentsValid(v.Bytes, depth+1) {
			return false
		}
		contents = rest
	}
	return true
}
