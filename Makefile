# Two commands do everything on a fresh clone: `make run` and `make test`. `make help` lists the rest.
VENV ?= .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.installed
NODE_DEPS := node_modules/.installed
VENDOR := static/vendor/socket.io.min.js

.PHONY: help run test unit lint format typecheck rehearse bench clean
.DEFAULT_GOAL := help

help:  ## list what make can do
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: $(DEPS) $(VENDOR)  ## set up, run the app on SQLite in one process, and print the URL
	$(PY) -m listening serve

test: lint typecheck $(VENDOR)  ## set up, lint, type-check and run every test (browser tests need /usr/bin/chromium)
	npm test --silent
	$(PY) -m pytest $(PYTEST_ARGS)

unit: $(DEPS) $(NODE_DEPS)  ## the fast tests only: no server process, no browser (seconds, not minutes)
	npm test --silent
	$(PY) -m pytest -m "not live and not browser" $(PYTEST_ARGS)

lint: $(DEPS) $(NODE_DEPS)  ## check Python (ruff) and JavaScript (ESLint) without changing anything
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	npm run --silent lint

format: $(DEPS)  ## fix what ruff can fix, and format the Python
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

typecheck: $(DEPS)  ## type-check listening/ with mypy
	$(PY) -m mypy

rehearse: $(DEPS) $(VENDOR)  ## fill a session on a running server with simulated people (ARGS='<link>')
	$(PY) -m listening rehearse $(ARGS)

bench: $(DEPS) $(VENDOR)  ## measure the figures quoted in docs/performance.md
	$(PY) bench/ticker_rooms.py --rooms 300
	$(PY) bench/live_rooms.py --rooms 10 --per-process 10
	$(PY) bench/side_by_side.py  # ~25 minutes: the app beside a bare server, every mode

$(DEPS): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(NODE_DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR): $(NODE_DEPS)
	mkdir -p static/vendor
	cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/
	touch $@

clean:  ## remove everything the two commands set up
	rm -rf $(VENV) node_modules static/vendor instance build dist
