# Shouwang (守望): the two contract commands are `make run` and `make test`.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.data/tools/bin/uv)
export UV_LINK_MODE ?= copy

.PHONY: setup run test test-unit bench bench-quick lint lighthouse dev-up dev-down clean

setup:  ## create the environment (installs uv into .data/tools if it is missing)
	@command -v uv >/dev/null 2>&1 || [ -x .data/tools/bin/uv ] || \
		(python3 -m venv .data/tools && .data/tools/bin/pip install --quiet uv)
	@$(UV) sync --all-packages --all-groups --frozen --quiet

run: setup  ## the whole system on embedded Postgres + broker, demo county loaded
	@$(UV) run shouwang run

test: setup  ## the whole suite against real Postgres + broker (embedded unless DATABASE_URL/KAFKA_BOOTSTRAP_SERVERS)
	@$(UV) run pytest

test-unit: setup
	@$(UV) run pytest -m "not slow" services/*/tests/unit libs/common/tests

bench: setup  ## full benchmarks; results in bench/results/
	@$(UV) run python -m bench.run

bench-quick: setup  ## seconds-long smoke run of the benchmarks (CI runs it)
	@$(UV) run python -m bench.run --quick

lint: setup  ## ruff (lint + format check), mypy --strict, import contracts ([tool.importlinter])
	@$(UV) run ruff check libs services tests bench
	@$(UV) run ruff format --check libs services tests bench
	@$(UV) run mypy libs/common/src services/*/src
	@$(UV) run lint-imports

lighthouse: setup  ## Lighthouse >= 95 (performance, accessibility, best practices) on every workbench page and the dashboard (CI: after test)
	@bash services/audit/tests/browser_setup.sh
	@bash tests/e2e_browser/lighthouse_setup.sh
	@$(UV) run pytest tests/e2e_browser/lighthouse_check.py

dev-up: setup
	@$(UV) run shouwang dev up

dev-down: setup
	@$(UV) run shouwang dev down

clean:
	-@$(UV) run shouwang dev down 2>/dev/null
	rm -rf .data
