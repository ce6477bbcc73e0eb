"""Extractive question answering on KorQuAD 1.0 end to end: features, task with per-epoch EM/F1, prediction."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from helpers.core.data import make_dataloader
from helpers.core.devices import to_inference_device
from helpers.core.models import evaluation_mode, load_pretrained, load_tokenizer, save_model
from helpers.core.plots import epoch_table, plot_learning_curves
from helpers.core.settings import CourseSettings, QuestionAnsweringSettings, SettingsError, as_task_settings
from helpers.core.tasks import FineTuningTask
from helpers.core.training import fit_and_evaluate, metrics_csv
from helpers.question_answering.corpus import QaExample, read_korquad_splits
from helpers.question_answering.features import QaFeatureDataset, QaFeatures, build_qa_features, decode_answers
from helpers.question_answering.metrics import korquad_scores

# Window and decoding settings and their defaults: overlap between windows, answers kept, answer cap.
QA_OPTIONS = {name: getattr(QuestionAnsweringSettings, name) for name in ("doc_stride", "n_best", "max_answer_length")}


def qa_option(settings: CourseSettings, name: str) -> int:
    """One of the QA settings in QA_OPTIONS (a field of QuestionAnsweringSettings; its default for other settings)."""
    return getattr(as_task_settings(settings, "question-answering"), name)


@dataclass
class QaEvalSet:
    """What evaluation needs to turn window logits into answers and score them."""

    examples: list[QaExample]
    features: QaFeatures

    def golds(self) -> dict[str, list[str]]:
        """Question id -> gold answer texts."""
        return {e.id: [a.text for a in e.answers] for e in self.examples}


class QuestionAnsweringTask(FineTuningTask):
    """Fine-tunes a span-prediction model; logs val_loss and the official EM and F1 after each epoch."""

    def __init__(self, model: torch.nn.Module, eval_set: QaEvalSet | None = None, learning_rate: float = 5e-5,
                 weight_decay: float = 0.01, warmup_ratio: float = 0.1, n_best: int = 20,
                 max_answer_length: int = 30) -> None:
        super().__init__()
        self.model, self.eval_set = model, eval_set
        self.save_hyperparameters(ignore=["model", "eval_set"])
        self.window_logits: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def forward(self, batch: dict[str, torch.Tensor]) -> Any:
        return self.model(**{k: v for k, v in batch.items() if k != "feature_index"})

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        out = self(batch)
        self.log("val_loss", out.loss, prog_bar=True, batch_size=len(batch["input_ids"]), sync_dist=True)
        lengths = batch["attention_mask"].sum(-1).tolist()
        starts, ends = out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy()
        for row, (index, n) in enumerate(zip(batch["feature_index"].tolist(), lengths)):
            self.window_logits[index] = (starts[row, :n], ends[row, :n])

    def on_validation_epoch_start(self) -> None:
        self.window_logits = {}

    def on_validation_epoch_end(self) -> None:
        if self.eval_set is None or self.trainer.sanity_checking:
            return
        if self.trainer.world_size > 1:  # several GPUs: each saw part of the windows, so pool them first
            parts: list[Any] = [None] * self.trainer.world_size
            torch.distributed.all_gather_object(parts, self.window_logits)
            self.window_logits = {k: v for part in parts for k, v in part.items()}
        scores = self.score(self.eval_set)
        # Every rank scored the same pooled windows: sync_dist averages equal numbers (and keeps DDP quiet).
        self.log("val_em", scores["exact_match"], prog_bar=True, sync_dist=True)
        self.log("val_f1", scores["f1"], prog_bar=True, sync_dist=True)

    def score(self, eval_set: QaEvalSet) -> dict[str, float]:
        """Decode the answers from the logits of this validation pass and compute the official EM/F1."""
        answers = self.predictions(eval_set)
        return korquad_scores(eval_set.golds(), {e.id: a[0]["text"] for e, a in zip(eval_set.examples, answers)})

    def predictions(self, eval_set: QaEvalSet) -> list[list[dict[str, Any]]]:
        """The n-best answers of each example from the logits of the last validation pass."""
        n = len(eval_set.features)
        starts = [self.window_logits.get(i, (None, None))[0] for i in range(n)]
        ends = [self.window_logits.get(i, (None, None))[1] for i in range(n)]
        hp = self.hparams
        return decode_answers(eval_set.examples, eval_set.features, starts, ends, hp.n_best, hp.max_answer_length)



def load_qa_model(settings: CourseSettings) -> Any:
    """BertForQuestionAnswering: pretrained KcBERT, or the tiny random BERT in smoke mode."""
    from transformers import BertForQuestionAnswering


    return load_pretrained(BertForQuestionAnswering, settings)


def build_qa_task(model: Any, eval_set: QaEvalSet, settings: CourseSettings) -> QuestionAnsweringTask:
    """The QA model in its Lightning task with the settings' optimizer and decoding options."""
    return QuestionAnsweringTask(model, eval_set, settings.learning_rate, settings.weight_decay,
                                 settings.warmup_ratio, qa_option(settings, "n_best"),
                                 qa_option(settings, "max_answer_length"))


def make_qa_loaders(train: QaFeatures, val: QaFeatures, tokenizer: Any, settings: CourseSettings) -> tuple[Any, Any]:
    """Shuffled (length-grouped if set) training loader and an ordered validation loader, padded per batch."""
    common = dict(batch_size=settings.batch_size, pad_token_id=tokenizer.pad_token_id, seed=settings.seed,
                  num_workers=settings.num_workers)
    return (make_dataloader(QaFeatureDataset(train), shuffle=True, length_grouped=settings.length_grouped, **common),
            make_dataloader(QaFeatureDataset(val), **common))


def answer_question(model: Any, tokenizer: Any, question: str, context: str, max_length: int = 256,
                    doc_stride: int = 64, n_best: int = 5, max_answer_length: int = 30) -> dict[str, Any]:
    """The best answer to `question` in `context` (text, character span, score, probability) and the n-best list."""
    if not question.strip() or not context.strip():
        raise ValueError("answer_question needs a non-empty question and context")
    example = QaExample("question", question, context, answers=())
    features = build_qa_features(tokenizer, [example], max_length, doc_stride, verbose=False)
    device = to_inference_device(model)
    starts, ends = [], []
    with evaluation_mode(model):
        for ids, types in zip(features.input_ids, features.token_type_ids):
            out = model(input_ids=torch.tensor([ids], device=device),
                        token_type_ids=torch.tensor([types], device=device))
            starts.append(out.start_logits[0].float().cpu().numpy())
            ends.append(out.end_logits[0].float().cpu().numpy())
    best = decode_answers([example], features, starts, ends, n_best, max_answer_length)[0]
    return {**best[0], "question": question, "n_best": best}


def highlight_answer(context: str, predicted: tuple[int, int], gold: tuple[int, int] | None = None) -> str:
    """HTML of the context with the predicted span marked yellow and the gold span underlined."""
    yellow, underline = "background:#ffe066;", "text-decoration:underline 2px #2f9e44;"
    parts, style = [], None
    for i, ch in enumerate(context):
        in_gold = gold is not None and gold[0] <= i < gold[1]
        css = (yellow if predicted[0] <= i < predicted[1] else "") + (underline if in_gold else "")
        if css != style:
            parts.append(("</span>" if style is not None else "") + f'<span style="{css}">')
            style = css
        parts.append(html.escape(ch))
    return "".join(parts) + "</span>" * bool(context)


def run_question_answering(settings: CourseSettings) -> dict[str, float]:
    """Train on KorQuAD (or the sample), report EM/F1 per epoch, evaluate the best checkpoint, save the model."""

    if settings.corpus_name != "korquad":
        raise SettingsError(f"question answering reads KorQuAD, not corpus_name={settings.corpus_name!r}: set "
                            "corpus_name='korquad' (command line: --set corpus_name=korquad "
                            "--set output_dir=outputs/question-answering --set max_seq_length=256)")
    train_examples, val_examples = read_korquad_splits(settings)
    tokenizer = load_tokenizer(settings)
    stride = qa_option(settings, "doc_stride")
    train = build_qa_features(tokenizer, train_examples, settings.max_seq_length, stride, "train", keep_offsets=False)
    val = build_qa_features(tokenizer, val_examples, settings.max_seq_length, stride, "validation")
    loaders = make_qa_loaders(train, val, tokenizer, settings)
    task = build_qa_task(load_qa_model(settings), QaEvalSet(val_examples, val), settings)
    metrics, reporting = fit_and_evaluate(settings, task, *loaders, loaders[1], stage="validate",
                                          monitor="val_f1", mode="max")
    if not reporting:  # in a multi-GPU (DDP) run only the main process plots, saves and reports
        return metrics
    print(epoch_table(metrics_csv(settings), ("val_loss", "val_em", "val_f1")))
    plot = Path(settings.output_dir) / "learning_curves.png"
    plot_learning_curves(metrics_csv(settings), save_to=plot, metrics=("loss", "f1"))
    saved = save_model(task, tokenizer, Path(settings.output_dir) / "model")
    print(f"검증 EM {metrics['val_em']:.2f}, F1 {metrics['val_f1']:.2f}; 학습 곡선: {plot}; 모델: {saved}")
    return metrics
