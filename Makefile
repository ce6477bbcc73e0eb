# Two commands on a fresh machine: `make train` (main job) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

# torch: the CPU build (about 190 MB) from PyTorch's CPU index unless `nvidia-smi` finds a GPU; then the CUDA build
# from PyPI (about 900 MB plus 2-3 GB of nvidia-* wheels). Choose yourself with, e.g.,
# `make install TORCH_INDEX=https://download.pytorch.org/whl/cu126` (a CUDA build) or `TORCH_INDEX=https://pypi.org/simple`.
TORCH_VERSION ?= 2.13.0
TORCH_INDEX ?= $(if $(shell command -v nvidia-smi 2>/dev/null),https://pypi.org/simple,https://download.pytorch.org/whl/cpu)

$(VENV)/.installed: requirements.txt requirements-test.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	if $(PY) -c "import urllib.request as u; u.urlopen('$(TORCH_INDEX)/', timeout=10)" 2>/dev/null; then \
	  $(PY) -m pip install -q "torch==$(TORCH_VERSION)" --index-url $(TORCH_INDEX); \
	else echo "torch: $(TORCH_INDEX) cannot be reached, using the default package index"; \
	  $(PY) -m pip install -q "torch==$(TORCH_VERSION)"; fi
	$(PY) -m pip install -q -r requirements.txt -r requirements-test.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

install: $(VENV)/.installed

train: install  ## document classification on the embedded offline sample: prints accuracy, writes the curve plot
	$(PY) -m helpers.train document-classification --smoke --set epochs=5 --set batch_size=32 --set learning_rate=3e-4 --set limit_train_rows=None --set limit_eval_rows=None

test: install  ## unit tests + every notebook under nbmake in smoke mode
	$(PY) -m pytest -n 2 --dist loadgroup --nbmake --nbmake-timeout=300 tests notebooks

# Notebooks are built from their percent-format sources notebooks/src/*.py (no kernel, a second); see README.
notebooks:  ## build every notebooks/*.ipynb from notebooks/src/*.py (badge, Colab install cell, outputs stripped)
	$(if $(wildcard $(PY)),$(PY),$(PYTHON)) tools/build_notebook.py --all

bench: install  ## speed benchmark (see benchmarks/README)
	$(PY) benchmarks/run.py

# Local JupyterLab: `make lab` adds JupyterLab 4 and ipywidgets 8 to .venv and opens the course (notebooks/) in
# offline smoke mode; `make lab NLPBOOK_SMOKE=0` for the real course (hub model, full corpora). LAB_ARGS go to jupyter.
NLPBOOK_SMOKE ?= 1
LAB_ARGS ?=

$(VENV)/.lab-installed: $(VENV)/.installed requirements-lab.txt
	$(PY) -m pip install -q -r requirements-lab.txt
	touch $@

lab: $(VENV)/.lab-installed  ## JupyterLab on notebooks/ (smoke mode unless NLPBOOK_SMOKE=0)
	cd notebooks && NLPBOOK_SMOKE=$(NLPBOOK_SMOKE) TOKENIZERS_PARALLELISM=false ../$(VENV)/bin/jupyter lab \
	  $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

.PHONY: install train test notebooks bench lab

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

# Tests marked `learning` (what a run learns: scores, the demos' stand-in answers) use only APIs other tests cover;
# `make test` runs them on the current versions, and leaving them out here keeps CI under 15 minutes.
test-lowest: $(LOWEST)/.installed  ## unit tests against the lowest allowed versions
	$(LOWEST)/bin/python -m pip list 2>/dev/null | grep -iE "^(torch|transformers|tokenizers|lightning|torchmetrics|numpy|matplotlib) "
	PYTHONPATH=$(CURDIR) $(LOWEST)/bin/python -m pytest -n 2 --dist loadgroup -p no:cacheprovider -m "not learning" tests

.PHONY: test-lowest
