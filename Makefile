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
	$(PY) -m helpers.train document-classification --smoke --set epochs=4 --set limit_train_rows=None --set limit_eval_rows=None

test: install  ## unit tests + every notebook under nbmake in smoke mode
	$(PY) -m pytest -n 2 --nbmake --nbmake-timeout=300 tests notebooks

bench: install  ## speed benchmark (see benchmarks/README)
	$(PY) benchmarks/run.py

.PHONY: install train test bench

# Lowest allowed versions: a separate venv with every direct dependency at its lower bound (uv's lowest-direct
# resolution; indirect ones newest), torch kept at the build installed first, then the unit tests (no notebooks).
LOWEST := .venv-lowest
$(LOWEST)/.installed: requirements.txt requirements-test.txt
	rm -rf $(LOWEST) && $(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install -q uv
	$(LOWEST)/bin/python -m pip install -q "torch==2.13.0" || $(LOWEST)/bin/python -m pip install -q torch --index-url https://download.pytorch.org/whl/cpu
	$(LOWEST)/bin/python -c "import torch; print('torch==' + torch.__version__.split('+')[0])" > $(LOWEST)/torch-override.txt
	$(LOWEST)/bin/uv pip install -q --python $(LOWEST)/bin/python --resolution lowest-direct \
		--override $(LOWEST)/torch-override.txt -r requirements.txt -r requirements-test.txt
	touch $@

test-lowest: $(LOWEST)/.installed  ## unit tests against the lowest allowed versions
	$(LOWEST)/bin/python -m pip list 2>/dev/null | grep -iE "^(torch|transformers|tokenizers|lightning|torchmetrics|numpy|matplotlib) "
	PYTHONPATH=$(CURDIR) $(LOWEST)/bin/python -m pytest -n 2 -p no:cacheprovider tests

.PHONY: test-lowest
