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
# axe-core (npm) for the accessibility check of the end-to-end tests; node_modules/ is not committed.
AXE_CORE_VERSION := 4.14.1

.PHONY: install run setup test test-e2e screenshots e2e-deps pdf-deps messages lint check bench bench-setup clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# Compile the Indonesian and English catalogues (locale/*/LC_MESSAGES/django.mo, also committed).
messages: install
	command -v msgfmt >/dev/null || (apt-get update && apt-get install -y gettext)
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules --ignore=staticfiles

# Tools of the browser tests: Debian's Chromium (never a browser downloaded by a test tool) and axe-core.
e2e-deps:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
	grep -qs '"version": "$(AXE_CORE_VERSION)"' node_modules/axe-core/package.json || \
		npm install --prefix . --no-save --no-package-lock --no-audit --no-fund axe-core@$(AXE_CORE_VERSION)

# The PDF reports (WeasyPrint) need Debian's Pango and a font; `make screenshots` also pdftoppm (poppler-utils).
# apt-get runs only when something is missing; nothing else is downloaded (charts are drawn as SVG in Python).
pdf-deps:
	ldconfig -p | grep -q libpangoft2-1.0.so.0 && fc-list | grep -qi dejavu || \
		(apt-get update && apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fontconfig)

# Migrate, load the region tree, the demo data and the demo users. Safe to re-run.
setup: install messages pdf-deps
	DEBUG=true $(PY) manage.py migrate --no-input
	DEBUG=true $(PY) manage.py load_regions
	DEBUG=true $(PY) manage.py load_demo
	DEBUG=true $(PY) manage.py create_demo_users
	DEBUG=true $(PY) manage.py build_boundaries

# With REDIS_URL set, a Celery worker and beat run beside the web server (honcho + Procfile).
run: setup
	@if [ -n "$$REDIS_URL" ]; then \
		DEBUG=true DEMO_MODE=true $(VENV)/bin/honcho start -f Procfile.dev; \
	else \
		DEBUG=true DEMO_MODE=true $(PY) manage.py runserver $(HOST):$(PORT); \
	fi

# The whole suite, the end-to-end browser tests (tests/e2e, marker e2e) included.
test: install messages e2e-deps pdf-deps
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest -q

# Only the browser tests.
test-e2e: install messages e2e-deps
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest -q -m e2e tests/e2e

# The browser tests, refreshing docs/screenshots/*.png on the way.
screenshots: install messages e2e-deps pdf-deps
	command -v pdftoppm >/dev/null || (apt-get update && apt-get install -y poppler-utils)
	UCJ_SCREENSHOTS=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest -q -m e2e tests/e2e
	UCJ_SCREENSHOTS=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest -q tests/coverage/test_reports_screenshots.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

# Benchmarks (docs/BENCHMARKS.md). bench-setup builds the datasets once (about 25 min; they are kept
# between runs), bench measures (about 15 min; run it on a quiet machine). wrk comes from Debian.
bench-setup: install
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(PY) bench/bench_engine.py --setup --no-measure
	$(PY) bench/bench_import.py --setup --no-measure
	$(PY) bench/bench_bpjs_import.py --setup --no-measure
	$(PY) bench/bench_pages.py --setup --no-measure
	$(PY) bench/bench_freshness.py --setup --no-measure

bench: install
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(PY) bench/bench_engine.py
	$(PY) bench/bench_import.py
	$(PY) bench/bench_bpjs_import.py
	$(PY) bench/bench_pages.py
	$(PY) bench/bench_freshness.py
	$(PY) bench/bench_reports.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
