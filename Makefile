# Every target creates or refreshes .venv itself: nothing is installed by hand.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench typecheck unit clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The full 90 days without case workflows (minutes); `backorder demo` adds them (longer).
demo: $(STAMP)
	$(BIN)/backorder demo --no-workflows

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n 2 -q

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

# make bench [BENCH="--quick allocation"]: every benchmark, or the chosen ones.
bench: $(STAMP)
	$(BIN)/python bench/run_all.py $(BENCH)

clean:
	rm -rf $(VENV) .backorder .mypy_cache .pytest_cache .ruff_cache
