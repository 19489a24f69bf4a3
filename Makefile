# Secure Base: two commands do all set-up on a fresh machine with only Python on it.
#   make start   create .venv, install, initialise the local store, open JupyterLab at the workbooks
#   make test    create or reuse .venv, install, run the whole suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888

APP_PORT ?= 8866
HUB_PORT ?= 8000
PROXY  := $(VENV)/node/node_modules/.bin/configurable-http-proxy

.PHONY: start app hub test test-browser test-postgres install system-deps init-store notebooks safety-model bench lint clean help

help:
	@echo "make start   - install and open the workbooks in JupyterLab (http://127.0.0.1:$(PORT))"
	@echo "make app     - install and open the workbooks as an app (http://127.0.0.1:$(APP_PORT))"
	@echo "make hub     - (as root) set up and run the clinic server, JupyterHub on PostgreSQL (http://127.0.0.1:$(HUB_PORT))"
	@echo "make test    - install and run the whole test suite"
	@echo "make test-postgres - only the PostgreSQL tests (a throw-away cluster; needs make system-deps)"
	@echo "make bench   - run the benchmarks in bench/"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Secure Base needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

# Debian packages: the libraries WeasyPrint loads (Pango, a font for PDFs), chromium, which the
# browser tests drive with Playwright, and postgresql, whose server binaries the PostgreSQL tests run
# as a throw-away cluster (tests/pgcluster.py). Installed only when missing; needs root (CI runs as
# root), otherwise the command to run is printed.
# python3-venv: the clinic server's own environment of the system's Python, which every person's server
# runs (a Python under /root is root's alone).
DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core chromium postgresql python3-venv libpam-google-authenticator

system-deps:
	@missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ] || ! command -v apt-get >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
		echo "Missing Debian packages (PDF handouts, browser and PostgreSQL tests need them): sudo apt-get update && sudo apt-get install $$missing"; \
	fi

$(STAMP): pyproject.toml | $(BIN)/python system-deps
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (Secure Base)" >/dev/null
	@touch $@

# configurable-http-proxy, JupyterHub's proxy, from the npm registry, into the virtual environment
# (npm from Debian only if this machine has none).
$(PROXY): | $(BIN)/python
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null; }
	npm install --prefix $(VENV)/node --no-audit --no-fund --loglevel=error configurable-http-proxy@5

install: $(STAMP) $(PROXY)

# The clinic server: sets up (once) PostgreSQL, the proxy, the hub's database and an admin account
# whose one-time password it prints, then runs JupyterHub on 127.0.0.1:$(HUB_PORT). Needs root.
hub: $(STAMP) $(PROXY)
	@[ "$$(id -u)" = 0 ] || { echo "The clinic server makes system users: run sudo make hub"; exit 1; }
	$(BIN)/securebase hub setup --port $(HUB_PORT)
	$(BIN)/securebase hub run

init-store: $(STAMP)
	$(BIN)/securebase init

start: $(STAMP)
	$(BIN)/securebase start --port $(PORT)

# The workbooks as an app (Voila, no code shown) on 127.0.0.1, opened at the clinician's home page.
app: $(STAMP)
	$(BIN)/securebase app --port $(APP_PORT)

# The root conftest.py points SECUREBASE_HOME at a throw-away folder: tests never touch real data (nbval's
# notebooks too get one of their own, so a run here is the run of a fresh machine).
# Each run keeps its pytest temporary folders under a root of its own (PYTEST_DEBUG_TEMPROOT), removed at
# the end: pytest prunes old runs' folders in a shared root, which would pull them from under a second
# `make test` running on the same machine at the same time. The notebooks run on the day the run starts
# (SECUREBASE_TODAY, see securebase.core.clock): a run across midnight would otherwise see "Day 2".
test: $(STAMP) $(PROXY)
	$(BIN)/securebase check-content
	$(BIN)/lint-imports
	@root=$$(mktemp -d "$${TMPDIR:-/tmp}/securebase-pytest-XXXXXX") && trap 'rm -rf "$$root"' EXIT && \
	PYTEST_DEBUG_TEMPROOT="$$root" $(BIN)/python -m pytest tests && \
	SECUREBASE_HOME="$$root/nbval-home" SECUREBASE_TODAY=$$(date +%F) PYTEST_DEBUG_TEMPROOT="$$root" $(BIN)/python -m pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg \
		--nbval-current-env -p no:cacheprovider notebooks

# Only the PostgreSQL tests (marker postgres: those using the pg_cluster or pg_url fixtures of
# tests/conftest.py), against a throw-away cluster on a Unix socket; make test runs them too.
test-postgres: $(STAMP)
	$(BIN)/python -m pytest -m postgres tests

# Only the browser tests (Playwright + chromium against the app and JupyterLab); make test runs them too.
test-browser: $(STAMP)
	$(BIN)/python -m pytest tests/browser

notebooks: $(STAMP)
	$(BIN)/securebase notebooks --execute

# The safety screen's statistical backstop, rebuilt from content/safety/corpus/ (reproducible: the
# same corpus gives the same content/safety/backstop.npz, byte for byte).
safety-model: $(STAMP)
	$(BIN)/securebase safety build-model

bench: $(STAMP)
	$(BIN)/python bench/bench_store.py
	$(BIN)/python bench/bench_backends.py
	$(BIN)/python bench/bench_safety.py
	$(BIN)/python bench/bench_research.py
	$(BIN)/python bench/bench_batch.py
	$(BIN)/python bench/bench_app.py
	$(BIN)/python bench/bench_hub.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info helpers/*.egg-info
