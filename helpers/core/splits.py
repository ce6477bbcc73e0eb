"""The train, validation and test rows of a corpus, and NSMC read into them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from helpers.core.corpora import NsmcReader, split_train_validation, take_rows
from helpers.core.settings import CourseSettings


@dataclass
class Splits:
    """Train, validation and test rows (or datasets) of one corpus."""

    train: Any
    val: Any
    test: Any


def read_nsmc_splits(settings: CourseSettings) -> Splits:
    """Read NSMC, carve validation from train (test stays the final test) and apply the row limits."""
    files = NsmcReader().read_splits(settings.corpus_root_dir)
    train, val = split_train_validation(files["train"], settings.val_fraction, settings.seed)
    print(f"train을 학습 {len(train):,}행과 검증 {len(val):,}행으로 나눴습니다 "
          f"(val_fraction={settings.val_fraction}); 테스트는 {len(files['test']):,}행 그대로입니다")
    return Splits(take_rows(train, settings.limit_train_rows, "train", settings.seed),
                  take_rows(val, settings.limit_eval_rows, "validation", settings.seed),
                  take_rows(files["test"], settings.limit_eval_rows, "test", settings.seed))
