# Two commands do everything on a fresh clone: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.installed
VENDOR := static/vendor/socket.io.min.js

.PHONY: run test lint rehearse bench clean

run: $(DEPS) $(VENDOR)  ## run the app on SQLite in one process and print the URL
	$(PY) -m listening serve

test: $(DEPS) $(VENDOR)  ## lint, then run every test (browser tests need /usr/bin/chromium)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(DEPS)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

rehearse: $(DEPS) $(VENDOR)  ## fill a session on a running server with simulated people
	$(PY) -m listening rehearse $(ARGS)

bench: $(DEPS) $(VENDOR)  ## measure the figures quoted in docs/performance.md
	$(PY) bench/ticker_rooms.py --rooms 300
	$(PY) bench/live_rooms.py --rooms 10 --per-process 10

$(DEPS): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(VENDOR): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/
	cp node_modules/axe-core/axe.min.js static/vendor/
	touch $@

clean:
	rm -rf $(VENV) node_modules static/vendor instance
