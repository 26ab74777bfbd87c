# IC chip verification, virtual chips and test material (issue 5). Included by the main Makefile.

CHIP_PKGS := ./internal/chip/... ./internal/mrz/... ./internal/mynumber/... ./internal/card/... ./internal/synth/...
CHIP_FUZZTIME ?= 30s

.PHONY: chip-test chip-fuzz chip-testdata

chip-test:
	go test $(CHIP_PKGS)

# One fuzz target after another; ASN.1 inputs are large, so minimising gets 2 s.
chip-fuzz:
	go test -run '^$$' -fuzz '^FuzzParseBundle$$' -fuzztime $(CHIP_FUZZTIME) -fuzzminimizetime 2s ./internal/chip
	go test -run '^$$' -fuzz '^FuzzParseSOD$$' -fuzztime $(CHIP_FUZZTIME) -fuzzminimizetime 2s ./internal/chip
	go test -run '^$$' -fuzz '^FuzzLoadMasterList$$' -fuzztime $(CHIP_FUZZTIME) -fuzzminimizetime 2s ./internal/chip
	go test -run '^$$' -fuzz '^FuzzTLV$$' -fuzztime $(CHIP_FUZZTIME) -fuzzminimizetime 2s ./internal/chip
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(CHIP_FUZZTIME) ./internal/mrz
	go test -run '^$$' -fuzz '^FuzzVirtualChip$$' -fuzztime $(CHIP_FUZZTIME) ./internal/card
	go test -run '^$$' -fuzz '^FuzzReadChip$$' -fuzztime $(CHIP_FUZZTIME) ./internal/card
	go test -run '^$$' -fuzz '^FuzzSecureMessaging$$' -fuzztime $(CHIP_FUZZTIME) ./internal/card

# Rewrite internal/chip/testdata/sod (the SOD fuzz seeds) from the seed-42 test PKI.
chip-testdata:
	go test -run '^TestSODFixtures$$' ./internal/chip -update
