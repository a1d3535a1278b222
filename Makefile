# One-command set-up. `make run` serves the demo on http://127.0.0.1:5000; `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
VENDOR := app/static/vendor

.PHONY: run test install assets migrate seed lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

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
	SCHEDULER_AUTOSTART=1 $(FLASK) run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check app tests

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules $(VENDOR) instance/yzs.sqlite3
