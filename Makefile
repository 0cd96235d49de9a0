# Two commands for a newcomer: `make demo` (a searchable archive at http://127.0.0.1:8000)
# and `make test`. Both create .venv and install communique into it when needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
DEMO_DB ?= demo.db
# the shared statements get full enrichment; the large corpora are ingested without it so
# that the archive is searchable within a minute or two (`communique reprocess` enriches all)
DEMO_ENRICHED := $(wildcard $(SHARED)/seeds $(SHARED)/pages)
DEMO_BULK := corpus:sotu $(wildcard $(SHARED)/corpora/*.jsonl)

.PHONY: demo test lint

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	$(if $(DEMO_ENRICHED),$(BIN)/communique ingest $(DEMO_ENRICHED) --db $(DEMO_DB))
	COMMUNIQUE_ENRICH=off $(BIN)/communique ingest $(DEMO_BULK) --db $(DEMO_DB)
	$(BIN)/communique serve --db $(DEMO_DB)

test: $(BIN)/.installed
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
