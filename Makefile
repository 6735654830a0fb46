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

## run: assess every example case, load the demo registry, and print where to look next
run: $(STAMP)
	$(VENV)/bin/rectoplan demo
	$(VENV)/bin/rectoplan registry demo --n 2000
	@echo
	@echo "Demo registry: var/rectoplan.sqlite3. Try:"
	@echo "  .venv/bin/rectoplan analytics km --endpoint overall --group-by risk_group --plot km.png"
	@echo "  .venv/bin/rectoplan analytics concordance --plot concordance.png"
	@echo "  .venv/bin/rectoplan mct plan --from examples/mct/seed000_stenosis.json"
	@echo "  .venv/bin/rectoplan sacrectomy examples/cases/seed002_posterior_recurrence.json --plot sagittal.png"

## test: lint, then the whole test suite, with a real PostgreSQL server on loopback
test: $(STAMP) lint
	@url=$$(scripts/test-postgres.sh) || { echo "could not start PostgreSQL" >&2; exit 1; }; \
	echo "PostgreSQL for the real-server tests: $$url"; \
	RECTOPLAN_TEST_POSTGRES_URL=$$url $(PY) -m pytest -n $(JOBS) -q

## bench: side-by-side measurements against peers (not timed tests)
bench: $(STAMP)
	@for script in $(wildcard benchmarks/*.py); do echo "== $$script"; $(PY) $$script || exit 1; done

LINTED := src tests $(wildcard benchmarks)

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)

format: $(STAMP)
	$(VENV)/bin/ruff format $(LINTED)
	$(VENV)/bin/ruff check --fix $(LINTED)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info src/*.egg-info
