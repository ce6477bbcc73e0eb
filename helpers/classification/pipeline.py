"""Document classification on NSMC (or your own file), end to end: splits, encoding, task, run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.core.corpora import NSMC_LABELS
from helpers.core.custom_corpus import read_custom_splits
from helpers.core.features import cached_classification_dataset
from helpers.core.loaders import make_loaders
from helpers.core.metrics import majority_baseline
from helpers.core.models import load_tokenizer, save_model
from helpers.core.plots import plot_learning_curves
from helpers.core.settings import CourseSettings
from helpers.core.splits import Splits, read_nsmc_splits
from helpers.core.tasks import build_task
from helpers.core.training import fit_and_evaluate, metrics_csv


def read_document_splits(settings: CourseSettings) -> tuple[Splits, tuple[str, ...]]:
    """NSMC splits and labels, or the learner's own file's when corpus_name is "custom" (see custom_corpus)."""
    if settings.corpus_name == "custom":

        return read_custom_splits(settings)
    return read_nsmc_splits(settings), NSMC_LABELS


def encode_splits(tokenizer: Any, rows: Splits, max_length: int, cache_dir: str | Path | None = None) -> Splits:
    """Tokenise each split once into an unpadded ClassificationDataset (reused from cache_dir/<split>.pt if set)."""
    return Splits(*(cached_classification_dataset(tokenizer, getattr(rows, name), max_length, name, cache_dir)
                    for name in ("train", "val", "test")))


def run_document_classification(settings: CourseSettings) -> dict[str, float]:
    """Train on NSMC (the sample corpus, or your own file), test, plot curves, save the model; return test metrics."""

    tokenizer = load_tokenizer(settings)
    rows, labels = read_document_splits(settings)
    # Token ids are cached (keyed by the texts, tokenizer and max_length), so a re-run skips tokenising.
    cache = settings.feature_cache_dir or Path(settings.output_dir) / "features"
    datasets = encode_splits(tokenizer, rows, settings.max_seq_length, cache)
    loaders = make_loaders(datasets, tokenizer, settings)
    task = build_task(settings, labels)
    metrics, reporting = fit_and_evaluate(settings, task, loaders.train, loaders.val, loaders.test)
    if not reporting:
        return metrics
    plot = Path(settings.output_dir) / "learning_curves.png"
    plot_learning_curves(metrics_csv(settings), save_to=plot)
    saved = save_model(task, tokenizer, Path(settings.output_dir) / "model")
    metrics["majority_acc"] = majority_baseline(rows.train, rows.test)
    print(f"테스트 정확도(test accuracy) {metrics['test_acc']:.4f} (다수 클래스 기준선 {metrics['majority_acc']:.4f}), "
          f"매크로 F1 {metrics['test_f1']:.4f}; 학습 곡선: {plot}; 모델: {saved}")
    return metrics
