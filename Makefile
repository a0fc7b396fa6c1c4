# Every target creates .venv when missing: torch (CPU build) first, then the package with its extras.
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= train,cluster,launchers,onnx,hub,dev
DEMO_DIR ?= demo-output
SLPDB ?= ../shared/data/slpdb
BUILTIN_BUILD ?= build/builtin

.PHONY: venv demo test test-all bench lint format clean builtin-models

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(PY) -m wav2sleep.demo --out $(DEMO_DIR) --beat-record examples/slpdb/slp41.rr

# Rebuilds the shipped beat-interval model (builtin:ibi-slpdb) from the 13 SLPDB records (about two minutes).
builtin-models: venv
	rm -rf $(BUILTIN_BUILD)
	$(PY) -m wav2sleep ingest $(SLPDB) --out $(BUILTIN_BUILD)/slpdb-ibi --signals IBI --quiet
	$(PY) -m wav2sleep.training.hrv_sequence $(BUILTIN_BUILD)/slpdb-ibi src/wav2sleep/builtin/ibi-slpdb \
		--name ibi-slpdb --card docs/model-cards/ibi-slpdb.md \
		--training-data "MIT-BIH Polysomnographic Database (PhysioNet slpdb 1.0.0), all 13 records of 11 subjects"

test: venv
	$(PY) -m pytest -m "not slow" -q

test-all: venv
	$(PY) -m pytest -q

bench: venv
	$(PY) -m pip install --quiet -e ".[$(EXTRAS),baseline]"
	$(PY) benchmarks/run.py --out benchmarks/results

lint: venv
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

format: venv
	$(VENV)/bin/ruff format src tests benchmarks
	$(VENV)/bin/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) $(DEMO_DIR) benchmarks/results build
