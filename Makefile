# Two commands on a fresh machine: `make train` (main job) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

$(VENV)/.installed: requirements.txt requirements-test.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "torch==2.13.0" || $(PY) -m pip install -q torch --index-url https://download.pytorch.org/whl/cpu
	$(PY) -m pip install -q -r requirements.txt -r requirements-test.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

install: $(VENV)/.installed

train: install  ## document classification on the embedded offline sample: prints accuracy, writes the curve plot
	$(PY) -m helpers.train document-classification --smoke --set epochs=5 --set batch_size=32 --set learning_rate=3e-4 --set limit_train_rows=None --set limit_eval_rows=None

test: install  ## unit tests + every notebook under nbmake in smoke mode
	$(PY) -m pytest -n 2 --nbmake --nbmake-timeout=300 tests notebooks

bench: install  ## speed benchmark (see benchmarks/README)
	$(PY) benchmarks/run.py

.PHONY: install train test bench
