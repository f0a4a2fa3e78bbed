# neurodata-widgets: `make demo` and `make test` are all a newcomer needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
# the JupyterHub test's proxy (npm, run on Debian's node), kept inside the venv
CHP := $(VENV)/node/node_modules/.bin/configurable-http-proxy
PYTEST_ARGS ?=
# e.g. make demo DEMO_ARGS="--port 8870"; make docs DOCS_OUT=/tmp/html; NDW_BENCH_SIZE=tiny make bench
DEMO_ARGS ?=
DOCS_OUT ?= handbook/_build/html

.PHONY: demo test test-fast bench docs install chromium clean sandbox update-references hub-proxy

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dashboards,docs,test]"
	@touch $(STAMP)

install: $(STAMP)

# configurable-http-proxy from npm for the JupyterHub test and benchmark (node: Debian's /usr/bin/node)
$(CHP):
	npm install --prefix $(VENV)/node --no-audit --no-fund --loglevel=error configurable-http-proxy@5

hub-proxy: $(CHP)

# Debian's chromium for the browser tests (never a downloaded browser build)
chromium:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ]; then \
	  echo "Installing Debian's chromium for the browser tests…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "error: $(CHROMIUM) is missing. Install it with: sudo apt-get install chromium" >&2; exit 1; \
	fi

demo: $(STAMP)
	$(VENV)/bin/neurodata-widgets demo $(DEMO_ARGS)

sandbox: $(STAMP)
	$(VENV)/bin/neurodata-widgets sandbox

test: $(STAMP) chromium $(CHP)
	$(PY) -m pytest $(PYTEST_ARGS)

# everything but the browser and notebook tests
test-fast: $(STAMP)
	$(PY) -m pytest -m "not browser and not notebook" $(PYTEST_ARGS)

# the dashboards' reference images (tests/browser/reference/): only after looking at test-artifacts/looks-*.png
update-references: $(STAMP) chromium
	NDW_UPDATE_REFERENCES=1 $(PY) -m pytest tests/browser/test_looks.py -k reference_image $(PYTEST_ARGS)

bench: $(STAMP) $(CHP)
	$(PY) benchmarks/run.py

docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -b html handbook $(DOCS_OUT)

clean:
	rm -rf handbook/_build handbook/jupyter_execute test-artifacts .pytest_cache
