PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-dev
DEMO_OUT ?= runs/demo
DOCS_STAMP := $(VENV)/.installed-docs
# posterior draws (and tuning steps) per chain when the tests execute the notebooks
export MMM_NOTEBOOK_DRAWS ?= 150

.PHONY: venv dev demo test lint docs clean browser

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e .
	@touch $@

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e '.[dev]'
	@touch $@

$(DOCS_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e '.[docs]'
	@touch $@

venv: $(VENV)/.installed
dev: $(STAMP)

demo: $(VENV)/.installed
	$(VENV)/bin/mmm demo --out $(DEMO_OUT)

lint: $(STAMP)
	$(VENV)/bin/ruff check mmm tests benchmarks notebooks tools
	$(VENV)/bin/ruff format --check mmm tests benchmarks notebooks tools
	$(VENV)/bin/mypy

# the documentation site into site/; warnings (broken links, bad docstrings) are errors
docs: $(DOCS_STAMP)
	$(VENV)/bin/mkdocs build --strict

# the report is tested in a real headless browser; Playwright drives the system Chromium
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } || \
	  echo "chromium could not be installed: the browser test of the report will be skipped"

# the suite includes tests/test_notebooks.py (executes notebooks/) and tests/test_docs.py
# (mkdocs build --strict, API reference completeness)
test: $(STAMP) browser
	$(VENV)/bin/ruff check mmm tests benchmarks notebooks tools
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest -q -n 2 --dist loadscope --durations=20

clean:
	rm -rf $(VENV) runs site .pytest_cache .ruff_cache .mypy_cache
