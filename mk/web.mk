# The capture page (issue 7): web/capture is built with npm (esbuild, and
# face-api for in-browser face detection) into internal/capture/dist, which
# the binary embeds. `make web` rebuilds only when a source changed.
# Browser tests need Debian's Chromium: `make browser-deps` installs it.

WEB_DIR := web/capture
WEB_NPM := $(WEB_DIR)/node_modules/.package-lock.json
WEB_OUT := internal/capture/dist/index.html
WEB_SRC := $(wildcard $(WEB_DIR)/src/*) $(WEB_DIR)/index.html $(WEB_DIR)/build.mjs

.PHONY: web browser-deps

web: $(WEB_OUT)

$(WEB_NPM): $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json
	cd $(WEB_DIR) && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(WEB_OUT): $(WEB_NPM) $(WEB_SRC)
	cd $(WEB_DIR) && node build.mjs

# Chromium and ChromeDriver from Debian for the browser tests; without root
# the tests skip (and fail in CI, where CI is set).
# The Japanese fonts the document specimens (internal/synth) are drawn with
# and tesseract with Japanese for document OCR (internal/ocr) come from
# Debian too, and so do the name dictionaries OCR'd kanji names are checked
# against (mecab-ipadic, enamdict).
TEST_APT := chromium chromium-driver fonts-noto-cjk tesseract-ocr tesseract-ocr-jpn mecab-ipadic enamdict
browser-deps:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' && tesseract --list-langs 2>/dev/null | grep -qx jpn && [ -f /usr/share/edict/enamdict ] && [ -f /usr/share/mecab/dic/ipadic/Noun.name.csv ]; then \
	  echo "browser-deps: $$(chromium --version 2>/dev/null), Noto CJK fonts, tesseract with jpn"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_APT); \
	else echo "browser-deps: run 'sudo apt-get install $(TEST_APT)' for the browser, specimen and OCR tests"; fi
