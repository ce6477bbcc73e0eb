"""Every setting and hyperparameter of a course run, in one validated dataclass."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SMOKE_ENV = "NLPBOOK_SMOKE"
CORPUS_ROOT_ENV = "NLPBOOK_CORPUS_ROOT"
MODEL_DIR_ENV = "NLPBOOK_MODEL_DIR"
OUTPUT_ROOT_ENV = "NLPBOOK_OUTPUT_ROOT"
CHECKPOINT_ROOT_ENV = "NLPBOOK_CHECKPOINT_ROOT"

KNOWN_CORPORA = (
    "nsmc",
    "klue-nli",
    "kornli",
    "kmou-ner",
    "klue-ner",
    "korquad",
    "custom",
)
KNOWN_PRECISIONS = ("auto", "32-true", "16-mixed", "bf16-mixed")
# Position limits of models the course names; a local folder's config.json is checked at load time.
KNOWN_POSITION_LIMITS = {"beomi/kcbert-base": 300, "beomi/kcbert-large": 300, "skt/kogpt2-base-v2": 1024}
EMBEDDED_SAMPLE_ROOT = Path(__file__).resolve().parent.parent / "sample_data"


class SettingsError(ValueError):
    """A setting has a value the course cannot use; the message names the setting."""


def env_flag(name: str) -> bool:
    """Return True when environment variable `name` is set to 1/true/yes/on."""
    value = os.environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"environment variable {name}={os.environ[name]!r}: use 1 or 0")


@dataclass
class CourseSettings:
    """Settings of one fine-tuning run; `smoke=True` makes everything tiny, offline and fast."""

    pretrained_model_name: str = "beomi/kcbert-base"
    corpus_name: str = "nsmc"
    corpus_root_dir: str = "data"
    output_dir: str = "outputs/document-classification"
    checkpoint_dir: str | None = None  # None: <output_dir>/checkpoints; on Colab a Google Drive folder
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    batch_size: int = 32
    max_seq_length: int = 128
    epochs: int = 1
    seed: int = 7
    precision: str = "auto"
    num_workers: int = 0
    val_fraction: float = 0.05
    max_steps: int = -1
    limit_train_rows: int | None = None
    limit_eval_rows: int | None = None
    length_grouped: bool = True
    compile_model: bool = False  # torch.compile the model (dynamic shapes); pays off on a GPU for long runs
    smoke: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise SettingsError naming the first setting whose value cannot work."""
        if self.corpus_name not in KNOWN_CORPORA:
            raise SettingsError(
                f"corpus_name={self.corpus_name!r} is unknown; choose one of {', '.join(KNOWN_CORPORA)}"
            )
        for name in ("batch_size", "epochs", "max_seq_length"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise SettingsError(f"{name}={value!r} must be a positive integer")
        limit = KNOWN_POSITION_LIMITS.get(self.pretrained_model_name)
        if limit is not None and self.max_seq_length > limit:
            raise SettingsError(
                f"max_seq_length={self.max_seq_length} exceeds the position limit of "
                f"{self.pretrained_model_name} ({limit} tokens)"
            )
        if not (self.learning_rate > 0):
            raise SettingsError(f"learning_rate={self.learning_rate!r} must be positive")
        if not (0.0 <= self.warmup_ratio < 1.0):
            raise SettingsError(f"warmup_ratio={self.warmup_ratio!r} must be in [0, 1)")
        if not (0.0 < self.val_fraction < 1.0):
            raise SettingsError(f"val_fraction={self.val_fraction!r} must be in (0, 1)")
        if self.precision not in KNOWN_PRECISIONS:
            raise SettingsError(
                f"precision={self.precision!r} is unknown; choose one of {', '.join(KNOWN_PRECISIONS)}"
            )
        for name in ("length_grouped", "compile_model"):
            if not isinstance(getattr(self, name), bool):
                raise SettingsError(f"{name}={getattr(self, name)!r} must be True or False")
        if not isinstance(self.num_workers, int) or self.num_workers < 0:
            raise SettingsError(f"num_workers={self.num_workers!r} must be a non-negative integer")
        if self.checkpoint_dir is not None and (not isinstance(self.checkpoint_dir, str) or not self.checkpoint_dir):
            raise SettingsError(f"checkpoint_dir={self.checkpoint_dir!r} must be a folder path or None")
        for name in ("limit_train_rows", "limit_eval_rows"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value <= 0):
                raise SettingsError(f"{name}={value!r} must be a positive integer or None")

    def replace(self, **changes: Any) -> "CourseSettings":
        """Return a validated copy with some settings changed."""
        return dataclasses.replace(self, **changes)

    @property
    def model_dir(self) -> str | None:
        """Local model folder named by NLPBOOK_MODEL_DIR, or None for the hub model."""
        return self.extra.get("model_dir")

    def describe(self) -> str:
        """Return the settings as aligned `name = value` lines for printing."""
        rows = dataclasses.asdict(self)
        width = max(len(k) for k in rows)
        return "\n".join(f"{k:<{width}} = {v!r}" for k, v in rows.items())


SMOKE_OVERRIDES: dict[str, Any] = {
    "batch_size": 16,
    "max_seq_length": 64,
    "epochs": 1,
    "limit_train_rows": 192,
    "limit_eval_rows": 64,
    "precision": "32-true",
    "num_workers": 0,
    "learning_rate": 1e-3,
    "val_fraction": 0.2,
}


# Each task's own defaults on top of CourseSettings' (which are document classification's).
TASK_DEFAULTS: dict[str, dict[str, Any]] = {
    "document-classification": {},
    "pair-classification": {"corpus_name": "klue-nli", "output_dir": "outputs/pair-classification"},
    "ner": {"corpus_name": "kmou-ner", "output_dir": "outputs/named-entity-recognition"},
    "question-answering": {"corpus_name": "korquad", "output_dir": "outputs/question-answering",
                           "max_seq_length": 256},
    "generation": {"pretrained_model_name": "skt/kogpt2-base-v2", "output_dir": "outputs/sentence-generation"},
}


def settings_for_task(task: str, **overrides: Any) -> "CourseSettings":
    """Settings of one task: its defaults, then the NLPBOOK_* environment, then explicit overrides."""
    if task not in TASK_DEFAULTS:
        raise SettingsError(f"task {task!r} is unknown; choose one of {', '.join(TASK_DEFAULTS)}")
    return settings_from_env(**{**TASK_DEFAULTS[task], **overrides})


def settings_from_env(**overrides: Any) -> CourseSettings:
    """Build settings from the defaults, the NLPBOOK_* environment and explicit overrides."""
    smoke = env_flag(SMOKE_ENV)
    values: dict[str, Any] = {"smoke": smoke}
    if smoke:
        values.update(SMOKE_OVERRIDES)
    extra: dict[str, Any] = {}
    corpus_root = os.environ.get(CORPUS_ROOT_ENV)
    if corpus_root:
        values["corpus_root_dir"] = corpus_root
    elif smoke:
        values["corpus_root_dir"] = str(EMBEDDED_SAMPLE_ROOT)
    model_dir = os.environ.get(MODEL_DIR_ENV)
    if model_dir:
        extra["model_dir"] = model_dir
    values.update(overrides)
    output_root = os.environ.get(OUTPUT_ROOT_ENV)
    if output_root:  # keep each task's own folder name under the chosen root
        default_dir = values.get("output_dir", CourseSettings.output_dir)
        values["output_dir"] = str(Path(output_root) / Path(default_dir).name)
    checkpoint_root = os.environ.get(CHECKPOINT_ROOT_ENV)
    if checkpoint_root and not values.get("checkpoint_dir"):  # e.g. a Google Drive folder on Colab
        default_dir = values.get("output_dir", CourseSettings.output_dir)
        values["checkpoint_dir"] = str(Path(checkpoint_root) / Path(default_dir).name)
    values["extra"] = {**extra, **values.get("extra", {})}
    return CourseSettings(**values)
