package app

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"time"

	"github.com/kakunin-dev/kakunin/internal/chip"
	"github.com/kakunin-dev/kakunin/internal/config"
	"github.com/kakunin-dev/kakunin/internal/jp2"
	"github.com/kakunin-dev/kakunin/internal/synth"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

// chipDeps builds the trust set-up for IC chips: live trusts the configured
// master list and residence card anchors; test mode adds the synthetic PKIs.
func chipDeps(cfg config.Config, nonces verification.NonceStore) (*verification.ChipDeps, error) {
	var live chip.Options
	if cfg.Chip.MasterList != "" {
		der, err := os.ReadFile(cfg.Chip.MasterList)
		if err != nil {
			return nil, fmt.Errorf("chip.master_list: %w", err)
		}
		if live.CSCAs, _, err = chip.LoadMasterList(der); err != nil {
			return nil, fmt.Errorf("chip.master_list %s: %w", cfg.Chip.MasterList, err)
		}
	}
	if cfg.Chip.ResidenceCardRoots != "" {
		b, err := os.ReadFile(cfg.Chip.ResidenceCardRoots)
		if err != nil {
			return nil, fmt.Errorf("chip.residence_card_roots: %w", err)
		}
		for blk, rest := pem.Decode(b); blk != nil; blk, rest = pem.Decode(rest) {
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("chip.residence_card_roots: %w", err)
			}
			live.ResidenceCardRoots = append(live.ResidenceCardRoots, c)
		}
	}
	test := live
	if cfg.Chip.TestPKI {
		icao, err := synth.NewICAO(synth.ChipTestSeed, synth.ChipReferenceTime())
		if err != nil {
			return nil, fmt.Errorf("chip: test ICAO PKI: %w", err)
		}
		ml, err := icao.MasterList()
		if err != nil {
			return nil, err
		}
		if test.CSCAs, _, err = chip.LoadMasterList(ml); err != nil {
			return nil, fmt.Errorf("chip: test master list: %w", err)
		}
		cards, err := synth.NewCardPKI(synth.ChipTestSeed, synth.ChipReferenceTime())
		if err != nil {
			return nil, fmt.Errorf("chip: test card PKI: %w", err)
		}
		test.ResidenceCardRoots = append(append([]*x509.Certificate(nil), live.ResidenceCardRoots...), cards.ResidenceCardRoot())
	}
	// JPEG 2000 photos decode only in a build with OpenJPEG (-tags openjpeg).
	var j2k chip.JPEG2000Decoder
	if jp2.Available() {
		j2k = jp2.Decode
	}
	return &verification.ChipDeps{
		Options: func(mode string) chip.Options {
			if mode == "test" {
				return test
			}
			return live
		},
		Nonces: nonces, TTL: 10 * time.Minute, JPEG2000: j2k,
	}, nil
}
