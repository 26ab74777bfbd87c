package chip_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/chip"
	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

type passportFixture struct {
	pki   *synth.ICAO
	store *chip.CSCAStore
}

func newPassportFixture(t testing.TB) passportFixture {
	t.Helper()
	pki, err := synth.NewICAO(42, synth.ChipReferenceTime())
	if err != nil {
		t.Fatal(err)
	}
	ml, err := pki.MasterList()
	if err != nil {
		t.Fatal(err)
	}
	store, info, err := chip.LoadMasterList(ml)
	if err != nil || !info.SignatureVerified || !info.SignerChained || info.Certificates != 1 {
		t.Fatalf("got %+v, %v; want the synthetic master list to load verified", info, err)
	}
	return passportFixture{pki: pki, store: store}
}

var challenge = []byte{0x81, 0x22, 0x4F, 0x10, 0xAB, 0x00, 0x9C, 0x3E}

func (f passportFixture) opts() chip.Options {
	return chip.Options{CurrentTime: f.pki.Now(), Challenge: challenge, CSCAs: f.store}
}

func (f passportFixture) bundle(t testing.TB, v synth.PassportVariant) *chip.Bundle {
	t.Helper()
	c, err := f.pki.Passport(synth.PassportOptions{Variant: v})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Bundle(v, challenge)
	if err != nil {
		t.Fatal(err)
	}
	// Every bundle goes through the wire format, as it would from a phone.
	raw, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b, err = chip.ParseBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyPassportVariants(t *testing.T) {
	f := newPassportFixture(t)
	tests := map[synth.PassportVariant]struct {
		reason chip.Reason
		auth   chip.Authenticity
	}{
		synth.PassportGood:              {auth: chip.ChipVerified},
		synth.PassportECAA:              {auth: chip.ChipVerified},
		synth.PassportNoAA:              {auth: chip.PassiveOnly},
		synth.PassportAlteredDG:         {reason: chip.ReasonDGHashMismatch},
		synth.PassportInjectedDG:        {reason: chip.ReasonDGNotInSOD},
		synth.PassportWrongSigner:       {reason: chip.ReasonUntrustedSigner},
		synth.PassportExpiredDSC:        {reason: chip.ReasonSignerExpired},
		synth.PassportMissingAA:         {reason: chip.ReasonAAMissing},
		synth.PassportReplayedChallenge: {reason: chip.ReasonChallengeMismatch},
		synth.PassportClonedChip:        {reason: chip.ReasonAAFailed},
		synth.PassportBadCheckDigit:     {reason: chip.ReasonMRZCheckDigit},
		synth.PassportCountryMismatch:   {reason: chip.ReasonCountryMismatch},
		synth.PassportTamperedSOD:       {reason: chip.ReasonBadSignature},
	}
	seen := map[chip.Reason]synth.PassportVariant{}
	for v, tc := range tests {
		t.Run(v.String(), func(t *testing.T) {
			res, err := chip.VerifyPassport(context.Background(), f.opts(), f.bundle(t, v))
			if tc.reason != "" {
				if got := chip.ReasonOf(err); got != tc.reason {
					t.Fatalf("got reason %q (%v); want %q", got, err, tc.reason)
				}
				if !errors.Is(err, errkind.ErrInvalid) || errkind.Reason(err) != string(tc.reason) {
					t.Errorf("got %v; want an errkind.ErrInvalid with reason %s", err, tc.reason)
				}
				if prev, dup := seen[tc.reason]; dup {
					t.Errorf("reason %s shared with %s; want one reason per variant", tc.reason, prev)
				}
				seen[tc.reason] = v
				return
			}
			if err != nil {
				t.Fatalf("got %v; want a result", err)
			}
			if res.Authenticity != tc.auth || res.Signature != chip.SignatureVerified {
				t.Errorf("got %s/%s; want %s/verified", res.Authenticity, res.Signature, tc.auth)
			}
			a := res.Attributes
			if a.Surname != "KAKUNIN" || a.GivenNames != "HANAKO" || a.BirthDate != "1990-01-15" || a.DocumentNumber != "TZ1234567" || a.IssuingState != "JPN" || a.ExpiryDate != "2031-04-01" || a.Sex != "F" {
				t.Errorf("got attributes %+v; want the default holder", a)
			}
			face, _ := synth.TestFaceJPEG(42)
			if res.Face == nil || res.Face.Format != chip.FormatJPEG || !bytes.Equal(res.Face.Data, face) {
				t.Errorf("got face %v; want the synthetic JPEG", res.Face)
			}
		})
	}
}

// A cloned chip (the SOD copied from a genuine one) must never come out
// chip_verified, whatever the clone does about active authentication.
func TestClonedPassportNeverChipVerified(t *testing.T) {
	f := newPassportFixture(t)
	genuine, err := f.pki.Passport(synth.PassportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	base, err := genuine.Bundle(synth.PassportMissingAA, nil)
	if err != nil {
		t.Fatal(err)
	}
	withAnswer := func(c, r []byte) *chip.Bundle {
		b := *base
		b.Challenge, b.Response = c, r
		return &b
	}
	dropDG15 := *base
	dropDG15.Files = map[string][]byte{}
	for k, v := range base.Files {
		if k != "DG15" {
			dropDG15.Files[k] = v
		}
	}
	tests := map[string]*chip.Bundle{
		"no answer":                     base,
		"DG15 withheld":                 &dropDG15,
		"random answer":                 withAnswer(challenge, bytes.Repeat([]byte{0x5A}, 256)),
		"answer of wrong size":          withAnswer(challenge, []byte{1, 2, 3}),
		"answer to another challenge":   withAnswer([]byte("12345678"), bytes.Repeat([]byte{1}, 256)),
		"challenge echoed, no response": withAnswer(challenge, nil),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := chip.VerifyPassport(context.Background(), f.opts(), b)
			if err == nil && res.Authenticity == chip.ChipVerified {
				t.Fatalf("got chip_verified; want anything else")
			}
			if err == nil {
				t.Fatalf("got %s; want an error for a chip that lists DG15", res.Authenticity)
			}
		})
	}
	t.Run("no server challenge", func(t *testing.T) {
		o := f.opts()
		o.Challenge = nil
		_, err := chip.VerifyPassport(context.Background(), o, f.bundle(t, synth.PassportGood))
		if chip.ReasonOf(err) != chip.ReasonChallengeMissing {
			t.Fatalf("got %v; want challenge_missing", err)
		}
	})
}

func TestVerifyPassportTrustAndRevocation(t *testing.T) {
	f := newPassportFixture(t)
	good := f.bundle(t, synth.PassportGood)
	t.Run("empty trust store", func(t *testing.T) {
		o := f.opts()
		o.CSCAs = nil
		if _, err := chip.VerifyPassport(context.Background(), o, good); chip.ReasonOf(err) != chip.ReasonUntrustedSigner {
			t.Fatalf("got %v; want untrusted_signer", err)
		}
	})
	t.Run("real master list does not trust the test CSCA", func(t *testing.T) {
		o := f.opts()
		o.CSCAs = loadNL(t)
		if _, err := chip.VerifyPassport(context.Background(), o, good); chip.ReasonOf(err) != chip.ReasonUntrustedSigner {
			t.Fatalf("got %v; want untrusted_signer", err)
		}
	})
	t.Run("fresh CRL without the DSC", func(t *testing.T) {
		crl, err := f.pki.CRL()
		if err != nil {
			t.Fatal(err)
		}
		o := f.opts()
		o.CRLs = [][]byte{crl}
		res, err := chip.VerifyPassport(context.Background(), o, good)
		if err != nil || !res.RevocationChecked {
			t.Fatalf("got %v, %v; want a result with revocation checked", res, err)
		}
	})
	t.Run("CRL revoking the DSC", func(t *testing.T) {
		pki, err := synth.NewICAO(42, synth.ChipReferenceTime())
		if err != nil {
			t.Fatal(err)
		}
		pki.Revoke()
		crl, err := pki.CRL()
		if err != nil {
			t.Fatal(err)
		}
		o := f.opts()
		o.CRLs = [][]byte{crl}
		if _, err := chip.VerifyPassport(context.Background(), o, good); chip.ReasonOf(err) != chip.ReasonSignerRevoked {
			t.Fatalf("got %v; want signer_revoked", err)
		}
	})
	t.Run("missing DG2", func(t *testing.T) {
		b := *good
		b.Files = map[string][]byte{"SOD": good.Files["SOD"], "DG1": good.Files["DG1"]}
		if _, err := chip.VerifyPassport(context.Background(), f.opts(), &b); chip.ReasonOf(err) != chip.ReasonMissingFile {
			t.Fatalf("got %v; want missing_file", err)
		}
	})
}

func loadNL(t *testing.T) *chip.CSCAStore {
	der := readSharedFile(t, "masterlists/NL_ML_2026-07-22.ml")
	s, _, err := chip.LoadMasterList(der)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var update = flag.Bool("update", false, "rewrite testdata/sod (the SOD fuzz seeds)")

// TestSODFixtures keeps testdata/sod, the seeds of FuzzParseSOD, equal in
// shape to what synth issues: each stored SOD must still parse.
func TestSODFixtures(t *testing.T) {
	f := newPassportFixture(t)
	if *update {
		for _, v := range []synth.PassportVariant{synth.PassportGood, synth.PassportECAA, synth.PassportNoAA} {
			c, err := f.pki.Passport(synth.PassportOptions{Variant: v})
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("testdata", "sod", v.String()+".sod"), c.Files["SOD"], 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	files, _ := filepath.Glob("testdata/sod/*.sod")
	if len(files) == 0 {
		t.Fatal("got no testdata/sod fixtures; want them (go test -run TestSODFixtures -update)")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if s, err := chip.ParseSOD(b); err != nil || s.Signer == nil || len(s.Hashes) < 2 {
			t.Errorf("%s: got %v; want a parsed SOD", p, err)
		}
	}
}
