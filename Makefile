# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-quick lint format check bench clean-db venv messages

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

## Start the registry on the embedded default (SQLite, no services needed) with a demo cohort.
run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_demo
	bash scripts/run-embedded $(HOST) $(PORT)

# Test processes (pytest-xdist): one per CPU this process may use; TEST_PROCESSES=0 runs
# the suite in this process alone.
TEST_PROCESSES ?= $(shell $(PYTHON) -c 'import os; print(len(os.sched_getaffinity(0)))' 2>/dev/null || echo 2)
XDIST := $(if $(filter 0,$(TEST_PROCESSES)),,-n $(TEST_PROCESSES) --dist loadgroup)

## Run the whole test suite (embedded default, or the services named by DATABASE_URL/REDIS_URL).
test: venv
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

## The quick loop while editing: the suite without the tests marked slow (CI runs them all).
test-quick: venv
	$(PY) -m pytest -m "not slow" $(XDIST) $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: venv
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench: venv
	$(PY) -m bench

## Refresh the German catalogue after changing marked strings (needs gettext), translate
## the new entries in locale/de/LC_MESSAGES/django.po, then run it again to compile.
## The compiled .mo is committed, so `make run` speaks German without gettext installed.
messages: venv
	$(PY) manage.py makemessages -l de --no-location --no-obsolete --no-wrap \
		--ignore='.venv/*' --ignore='staticfiles/*' --ignore='tests/*' --ignore='var/*' \
		--ignore='bench/*' --ignore='artifacts/*'
	$(PY) manage.py compilemessages -l de --ignore='.venv/*'

## Remove the embedded database and broker folder (the demo cohort is re-seeded by `make run`).
clean-db:
	rm -rf var/
