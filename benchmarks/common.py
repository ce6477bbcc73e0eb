"""Shared by the benchmark scripts: corpus and tokenizer sources (../shared or the embedded samples), peak memory."""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # also runs from a checkout where helpers is not pip-installed
    sys.path.insert(0, str(REPO))

from helpers.core.models import EMBEDDED_TOKENIZER_DIR, load_tokenizer
from helpers.core.settings import CORPUS_ROOT_ENV, EMBEDDED_SAMPLE_ROOT, MODEL_DIR_ENV, CourseSettings

SHARED = REPO.parent / "shared"
KCBERT_DIR = SHARED / "models" / "kcbert-base"
PREDECESSOR_BUILD_S = 52.4  # the predecessor's NSMC feature build on this 2-core machine (issue 6)
NSMC_REAL_ROWS = 200_000


def corpus_root() -> Path:
    """NLPBOOK_CORPUS_ROOT, else ../shared/data, else the embedded sample corpus."""
    if os.environ.get(CORPUS_ROOT_ENV):
        return Path(os.environ[CORPUS_ROOT_ENV])
    shared = SHARED / "data"
    return shared if (shared / "nsmc").is_dir() else EMBEDDED_SAMPLE_ROOT


def tokenizer_dir() -> Path:
    """NLPBOOK_MODEL_DIR, else ../shared/models/kcbert-base, else the embedded tiny WordPiece vocab."""
    if os.environ.get(MODEL_DIR_ENV):
        return Path(os.environ[MODEL_DIR_ENV])
    return KCBERT_DIR if (KCBERT_DIR / "vocab.txt").is_file() else EMBEDDED_TOKENIZER_DIR


def bench_tokenizer(folder: Path | None = None) -> Any:
    """The course's tokenizer loader pointed at the benchmark's tokenizer folder."""
    return load_tokenizer(CourseSettings(smoke=True, model_dir=str(folder or tokenizer_dir())))


def kcbert_config_source() -> Path | None:
    """KcBERT-base's config.json folder, or None (then BERT-base's shape with KcBERT's sizes is used)."""
    folder = tokenizer_dir()
    for candidate in (folder, KCBERT_DIR):
        if (candidate / "config.json").is_file():
            return candidate
    return None


def describe_sources() -> str:
    """One line per source, saying when a fallback is used."""
    root, tok = corpus_root(), tokenizer_dir()
    lines = [f"corpus    : {root / 'nsmc'}" + ("" if root != EMBEDDED_SAMPLE_ROOT else
                                               "  (EMBEDDED SAMPLE: ../shared/data not found; numbers are "
                                               "not comparable with the 200,000-review NSMC)")]
    lines.append(f"tokenizer : {tok}" + ("" if tok != EMBEDDED_TOKENIZER_DIR else
                                          "  (EMBEDDED TINY VOCAB: ../shared/models/kcbert-base not found)"))
    return "\n".join(lines)


def peak_rss_mib() -> float:
    """Peak resident memory of this process in MiB (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux; best effort elsewhere
