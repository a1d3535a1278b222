# One-command set-up. `make run` serves the demo on http://127.0.0.1:5000; `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
VENDOR := app/static/vendor
PORT ?= 5000

.PHONY: run test install assets migrate seed lint bench bench-full security reliability load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools

# Re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed assets

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

# Third-party browser code is never committed: it is copied from node_modules into a git-ignored folder.
$(VENDOR)/.copied: node_modules/.package-lock.json
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/htmx $(VENDOR)/bpmn-js $(VENDOR)/echarts $(VENDOR)/swagger-ui
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp -r node_modules/bpmn-js/dist/assets node_modules/bpmn-js/dist/bpmn-viewer.production.min.js \
	      node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js \
	      node_modules/bpmn-js/dist/bpmn-modeler.production.min.js $(VENDOR)/bpmn-js/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	cp node_modules/swagger-ui-dist/swagger-ui.css node_modules/swagger-ui-dist/swagger-ui-bundle.js $(VENDOR)/swagger-ui/
	touch $@

assets: $(VENDOR)/.copied

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) processes deploy
	$(FLASK) seed-demo

run: seed
	SCHEDULER_AUTOSTART=1 $(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check app tests bench
	$(BIN)/mypy app

# The benchmark (README "Performance"): PostgreSQL when DATABASE_URL points to a database named *bench*
# (it is wiped), else SQLite. `make bench` is the quick mode (< 3 min); `make bench-full` adds the
# national-scale run (about 15 min). Both write bench/results/<date>-<mode>.json.
$(VENV)/.bench-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

bench: install $(VENV)/.bench-installed
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-full: install $(VENV)/.bench-installed
	$(BIN)/python -m bench --full $(BENCH_ARGS)

# Issue #9. `make security`: bandit on app/ (config in pyproject.toml) and the dependency audit (pip-audit,
# read by tests/security/audit_dependencies.py). CI runs it.
$(VENV)/.security-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[security]'
	touch $@

security: install $(VENV)/.security-installed
	$(BIN)/bandit -c pyproject.toml -r app -q
	$(BIN)/python -m tests.security.audit_dependencies

# `make reliability`: the reliability and security tests at full size on PostgreSQL (a database of their
# own, wiped): two schedulers over 10,000 due timers (the suite runs 1,000) and 60 fuzz examples per
# operation and mode (the suite runs 10). About 6 minutes on 2 cores.
RELIABILITY_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/yzs_reliability
reliability: install
	createdb -h 127.0.0.1 -U postgres yzs_reliability 2>/dev/null || true
	DATABASE_URL=$(RELIABILITY_DATABASE_URL) YZS_RELIABILITY_TIMERS=10000 YZS_FUZZ_EXAMPLES=60 \
		$(BIN)/pytest -q tests/reliability tests/security

# `make load`: students, dispatchers, handlers, university admins and reviewers at once against gunicorn
# on loopback for LOAD_SECONDS (default 60) with LOAD_USERS (default 24); fails on any error.
$(VENV)/.load-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[load]'
	touch $@

load: install $(VENV)/.load-installed
	$(BIN)/python load/locustfile.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) instance/yzs.sqlite3
