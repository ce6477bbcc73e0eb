"""Named entity recognition (KMOU NER, KLUE-NER): tagged sentences, label alignment, token classification.

Every task package offers the same names: `read_splits`, `encode`, `build_task`, `predict` and `run`."""

from helpers.ner.pipeline import read_ner_splits as read_splits
from helpers.ner.pipeline import encode_tagged as encode
from helpers.ner.pipeline import build_ner_task as build_task
from helpers.ner.pipeline import predict_entities as predict
from helpers.ner.pipeline import run_ner as run

__all__ = ["read_splits", "encode", "build_task", "predict", "run"]
