package card_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"os"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/card"
	"github.com/kakunin-dev/kakunin/internal/chip"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

var aaChallenge = []byte{9, 8, 7, 6, 5, 4, 3, 2}

// Each virtual document, read by the client, yields a bundle that
// survives the wire format and verifies.
func TestReadVirtualChips(t *testing.T) {
	icao, err := synth.NewICAO(42, synth.ChipReferenceTime())
	if err != nil {
		t.Fatal(err)
	}
	ml, err := icao.MasterList()
	if err != nil {
		t.Fatal(err)
	}
	store, _, err := chip.LoadMasterList(ml)
	if err != nil {
		t.Fatal(err)
	}
	cards, err := synth.NewCardPKI(42, synth.ChipReferenceTime())
	if err != nil {
		t.Fatal(err)
	}
	opts := chip.Options{
		CurrentTime: synth.ChipReferenceTime(), Challenge: aaChallenge, CSCAs: store,
		ResidenceCardRoots: []*x509.Certificate{cards.ResidenceCardRoot()}, MyNumberLawfulPurpose: true,
	}
	pp, err := icao.Passport(synth.PassportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := cards.ResidenceCard(synth.CardGood, nil)
	if err != nil {
		t.Fatal(err)
	}
	dl, err := synth.DriversLicense(synth.CardGood, nil)
	if err != nil {
		t.Fatal(err)
	}
	mn, err := synth.MyNumberCard(synth.CardGood, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		cfg  card.VirtualChipConfig
		read card.ChipReadOptions
		auth chip.Authenticity
	}{
		"passport with active authentication": {
			cfg:  card.VirtualChipConfig{Type: chip.Passport, Files: pp.Files, InternalAuthenticate: pp.AnswerChallenge},
			read: card.ChipReadOptions{Type: chip.Passport, Challenge: aaChallenge},
			auth: chip.ChipVerified,
		},
		"residence card": {
			cfg:  card.VirtualChipConfig{Type: chip.ResidenceCard, Files: rc},
			read: card.ChipReadOptions{Type: chip.ResidenceCard},
			auth: chip.PassiveOnly,
		},
		"driver's licence with both PINs": {
			cfg:  card.VirtualChipConfig{Type: chip.DriversLicense, Files: dl, PINs: map[byte]string{card.PINRefLicense1: "1234", card.PINRefLicense2: "5678"}},
			read: card.ChipReadOptions{Type: chip.DriversLicense, PINs: map[byte]string{card.PINRefLicense1: "1234", card.PINRefLicense2: "5678"}},
			auth: chip.Unverified,
		},
		"My Number card": {
			cfg:  card.VirtualChipConfig{Type: chip.MyNumberCard, Files: mn, PINs: map[byte]string{card.PINRefMyNumberText: "1111", card.PINRefMyNumberVisual: synth.TestMyNumber}},
			read: card.ChipReadOptions{Type: chip.MyNumberCard, PINs: map[byte]string{card.PINRefMyNumberText: "1111", card.PINRefMyNumberVisual: synth.TestMyNumber}},
			auth: chip.Unverified,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v, err := card.NewVirtualChip(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			b, err := card.ReadChip(context.Background(), v, tc.read)
			if err != nil {
				t.Fatalf("got %v; want a bundle", err)
			}
			for n, want := range tc.cfg.Files {
				if !bytes.Equal(b.Files[n], want) {
					t.Errorf("file %s: got %d bytes; want the %d on the card", n, len(b.Files[n]), len(want))
				}
			}
			raw, err := b.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := chip.ParseBundle(raw)
			if err != nil {
				t.Fatal(err)
			}
			res, err := chip.Verify(context.Background(), opts, parsed)
			if err != nil {
				t.Fatalf("got %v; want a verified read", err)
			}
			if res.Authenticity != tc.auth || res.Face == nil {
				t.Errorf("got %s, face %v; want %s with a face", res.Authenticity, res.Face != nil, tc.auth)
			}
		})
	}
}

func TestReadVirtualChipPINs(t *testing.T) {
	dl, err := synth.DriversLicense(synth.CardGood, nil)
	if err != nil {
		t.Fatal(err)
	}
	pins := map[byte]string{card.PINRefLicense1: "1234", card.PINRefLicense2: "5678"}
	t.Run("PIN1 only skips the photo", func(t *testing.T) {
		v, _ := card.NewVirtualChip(card.VirtualChipConfig{Type: chip.DriversLicense, Files: dl, PINs: pins})
		b, err := card.ReadChip(context.Background(), v, card.ChipReadOptions{Type: chip.DriversLicense, PINs: map[byte]string{card.PINRefLicense1: "1234"}})
		if err != nil {
			t.Fatal(err)
		}
		if b.Files["DF2/EF01"] != nil || b.Files["DF1/EF01"] == nil {
			t.Errorf("got files %v; want the text without the photo", keys(b.Files))
		}
		if _, err := chip.Verify(context.Background(), chip.Options{}, b); chip.ReasonOf(err) != chip.ReasonMissingFile {
			t.Errorf("got %v; want missing_file for the photo", err)
		}
	})
	t.Run("wrong PIN counts down", func(t *testing.T) {
		v, _ := card.NewVirtualChip(card.VirtualChipConfig{Type: chip.DriversLicense, Files: dl, PINs: pins})
		_, err := card.ReadChip(context.Background(), v, card.ChipReadOptions{Type: chip.DriversLicense, PINs: map[byte]string{card.PINRefLicense1: "0000"}})
		var se *card.StatusError
		if !errors.As(err, &se) || !errors.Is(err, card.ErrWrongPIN) {
			t.Fatalf("got %v; want a wrong-PIN status", err)
		}
		if n, _ := se.RetriesLeft(); n != 2 || v.PINTriesLeft(card.PINRefLicense1) != 2 {
			t.Errorf("got %d tries left; want 2", n)
		}
	})
	t.Run("reading without VERIFY is refused", func(t *testing.T) {
		v, _ := card.NewVirtualChip(card.VirtualChipConfig{Type: chip.DriversLicense, Files: dl, PINs: pins})
		ctx := context.Background()
		for _, apdu := range [][]byte{
			append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x10}, card.AIDLicenseDF1...),
			{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01},
		} {
			if r, _ := v.Transmit(ctx, apdu); !bytes.Equal(r, []byte{0x90, 0x00}) {
				t.Fatalf("got %X for %X; want 9000", r, apdu)
			}
		}
		if r, _ := v.Transmit(ctx, []byte{0x00, 0xB0, 0x00, 0x00, 0x00}); !bytes.Equal(r, []byte{0x69, 0x82}) {
			t.Errorf("got %X; want 6982", r)
		}
	})
}

func TestVirtualPassportWithoutAA(t *testing.T) {
	icao, err := synth.NewICAO(42, synth.ChipReferenceTime())
	if err != nil {
		t.Fatal(err)
	}
	pp, err := icao.Passport(synth.PassportOptions{Variant: synth.PassportNoAA})
	if err != nil {
		t.Fatal(err)
	}
	v, err := card.NewVirtualChip(card.VirtualChipConfig{Type: chip.Passport, Files: pp.Files})
	if err != nil {
		t.Fatal(err)
	}
	b, err := card.ReadChip(context.Background(), v, card.ChipReadOptions{Type: chip.Passport, Challenge: aaChallenge})
	if err != nil {
		t.Fatal(err)
	}
	if b.Response != nil || b.Files["DG15"] != nil {
		t.Errorf("got an AA answer from a chip without DG15; want none")
	}
	if r, _ := v.Transmit(context.Background(), []byte{0x00, 0x88, 0x00, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x00}); !bytes.Equal(r, []byte{0x6D, 0x00}) {
		t.Errorf("got %X for INTERNAL AUTHENTICATE; want 6D00", r)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func FuzzVirtualChip(f *testing.F) {
	f.Add([]byte{0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01})
	f.Add([]byte{0x00, 0xB0, 0x7F, 0xFF, 0x00})
	f.Add([]byte{0x00, 0x88, 0x00, 0x00, 0x01, 0x00, 0x00})
	files := map[string][]byte{"DG1": {0x61, 0x00}, "SOD": {0x77, 0x00}}
	f.Fuzz(func(t *testing.T, apdu []byte) {
		v, err := card.NewVirtualChip(card.VirtualChipConfig{Type: chip.Passport, Files: files,
			InternalAuthenticate: func(c []byte) ([]byte, error) { return c, nil }})
		if err != nil {
			t.Fatal(err)
		}
		r, err := v.Transmit(context.Background(), apdu)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := card.ParseResponse(r); err != nil {
			t.Fatalf("answer %X to %X is not a response APDU: %v", r, apdu, err)
		}
	})
}

// scriptedCard answers each APDU with the next response cut from a fuzz
// input: a hostile card (or NFC bridge) talking to ReadChip.
type scriptedCard struct{ rest []byte }

func (s *scriptedCard) Transmit(_ context.Context, _ []byte) ([]byte, error) {
	if len(s.rest) == 0 {
		return []byte{0x6A, 0x82}, nil
	}
	n := int(s.rest[0])
	s.rest = s.rest[1:]
	n = min(n+2, len(s.rest))
	r := s.rest[:n]
	s.rest = s.rest[n:]
	return r, nil
}

func FuzzReadChip(f *testing.F) {
	f.Add([]byte{0x00, 0x90, 0x00, 0x00, 0x90, 0x00, 0x02, 0x61, 0x00, 0x90, 0x00})
	f.Add([]byte{0x00, 0x90, 0x00, 0xFF})
	f.Fuzz(func(t *testing.T, script []byte) {
		for _, typ := range []chip.DocumentType{chip.Passport, chip.DriversLicense} {
			b, err := card.ReadChip(context.Background(), &scriptedCard{rest: script}, card.ChipReadOptions{
				Type: typ, Challenge: aaChallenge, PINs: map[byte]string{card.PINRefLicense1: "1234", card.PINRefLicense2: "5678"}})
			if err != nil {
				continue
			}
			for n, d := range b.Files {
				if len(d) == 0 || len(d) > chip.MaxFileBytes {
					t.Fatalf("file %s of %d bytes accepted", n, len(d))
				}
			}
		}
	})
}

func TestVirtualPassportBAC(t *testing.T) {
	icao, err := synth.NewICAO(42, synth.ChipReferenceTime())
	if err != nil {
		t.Fatal(err)
	}
	// RSA-2048 answers do not fit a short protected response; ECDSA's do.
	pp, err := icao.Passport(synth.PassportOptions{Variant: synth.PassportECAA})
	if err != nil {
		t.Fatal(err)
	}
	h := synth.DefaultPassportHolder()
	key := card.BACKey{DocumentNumber: h.Number, BirthDate: h.BirthDate, ExpiryDate: h.Expiry}
	newChip := func(t *testing.T) *card.VirtualChip {
		v, err := card.NewVirtualChip(card.VirtualChipConfig{Type: chip.Passport, Files: pp.Files, InternalAuthenticate: pp.AnswerChallenge, BAC: &key})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ctx := context.Background()
	t.Run("plain read is refused", func(t *testing.T) {
		_, err := card.ReadChip(ctx, newChip(t), card.ChipReadOptions{Type: chip.Passport})
		if !errors.Is(err, card.ErrSecurityStatus) {
			t.Fatalf("got %v; want security status not satisfied", err)
		}
	})
	t.Run("wrong MRZ", func(t *testing.T) {
		wrong := key
		wrong.BirthDate = "900116"
		if _, err := card.OpenBAC(ctx, newChip(t), wrong); !errors.Is(err, card.ErrBACFailed) {
			t.Fatalf("got %v; want ErrBACFailed", err)
		}
	})
	t.Run("read under secure messaging", func(t *testing.T) {
		sm, err := card.OpenBAC(ctx, newChip(t), key)
		if err != nil {
			t.Fatal(err)
		}
		b, err := card.ReadChip(ctx, sm, card.ChipReadOptions{Type: chip.Passport, Challenge: aaChallenge})
		if err != nil {
			t.Fatalf("got %v; want a bundle", err)
		}
		if b.Access != chip.AccessBAC || !bytes.Equal(b.Files["DG2"], pp.Files["DG2"]) || len(b.Files["DG2"]) < 300 {
			t.Fatalf("got access %s and a %d-byte DG2; want bac and the chip's DG2", b.Access, len(b.Files["DG2"]))
		}
		ml, _ := icao.MasterList()
		store, _, _ := chip.LoadMasterList(ml)
		res, err := chip.Verify(ctx, chip.Options{CurrentTime: icao.Now(), Challenge: aaChallenge, CSCAs: store}, b)
		if err != nil || res.Authenticity != chip.ChipVerified {
			t.Fatalf("got %v, %v; want chip_verified", res, err)
		}
	})
	t.Run("tampered protected command ends the session", func(t *testing.T) {
		v := newChip(t)
		if _, err := card.OpenBAC(ctx, v, key); err != nil {
			t.Fatal(err)
		}
		forged := []byte{0x0C, 0xA4, 0x02, 0x0C, 0x0D, 0x97, 0x01, 0x00, 0x8E, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x00}
		if r, _ := v.Transmit(ctx, forged); !bytes.Equal(r, []byte{0x69, 0x88}) {
			t.Errorf("got %X; want 6988", r)
		}
		if r, _ := v.Transmit(ctx, []byte{0x00, 0xB0, 0x00, 0x00, 0x04}); !bytes.Equal(r, []byte{0x69, 0x82}) {
			t.Errorf("got %X after the session ended; want 6982", r)
		}
	})
}

// A real person's photo, put on a synthetic passport, comes back out of
// the virtual chip and the verifier byte for byte: what the face match
// in the service will compare a selfie with.
func TestRealFaceThroughVirtualPassport(t *testing.T) {
	src, err := os.ReadFile("../../../shared/data/faces/identities/rose_leslie/rose1.jpg")
	if err != nil {
		t.Skipf("shared faces not available: %v", err)
	}
	photo, err := synth.ChipPhoto(src, 30000)
	if err != nil {
		t.Fatal(err)
	}
	icao, err := synth.NewICAO(42, synth.ChipReferenceTime())
	if err != nil {
		t.Fatal(err)
	}
	pp, err := icao.Passport(synth.PassportOptions{Face: photo})
	if err != nil {
		t.Fatal(err)
	}
	v, err := card.NewVirtualChip(card.VirtualChipConfig{Type: chip.Passport, Files: pp.Files, InternalAuthenticate: pp.AnswerChallenge})
	if err != nil {
		t.Fatal(err)
	}
	challenge := chip.NewChallenge()
	b, err := card.ReadChip(context.Background(), v, card.ChipReadOptions{Type: chip.Passport, Challenge: challenge})
	if err != nil {
		t.Fatal(err)
	}
	ml, _ := icao.MasterList()
	store, _, _ := chip.LoadMasterList(ml)
	res, err := chip.Verify(context.Background(), chip.Options{CurrentTime: icao.Now(), Challenge: challenge, CSCAs: store}, b)
	if err != nil || res.Authenticity != chip.ChipVerified {
		t.Fatalf("got %v, %v; want chip_verified", res, err)
	}
	if !bytes.Equal(res.Face.Data, photo) {
		t.Fatalf("got a %d-byte face; want the %d-byte photo put on the chip", len(res.Face.Data), len(photo))
	}
	if _, err := chip.DecodeImage(res.Face, nil); err != nil {
		t.Errorf("got %v; want the face to decode for the face engine", err)
	}
}
