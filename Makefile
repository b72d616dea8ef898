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

# Benchmarks on PostgreSQL (see bench/README.md): the group-scale data set of size SIZE (S, M or L;
# built once into database dealercare_bench_<size>, reused after), web and job benchmarks, then
# the booking benchmark; results in bench/results/.
SIZE ?= L
BENCH_DB = postgres://dealercare:dealercare@127.0.0.1:$(PG_PORT)/$(1)
# As production runs: Redis for the queue (its own name here) and the cache.
BENCH_REDIS = REDIS_URL=redis://127.0.0.1:$(REDIS_PORT)/0 HUEY_NAME=dealercare-bench
bench: install-dev system-pg
	@dpkg -s wrk >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }
	PG_PORT=$(PG_PORT) REDIS_PORT=$(REDIS_PORT) scripts/test-services.sh
	@size=$$(echo $(SIZE) | tr A-Z a-z); for db in dealercare_bench_$$size dealercare_bench; do \
	  psql -q -h 127.0.0.1 -p $(PG_PORT) -U dealercare -d postgres -tc \
	    "SELECT 1 FROM pg_database WHERE datname = '$$db'" | grep -q 1 || \
	  createdb -h 127.0.0.1 -p $(PG_PORT) -U dealercare $$db; done
	DATABASE_URL=$(call BENCH_DB,dealercare_bench_$(shell echo $(SIZE) | tr A-Z a-z)) SIZE=$(SIZE) \
	  $(BENCH_REDIS) DEALERCARE_ENV=development $(PY) bench/run.py
	DATABASE_URL=$(call BENCH_DB,dealercare_bench) $(BENCH_REDIS) DEALERCARE_ENV=development \
	  $(PY) bench/appointments.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
