package jpki_test

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/jpki"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

func TestVerifyCMS(t *testing.T) {
	f := newFixture(t)
	content := []byte(`{"purpose":"demo"}`)
	mk := func(c *synth.JPKICredential, data []byte, o synth.JPKICMSOptions) []byte {
		der, err := c.SignCMS(data, o)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	good := f.creds[synth.JPKIGood]
	tests := map[string]struct {
		cms, content []byte
		want         jpki.Reason // "" = success
	}{
		"embedded content":                    {cms: mk(good, content, synth.JPKICMSOptions{}), content: content},
		"detached content":                    {cms: mk(good, content, synth.JPKICMSOptions{Detached: true}), content: content},
		"embedded content is another payload": {cms: mk(good, []byte("other"), synth.JPKICMSOptions{}), content: content, want: jpki.ReasonPayloadMismatch},
		"detached over another payload":       {cms: mk(good, []byte("other"), synth.JPKICMSOptions{Detached: true}), content: content, want: jpki.ReasonPayloadMismatch},
		"wrong issuer with its CA enclosed":   {cms: mk(f.creds[synth.JPKIWrongIssuer], content, synth.JPKICMSOptions{ExtraCerts: []*x509.Certificate{f.pki.RogueRoot()}}), content: content, want: jpki.ReasonUntrustedChain},
		"expired signer":                      {cms: mk(f.creds[synth.JPKIExpired], content, synth.JPKICMSOptions{}), content: content, want: jpki.ReasonExpired},
		"wrong key usage signer":              {cms: mk(f.creds[synth.JPKIWrongKeyUsage], content, synth.JPKICMSOptions{}), content: content, want: jpki.ReasonWrongKeyUsage},
		"unknown birth date signer":           {cms: mk(f.creds[synth.JPKIUnknownBirthDate], content, synth.JPKICMSOptions{}), content: content, want: jpki.ReasonUnknownBirthDateForm},
		"not CMS":                             {cms: []byte("not cms at all"), content: content, want: jpki.ReasonMalformedCMS},
		"truncated CMS":                       {cms: mk(good, content, synth.JPKICMSOptions{})[:200], content: content, want: jpki.ReasonMalformedCMS},
	}
	// A flipped byte inside the signature value (the CMS ends with it).
	flipped := mk(good, content, synth.JPKICMSOptions{})
	flipped[len(flipped)-10] ^= 0x01
	tests["signature value altered"] = struct {
		cms, content []byte
		want         jpki.Reason
	}{cms: flipped, content: content, want: jpki.ReasonBadSignature}

	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := jpki.VerifyCMS(context.Background(), f.opts(), tc.cms, tc.content)
			if got := jpki.ReasonOf(err); got != tc.want {
				t.Fatalf("got reason %q (err %v); want %q", got, err, tc.want)
			}
			if tc.want == "" && res.Subject.BirthDate != "1990-01-02" {
				t.Errorf("got birth date %q; want 1990-01-02", res.Subject.BirthDate)
			}
		})
	}
}
