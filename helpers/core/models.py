"""Pretrained tokenizers and models: from the hub, from a local folder, or tiny and offline for smoke runs."""

from __future__ import annotations

import functools
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import torch

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


def load_tokenizer(settings: CourseSettings) -> Any:
    """Load the fast WordPiece tokenizer (BertTokenizer is the fast one in transformers 5), cased."""
    from transformers import BertTokenizer

    source = tokenizer_source(settings)
    # KcBERT is cased; lower-casing also strips accents via NFD, splitting Hangul into jamo the vocab lacks ([UNK]).
    return BertTokenizer.from_pretrained(source, do_lower_case=False)


def load_config(settings: CourseSettings, **config_changes: Any) -> Any:
    """The model config: tiny in smoke mode, else from the local folder or the hub, with changes applied."""
    from transformers import BertConfig

    if settings.smoke:
        vocab_size = len(load_tokenizer(settings))
        return BertConfig(vocab_size=vocab_size, max_position_embeddings=300, **TINY_BERT, **config_changes)
    source = settings.model_dir or settings.pretrained_model_name
    config = BertConfig.from_pretrained(source, **config_changes)
    if settings.max_seq_length > config.max_position_embeddings:

        raise SettingsError(f"max_seq_length={settings.max_seq_length} exceeds max_position_embeddings="
                            f"{config.max_position_embeddings} of {source}")
    return config


def load_pretrained(model_class: Any, settings: CourseSettings, **config_changes: Any) -> Any:
    """Instantiate `model_class` with pretrained weights, or freshly initialised (said loudly) when none exist."""
    config = load_config(settings, **config_changes)
    torch.manual_seed(settings.seed)  # the same seed gives the same new head (and the same random model)
    if settings.smoke:
        print(f"스모크 모드: 무작위 가중치의 작은 {config.num_hidden_layers}층 BERT (hidden {config.hidden_size})")
        return model_class(config)
    if settings.model_dir and not has_weights(settings.model_dir):
        banner = "!" * 78
        print(f"{banner}\n!! {settings.model_dir} has no weights: the model is FRESHLY INITIALISED "
              f"(random),\n!! not pretrained. Expect much lower accuracy than with the hub model.\n{banner}")
        return model_class(config)
    model = model_class.from_pretrained(settings.model_dir or settings.pretrained_model_name, config=config)
    # from_pretrained returns the model in eval mode, and Lightning 2 keeps the mode it finds: without this,
    # fine-tuning would run with dropout switched off.
    return model.train()


def load_sequence_classifier(settings: CourseSettings, labels: tuple[str, ...]) -> Any:
    """A BertForSequenceClassification whose config stores the label names (id2label)."""
    from transformers import BertForSequenceClassification

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
