# DealerCare — the two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
PG_PORT ?= 55432
REDIS_PORT ?= 56379
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES_TEST := chromium fonts-noto-cjk
APT_PACKAGES_PG := postgresql redis-server

.PHONY: run test test-pg lint format install install-dev system-test system-pg bench clean-db help

help:
	@echo "make run      install, migrate, load the demo group, start web + worker"
	@echo "make test     install what the tests need and run the whole suite on SQLite"
	@echo "make test-pg  the same suite on PostgreSQL with Redis-backed huey"
	@echo "make lint     ruff check + ruff format --check"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==0.13.8"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --no-dev --inexact --python $(PYTHON) --quiet
	@touch $@

$(VENV)/.installed-dev: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON) --quiet
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian packages, installed only when absent (CI's fresh machine has none of them).
system-test:
	@missing=""; for p in $(APT_PACKAGES_TEST); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi

system-pg: system-test
	@missing=""; for p in $(APT_PACKAGES_PG); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi

run: install
	DEALERCARE_ENV=development $(PY) manage.py serve

test: install-dev system-test lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test-pg: install-dev system-pg
	PG_PORT=$(PG_PORT) REDIS_PORT=$(REDIS_PORT) scripts/test-services.sh
	DATABASE_URL=postgres://dealercare:dealercare@127.0.0.1:$(PG_PORT)/dealercare \
	REDIS_URL=redis://127.0.0.1:$(REDIS_PORT)/0 \
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Benchmarks on PostgreSQL with the demo data (database dealercare_bench); results in bench/results/.
BENCH_DB := postgres://dealercare:dealercare@127.0.0.1:$(PG_PORT)/dealercare_bench
bench: install-dev system-pg
	PG_PORT=$(PG_PORT) REDIS_PORT=$(REDIS_PORT) scripts/test-services.sh
	@runuser -u postgres -- psql -q -h 127.0.0.1 -p $(PG_PORT) -U postgres -tc \
	  "SELECT 1 FROM pg_database WHERE datname = 'dealercare_bench'" | grep -q 1 || \
	  runuser -u postgres -- createdb -h 127.0.0.1 -p $(PG_PORT) -U postgres -O dealercare dealercare_bench
	DATABASE_URL=$(BENCH_DB) DEALERCARE_ENV=development $(PY) bench/appointments.py
	@runuser -u postgres -- psql -q -h 127.0.0.1 -p $(PG_PORT) -U postgres -tc \
	  "SELECT 1 FROM pg_database WHERE datname = 'dealercare_bench_l'" | grep -q 1 || \
	  runuser -u postgres -- createdb -h 127.0.0.1 -p $(PG_PORT) -U postgres -O dealercare dealercare_bench_l
	DATABASE_URL=postgres://dealercare:dealercare@127.0.0.1:$(PG_PORT)/dealercare_bench_l \
	  DEALERCARE_ENV=development $(PY) bench/scheduling.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
