# internal/blob: versitygw, the S3-compatible gateway the S3 half of the blob
# contract tests runs against (internal/blob/s3_test.go finds it in bin/).

VERSITYGW_VERSION ?= v1.8.0
VERSITYGW_MODULE  := github.com/versity/versitygw

.PHONY: tools tools-versitygw

tools: tools-versitygw

# Reinstalls only when bin/versitygw is missing or was built from another
# version; `go version -m` reads the module version stamped into the binary.
tools-versitygw:
	@if [ -x bin/versitygw ] && go version -m bin/versitygw 2>/dev/null | \
		grep -Eq '^[[:space:]]+mod[[:space:]]+$(VERSITYGW_MODULE)[[:space:]]+$(VERSITYGW_VERSION)[[:space:]]'; then \
		:; \
	else \
		echo "installing versitygw $(VERSITYGW_VERSION) into bin/ (about 2 minutes the first time)"; \
		GOBIN="$(CURDIR)/bin" go install $(VERSITYGW_MODULE)/cmd/versitygw@$(VERSITYGW_VERSION); \
	fi
