# Gongzhi: the two commands that matter are `make demo` and `make test`.
# Everything else is a convenience for developers. The logic lives in scripts/*.sh.

SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help demo test lint fmt install messages lock clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

demo: ## install, load the demo data and serve it on http://127.0.0.1:PORT (default 8000)
	@PORT=$(PORT) bash scripts/demo.sh

test: ## install everything, then lint, type-check and run the tests on SQLite and PostgreSQL
	@bash scripts/test.sh $(ARGS)

install: ## create .venv and install the package with the locked dev dependencies
	@bash -c 'set -euo pipefail; source scripts/lib.sh; install_deps dev; step "Compiling translations"; compile_messages'

lint: ## ruff, ruff format --check, mypy and the migrations check (no tests)
	@bash scripts/test.sh --lint

fmt: install ## format the code and apply ruff's safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: ## compile the translation catalogues (.po -> .mo)
	@bash -c 'set -euo pipefail; source scripts/lib.sh; install_deps runtime; step "Compiling translations"; compile_messages'

lock: ## re-resolve the dependencies of pyproject.toml into requirements.lock
	@bash scripts/lock.sh

clean: ## remove caches and build artefacts (keeps .venv and var/)
	rm -rf .mypy_cache .ruff_cache .pytest_cache build dist var/test-reports
	find src -name __pycache__ -type d -prune -exec rm -rf {} +
