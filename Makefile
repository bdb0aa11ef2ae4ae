# Ventanilla — the two commands a newcomer needs: `make run` and `make test`.
# Everything lands in the repository: .venv/ (Python), node_modules/ (front-end packages), var/ (data).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
VENTANILLA := $(VENV)/bin/ventanilla
# Reinstall Python packages only when pyproject.toml changed since the last install.
PY_STAMP := $(VENV)/.ventanilla-installed
NPM_STAMP := node_modules/.package-lock.json
# collectstatic takes ~15 s (hashing and compressing every vendor file): redo it only when a source changed.
STATIC_STAMP := var/static/.collected
STATIC_SOURCES := $(shell find src/ventanilla -path '*/static/*' -type f 2>/dev/null)
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k tickets -x"`.
PYTEST_ARGS ?=
# Parallel test processes (pytest-xdist): "auto" = one per core; 0 runs everything in one process.
PYTEST_WORKERS ?= auto
# An interpreter to use instead of searching, e.g. `make run PYTHON=/usr/local/bin/python3.13`.
PYTHON ?=

.PHONY: help run test setup venv python-deps npm-deps clean

help:
	@echo "make run    set up everything and start Ventanilla on http://$(HOST):$(PORT)/ (web + worker + beat)"
	@echo "make test   set up everything and run the whole test suite"
	@echo "make setup  only create .venv and install Python and npm packages"
	@echo "make clean  remove .venv, node_modules and collected static files (keeps the data in var/)"

run: setup
	@$(VENTANILLA) migrate --noinput -v0
	@$(VENTANILLA) compilecatalogs -v0
	@$(VENTANILLA) demo
	@if [ -n "$${STATIC_ROOT:-}$${VENTANILLA_VAR_DIR:-}" ]; then $(VENTANILLA) collectstatic --noinput -v0; \
	else $(MAKE) --no-print-directory -s $(STATIC_STAMP); fi
	@exec $(VENTANILLA) run --host "$(HOST)" --port "$(PORT)"

test: setup
	@VENTANILLA_TESTING=1 $(VENTANILLA) compilecatalogs -v0
	@$(PY) -m pytest -n "$(PYTEST_WORKERS)" $(PYTEST_ARGS) || { rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure, not a pass." >&2; fi; exit $$rc; }

setup: venv python-deps npm-deps

# Finds Python >= 3.12: $(PYTHON) if given, else python3.12, else pyenv's version from .python-version,
# else python3 when it is new enough. (Re)creates .venv when it is missing or was made by an older Python.
venv:
	@ok() { "$$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }; \
	if [ -x "$(PY)" ] && ok "$(PY)"; then exit 0; fi; \
	want=$$(cat .python-version 2>/dev/null || echo 3.12); \
	pyenv_py="$${PYENV_ROOT:-$$HOME/.pyenv}/versions/$$want/bin/python3"; \
	found=""; \
	for candidate in $(PYTHON) python3.12 "$$pyenv_py" python3; do \
		if command -v "$$candidate" >/dev/null 2>&1 && ok "$$candidate"; then found=$$(command -v "$$candidate"); break; fi; \
	done; \
	if [ -z "$$found" ]; then \
		echo "Ventanilla needs Python 3.12 or newer, and none was found (tried python3.12, pyenv $$want, python3)." >&2; \
		echo "Install it, then run this command again:" >&2; \
		echo "  Debian/Ubuntu: sudo apt-get install python3.12 python3.12-venv (or a newer python3)" >&2; \
		echo "  pyenv:         pyenv install $$want" >&2; \
		echo "  or name one:   make $(firstword $(MAKECMDGOALS) run) PYTHON=/path/to/python3.12" >&2; \
		exit 1; \
	fi; \
	echo "Creating $(VENV) with $$found ($$("$$found" --version 2>&1))"; \
	rm -rf "$(VENV)"; \
	"$$found" -m venv "$(VENV)"; \
	rm -f "$(PY_STAMP)"

python-deps: venv
	@$(MAKE) --no-print-directory -s $(PY_STAMP)

$(PY_STAMP): pyproject.toml
	@echo "Installing Python packages into $(VENV) (pip install -e '.[dev]')…"
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch "$@"

npm-deps:
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "npm was not found. Ventanilla installs its front-end packages (Bootstrap, htmx, Chart.js) with npm." >&2; \
		echo "Install Node.js with npm (Debian/Ubuntu: sudo apt-get install nodejs npm), then run this again." >&2; \
		exit 1; \
	fi
	@$(MAKE) --no-print-directory -s $(NPM_STAMP)

$(NPM_STAMP): package.json $(wildcard package-lock.json)
	@echo "Installing front-end packages into node_modules/…"
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; \
	else npm install --no-audit --no-fund --loglevel=error; fi
	@touch "$@"

$(STATIC_STAMP): $(NPM_STAMP) $(STATIC_SOURCES)
	@echo "Collecting static files into var/static/…"
	@$(VENTANILLA) collectstatic --noinput -v0
	@touch "$@"

clean:
	rm -rf "$(VENV)" node_modules var/static
