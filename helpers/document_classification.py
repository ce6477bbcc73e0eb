"""Document classification on NSMC, end to end: data, loaders, task, training, evaluation, prediction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import torch

from .corpora import NSMC_LABELS, LabeledText, NsmcReader, split_train_validation, take_rows
from .data import make_dataloader
from .devices import to_inference_device
from .features import cached_classification_dataset
from .models import in_evaluation_mode, load_sequence_classifier, load_tokenizer
from .settings import CourseSettings
from .tasks import ClassificationTask
from .training import fit_and_evaluate, metrics_csv


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


def read_document_splits(settings: CourseSettings) -> tuple[Splits, tuple[str, ...]]:
    """NSMC splits and labels, or the learner's own file's when corpus_name is "custom" (see custom_corpus)."""
    if settings.corpus_name == "custom":
        from .custom_corpus import read_custom_splits  # it imports Splits from this module

        return read_custom_splits(settings)
    return read_nsmc_splits(settings), NSMC_LABELS


def encode_splits(tokenizer: Any, rows: Splits, max_length: int, cache_dir: str | Path | None = None) -> Splits:
    """Tokenise each split once into an unpadded ClassificationDataset (reused from cache_dir/<split>.pt if set)."""
    return Splits(*(cached_classification_dataset(tokenizer, getattr(rows, name), max_length, name, cache_dir)
                    for name in ("train", "val", "test")))


def make_loaders(datasets: Splits, tokenizer: Any, settings: CourseSettings) -> Splits:
    """Shuffled (length-grouped if set) training loader and ordered val/test loaders, padded per batch."""
    common = dict(batch_size=settings.batch_size, pad_token_id=tokenizer.pad_token_id,
                  seed=settings.seed, num_workers=settings.num_workers)
    return Splits(make_dataloader(datasets.train, shuffle=True, length_grouped=settings.length_grouped, **common),
                  make_dataloader(datasets.val, **common), make_dataloader(datasets.test, **common))


def build_task(settings: CourseSettings, labels: tuple[str, ...] = NSMC_LABELS) -> ClassificationTask:
    """The classifier wrapped in its Lightning task with the settings' optimizer options."""
    model = load_sequence_classifier(settings, labels)
    return ClassificationTask(model, settings.learning_rate, settings.weight_decay, settings.warmup_ratio)


@in_evaluation_mode
def predict_texts(model: Any, tokenizer: Any, texts: Sequence[str], max_length: int = 128,
                  batch_size: int = 64) -> list[dict[str, Any]]:
    """Label and class probabilities for each text, batched and padded per batch."""
    device = to_inference_device(model)
    id2label = model.config.id2label
    results: list[dict[str, Any]] = []
    for start in range(0, len(texts), batch_size):
        chunk = list(texts[start : start + batch_size])
        batch = tokenizer(chunk, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        probs = model(**batch.to(device)).logits.float().softmax(-1).cpu()
        for text, p in zip(chunk, probs):
            best = int(p.argmax())
            results.append({"text": text, "label": id2label[best],
                            "probabilities": {id2label[i]: float(v) for i, v in enumerate(p)}})
    return results


def save_model(task: ClassificationTask, tokenizer: Any, folder: str | Path) -> Path:
    """Save the fine-tuned model (safetensors) and its tokenizer with save_pretrained."""
    folder = Path(folder)
    task.model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def majority_baseline(train: Sequence[LabeledText], test: Sequence[LabeledText]) -> float:
    """Test accuracy of always answering the training rows' most frequent label: the number a model must beat."""
    labels = [r.label for r in train]
    majority = max(set(labels), key=labels.count)
    return sum(r.label == majority for r in test) / max(1, len(test))


def run_document_classification(settings: CourseSettings) -> dict[str, float]:
    """Train on NSMC (the sample corpus, or your own file), test, plot curves, save the model; return test metrics."""
    from .plots import plot_learning_curves

    tokenizer = load_tokenizer(settings)
    rows, labels = read_document_splits(settings)
    # Token ids are cached (keyed by the texts, tokenizer and max_length), so a re-run skips tokenising.
    cache = settings.extra.get("feature_cache_dir", Path(settings.output_dir) / "features")
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

