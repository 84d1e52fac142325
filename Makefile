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

.PHONY: run test test-sqlite test-postgres lint install db demo bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

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

test-sqlite: install
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test-postgres: install
	scripts/with-postgres $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test: lint test-sqlite test-postgres

bench: install
	$(BIN)/python bench/registry.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
