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

.PHONY: demo test
demo: $(STAMP)
	$(VENV)/bin/restore denoise examples/noisy -o restored/examples --overwrite
	@echo "Denoised examples are in restored/examples/ (originals in examples/noisy/ are untouched)."

test: $(STAMP)
	$(VENV)/bin/python -m pytest
