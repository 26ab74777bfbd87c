# kakunin — the two commands that matter: `make run` and `make test`.
# Helper fragments (tools, models, ...) live in mk/*.mk.

GO       ?= go
BIN      := bin/kakunin
# Packages whose tests exercise concurrency: run them under the race detector.
RACE_PKGS := ./internal/vault/... ./internal/webhook/... ./internal/blob/... ./internal/audit/... ./internal/api/... ./internal/jpki/... ./internal/card/... ./internal/engine/...
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run build test test-go lint fuzz bench tools clean

include mk/*.mk

# On amd64 with AVX2+FMA the GEMM runs an assembly micro-kernel; the SIMD
# build (GOEXPERIMENT=simd) also uses archsimd for the other layers; the
# plain-Go kernels (-tags purego) build everywhere and give the same results
# within 1e-5.
build: web
	GOEXPERIMENT=simd $(GO) build -tags '$(JP2_TAGS)' -o $(BIN) ./cmd/kakunin

# Runs kakunin on its embedded default: SQLite and evidence under ./var,
# listening on 127.0.0.1:8080; the first start creates the "demo" tenant and
# prints its test API key.
run: models build
	./$(BIN) serve

test: tools models web browser-deps lint test-go

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet -tags '$(JP2_TAGS)' ./...
	$(GO) run $(STATICCHECK) -tags '$(JP2_TAGS)' ./...

test-go:
	@if [ -n "$$KAKUNIN_TEST_POSTGRES" ]; then echo "== PostgreSQL: store, job and API tests also run on $$KAKUNIN_TEST_POSTGRES"; \
	else echo "== PostgreSQL: KAKUNIN_TEST_POSTGRES not set, store tests run on SQLite only"; fi
	$(GO) test -tags '$(JP2_TAGS)' -count=1 -timeout 20m ./...
	$(GO) test -tags '$(JP2_TAGS)' -count=1 -race -timeout 20m $(RACE_PKGS)
	@echo "== Face engine golden tests again with the SIMD build, and with the portable kernels (purego: no assembly):"
	GOEXPERIMENT=simd $(GO) test -count=1 ./internal/nn/... ./internal/face/...
	$(GO) test -tags purego -count=1 ./internal/nn/... ./internal/face/...
	GOEXPERIMENT=simd $(GO) test -tags purego -count=1 ./internal/nn/... ./internal/face/...
	@echo "== Store contract by database:"
	@$(GO) test -count=1 -run '^TestStore$$' -v ./internal/store/ | grep -E '^    --- (PASS|FAIL|SKIP)'

# Each fuzz target for 30 seconds.
fuzz:
	@for t in $$($(GO) test -tags '$(JP2_TAGS)' -list '^Fuzz' ./... 2>/dev/null | grep -E '^(Fuzz|ok)' | awk '/^ok/{pkg=$$2} /^Fuzz/{print pkg":"$$1}'); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; echo "== $$pkg $$fn"; \
	  $(GO) test -tags '$(JP2_TAGS)' -run '^$$' -fuzz "^$$fn$$" -fuzztime 30s -fuzzminimizetime 2s $$pkg || exit 1; done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/api/...

clean:
	rm -rf bin var
