# Quick start: `make run` serves the demo registry; `make test` runs the whole suite.
# Both create .venv on first use and reuse it afterwards (reinstalling when setup.cfg changes).

# The first interpreter that runs and is 3.11 or newer (a pyenv shim may exist and not run).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000
TEST_WORKERS ?= auto

.PHONY: run test install install-test translations browser-deps db demo clean

$(BIN)/python:
	@[ -n "$(PYTHON)" ] || { echo "Python 3.11 or newer is required (none found on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations

install-test: $(VENV)/.installed-test translations

# Compiled catalogs are build products (git-ignored); compiling takes well under a second.
translations: | $(BIN)/python
	@$(BIN)/pybabel compile -d registry/translations > /dev/null

db: install
	$(BIN)/flask db upgrade
	$(BIN)/flask regions load

demo: db
	$(BIN)/flask demo seed --if-empty
	$(BIN)/flask search sync

# The development server and, beside it, the search worker that keeps the index current (web
# processes never write it); Ctrl-C stops both.
run: demo
	@$(BIN)/flask search worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# One pytest worker per CPU (pytest-xdist; each has its own PostgreSQL database when
# DATABASE_URL is set). TEST_WORKERS=0: one process; PYTEST_ARGS adds options (tests, -x, …).
test: install-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Debian's Chromium and CJK fonts for the browser tests, and nginx for the check of
# deploy/nginx (needs root; .ci/run calls it).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/sbin/nginx ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk nginx; \
	fi

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache tests/artifacts
