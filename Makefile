# Sayso — the two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export SAYSO_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install install-dev browser testdata lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"

# Debian's Chromium drives the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: browser tests will be skipped"; fi; }

# CPython's own odd email messages (/usr/lib/python3.11/test/test_email/data/), which the mail
# regression tests read beside ../shared/data, and nginx for the deployment tests; those tests
# are skipped locally without them.
testdata:
	@test -d /usr/lib/python3.11/test/test_email/data || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpython3.11-testsuite >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpython3.11-testsuite >/dev/null; \
	  else echo "libpython3.11-testsuite is not installed: CPython's email corpus tests will be skipped"; fi; }
	@# nginx runs the deployment's site file in tests/core/test_deploy_files.py (never as a service).
	@command -v nginx >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	  else echo "nginx is not installed: the nginx site test will be skipped"; fi; }

run: install
	mkdir -p $(SAYSO_DATA_DIR)/static
	$(BIN)/sayso migrate --no-input
	$(BIN)/sayso collectstatic --no-input --verbosity 0
	$(BIN)/sayso embeddings prepare
	$(BIN)/sayso demo
	@echo "Sayso on http://$(HOST):$(PORT)/  (staff: see the demo accounts printed above)"
	$(BIN)/sayso worker & WORKER=$$!; trap "kill $$WORKER 2>/dev/null" EXIT INT TERM; \
	$(BIN)/sayso serve --bind $(HOST):$(PORT)

lint: install-dev
	$(BIN)/ruff format --check sayso tests bench docs/tools
	$(BIN)/ruff check sayso tests bench docs/tools
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy sayso

pytest: install-dev browser testdata
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: install-dev
	$(BIN)/python bench/inbox.py
	$(BIN)/python bench/board.py
	$(BIN)/python bench/qa.py
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache build *.egg-info
