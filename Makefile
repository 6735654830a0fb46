# The two commands a newcomer needs: `make run` and `make test`.
# Both build their own virtual environment on a fresh machine (Python >= 3.11 and PyPI only).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
JOBS   ?= 2

.PHONY: run test bench lint format clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## run: assess every example case built from the seeds and print where to look next
run: $(STAMP)
	$(VENV)/bin/rectoplan demo

## test: lint, then the whole test suite
test: $(STAMP) lint
	$(PY) -m pytest -n $(JOBS) -q

## bench: side-by-side measurements against peers (not timed tests)
bench: $(STAMP)
	$(PY) benchmarks/assess.py
	@if [ -f benchmarks/mct_force.py ]; then $(PY) benchmarks/mct_force.py; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

format: $(STAMP)
	$(VENV)/bin/ruff format src tests benchmarks
	$(VENV)/bin/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info src/*.egg-info
