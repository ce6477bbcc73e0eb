"""Test-session set-up shared by unit tests and nbmake notebook runs (kernels inherit this environment)."""

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SHARED = ROOT.parent / "shared"

# Notebooks and tests run tiny, offline and on CPU unless the caller says otherwise.
os.environ.setdefault("NLPBOOK_SMOKE", "1")
# Each test process writes into a fresh folder, so no run resumes another run's checkpoints.
os.environ.setdefault("NLPBOOK_OUTPUT_ROOT", tempfile.mkdtemp(prefix="nlpbook-test-"))
# With ../shared beside the checkout, use the real corpora and the real KcBERT vocab and config.
if (SHARED / "data").is_dir():
    os.environ.setdefault("NLPBOOK_CORPUS_ROOT", str(SHARED / "data"))
if (SHARED / "models" / "kcbert-base" / "vocab.txt").is_file():
    os.environ.setdefault("NLPBOOK_MODEL_DIR", str(SHARED / "models" / "kcbert-base"))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Tests and notebooks run two at a time on small machines: one math thread each avoids oversubscription
# (two threads per process made a tiny-BERT step 10x slower under `-n 2`).
os.environ.setdefault("OMP_NUM_THREADS", "1")
