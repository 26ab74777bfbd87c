package main

import (
	"context"
	"encoding/base64"
	"io"
	"os"

	"github.com/kakunin-dev/kakunin/internal/card"
	"github.com/kakunin-dev/kakunin/internal/chip"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// Virtual chip PINs, as printed by `kakunin card read --help`.
const (
	virtualLicensePIN1 = "1234"
	virtualLicensePIN2 = "5678"
	virtualMyNumberPIN = "1111"
)

// virtualChip issues a virtual ID chip of the given type from the test PKIs
// a server trusts in test mode, with face (JPEG) as its photo if given.
func virtualChip(t chip.DocumentType, face []byte) (card.VirtualChipConfig, card.ChipReadOptions, error) {
	switch t {
	case chip.Passport:
		icao, err := synth.NewICAO(synth.ChipTestSeed, synth.ChipReferenceTime())
		if err != nil {
			return card.VirtualChipConfig{}, card.ChipReadOptions{}, err
		}
		p, err := icao.Passport(synth.PassportOptions{Face: face})
		if err != nil {
			return card.VirtualChipConfig{}, card.ChipReadOptions{}, err
		}
		return card.VirtualChipConfig{Type: t, Files: p.Files, InternalAuthenticate: p.AnswerChallenge},
			card.ChipReadOptions{Type: t}, nil
	case chip.ResidenceCard:
		cards, err := synth.NewCardPKI(synth.ChipTestSeed, synth.ChipReferenceTime())
		if err != nil {
			return card.VirtualChipConfig{}, card.ChipReadOptions{}, err
		}
		files, err := cards.ResidenceCard(synth.CardGood, face)
		return card.VirtualChipConfig{Type: t, Files: files}, card.ChipReadOptions{Type: t}, err
	case chip.DriversLicense:
		files, err := synth.DriversLicense(synth.CardGood, face)
		pins := map[byte]string{card.PINRefLicense1: virtualLicensePIN1, card.PINRefLicense2: virtualLicensePIN2}
		return card.VirtualChipConfig{Type: t, Files: files, PINs: pins}, card.ChipReadOptions{Type: t, PINs: pins}, err
	case chip.MyNumberCard:
		files, err := synth.MyNumberCard(synth.CardGood, face)
		pins := map[byte]string{card.PINRefMyNumberText: virtualMyNumberPIN, card.PINRefMyNumberVisual: synth.TestMyNumber}
		return card.VirtualChipConfig{Type: t, Files: files, PINs: pins}, card.ChipReadOptions{Type: t, PINs: pins}, err
	}
	return card.VirtualChipConfig{}, card.ChipReadOptions{}, usageErr("--type must be passport, residence_card, drivers_license or my_number_card")
}

// cardRead reads a (virtual) chip into a bundle and prints it, as the
// applicant's phone would before sending it to POST /v1/verifications/{id}/chip.
func cardRead(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, _ := newFlags("card read", stderr)
	typ := fs.String("type", "passport", "passport, residence_card, drivers_license or my_number_card")
	virtual := fs.Bool("virtual", false, "read a virtual chip from the test PKIs (test mode only)")
	facePath := fs.String("face", "", "JPEG to put on the virtual chip as the holder's photo")
	challenge := fs.String("challenge", "", "the server's active-authentication challenge (base64), for a passport")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !*virtual {
		return usageErr("no card reader transport in this build (PC/SC is not available; see docs/chip.md): use --virtual")
	}
	var face []byte
	if *facePath != "" {
		b, err := os.ReadFile(*facePath)
		if err != nil {
			return usageErr("face: %v", err)
		}
		if face, err = synth.ChipPhoto(b, 20000); err != nil {
			return usageErr("face: %v", err)
		}
	}
	cfg, read, err := virtualChip(chip.DocumentType(*typ), face)
	if err != nil {
		return err
	}
	if *challenge != "" {
		if read.Challenge, err = base64.StdEncoding.DecodeString(*challenge); err != nil {
			return usageErr("--challenge is not base64: %v", err)
		}
	}
	vc, err := card.NewVirtualChip(cfg)
	if err != nil {
		return err
	}
	b, err := card.ReadChip(ctx, vc, read)
	if err != nil {
		return err
	}
	out, err := b.Marshal()
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(out, '\n'))
	return err
}
