"""Sentence-pair classification end to end: predict pairs, confusion matrix, run."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Sequence

from helpers.core.corpora import (
    LabeledPair,
)
from helpers.core.loaders import make_loaders
from helpers.core.metrics import confusion_counts
from helpers.core.models import load_tokenizer, save_model
from helpers.core.plots import plot_confusion_matrix, plot_learning_curves
from helpers.core.prediction import predict_texts
from helpers.core.settings import CourseSettings
from helpers.core.splits import Splits
from helpers.core.tasks import build_task
from helpers.core.training import fit_and_evaluate, metrics_csv
from helpers.pair_classification.corpus import read_pair_task_splits
from helpers.pair_classification.encoding import encode_pairs


def predict_pairs(model: Any, tokenizer: Any, pairs: Sequence[tuple[str, str]], max_length: int = 128,
                  batch_size: int = 64) -> list[dict[str, Any]]:
    """Relation label and class probabilities for each (premise, hypothesis) pair."""
    results = predict_texts(model, tokenizer, [tuple(p) for p in pairs], max_length, batch_size)
    for result in results:
        result["premise"], result["hypothesis"] = result.pop("text")
    return results


def confusion_on_rows(model: Any, tokenizer: Any, rows: Sequence[LabeledPair], max_length: int) -> list[list[int]]:
    """Confusion matrix of the model's predictions on labelled pairs."""
    predictions = predict_pairs(model, tokenizer, [(r.premise, r.hypothesis) for r in rows], max_length)
    label2id = {v: k for k, v in model.config.id2label.items()}
    return confusion_counts([r.label for r in rows], [label2id[p["label"]] for p in predictions], len(label2id))


def majority_share(rows: Sequence[LabeledPair]) -> float:
    """Accuracy of always answering the most frequent label (the baseline to beat)."""
    return max(Counter(r.label for r in rows).values(), default=0) / max(1, len(rows))


def run_pair_classification(settings: CourseSettings) -> dict[str, float]:
    """Train on KLUE-NLI, KorNLI (or your own pair file), test, plot curves and the confusion matrix, save the model."""

    tokenizer = load_tokenizer(settings)
    rows, labels = read_pair_task_splits(settings)
    datasets = Splits(*(encode_pairs(tokenizer, getattr(rows, n), settings.max_seq_length, n)
                        for n in ("train", "val", "test")))
    loaders = make_loaders(datasets, tokenizer, settings)
    task = build_task(settings, labels)
    metrics, reporting = fit_and_evaluate(settings, task, loaders.train, loaders.val, loaders.test)
    if not reporting:
        return metrics
    out = Path(settings.output_dir)
    plot_learning_curves(metrics_csv(settings), save_to=out / "learning_curves.png", metrics=("loss", "acc", "f1"))
    matrix = confusion_on_rows(task.model, tokenizer, rows.test, settings.max_seq_length)
    plot_confusion_matrix(matrix, labels, save_to=out / "confusion_matrix.png")
    saved = save_model(task, tokenizer, out / "model")
    metrics["majority_acc"] = majority_share(rows.test)
    print(f"테스트 정확도 {metrics['test_acc']:.4f} (가장 많은 클래스만 답할 때 {metrics['majority_acc']:.4f}), macro F1 "
          f"{metrics['test_f1']:.4f}; 그림: {out}; 모델: {saved}")
    return metrics
