"""Locations of the real corpora beside the checkout; tests that need them skip cleanly when absent."""

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_DATA = SHARED / "data"
KCBERT_DIR = SHARED / "models" / "kcbert-base"

needs_shared_data = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is not beside the checkout")
needs_kcbert = pytest.mark.skipif(not (KCBERT_DIR / "vocab.txt").is_file(),
                                  reason="../shared/models/kcbert-base is not beside the checkout")
