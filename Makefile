# Two set-up commands for a fresh machine; each installs what it needs into .venv.
#   make demo   denoise the bundled examples/noisy into restored/examples
#   make test   run the test suite (what .ci/run calls)
PY ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $(STAMP)

.PHONY: demo test chromium
demo: $(STAMP)
	$(VENV)/bin/restore denoise examples/noisy -o restored/examples --overwrite
	@echo "Denoised examples are in restored/examples/ (originals in examples/noisy/ are untouched)."

test: $(STAMP) chromium
	$(VENV)/bin/python -m pytest

# The web UI's browser test drives Debian's chromium (Playwright cannot download its own browser offline).
chromium:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else echo "make test: the browser test needs Debian's chromium; run: sudo apt-get install chromium" >&2; exit 1; fi; }
