"""Extractive question answering (KorQuAD 1.0): windows over long contexts, n-best span decoding, EM/F1.

Every task package offers the same names: `read_splits`, `encode`, `build_task`, `predict` and `run`."""

from helpers.question_answering.corpus import read_korquad_splits as read_splits
from helpers.question_answering.features import build_qa_features as encode
from helpers.question_answering.pipeline import build_qa_task as build_task
from helpers.question_answering.pipeline import answer_question as predict
from helpers.question_answering.pipeline import run_question_answering as run

__all__ = ["read_splits", "encode", "build_task", "predict", "run"]
