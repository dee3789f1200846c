# UCJ Dashboard. `make run` serves the product with demo data; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Test services at their default local addresses (override to point elsewhere).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ucj_dashboard
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: install run setup test lint check bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# Migrate, load the region tree, the demo data and the demo users. Safe to re-run.
setup: install
	DEBUG=true $(PY) manage.py migrate --no-input
	DEBUG=true $(PY) manage.py load_regions
	DEBUG=true $(PY) manage.py load_demo
	DEBUG=true $(PY) manage.py create_demo_users

# With REDIS_URL set, a Celery worker and beat run beside the web server (honcho + Procfile).
run: setup
	@if [ -n "$$REDIS_URL" ]; then \
		DEBUG=true DEMO_MODE=true $(VENV)/bin/honcho start -f Procfile.dev; \
	else \
		DEBUG=true DEMO_MODE=true $(PY) manage.py runserver $(HOST):$(PORT); \
	fi

test: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
