# mfgcost: `make demo` and `make test` work on a fresh clone with only Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST   ?= 127.0.0.1:8000
PYTEST_ARGS ?=

# Use the local PostgreSQL for tests when DATABASE_URL is unset and it answers.
WITH_DB = if [ -z "$$DATABASE_URL" ] && $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then export DATABASE_URL=$(PG_URL); fi;

.PHONY: install demo test test-sqlite screenshots fuzz bench lint format clean fuzz-ledger

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# DEBUG stays off (no debug pages); --insecure lets runserver serve the admin's static files.
demo: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py demo
	@if [ "$${DEMO_SERVE:-1}" = "1" ]; then \
	  if [ -n "$$CELERY_BROKER_URL" ]; then \
	    mkdir -p var; \
	    $(PY) -m celery -A mfgcost worker -B -S django_celery_beat.schedulers:DatabaseScheduler -l warning \
	      --without-gossip --without-mingle & worker=$$!; \
	    trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	    echo "Celery worker with beat (schedules in the admin: Periodic tasks) on $$CELERY_BROKER_URL"; fi; \
	  echo "Admin: http://$(HOST)/admin/ (demo / demo)   API: http://$(HOST)/api/docs/"; \
	  $(PY) manage.py runserver $(HOST) --noreload --insecure; fi

test: install
	@$(WITH_DB) echo "test database: $${DATABASE_URL:-sqlite (default)}"; \
	  $(PY) -m pytest $(PYTEST_ARGS)

test-sqlite: install
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(PY) -m pytest $(PYTEST_ARGS)

# PNGs of the main admin pages (order, journal entry with its links, Adjust Cost run, reports)
# taken by the browser tests in system Chromium, under var/screenshots/.
screenshots: install
	@$(WITH_DB) mkdir -p var/screenshots; \
	  MFGCOST_SCREENSHOTS=$(CURDIR)/var/screenshots $(PY) -m pytest -q tests/browser $(PYTEST_ARGS) \
	  && ls var/screenshots

# The schema fuzz of the suite with more requests per operation, negative ones too; prints the
# figures (requests, 5xx, schema violations). FUZZ_EXAMPLES sets the requests per operation.
FUZZ_EXAMPLES ?= 10
fuzz: install
	@$(WITH_DB) MFGCOST_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) MFGCOST_FUZZ_NEGATIVE=1 \
	  $(PY) -m pytest tests/api/test_schema_fuzz.py -p no:logging $(PYTEST_ARGS)

bench: install
	@$(WITH_DB) $(PY) -m bench

# The state machine over postings with its long profile (200 examples of 50 steps).
fuzz-ledger: install
	@$(WITH_DB) MFGCOST_HYPOTHESIS_PROFILE=long $(PY) -m pytest -s -o timeout=0 \
	  tests/costing/test_ledger_state_machine.py

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) var build *.egg-info
