PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-dev
DEMO_OUT ?= runs/demo

.PHONY: venv dev demo test lint docs clean

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

venv: $(VENV)/.installed
dev: $(STAMP)

demo: $(VENV)/.installed
	$(VENV)/bin/mmm demo --out $(DEMO_OUT)

lint: $(STAMP)
	$(VENV)/bin/ruff check mmm tests benchmarks
	$(VENV)/bin/ruff format --check mmm tests benchmarks

test: $(STAMP)
	$(VENV)/bin/ruff check mmm tests benchmarks
	$(VENV)/bin/python -m pytest -q

clean:
	rm -rf $(VENV) runs .pytest_cache .ruff_cache
