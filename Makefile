# neurodata-widgets: `make demo` and `make test` are all a newcomer needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
# npm tools, kept inside the venv and run on Debian's node: the JupyterHub test's proxy, the BIDS validator
# (checks the demo's raw dataset), axe-core (WCAG checks inside the browser tests' pages)
NODE_TOOLS := $(VENV)/node/.installed
NPM_PACKAGES := configurable-http-proxy@5 bids-validator@1.15.0 axe-core@4
PYTEST_ARGS ?=
# e.g. make demo DEMO_ARGS="--port 8870"; make docs DOCS_OUT=/tmp/html; NDW_BENCH_SIZE=tiny make bench
DEMO_ARGS ?=
DOCS_OUT ?= handbook/_build/html

.PHONY: demo test test-fast bench docs install chromium dcm2niix node-tools clean sandbox update-references

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dashboards,docs,test]"
	@touch $(STAMP)

install: $(STAMP)

$(NODE_TOOLS): Makefile
	@command -v npm >/dev/null || { if [ "$$(id -u)" = "0" ]; then apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else echo "error: npm is missing. Install it with: sudo apt-get install nodejs npm" >&2; exit 1; fi; }
	@mkdir -p $(VENV)/node
	@test -f $(VENV)/node/package.json || echo '{"private": true}' > $(VENV)/node/package.json
	@# from inside the folder, not with --prefix: a prefix also moves npm's global configuration (its CA file)
	cd $(VENV)/node && npm install --silent --no-audit --no-fund $(NPM_PACKAGES)
	@touch $(NODE_TOOLS)

node-tools: $(NODE_TOOLS)

# Debian's chromium for the browser tests (never a downloaded browser build)
chromium:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ]; then \
	  echo "Installing Debian's chromium for the browser tests…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "error: $(CHROMIUM) is missing. Install it with: sudo apt-get install chromium" >&2; exit 1; \
	fi

# Debian's dcm2niix: the tests and the code-along convert the sandbox's DICOM series with it
dcm2niix:
	@if command -v dcm2niix >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ]; then \
	  echo "Installing Debian's dcm2niix…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dcm2niix >/dev/null; \
	else \
	  echo "error: dcm2niix is missing. Install it with: sudo apt-get install dcm2niix" >&2; exit 1; \
	fi

demo: $(STAMP)
	$(VENV)/bin/neurodata-widgets demo $(DEMO_ARGS)

sandbox: $(STAMP)
	$(VENV)/bin/neurodata-widgets sandbox

test: $(STAMP) chromium dcm2niix $(NODE_TOOLS)
	$(PY) -m pytest $(PYTEST_ARGS)

# everything but the browser and notebook tests
test-fast: $(STAMP)
	$(PY) -m pytest -m "not browser and not notebook" $(PYTEST_ARGS)

# the dashboards' reference images (tests/browser/reference/): only after looking at test-artifacts/looks-*.png
update-references: $(STAMP) chromium
	NDW_UPDATE_REFERENCES=1 $(PY) -m pytest tests/browser/test_looks.py tests/browser/test_previews.py -k reference_image $(PYTEST_ARGS)

bench: $(STAMP) $(NODE_TOOLS)
	$(PY) benchmarks/run.py

docs: $(STAMP) dcm2niix
	$(PY) -m sphinx -W --keep-going -b html handbook $(DOCS_OUT)

clean:
	rm -rf handbook/_build handbook/jupyter_execute test-artifacts .pytest_cache
