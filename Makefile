# beatcov — two user-facing targets: `make run` and `make test`.
# Both create .venv if missing and install the pinned requirements (idempotent).

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8501
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test install lint demo bench bench-pipeline bench-dask bench-reading

$(STAMP): requirements.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $(STAMP)

install: $(STAMP)

# app/serve.py is the app behind security headers; the server's other settings are in
# .streamlit/config.toml (its address is HOST's default; HOST and PORT override it here).
# Streamlit puts only app/ on the import path, so the repository root is added for `app.*`.
run: $(STAMP)
	PYTHONPATH="$(CURDIR)$${PYTHONPATH:+:$$PYTHONPATH}" $(BIN)/streamlit run app/serve.py \
		--server.address $(HOST) \
		--server.port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy geo analysis

demo: $(STAMP)
	$(BIN)/python data/make_demo.py

# every benchmark script; benchmarks/_*.py are modules they share, not benchmarks
bench: $(STAMP)
	for script in benchmarks/[!_]*.py; do PYTHONPATH=. $(BIN)/python $$script || exit 1; done

# the coverage CLI against a naive geopandas baseline at 1M households / 10M visits, one JSON
# line (also run by `make bench`, at the same size)
bench-pipeline: $(STAMP)
	PYTHONPATH=. $(BIN)/python benchmarks/pipeline.py --households 1000000 --visits 10000000

# --engine local against --engine dask (a 2-worker local cluster) at 200k households / 2M
# visits, one JSON line (also run by `make bench`)
bench-dask: $(STAMP)
	PYTHONPATH=. $(BIN)/python benchmarks/dask_engine.py --households 200000 --visits 2000000

# reading households and visits (CSV and GeoParquet) against the Arrow floor at 200k
# households / 2M visits, one JSON line (also run by `make bench`)
bench-reading: $(STAMP)
	PYTHONPATH=. $(BIN)/python benchmarks/reading.py --households 200000 --visits 2000000
