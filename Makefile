# Awda: `make run` starts the app with demo data; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# Debian packages: Pango, HarfBuzz and a font with Arabic for PDFs; Chromium for the browser tests.
PRINT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
BROWSER_PACKAGES := chromium
# Redis (shared API rate limits) and PgBouncer, started by the several-machines test.
SERVER_PACKAGES := redis-server pgbouncer
AXE := tests/browser/node_modules/axe-core/axe.min.js
CATALOGS := $(patsubst %.po,%.mo,$(wildcard app/translations/*/LC_MESSAGES/messages.po))

.PHONY: run test test-sqlite test-postgres lint install system catalogs messages db demo bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) system catalogs

# Without them the app runs, but cannot print PDFs; `make test` needs them.
system:
	scripts/system-packages $(PRINT_PACKAGES) || \
		echo "Warning: without $(PRINT_PACKAGES), PDFs cannot be printed." >&2

# The translations are compiled as part of the set-up; the .mo files are never committed.
catalogs: $(CATALOGS)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ 2>/dev/null

# After changing strings: extract them, merge them into every catalog, then translate the blanks.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --sort-output \
		--project Awda -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

db: install
	AWDA_ENV=$${AWDA_ENV:-development} $(FLASK) db upgrade

demo: db
	AWDA_ENV=$${AWDA_ENV:-development} $(FLASK) demo-data

run: demo
	@echo "Awda is starting at http://$(HOST):$(PORT)/ (stop with Ctrl+C)"
	AWDA_ENV=$${AWDA_ENV:-development} $(FLASK) run --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# axe-core, for the accessibility checks, from the npm registry at the version locked.
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	command -v npm >/dev/null || scripts/system-packages npm
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser tests run once, on SQLite; everything else runs on both databases.
test-sqlite: install $(AXE)
	scripts/system-packages $(BROWSER_PACKAGES)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test-postgres: install
	scripts/system-packages $(SERVER_PACKAGES)
	scripts/with-postgres $(BIN)/python -m pytest -n 2 -m "not browser" $(PYTEST_ARGS)

test: lint test-sqlite test-postgres

bench: install
	$(BIN)/python bench/registry.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
