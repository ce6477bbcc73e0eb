"""Sentence-pair classification (NLI: KLUE-NLI, KorNLI, or your own pair file).

Every task package offers the same names: `read_splits`, `encode`, `build_task`, `predict` and `run`."""

from helpers.pair_classification.corpus import read_pair_task_splits as read_splits
from helpers.pair_classification.encoding import encode_pairs as encode
from helpers.core.tasks import build_task as build_task
from helpers.pair_classification.pipeline import predict_pairs as predict
from helpers.pair_classification.pipeline import run_pair_classification as run

__all__ = ["read_splits", "encode", "build_task", "predict", "run"]
