package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// maxJSONBody caps every JSON request body.
const maxJSONBody = 1 << 20

// maxJSONDepth bounds nesting, so a deeply nested body cannot exhaust the stack.
const maxJSONDepth = 32

// decodeJSON strictly decodes one JSON object into dst: unknown fields,
// trailing data, duplicate-free depth over maxJSONDepth and bodies over the cap
// are refused with a malformed-request error naming the problem.
func decodeJSON(body []byte, dst any) error {
	if len(body) > maxJSONBody {
		return errkind.New(errkind.ErrTooLarge, "body_too_large", "JSON bodies are limited to %d bytes", maxJSONBody)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errkind.New(errkind.ErrMalformed, "json_malformed", "the request body is empty; send a JSON object")
	}
	if err := checkDepth(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return errkind.New(errkind.ErrMalformed, "json_malformed", "invalid JSON at byte %d", se.Offset)
		case errors.As(err, &te):
			return errkind.New(errkind.ErrMalformed, "json_type_mismatch", "field %q must be %s", te.Field, te.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return errkind.New(errkind.ErrMalformed, "json_unknown_field", "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return errkind.New(errkind.ErrMalformed, "json_malformed", "the body is not a valid JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errkind.New(errkind.ErrMalformed, "json_malformed", "unexpected data after the JSON object")
	}
	return nil
}

// checkDepth scans for nesting depth without decoding.
func checkDepth(b []byte) error {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			if depth > maxJSONDepth {
				return errkind.New(errkind.ErrMalformed, "json_too_deep", "JSON nesting is limited to %d levels", maxJSONDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}
