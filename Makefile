# Two commands for a fresh machine: `make serve` (the site) and `make test` (every test).
# The same course on Zensical: `make zensical-serve`, `make zensical-build` (README, "Front ends").
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: serve build zensical-build zensical-serve test provision lint bench

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/mkdocs serve

build: $(STAMP)
	$(VENV)/bin/mkdocs build --strict

# Zensical runs no MkDocs plugin: `course-site generate` first writes the nav, section
# pages and course data it needs (and stops on any course problem, as `mkdocs build
# --strict` does); `--zensical` also stops on a Zensical outside the pinned release.
# zensical.yml sends the site to site-zensical/, so MkDocs' site/ stays its own.
ZENSICAL_ADDR ?= 127.0.0.1:8001

zensical-build: $(STAMP)
	$(VENV)/bin/course-site generate --zensical
	$(VENV)/bin/zensical build --strict --clean -f zensical.yml

# Serves on $(ZENSICAL_ADDR), so it can run next to `make serve`. It reloads edited
# lessons, but not what `course-site generate` writes: after changing front matter or
# adding a lesson, run `course-site generate` again (the build warns until you do).
zensical-serve: $(STAMP)
	$(VENV)/bin/course-site generate --zensical
	$(VENV)/bin/zensical serve -f zensical.yml -a $(ZENSICAL_ADDR)

provision:
	bash scripts/provision.sh

test: $(STAMP) provision
	$(VENV)/bin/ruff check plugins tests benchmarks scripts
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check plugins tests benchmarks scripts

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do $(PY) "$$script" || exit 1; done
