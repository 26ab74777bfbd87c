# JPKI verifier, card client and test PKI (issue 4). Included by the main Makefile.

JPKI_PKGS := ./internal/jpki/... ./internal/card/... ./internal/synth/...
JPKI_FUZZTIME ?= 30s

.PHONY: jpki-test jpki-fuzz jpki-testdata

jpki-test:
	go test $(JPKI_PKGS)

# Fuzz targets, one after another. CMS inputs are large, so minimising a new
# input gets 2 s instead of the default 60 s, which would eat the whole run.
jpki-fuzz:
	go test -run '^$$' -fuzz '^FuzzParseSAN$$' -fuzztime $(JPKI_FUZZTIME) -fuzzminimizetime 2s ./internal/jpki
	go test -run '^$$' -fuzz '^FuzzVerifyCMS$$' -fuzztime $(JPKI_FUZZTIME) -fuzzminimizetime 2s ./internal/jpki
	go test -run '^$$' -fuzz '^FuzzParseFacePayload$$' -fuzztime $(JPKI_FUZZTIME) -fuzzminimizetime 2s ./internal/jpki
	go test -run '^$$' -fuzz '^FuzzParseResponse$$' -fuzztime $(JPKI_FUZZTIME) -fuzzminimizetime 2s ./internal/card
	go test -run '^$$' -fuzz '^FuzzParseCommand$$' -fuzztime $(JPKI_FUZZTIME) -fuzzminimizetime 2s ./internal/card
	go test -run '^$$' -fuzz '^FuzzJPKIClient$$' -fuzztime $(JPKI_FUZZTIME) -fuzzminimizetime 2s ./internal/card

# Rewrite internal/jpki/testdata/cms (the CMS fuzz seeds) from the seed-42 test PKI.
jpki-testdata:
	go test -run '^TestCMSFixtures$$' ./internal/jpki -update
