"""Inference: load a task's saved model (or train a smoke one when none exists) and predict files to CSV."""

from __future__ import annotations

import csv
import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from helpers.core.corpora import CorpusFormatError, read_text_lines
from helpers.core.devices import inference_device
from helpers.core.metrics import confusion_counts
from helpers.core.models import has_weights
from helpers.core.prediction import predict_texts
from helpers.core.quiet import hidden_load_reports
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, TASK_SETTINGS, CourseSettings, as_task_settings


@dataclass(frozen=True)
class TaskSpec:
    """Where a task's run function lives (every task package names it `run`) and which Auto class loads its model."""

    module: str
    run_function: str
    auto_class: str


TASKS = {
    "document-classification": TaskSpec("helpers.classification", "run", "AutoModelForSequenceClassification"),
    "pair-classification": TaskSpec("helpers.pair_classification", "run", "AutoModelForSequenceClassification"),
    "ner": TaskSpec("helpers.ner", "run", "AutoModelForTokenClassification"),
    "question-answering": TaskSpec("helpers.question_answering", "run", "AutoModelForQuestionAnswering"),
    "generation": TaskSpec("helpers.generation", "run", "AutoModelForCausalLM"),
}
# The stand-in model trains on the embedded sample long enough that the demo's examples get sensible answers
# (the real NSMC sample: a few hundred steps), yet within a few tens of seconds on a laptop CPU.
FALLBACK_LIMITS = dict(limit_train_rows=None, limit_eval_rows=None, epochs=2, max_steps=-1, precision="32-true",
                       num_workers=0, learning_rate=1e-3, batch_size=32)
FALLBACK_TASK_LIMITS: dict[str, dict[str, Any]] = {
    "document-classification": {},
    "pair-classification": dict(epochs=20),  # at 3e-4 it took some entailments for neutral
    "ner": dict(epochs=20, batch_size=16),
    # 4 epochs of 16: held-out EM 23; 16 epochs of 8 at 2e-3: EM 50 and the demo answer at seed 7 (not every seed)
    "question-answering": dict(epochs=16, batch_size=8, learning_rate=2e-3),
    # A 3000-token BPE instead of 8000: on 4000 short reviews most of 8000 tokens are seen a few times only.
    "generation": dict(epochs=3, batch_size=16, learning_rate=3e-3, limit_train_rows=None, limit_eval_rows=200,
                       bpe_vocab_size=3000),
}
# The numbers a task's run returns that say how well the stand-in learned, printed with the demo.
SCORE_NAMES = {"test_acc": "test accuracy", "majority_acc": "majority-class baseline",
               "test_f1": "test F1", "test_char_f1": "character-level entity F1 (KLUE)",
               "val_em": "validation EM", "val_f1": "validation F1", "test_loss": "test loss",
               "val_loss": "validation loss"}


@dataclass
class LoadedModel:
    """A model ready for prediction, its tokenizer, the folder it came from and whether it was really trained."""

    model: Any
    tokenizer: Any
    folder: Path
    trained: bool


def model_folder(settings: CourseSettings) -> Path:
    """The folder a training notebook saves its model to: `<output_dir>/model`."""
    return Path(settings.output_dir) / "model"


def load_saved_model(folder: str | Path, auto_class: str) -> tuple[Any, Any]:
    """Model (safetensors only, no remote code) and tokenizer saved with save_pretrained in `folder`."""
    import transformers

    model = getattr(transformers, auto_class).from_pretrained(folder, use_safetensors=True)
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    model.eval().to(inference_device())  # the GPU when there is one: the demos answer faster
    return model, tokenizer


def fallback_settings(settings: CourseSettings, task: str | None = None) -> CourseSettings:
    """Smoke settings for the stand-in model: tiny, CPU, the embedded sample corpus when it has one, own folder."""
    has_sample = (EMBEDDED_SAMPLE_ROOT / settings.corpus_name).is_dir()
    root = str(EMBEDDED_SAMPLE_ROOT) if has_sample or not settings.smoke else settings.corpus_root_dir
    folder = str(Path(settings.output_dir) / "smoke-fallback")
    limits = {**FALLBACK_LIMITS, **FALLBACK_TASK_LIMITS.get(task or "", {})}
    base = as_task_settings(settings, task) if task in TASK_SETTINGS else settings  # task options (bpe_vocab_size)
    # No model folder: the stand-in is random and tiny anyway, so it always uses the embedded vocabulary it was sized
    # for (a 30k KcBERT vocabulary made the QA stand-in learn far less in the same time).
    return base.replace(smoke=True, corpus_root_dir=root, output_dir=folder, checkpoint_dir=None, model_dir=None,
                        resume=False, **limits)


def score_summary(metrics: dict[str, float]) -> str:
    """The stand-in run's scores that say how much it learned, e.g. "test accuracy 0.71, majority ... 0.50"."""
    parts = [f"{label} {float(metrics[name]):.4f}" for name, label in SCORE_NAMES.items() if name in metrics]
    return ", ".join(parts) or "no scores returned"


def load_trained_or_smoke(task: str, settings: CourseSettings) -> LoadedModel:
    """Load the model the task's training notebook saved; without one, say so and train a tiny stand-in."""
    spec = TASKS[task]
    folder = model_folder(settings)
    if has_weights(folder):
        try:
            model, tokenizer = load_saved_model(folder, spec.auto_class)
            print(f"학습한 모델을 불러왔습니다: {folder} (loaded the trained model)")
            return LoadedModel(model, tokenizer, folder, trained=True)
        except Exception as err:  # e.g. a save still being written (another process), or no safetensors file
            print(f"{folder}를 불러오지 못했습니다({type(err).__name__}: {err}). 대신 스모크 모델을 씁니다 (could not load).")
    else:
        print(f"{folder}에 학습한 모델이 없습니다. {task} 학습 노트북을 실행하면 생깁니다 (No trained model found).\n"
              "이 노트북이 끝까지 돌도록 내장 예제 말뭉치로 작은 대역 모델을 지금 학습합니다(무작위에서 시작): "
              "진짜 모델보다 훨씬 덜 배웁니다 (a stand-in smoke model).")
    smoke = fallback_settings(settings, task)
    run = getattr(importlib.import_module(spec.module), spec.run_function)
    with hidden_load_reports():  # its new random head is expected; notebook 03 explains the report
        metrics = run(smoke)
    close_figures()  # the stand-in run's learning curves are not what this notebook is about
    model, tokenizer = load_saved_model(model_folder(smoke), spec.auto_class)
    print(f"대역 모델을 불러왔습니다: {model_folder(smoke)}; 예제 말뭉치의 따로 둔 행에서 (held-out rows: "
          f"{score_summary(metrics or {})})")
    return LoadedModel(model, tokenizer, model_folder(smoke), trained=False)


def close_figures() -> None:
    """Close every open matplotlib figure, so a notebook does not show them."""
    import matplotlib.pyplot as plt

    plt.close("all")


def read_inputs(path: str | Path, columns: int = 1) -> list[Any]:
    """Inputs of a file: one text per line, or tuples of `columns` tab-separated fields; blank lines are kept."""
    path, rows = Path(path), []
    for number, line in read_text_lines(path):
        fields = tuple(line.split("\t"))
        if columns > 1 and len(fields) != columns and line.strip():
            raise CorpusFormatError(path, number, f"expected {columns} tab-separated fields, got {len(fields)}")
        rows.append(line if columns == 1 else fields if len(fields) == columns else ("",) * columns)
    print(f"{path}에서 입력 {len(rows):,}개를 읽었습니다")
    return rows


def flat_row(prediction: dict[str, Any]) -> dict[str, Any]:
    """One CSV row: nested probability dicts become `p_<label>` columns, lists become JSON text."""
    row: dict[str, Any] = {}
    for key, value in prediction.items():
        if isinstance(value, dict):
            row.update({f"p_{k}": round(float(v), 6) for k, v in value.items()})
        elif isinstance(value, (list, tuple)):
            row[key] = json.dumps([getattr(v, "__dict__", v) for v in value], ensure_ascii=False)
        else:
            row[key] = round(value, 6) if isinstance(value, float) else value
    return row


def write_csv(rows: Sequence[dict[str, Any]], path: str | Path, first: Sequence[str] = ()) -> Path:
    """Write prediction rows as UTF-8 CSV; columns: `first`, then the other keys in first-seen order."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    flat = [flat_row(r) for r in rows]
    columns = list(dict.fromkeys([*first, *(k for r in flat for k in r)]))
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(flat)
    return path


def predict_to_csv(predict_batch: Callable[[list[Any]], list[dict[str, Any]]], inputs: Sequence[Any],
                   path: str | Path, input_columns: Sequence[str] = ("text",),
                   check: Callable[[Any], str | None] | None = None, batch_size: int = 32) -> list[dict[str, Any]]:
    """Predict every input in batches with a progress bar and write one CSV row per input, in input order.

    `check(item)` returns a message for an input that cannot be predicted: that input gets a row with its
    `input_columns` and an `error` column instead of a prediction (never dropped).
    """
    from tqdm.auto import tqdm

    results: list[dict[str, Any] | None] = [None] * len(inputs)
    for i, item in enumerate(inputs):
        message = check(item) if check else None
        if message:
            values = item if isinstance(item, tuple) else (item,)
            results[i] = {**dict(zip(input_columns, values)), "error": message}
    todo = [i for i in range(len(inputs)) if results[i] is None]
    with tqdm(total=len(todo), desc="predicting", unit="row") as bar:
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            for i, prediction in zip(chunk, predict_batch([inputs[i] for i in chunk])):
                results[i] = prediction
            bar.update(len(chunk))
    write_csv(results, path, first=input_columns)
    print(f"{path}에 {len(results):,}행을 썼습니다 (그중 입력 오류 {len(results) - len(todo):,}행)")
    return results


def confusion_on_texts(model: Any, tokenizer: Any, rows: Sequence[Any], max_length: int) -> list[list[int]]:
    """Confusion matrix (gold rows, predicted columns) of a sequence classifier on labelled texts (LabeledText)."""

    predictions = predict_texts(model, tokenizer, [r.text for r in rows], max_length)
    label2id = {v: int(k) for k, v in model.config.id2label.items()}
    return confusion_counts([r.label for r in rows], [label2id[p["label"]] for p in predictions], len(label2id))
