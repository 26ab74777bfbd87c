package api

import (
	"errors"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

// FuzzDecodeJSON: any body either decodes into a request or is refused with a
// typed client error; it never panics and never yields a server error kind.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"method":"jpki","reference_id":"x"}`,
		`{"method":"document_image","reference_id":"x","applicant":{"name":"山田","birth_date":"1990-01-02"},"metadata":{"a":"b"}}`,
		`{"method":`, `[]`, `null`, `{"a":1}`, `{"method":"jpki"} {}`, strings.Repeat("[", 40),
		`{"reference_id":"\u0000"}`, `{"face":1e999}`, `{"method":"jpki","method":"ic_chip"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req verification.CreateRequest
		err := decodeJSON(body, &req)
		if err == nil {
			_ = req.Validate() // must not panic either
			return
		}
		var e *errkind.Error
		if !errors.As(err, &e) {
			t.Fatalf("untyped error %v for %q", err, body)
		}
		if !errors.Is(err, errkind.ErrMalformed) && !errors.Is(err, errkind.ErrTooLarge) {
			t.Fatalf("got kind %v for %q; want malformed or too large", e.Kind, body)
		}
	})
}

func TestDecodeJSON(t *testing.T) {
	tests := map[string]struct {
		body, wantReason string
	}{
		"ok":                               {`{"method":"jpki","reference_id":"x"}`, ""},
		"empty":                            {``, "json_malformed"},
		"whitespace":                       {"  \n", "json_malformed"},
		"unknown field":                    {`{"method":"jpki","x":1}`, "json_unknown_field"},
		"wrong type":                       {`{"face":"yes"}`, "json_type_mismatch"},
		"trailing":                         {`{} []`, "json_malformed"},
		"too deep":                         {strings.Repeat(`{"metadata":`, 40), "json_too_deep"},
		"brackets in strings do not count": {`{"reference_id":"` + strings.Repeat("[", 100) + `"}`, ""},
		"too large":                        {`{"reference_id":"` + strings.Repeat("a", maxJSONBody) + `"}`, "body_too_large"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var req verification.CreateRequest
			err := decodeJSON([]byte(tc.body), &req)
			if got := errkind.Reason(err); got != tc.wantReason {
				t.Fatalf("got reason %q (%v); want %q", got, err, tc.wantReason)
			}
		})
	}
}
