# The README's commands. Everything is set up from the lock file on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HORAE_DATABASE_URL ?= sqlite:///var/horae.sqlite

.PHONY: install run test test-fast lint fuzz bench bench-catalog browser clean migration

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: install
	mkdir -p var
	$(BIN)/horae serve --host 127.0.0.1 --port 8001

browser: install
	scripts/ensure-browser

test: install
	scripts/ensure-browser
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist worksteal

test-fast: install
	HORAE_TEST_DATABASES=sqlite $(BIN)/python -m pytest -q -x -p no:cacheprovider -m "not browser"

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

fuzz: install
	HORAE_FUZZ_EXAMPLES=500 $(BIN)/python -m pytest -q tests/test_contract_fuzz.py

# Load benchmarks against baselines (docs/benchmarks.md); BENCH_SIZE=small for a quick run.
BENCH_SIZE ?= full
bench: install
	$(BIN)/python bench/run.py --size $(BENCH_SIZE)

# The catalog scale check: customers, projects and activities lists at 5,000/50,000/100,000.
bench-catalog: install
	$(BIN)/python bench/run.py --mode catalog --size $(BENCH_SIZE)

# Rewrites the initial migration from the models while no release has shipped.
migration: install
	$(BIN)/python scripts/regenerate_initial_migration.py

clean:
	rm -rf $(VENV) var/*.sqlite*
