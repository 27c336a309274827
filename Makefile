# Fairfile: `make help` lists the targets. `make run` and `make test` work on a fresh clone.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FAIRFILE_ENV ?= development
PACKAGES := service consent dp scoring synthetic store

.PHONY: help setup run serve test lint format typecheck pytest bench demo clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Fairfile needs Python 3.11 or newer as $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --config-settings editable_mode=compat -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) ## Create .venv and install Fairfile with its dev tools

run: setup ## Set up, create/upgrade the database, seed the sandbox, serve on 127.0.0.1:5000
	$(BIN)/fairfile db upgrade
	$(BIN)/fairfile synth seed --if-empty --subjects 10000
	$(BIN)/fairfile model train --if-none --epsilon 1
	$(BIN)/fairfile serve

test: setup lint pytest ## Set up, lint, type-check and run the whole test suite

lint: setup ## Format check, lint, then types (in that order)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

typecheck: setup ## Types only (mypy --strict)
	$(BIN)/mypy

pytest: setup ## Run the tests (both engines when FAIRFILE_TEST_DATABASE_URL is set)
	$(BIN)/pytest

format: setup ## Reformat and autofix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup ## Run every benchmark under bench/ and write bench/report.md
	$(BIN)/python -m bench

demo: setup ## Narrated walkthrough over HTTP against the server `make run` started
	$(BIN)/fairfile demo

clean: ## Remove the virtualenv, caches and the local instance folder
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache instance build *.egg-info
