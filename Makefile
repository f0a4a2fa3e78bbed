# neurodata-widgets: `make demo` and `make test` are all a newcomer needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
PYTEST_ARGS ?=
# e.g. make demo DEMO_ARGS="--port 8870"; make docs DOCS_OUT=/tmp/html; NDW_BENCH_SIZE=tiny make bench
DEMO_ARGS ?=
DOCS_OUT ?= handbook/_build/html

.PHONY: demo test test-fast bench docs install chromium clean sandbox update-references

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dashboards,docs,test]"
	@touch $(STAMP)

install: $(STAMP)

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

# npm tools of the browser tests: axe-core (WCAG checks inside the page)
NODE_TOOLS := $(VENV)/node/.installed
$(NODE_TOOLS): Makefile
	@mkdir -p $(VENV)/node
	npm install --silent --no-audit --no-fund --prefix $(VENV)/node axe-core@4
	@touch $(NODE_TOOLS)

test: $(STAMP) chromium $(NODE_TOOLS)
	$(PY) -m pytest $(PYTEST_ARGS)

# everything but the browser and notebook tests
test-fast: $(STAMP)
	$(PY) -m pytest -m "not browser and not notebook" $(PYTEST_ARGS)

# the dashboards' reference images (tests/browser/reference/): only after looking at test-artifacts/looks-*.png
update-references: $(STAMP) chromium
	NDW_UPDATE_REFERENCES=1 $(PY) -m pytest tests/browser/test_looks.py -k reference_image $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) benchmarks/run.py

docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -b html handbook $(DOCS_OUT)

clean:
	rm -rf handbook/_build handbook/jupyter_execute test-artifacts .pytest_cache
