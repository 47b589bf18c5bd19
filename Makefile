# Two commands on a fresh machine: `make demo` and `make test`. Both set up what they need:
# uv (in .tools/) and the locked environment (in .venv/, from uv.lock).
PY ?= python3
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
SYNCED := $(VENV)/.synced
export UV_PYTHON_DOWNLOADS := never
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: setup demo test test-fast lint bench sample clean

setup: $(SYNCED)

$(UV):
	$(PY) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(SYNCED): $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(PY)
	touch $@

demo: setup  ## write the sample feeds to data/sample and run the daily job on them
	$(BIN)/shortage-radar demo

test: setup  ## the whole test suite, slow tests included
	$(BIN)/pytest

test-fast: setup  ## the suite without the tests marked slow
	$(BIN)/pytest -m "not slow"

lint: setup
	$(BIN)/ruff check src flows tests scripts bench
	$(BIN)/mypy

bench: setup  ## ingest, forecast, supply and backtest benchmarks; writes BENCHMARKS.md
	$(BIN)/python bench/ingest_bench.py
	$(BIN)/python bench/forecast_bench.py
	$(BIN)/python bench/supply_bench.py
	$(BIN)/python bench/backtest_bench.py

sample: setup  ## rebuild the bundled sample feeds
	$(BIN)/python -m shortage_radar.sample_data data/sample

clean:
	rm -rf $(VENV) .tools data/warehouse .pytest_cache .mypy_cache .ruff_cache
