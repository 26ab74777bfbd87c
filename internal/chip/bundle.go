package chip

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// BundleVersion is the only bundle version this package reads and writes.
const BundleVersion = 1

// Size caps. A passport's DG2 is typically 15-60 KB; the largest card file
// (a residence card's front image) is 7 KB.
const (
	MaxBundleBytes   = 512 << 10 // the JSON document
	MaxFileBytes     = 160 << 10 // one decoded file
	MaxFiles         = 24
	MaxChallengeSize = 64   // bytes, decoded
	MaxResponseSize  = 1024 // bytes, decoded (an RSA-4096 answer is 512)
)

// AccessMethod says how the client opened the chip. It is recorded, not
// trusted: none of them is evidence the server can check.
type AccessMethod string

// The access methods.
const (
	AccessNone       AccessMethod = "none"
	AccessBAC        AccessMethod = "bac"         // passport: MRZ-derived 3DES keys
	AccessPACE       AccessMethod = "pace"        // passport or card: MRZ/CAN password, ECDH
	AccessPIN        AccessMethod = "pin"         // licence PIN1/PIN2, My Number card PINs
	AccessCardNumber AccessMethod = "card_number" // residence card: 在留カード等番号 authentication
)

// Bundle is what a client sends after reading a chip: the raw bytes of
// each file, how the chip was opened and, when the chip has a key for it,
// the server's challenge and the chip's answer. See docs/chip-bundle.md.
type Bundle struct {
	Version      int
	DocumentType DocumentType
	Access       AccessMethod
	// Files maps a file name (see FileNames) to its raw content as read.
	Files map[string][]byte
	// Challenge and Response carry active authentication (passport:
	// INTERNAL AUTHENTICATE with DG15's key). Both nil when not performed.
	Challenge []byte
	Response  []byte
}

// wire is the JSON form. Byte fields are standard padded base64.
type wire struct {
	Version              *int              `json:"version"`
	DocumentType         string            `json:"document_type"`
	Access               *wireAccess       `json:"access"`
	Files                map[string]string `json:"files"`
	ActiveAuthentication *wireAA           `json:"active_authentication,omitempty"`
}

type wireAccess struct {
	Method string `json:"method"`
}

type wireAA struct {
	Challenge string `json:"challenge"`
	Response  string `json:"response"`
}

// fileNames lists, per document type, the files a bundle may carry.
var fileNames = map[DocumentType][]string{
	Passport: {
		"COM", "SOD", "DG1", "DG2", "DG3", "DG4", "DG5", "DG6", "DG7", "DG8", "DG9", "DG10",
		"DG11", "DG12", "DG13", "DG14", "DG15", "DG16", "CardAccess", "CardSecurity",
	},
	ResidenceCard: {
		"MF/EF01", "MF/EF02", "DF1/EF01", "DF1/EF02", "DF2/EF01", "DF2/EF02", "DF2/EF03", "DF3/EF01",
	},
	DriversLicense: {
		"MF/EF01", "MF/EF02", "DF1/EF01", "DF1/EF02", "DF1/EF03", "DF1/EF04", "DF1/EF05", "DF1/EF06",
		"DF1/EF07", "DF2/EF01",
	},
	MyNumberCard: {
		"text/EF01", "text/EF02", "text/EF03", "text/EF04", "text/EF05",
		"visual/EF02", "visual/EF03",
	},
}

// FileNames returns the file names a bundle of type t may carry.
func FileNames(t DocumentType) []string { return slices.Clone(fileNames[t]) }

var accessMethods = []AccessMethod{AccessNone, AccessBAC, AccessPACE, AccessPIN, AccessCardNumber}

var b64 = base64.StdEncoding.Strict()

// ReadBundle reads at most MaxBundleBytes from r and parses them. A longer
// body is rejected with ReasonBundleTooLarge without being read further.
func ReadBundle(r io.Reader) (*Bundle, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBundleBytes+1))
	if err != nil {
		return nil, fmt.Errorf("chip: reading bundle: %w", err)
	}
	return ParseBundle(data)
}

// ParseBundle parses a JSON bundle strictly: known fields only, no
// duplicate keys, no trailing data, version 1, a known document type, file
// names defined for that type, strict base64 and the size caps. Errors are
// *InvalidError.
func ParseBundle(data []byte) (*Bundle, error) {
	if len(data) > MaxBundleBytes {
		return nil, invalid(ReasonBundleTooLarge, "bundle is over %d bytes", MaxBundleBytes)
	}
	if err := checkDuplicateKeys(data); err != nil {
		return nil, invalidWrap(err, ReasonBundleMalformed, "bundle is not a well-formed JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w wire
	if err := dec.Decode(&w); err != nil {
		return nil, invalidWrap(err, ReasonBundleMalformed, "bundle does not decode")
	}
	if dec.More() {
		return nil, invalid(ReasonBundleMalformed, "data after the bundle object")
	}
	if w.Version == nil {
		return nil, invalid(ReasonBundleMalformed, "version is missing")
	}
	if *w.Version != BundleVersion {
		return nil, invalid(ReasonBundleVersion, "version %d; this server reads %d", *w.Version, BundleVersion)
	}
	b := &Bundle{Version: *w.Version, DocumentType: DocumentType(w.DocumentType)}
	allowed, ok := fileNames[b.DocumentType]
	if !ok {
		return nil, invalid(ReasonUnknownDocumentType, "document_type %q", truncate(w.DocumentType))
	}
	if w.Access == nil {
		return nil, invalid(ReasonBundleMalformed, "access is missing")
	}
	b.Access = AccessMethod(w.Access.Method)
	if !slices.Contains(accessMethods, b.Access) {
		return nil, invalid(ReasonBundleMalformed, "access method %q", truncate(w.Access.Method))
	}
	if len(w.Files) == 0 {
		return nil, invalid(ReasonMissingFile, "no files")
	}
	if len(w.Files) > MaxFiles {
		return nil, invalid(ReasonBundleTooLarge, "%d files; at most %d", len(w.Files), MaxFiles)
	}
	b.Files = make(map[string][]byte, len(w.Files))
	for name, enc := range w.Files {
		if !slices.Contains(allowed, name) {
			return nil, invalid(ReasonUnknownFile, "file %q is not defined for %s", truncate(name), b.DocumentType)
		}
		if b64.DecodedLen(len(enc)) > MaxFileBytes+2 {
			return nil, invalid(ReasonBundleTooLarge, "file %s is over %d bytes", name, MaxFileBytes)
		}
		raw, err := b64.DecodeString(enc)
		if err != nil {
			return nil, invalidWrap(err, ReasonBundleMalformed, "file %s is not standard base64", name)
		}
		if len(raw) == 0 {
			return nil, invalid(ReasonMalformedFile, "file %s is empty", name)
		}
		if len(raw) > MaxFileBytes {
			return nil, invalid(ReasonBundleTooLarge, "file %s is over %d bytes", name, MaxFileBytes)
		}
		b.Files[name] = raw
	}
	if aa := w.ActiveAuthentication; aa != nil {
		var err error
		if b.Challenge, err = decodeField(aa.Challenge, "challenge", MaxChallengeSize); err != nil {
			return nil, err
		}
		if b.Response, err = decodeField(aa.Response, "response", MaxResponseSize); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func decodeField(enc, name string, limit int) ([]byte, error) {
	if enc == "" {
		return nil, invalid(ReasonBundleMalformed, "active_authentication.%s is empty", name)
	}
	if b64.DecodedLen(len(enc)) > limit+2 {
		return nil, invalid(ReasonBundleTooLarge, "active_authentication.%s is over %d bytes", name, limit)
	}
	raw, err := b64.DecodeString(enc)
	if err != nil {
		return nil, invalidWrap(err, ReasonBundleMalformed, "active_authentication.%s is not standard base64", name)
	}
	if len(raw) > limit {
		return nil, invalid(ReasonBundleTooLarge, "active_authentication.%s is over %d bytes", name, limit)
	}
	return raw, nil
}

// Marshal encodes b as a version-1 JSON bundle. It checks what ParseBundle
// checks, so a client never sends what the server would refuse for shape.
func (b *Bundle) Marshal() ([]byte, error) {
	w := wire{Version: &b.Version, DocumentType: string(b.DocumentType), Access: &wireAccess{Method: string(b.Access)}, Files: map[string]string{}}
	for name, raw := range b.Files {
		w.Files[name] = b64.EncodeToString(raw)
	}
	if b.Challenge != nil || b.Response != nil {
		w.ActiveAuthentication = &wireAA{Challenge: b64.EncodeToString(b.Challenge), Response: b64.EncodeToString(b.Response)}
	}
	out, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	if _, err := ParseBundle(out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkDuplicateKeys walks the JSON tokens and fails on a repeated key in
// any object: encoding/json would silently keep the last one, and two
// parsers disagreeing on which file was sent is how signature bypasses start.
func checkDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []*jsonFrame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		var top *jsonFrame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.expect {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				markValue(stack)
				continue
			}
			key, _ := tok.(string)
			if top.keys[key] {
				return fmt.Errorf("duplicate key %q", truncate(key))
			}
			top.keys[key] = true
			top.expect = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &jsonFrame{object: true, keys: map[string]bool{}, expect: true})
		case json.Delim('['):
			stack = append(stack, &jsonFrame{})
		case json.Delim(']'), json.Delim('}'):
			stack = stack[:len(stack)-1]
			markValue(stack)
		default:
			markValue(stack)
		}
	}
}

// markValue records that a value completed in the enclosing object, so
// the next string is a key again.
func markValue(stack []*jsonFrame) {
	if n := len(stack); n > 0 && stack[n-1].object {
		stack[n-1].expect = true
	}
}

type jsonFrame struct {
	object bool
	keys   map[string]bool
	expect bool // the next token in an object is a key
}

func truncate(s string) string {
	const n = 40
	if len(s) > n {
		s = s[:n] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
