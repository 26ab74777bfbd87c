# JPEG 2000 chip photos (issue 5): internal/jp2 decodes them with OpenJPEG
# through cgo, compiled only with the `openjpeg` build tag. Included by the
# main Makefile.
#
# JP2_TAGS is "openjpeg" when pkg-config finds libopenjp2 and empty
# otherwise, so `go build -tags '$(JP2_TAGS)'` builds everywhere and decodes
# JPEG 2000 wherever the library is installed (`make jp2-deps`).

JP2_TAGS     := $(shell pkg-config --exists libopenjp2 2>/dev/null && echo openjpeg)
JP2_APT      := libopenjp2-7-dev pkg-config
JP2_FUZZTIME ?= 30s

.PHONY: jp2-deps jp2-test jp2-fuzz

# Installs the OpenJPEG headers and pkg-config file (Debian/Ubuntu) when
# they are missing. The binary then needs the runtime package libopenjp2-7.
jp2-deps:
	@if pkg-config --exists libopenjp2 2>/dev/null; then \
	  echo "jp2: libopenjp2 $$(pkg-config --modversion libopenjp2) found; build with -tags openjpeg"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "jp2: installing $(JP2_APT)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(JP2_APT) || \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(JP2_APT); }; \
	else \
	  echo "jp2: libopenjp2 not found and cannot install it here (needs root and apt-get)."; \
	  echo "jp2: run as root: apt-get install -y $(JP2_APT)"; \
	  echo "jp2: until then JPEG 2000 chip photos (licences, My Number cards) stay undecoded."; \
	fi

# The decoder's own tests and the chip package's end-to-end JPEG 2000 test.
jp2-test:
	@pkg-config --exists libopenjp2 2>/dev/null || { echo "jp2: libopenjp2 missing; run make jp2-deps"; exit 1; }
	go test -count=1 -tags openjpeg ./internal/jp2/ ./internal/chip/

# Inputs grow to ~15 kB (the ICAO face), so minimising gets 2 s.
jp2-fuzz:
	@pkg-config --exists libopenjp2 2>/dev/null || { echo "jp2: libopenjp2 missing; run make jp2-deps"; exit 1; }
	go test -tags openjpeg -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(JP2_FUZZTIME) -fuzzminimizetime 2s ./internal/jp2/
