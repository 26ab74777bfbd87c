package chip

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

func b64s(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

const goodBundle = `{"version":1,"document_type":"passport","access":{"method":"bac"},` +
	`"files":{"SOD":"dwA=","DG1":"YQA="},"active_authentication":{"challenge":"AQIDBAUGBwg=","response":"qrvM"}}`

func TestParseBundle(t *testing.T) {
	b, err := ParseBundle([]byte(goodBundle))
	if err != nil {
		t.Fatalf("got %v; want the bundle", err)
	}
	if b.DocumentType != Passport || b.Access != AccessBAC || !bytes.Equal(b.Files["SOD"], []byte{0x77, 0}) ||
		!bytes.Equal(b.Challenge, []byte{1, 2, 3, 4, 5, 6, 7, 8}) || !bytes.Equal(b.Response, []byte{0xAA, 0xBB, 0xCC}) {
		t.Errorf("got %+v; want the decoded fields", b)
	}
	again, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b2, err := ParseBundle(again)
	if err != nil || !bytes.Equal(b2.Files["DG1"], b.Files["DG1"]) {
		t.Errorf("got %v; want Marshal to round-trip", err)
	}
}

func TestParseBundleRejects(t *testing.T) {
	big := b64s(make([]byte, MaxFileBytes+1))
	tests := map[string]struct {
		in   string
		want Reason
		kind error
	}{
		"not JSON":             {`{`, ReasonBundleMalformed, errkind.ErrMalformed},
		"trailing data":        {goodBundle + `{}`, ReasonBundleMalformed, errkind.ErrMalformed},
		"unknown field":        {strings.Replace(goodBundle, `"version":1`, `"version":1,"extra":true`, 1), ReasonBundleMalformed, errkind.ErrMalformed},
		"duplicate key":        {strings.Replace(goodBundle, `"DG1":"YQA="`, `"DG1":"YQA=","DG1":"YQE="`, 1), ReasonBundleMalformed, errkind.ErrMalformed},
		"duplicate top key":    {strings.Replace(goodBundle, `"version":1`, `"version":1,"version":1`, 1), ReasonBundleMalformed, errkind.ErrMalformed},
		"missing version":      {strings.Replace(goodBundle, `"version":1,`, ``, 1), ReasonBundleMalformed, errkind.ErrMalformed},
		"version 2":            {strings.Replace(goodBundle, `"version":1`, `"version":2`, 1), ReasonBundleVersion, errkind.ErrInvalid},
		"unknown type":         {strings.Replace(goodBundle, `"passport"`, `"library_card"`, 1), ReasonUnknownDocumentType, errkind.ErrInvalid},
		"file of another type": {strings.Replace(goodBundle, `"DG1"`, `"DF1/EF01"`, 1), ReasonUnknownFile, errkind.ErrInvalid},
		"unknown access":       {strings.Replace(goodBundle, `"bac"`, `"magic"`, 1), ReasonBundleMalformed, errkind.ErrMalformed},
		"missing access":       {strings.Replace(goodBundle, `"access":{"method":"bac"},`, ``, 1), ReasonBundleMalformed, errkind.ErrMalformed},
		"url-safe base64":      {strings.Replace(goodBundle, `"qrvM"`, `"qr-_"`, 1), ReasonBundleMalformed, errkind.ErrMalformed},
		"base64 without pad":   {strings.Replace(goodBundle, `"dwA="`, `"dwA"`, 1), ReasonBundleMalformed, errkind.ErrMalformed},
		"empty file":           {strings.Replace(goodBundle, `"dwA="`, `""`, 1), ReasonMalformedFile, errkind.ErrInvalid},
		"no files":             {`{"version":1,"document_type":"passport","access":{"method":"bac"},"files":{}}`, ReasonMissingFile, errkind.ErrInvalid},
		"file too large":       {strings.Replace(goodBundle, `"dwA="`, `"`+big+`"`, 1), ReasonBundleTooLarge, errkind.ErrTooLarge},
		"bundle too large":     {goodBundle + strings.Repeat(" ", MaxBundleBytes), ReasonBundleTooLarge, errkind.ErrTooLarge},
		"challenge too large":  {strings.Replace(goodBundle, `"AQIDBAUGBwg="`, `"`+b64s(make([]byte, 65))+`"`, 1), ReasonBundleTooLarge, errkind.ErrTooLarge},
		"empty response":       {strings.Replace(goodBundle, `"qrvM"`, `""`, 1), ReasonBundleMalformed, errkind.ErrMalformed},
		"files is an array":    {strings.Replace(goodBundle, `{"SOD":"dwA=","DG1":"YQA="}`, `["dwA="]`, 1), ReasonBundleMalformed, errkind.ErrMalformed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseBundle([]byte(tc.in))
			if got := ReasonOf(err); got != tc.want {
				t.Fatalf("got reason %q (%v); want %q", got, err, tc.want)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("got %v; want kind %v", err, tc.kind)
			}
		})
	}
}

func TestReadBundleStopsAtCap(t *testing.T) {
	r := strings.NewReader(goodBundle + strings.Repeat(" ", 4*MaxBundleBytes))
	if _, err := ReadBundle(r); ReasonOf(err) != ReasonBundleTooLarge {
		t.Fatalf("got %v; want bundle_too_large", err)
	}
	if r.Len() < 2*MaxBundleBytes {
		t.Errorf("read %d bytes past the cap; want to stop at the cap", 4*MaxBundleBytes-r.Len())
	}
}

func TestTLV(t *testing.T) {
	tests := map[string]struct {
		in      []byte
		tag     uint32
		value   []byte
		wantErr bool
	}{
		"short":              {in: []byte{0x5A, 0x02, 1, 2}, tag: 0x5A, value: []byte{1, 2}},
		"two-byte tag":       {in: []byte{0x5F, 0x1F, 0x01, 9}, tag: 0x5F1F, value: []byte{9}},
		"three-byte tag":     {in: []byte{0xBF, 0x81, 0x01, 0x00}, tag: 0xBF8101, value: []byte{}},
		"0x81 length":        {in: append([]byte{0x04, 0x81, 0x80}, make([]byte, 0x80)...), tag: 0x04, value: make([]byte, 0x80)},
		"0x82 length":        {in: append([]byte{0x04, 0x82, 0x01, 0x00}, make([]byte, 256)...), tag: 0x04, value: make([]byte, 256)},
		"padding after":      {in: []byte{0x5A, 0x01, 7, 0xFF, 0xFF}, tag: 0x5A, value: []byte{7}},
		"truncated value":    {in: []byte{0x5A, 0x05, 1}, wantErr: true},
		"indefinite length":  {in: []byte{0x30, 0x80, 0, 0}, wantErr: true},
		"4-byte length form": {in: []byte{0x04, 0x84, 0, 0, 0, 1, 0}, wantErr: true},
		"endless tag":        {in: []byte{0x5F, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00}, wantErr: true},
		"trailing garbage":   {in: []byte{0x5A, 0x01, 7, 0x12}, wantErr: true},
		"empty":              {in: nil, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tag := tc.tag
			if tc.wantErr {
				tag = 0x5A
				if len(tc.in) > 0 {
					tag = uint32(tc.in[0])
				}
			}
			v, err := single(tc.in, tag)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("got value %x; want an error", v)
				}
				return
			}
			if err != nil || !bytes.Equal(v, tc.value) {
				t.Fatalf("got %x, %v; want %x", v, err, tc.value)
			}
			if enc := EncodeTLV(tc.tag, tc.value); !bytes.HasPrefix(tc.in, enc) {
				t.Errorf("got encoding %x; want a prefix of %x", enc, tc.in)
			}
		})
	}
	if _, err := fields([]byte{0x5A, 0x01, 1, 0x5A, 0x01, 2}); err == nil {
		t.Errorf("got no error for a repeated tag; want one")
	}
}
