"""Pretrained tokenizers and models: from the hub, from a local folder, or (smoke runs) a tiny random BERT saved
locally and loaded the same way."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import torch
from transformers import BertConfig, BertForPreTraining, BertForSequenceClassification, BertTokenizer

from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, CourseSettings, SettingsError

EMBEDDED_TOKENIZER_DIR = EMBEDDED_SAMPLE_ROOT / "tiny-wordpiece"
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")
TINY_BERT = dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=256)
F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def evaluation_mode(model: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """Eval mode without gradients inside the block; the model's train/eval mode is restored after it."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(was_training)  # Lightning keeps whatever mode it finds, so never leave dropout off


def in_evaluation_mode(function: F) -> F:
    """Decorator: run `function(model, ...)` inside `evaluation_mode(model)` (a later fit still trains with dropout)."""

    @functools.wraps(function)
    def wrapper(model: torch.nn.Module, *args: Any, **kwargs: Any) -> Any:
        with evaluation_mode(model):
            return function(model, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def has_weights(folder: str | Path) -> bool:
    """True when a local model folder holds weight files, not just config and vocab."""
    return any((Path(folder) / name).is_file() for name in WEIGHT_FILES)


def tokenizer_source(settings: CourseSettings) -> str:
    """Where the tokenizer comes from: the local model folder, the embedded tiny vocab (smoke), or the hub."""
    if settings.model_dir:
        return settings.model_dir
    if settings.smoke:
        return str(EMBEDDED_TOKENIZER_DIR)
    return settings.pretrained_model_name


def load_tokenizer(settings: CourseSettings) -> BertTokenizer:
    """Load the fast WordPiece tokenizer (BertTokenizer is the fast one in transformers 5), cased."""
    source = tokenizer_source(settings)
    # KcBERT is cased; lower-casing also strips accents via NFD, splitting Hangul into jamo the vocab lacks ([UNK]).
    return BertTokenizer.from_pretrained(source, do_lower_case=False)


def save_tiny_bert(folder: Path, vocab_size: int, seed: int) -> None:
    """Save a tiny random BERT (TINY_BERT, with KcBERT's heads) into `folder`, atomically: a folder that exists is
    complete, and of two processes saving at once one keeps its copy."""
    config = BertConfig(vocab_size=vocab_size, max_position_embeddings=300, **TINY_BERT)
    with torch.random.fork_rng():  # the caller's random state stays as it was
        torch.manual_seed(seed)
        model = BertForPreTraining(config)
    partial = folder.with_name(f".{folder.name}.{os.getpid()}.partial")
    model.save_pretrained(partial)
    try:
        os.replace(partial, folder)
    except OSError:  # another process saved it first
        shutil.rmtree(partial, ignore_errors=True)


def tiny_model_dir(settings: CourseSettings) -> Path:
    """The folder of the smoke runs' tiny random BERT (one per vocabulary size, seed and TINY_BERT shape) in the
    temporary directory, saved on first use."""
    vocab_size = len(load_tokenizer(settings))
    shape = "-".join(str(value) for value in TINY_BERT.values())
    folder = Path(tempfile.gettempdir()) / "nlpbook-tiny-bert" / f"vocab{vocab_size}-seed{settings.seed}-{shape}"
    if not has_weights(folder):
        folder.parent.mkdir(parents=True, exist_ok=True)
        save_tiny_bert(folder, vocab_size, settings.seed)
        print(f"빠른 점검 모드: 무작위 가중치의 작은 {TINY_BERT['num_hidden_layers']}층 BERT를 {folder}에 저장했습니다 "
              "(a tiny random BERT stands in for the pretrained one)")
    return folder


def model_source(settings: CourseSettings) -> str:
    """Where the model comes from: the tiny random BERT saved locally (smoke), the local model folder, or the hub."""
    if settings.smoke:
        return str(tiny_model_dir(settings))
    return settings.model_dir or settings.pretrained_model_name


def load_config(settings: CourseSettings, **config_changes: Any) -> BertConfig:
    """The model's config (layers, sizes, vocabulary) with `config_changes` applied; checks max_seq_length."""
    source = model_source(settings)
    config = BertConfig.from_pretrained(source, **config_changes)
    if settings.max_seq_length > config.max_position_embeddings:
        raise SettingsError(f"max_seq_length={settings.max_seq_length} exceeds max_position_embeddings="
                            f"{config.max_position_embeddings} of {source}")
    return config


def load_pretrained(model_class: Any, settings: CourseSettings, **config_changes: Any) -> Any:
    """`model_class` (BERT with a task head) with pretrained weights and a new head drawn from settings.seed."""
    config = load_config(settings, **config_changes)
    torch.manual_seed(settings.seed)  # the same seed gives the same new head
    source = model_source(settings)
    if Path(source).is_dir() and not has_weights(source):
        return freshly_initialised(model_class, config, source)
    model = model_class.from_pretrained(source, config=config)
    # from_pretrained returns the model in eval mode, and Lightning 2 keeps the mode it finds: without this,
    # fine-tuning would run with dropout switched off.
    return model.train()


def freshly_initialised(model_class: Any, config: BertConfig, folder: str) -> Any:
    """A randomly initialised `model_class`, for a local folder without weights (said loudly)."""
    banner = "!" * 78
    print(f"{banner}\n!! {folder} has no weights: the model is FRESHLY INITIALISED "
          f"(random),\n!! not pretrained. Expect much lower accuracy than with the hub model.\n{banner}")
    return model_class(config)


def load_sequence_classifier(settings: CourseSettings, labels: tuple[str, ...]) -> BertForSequenceClassification:
    """A BertForSequenceClassification with len(labels) outputs, whose config stores the label names (id2label)."""
    id2label = dict(enumerate(labels))
    return load_pretrained(BertForSequenceClassification, settings, num_labels=len(labels), id2label=id2label,
                           label2id={v: k for k, v in id2label.items()})


def count_parameters(model: Any) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def save_model(task: Any, tokenizer: Any, folder: str | Path) -> Path:
    """Save the fine-tuned model (safetensors) and its tokenizer with save_pretrained."""
    folder = Path(folder)
    task.model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
