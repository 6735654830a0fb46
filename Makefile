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

## run: serve RectoPlan on http://127.0.0.1:8000 (the login page; API docs at /docs) over the
##      demo registry; prints the first admin's password when it creates one
run: $(STAMP)
	@scripts/system-packages.sh run
	$(VENV)/bin/rectoplan serve --demo 2000

## test: lint, then the whole test suite, with a real PostgreSQL server on loopback, the
##       browser tests in Debian's chromium (screenshots in test-artifacts/screenshots/) and
##       the sign-in tests against a real OpenID Connect provider (npm: oidc-provider)
test: $(STAMP) lint
	@scripts/system-packages.sh test
	@scripts/oidc-provider.sh
	@url=$$(scripts/test-postgres.sh) || { echo "could not start PostgreSQL" >&2; exit 1; }; \
	echo "PostgreSQL for the real-server tests: $$url"; \
	RECTOPLAN_TEST_POSTGRES_URL=$$url $(PY) -m pytest -n $(JOBS) --dist loadgroup -q

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
