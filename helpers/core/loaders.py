"""The three DataLoaders of a run: shuffled (length-grouped) training, ordered validation and test."""

from __future__ import annotations

from typing import Any

from helpers.core.data import make_dataloader
from helpers.core.settings import CourseSettings
from helpers.core.splits import Splits


def make_loaders(datasets: Splits, tokenizer: Any, settings: CourseSettings) -> Splits:
    """Shuffled (length-grouped if set) training loader and ordered val/test loaders, padded per batch."""
    common = dict(batch_size=settings.batch_size, pad_token_id=tokenizer.pad_token_id,
                  seed=settings.seed, num_workers=settings.num_workers)
    return Splits(make_dataloader(datasets.train, shuffle=True, length_grouped=settings.length_grouped, **common),
                  make_dataloader(datasets.val, **common), make_dataloader(datasets.test, **common))
