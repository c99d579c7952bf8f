# Two commands for a fresh machine: `make serve` (the site) and `make test` (every test).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: serve build test provision lint bench

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/mkdocs serve

build: $(STAMP)
	$(VENV)/bin/mkdocs build --strict

provision:
	bash scripts/provision.sh

test: $(STAMP) provision
	$(VENV)/bin/ruff check plugins tests benchmarks scripts
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check plugins tests benchmarks scripts

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do $(PY) "$$script" || exit 1; done
