"""Sentence generation: a GPT-2 (KoGPT2) fine-tuned on NSMC reviews prefixed with their sentiment.

Every task package offers the same names: `read_splits`, `encode`, `build_task`, `predict` and `run`."""

from helpers.core.splits import read_nsmc_splits as read_splits
from helpers.generation.pipeline import build_lm_dataset as encode
from helpers.generation.pipeline import build_generation_task as build_task
from helpers.generation.pipeline import generate_text as predict
from helpers.generation.pipeline import run_generation as run

__all__ = ["read_splits", "encode", "build_task", "predict", "run"]
