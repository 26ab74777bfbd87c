package webhook

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	for _, s := range []string{a, b} {
		raw, ok := strings.CutPrefix(s, "whsec_")
		if !ok {
			t.Fatalf("secret %q lacks the whsec_ prefix", s)
		}
		key, err := base64.RawURLEncoding.DecodeString(raw)
		if err != nil || len(key) != 32 {
			t.Fatalf("secret body decodes to %d bytes, %v; want 32 bytes of base64url", len(key), err)
		}
	}
	if a == b {
		t.Fatal("two secrets are equal")
	}
}

// The expected values were computed outside Go with
// printf '1700000000.<body>' | openssl dgst -sha256 -hmac whsec_test_secret
func TestSignKnownVector(t *testing.T) {
	for name, tc := range map[string]struct {
		secret string
		t      time.Time
		body   string
		want   string
	}{
		"event body": {
			"whsec_test_secret", time.Unix(1700000000, 0),
			`{"id":"evt_1","type":"verification.approved"}`,
			"t=1700000000,v1=995c31aa59650790ca747314fea53ea785270af589a4a6bef23e43ebab178b30",
		},
		"epoch, empty body": {
			"k", time.Unix(0, 0), "",
			"t=0,v1=6b4a4b8b3c40f1e8f53a3d36682e5f99f7ad2ac1df1c93dfe336f329167641e7",
		},
	} {
		t.Run(name, func(t *testing.T) {
			if got := Sign(tc.secret, tc.t, []byte(tc.body)); got != tc.want {
				t.Errorf("Sign = %s; want %s", got, tc.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	const secret = "whsec_test_secret"
	sent := time.Unix(1700000000, 0)
	body := []byte(`{"id":"evt_1"}`)
	good := Sign(secret, sent, body)
	goodSig := strings.TrimPrefix(good, "t=1700000000,")
	otherSig := strings.TrimPrefix(Sign("whsec_old", sent, body), "t=1700000000,")
	for name, tc := range map[string]struct {
		header, secret string
		body           []byte
		now            time.Time
		tolerance      time.Duration
		reason         string // "" = valid
	}{
		"valid":                        {good, secret, body, sent, 0, ""},
		"valid at the tolerance edge":  {good, secret, body, sent.Add(5 * time.Minute), 0, ""},
		"valid, receiver clock behind": {good, secret, body, sent.Add(-5 * time.Minute), 0, ""},
		"rotation: second v1 matches":  {"t=1700000000," + otherSig + "," + goodSig, secret, body, sent, 0, ""},
		"rotation: first v1 matches":   {"t=1700000000," + goodSig + "," + otherSig, secret, body, sent, 0, ""},
		"unknown scheme skipped":       {good + ",v2=anything", secret, body, sent, 0, ""},
		"custom tolerance":             {good, secret, body, sent.Add(time.Hour), 2 * time.Hour, ""},
		"too old":                      {good, secret, body, sent.Add(5*time.Minute + time.Second), 0, "signature_timestamp_out_of_range"},
		"from the future":              {good, secret, body, sent.Add(-6 * time.Minute), 0, "signature_timestamp_out_of_range"},
		"wrong secret":                 {good, "whsec_other", body, sent, 0, "signature_mismatch"},
		"body changed":                 {good, secret, []byte(`{"id":"evt_2"}`), sent, 0, "signature_mismatch"},
		"timestamp changed":            {"t=1700000001," + goodSig, secret, body, sent, 0, "signature_mismatch"},
		"timestamp with leading zero":  {"t=01700000000," + goodSig, secret, body, sent, 0, "signature_mismatch"},
		"empty":                        {"", secret, body, sent, 0, "signature_header_invalid"},
		"no t":                         {goodSig, secret, body, sent, 0, "signature_header_invalid"},
		"no v1":                        {"t=1700000000", secret, body, sent, 0, "signature_header_invalid"},
		"only other schemes":           {"t=1700000000,v2=abc", secret, body, sent, 0, "signature_header_invalid"},
		"t twice":                      {"t=1700000000,t=1700000000," + goodSig, secret, body, sent, 0, "signature_header_invalid"},
		"t negative":                   {"t=-1," + goodSig, secret, body, sent, 0, "signature_header_invalid"},
		"t with sign":                  {"t=+1700000000," + goodSig, secret, body, sent, 0, "signature_header_invalid"},
		"t too long":                   {"t=1234567890123," + goodSig, secret, body, sent, 0, "signature_header_invalid"},
		"t empty":                      {"t=," + goodSig, secret, body, sent, 0, "signature_header_invalid"},
		"space after comma":            {"t=1700000000, " + goodSig, secret, body, sent, 0, "signature_header_invalid"},
		"trailing comma":               {good + ",", secret, body, sent, 0, "signature_header_invalid"},
		"uppercase hex":                {strings.ToUpper(good[:3]) + strings.ToUpper(good[3:]), secret, body, sent, 0, "signature_header_invalid"},
		"v1 uppercase":                 {"t=1700000000,v1=" + strings.ToUpper(goodSig[3:]), secret, body, sent, 0, "signature_header_invalid"},
		"v1 short":                     {good[:len(good)-2], secret, body, sent, 0, "signature_header_invalid"},
		"v1 not hex":                   {good[:len(good)-1] + "g", secret, body, sent, 0, "signature_header_invalid"},
		"unknown key":                  {good + ",foo=bar", secret, body, sent, 0, "signature_header_invalid"},
		"element without =":            {good + ",v1", secret, body, sent, 0, "signature_header_invalid"},
		"semicolon separated":          {strings.ReplaceAll(good, ",", ";"), secret, body, sent, 0, "signature_header_invalid"},
		"too many signatures":          {"t=1700000000" + strings.Repeat(","+otherSig, 17), secret, body, sent, 0, "signature_header_invalid"},
		"too long":                     {good + strings.Repeat(",v2=x", 1000), secret, body, sent, 0, "signature_header_invalid"},
	} {
		t.Run(name, func(t *testing.T) {
			err := Verify(tc.header, tc.secret, tc.body, tc.now, tc.tolerance)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("Verify = %v; want nil", err)
				}
				return
			}
			var e *errkind.Error
			if !errors.As(err, &e) || e.Reason != tc.reason {
				t.Fatalf("Verify = %v; want reason %s", err, tc.reason)
			}
			wantKind := errkind.ErrUnauthenticated
			if tc.reason == "signature_header_invalid" {
				wantKind = errkind.ErrInvalid
			}
			if !errors.Is(err, wantKind) {
				t.Errorf("Verify error kind = %v; want %v", e.Kind, wantKind)
			}
		})
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	secret := NewSecret()
	now := time.Now()
	body := []byte(`{"type":"verification.review"}`)
	if err := Verify(Sign(secret, now, body), secret, body, now.Add(30*time.Second), 0); err != nil {
		t.Fatalf("Verify(Sign(...)) = %v; want nil", err)
	}
}

func FuzzParseSignatureHeader(f *testing.F) {
	for _, s := range []string{
		"t=1700000000,v1=995c31aa59650790ca747314fea53ea785270af589a4a6bef23e43ebab178b30",
		"t=0,v1=6b4a4b8b3c40f1e8f53a3d36682e5f99f7ad2ac1df1c93dfe336f329167641e7,v2=x",
		"", "t=", ",", "=,=", "t=1,t=2", "v1=zz", "t=99999999999999999999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		h, err := parseSignatureHeader(header)
		if err != nil {
			if errkind.Reason(err) != "signature_header_invalid" {
				t.Fatalf("error %v; want signature_header_invalid", err)
			}
			return
		}
		if !allDigits(h.timestamp) || len(h.v1) == 0 || len(h.v1) > maxSignatures {
			t.Fatalf("accepted header %q gave timestamp %q and %d signatures", header, h.timestamp, len(h.v1))
		}
		for _, sig := range h.v1 {
			if len(sig) != 32 {
				t.Fatalf("accepted a %d-byte signature", len(sig))
			}
		}
		// A header that parses verifies consistently: re-signing its timestamp
		// with the right secret must match, any other secret must not.
		ts := time.Unix(h.unix, 0)
		body := []byte("b")
		if err := Verify(Sign("s", ts, body), "s", body, ts, time.Second); err != nil {
			t.Fatalf("round trip at t=%d: %v", h.unix, err)
		}
	})
}
