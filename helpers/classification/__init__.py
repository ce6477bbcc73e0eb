"""Document classification (NSMC, or your own file of labelled texts).

Every task package offers the same names: `read_splits`, `encode`, `build_task`, `predict` and `run`."""

from helpers.classification.pipeline import read_document_splits as read_splits
from helpers.classification.pipeline import encode_splits as encode
from helpers.core.tasks import build_task as build_task
from helpers.core.prediction import predict_texts as predict
from helpers.classification.pipeline import run_document_classification as run

__all__ = ["read_splits", "encode", "build_task", "predict", "run"]
