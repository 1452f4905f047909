# scamscore tasks. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXAMPLE ?= data/examples/alabuga_en.txt
DATA ?=
OUT ?=
ARGS ?=

.PHONY: install run test lint train evaluate signal-report bench docs clean

$(STAMP): pyproject.toml setup.py scamscore/_fast.c
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Score the bundled example post with the bundled model and explain it.
run: $(STAMP)
	$(VENV)/bin/scamscore check $(EXAMPLE)

## Lint and run the test suite.
test: $(STAMP)
	$(VENV)/bin/ruff check scamscore training tests bench
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check scamscore training tests bench

## Retrain: bundled corpus by default; DATA=path [OUT=dir] for your own labeled data.
train: $(STAMP)
	$(PY) -m training.train $(if $(DATA),--data $(DATA)) $(if $(OUT),--out $(OUT)) $(ARGS)

## Evaluate the bundled model on a labeled file: make evaluate DATA=path
evaluate: $(STAMP)
	$(VENV)/bin/scamscore eval $(DATA) $(ARGS)

signal-report: train

## Benchmarks (throughput, memory, cold start, evasion, adversarial inputs); ratios vs baselines.
bench: $(STAMP)
	$(PY) -m bench.run $(ARGS)

docs: $(STAMP)
	$(PY) -m training.gen_docs

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
