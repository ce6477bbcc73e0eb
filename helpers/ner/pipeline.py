"""Named-entity recognition end to end: character spans -> subword BIO labels -> training -> entity spans.

How spans become labels and back (the "first" or "all" subword scheme) lives in ner_alignment.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from helpers.core.corpus_files import splits_from_files
from helpers.core.data import ClassificationDataset
from helpers.core.devices import to_inference_device
from helpers.core.loaders import make_loaders
from helpers.core.models import in_evaluation_mode, load_pretrained, load_tokenizer, save_model
from helpers.core.plots import plot_entity_scores, plot_learning_curves
from helpers.core.settings import CourseSettings, SettingsError
from helpers.core.splits import Splits
from helpers.core.token_rows import CHUNK_ROWS, RowsBuilder, progress_chunks
from helpers.core.training import fit_and_evaluate, metrics_csv
from helpers.ner.alignment import (
    SCHEME_SETTING,
    add_continuation,
    decode_entities,
    label_scheme,
    model_scheme,
    say_truncated,
    token_tags,
    tokenize_chunk_with_offsets,
    unlabelled,
)
from helpers.ner.corpora import KLUE_TYPES, KMOU_TYPES, EntitySpan, TaggedSentence, read_ner_files
from helpers.ner.metrics import CharacterEntityScores, character_scores, entity_reports_table
from helpers.ner.task import IGNORED, TokenClassificationTask, tag_sequences

NER_CORPORA = {"kmou-ner": KMOU_TYPES, "klue-ner": KLUE_TYPES}
ENTITY_COLORS = {"PS": "#ffc9c9", "LC": "#c5e3ff", "OG": "#cdeec0", "DT": "#ffe8a3", "TI": "#e6d1ff",
                 "QT": "#bfeee8"}


def bio_labels(types: Sequence[str]) -> tuple[str, ...]:
    """The label list of a tag set, in a fixed order: O, B-PS, I-PS, B-LC, I-LC, ..."""
    return ("O",) + tuple(f"{prefix}-{t}" for t in types for prefix in "BI")


def tag_chunk(sentences: Sequence[TaggedSentence], encoded: Any, label2id: dict[str, int],
              scheme: str) -> tuple[list[list[int]], int]:
    """One label id per token of each tokenised sentence (IGNORED where the scheme puts none), and how many
    entities were cut off by truncation."""
    labels, lost = [], 0
    for sentence, offsets, special, continuation in zip(sentences, encoded["offset_mapping"],
                                                         encoded["special_tokens_mask"], encoded["continuation"]):
        tags = token_tags(offsets, sentence.entities, unlabelled(special, continuation, scheme))
        labels.append([IGNORED if t is None else label2id[t] for t in tags])
        covered = max(end for _, end in offsets)  # less than the text's length only in a truncated row
        lost += sum(span.end > covered for span in sentence.entities)
    return labels, lost


def encode_tagged(tokenizer: Any, sentences: Sequence[TaggedSentence], label2id: dict[str, int],
                  max_length: int, name: str = "sentences", scheme: str = "first") -> ClassificationDataset:
    """Token ids plus one label per token (IGNORED where the scheme puts no label), tokenised once in chunks
    into compact rows."""
    ids, labels = RowsBuilder(np.int32, len(sentences)), RowsBuilder(np.int16, len(sentences))
    cut = lost = 0
    for chunk in progress_chunks(sentences, CHUNK_ROWS, name, "sentences"):
        encoded, chunk_cut = tokenize_chunk_with_offsets(tokenizer, [s.text for s in chunk], max_length)
        chunk_labels, chunk_lost = tag_chunk(chunk, encoded, label2id, scheme)
        ids.extend(encoded["input_ids"])
        labels.extend(chunk_labels)
        cut, lost = cut + chunk_cut, lost + chunk_lost
    say_truncated(name, cut, len(sentences), max_length)
    if lost:
        print(f"{name}: 개체명 {lost:,}개가 max_seq_length 밖에 있어 학습에 쓰이지 않습니다")
    return ClassificationDataset(ids.finish(), labels.finish())


def load_token_classifier(settings: CourseSettings, labels: Sequence[str]) -> Any:
    """A BertForTokenClassification whose config stores the tag names (id2label) and the labelling scheme."""
    from transformers import BertForTokenClassification

    id2label = dict(enumerate(labels))
    model = load_pretrained(BertForTokenClassification, settings, num_labels=len(labels), id2label=id2label,
                            label2id={v: k for k, v in id2label.items()})
    setattr(model.config, SCHEME_SETTING, label_scheme(settings))  # saved with the model, read by predictions
    return model


def build_ner_task(settings: CourseSettings, labels: Sequence[str]) -> TokenClassificationTask:
    """The token classifier wrapped in its Lightning task with the settings' optimizer options."""
    model = load_token_classifier(settings, labels)
    return TokenClassificationTask(model, settings.learning_rate, settings.weight_decay, settings.warmup_ratio)


@in_evaluation_mode
def predict_entities(model: Any, tokenizer: Any, texts: Sequence[str], max_length: int = 128,
                     batch_size: int = 32) -> list[list[EntitySpan]]:
    """Entity spans (character offsets and type) found in each text, decoded with the model's labelling scheme."""
    device = to_inference_device(model)
    id2label = {int(k): v for k, v in model.config.id2label.items()}
    scheme = model_scheme(model)
    results: list[list[EntitySpan]] = []
    for start in range(0, len(texts), batch_size):
        batch = add_continuation(tokenizer(list(texts[start : start + batch_size]), truncation=True,
                                           max_length=max_length, padding=True, return_offsets_mapping=True,
                                           return_special_tokens_mask=True, return_tensors="pt"))
        offsets, special = batch.pop("offset_mapping").tolist(), batch.pop("special_tokens_mask").tolist()
        pieces = batch.pop("continuation")
        predicted = model(**batch.to(device)).logits.argmax(-1).tolist()
        for row_offsets, row_special, row_pieces, row_predicted in zip(offsets, special, pieces, predicted):
            tags = [None if s else id2label[p] for s, p in zip(row_special, row_predicted)]
            results.append(decode_entities(row_offsets, tags, row_pieces, scheme))
    return results


@in_evaluation_mode
def entity_report(model: Any, loader: Any) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per entity type on a loader (seqeval, strict IOB2)."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    device = to_inference_device(model)
    id2label = {int(k): v for k, v in model.config.id2label.items()}
    gold, predicted = [], []
    for batch in loader:
        logits = model(**{k: v.to(device) for k, v in batch.items() if k != "labels"}).logits
        g, p = tag_sequences(batch["labels"], logits.argmax(-1).cpu(), id2label)
        gold += g
        predicted += p
    report = classification_report(gold, predicted, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    return {name: {"precision": float(r["precision"]), "recall": float(r["recall"]), "f1": float(r["f1-score"]),
                   "support": int(r["support"])} for name, r in report.items()}


def highlight_entities(text: str, entities: Sequence[EntitySpan]) -> str:
    """HTML of the sentence with each entity marked in its type's colour and labelled."""
    parts, last = [], 0
    for span in sorted(entities, key=lambda s: s.start):
        color = ENTITY_COLORS.get(span.label, "#dddddd")
        parts += [html.escape(text[last : span.start]),
                  f'<mark style="background:{color};padding:1px 3px;border-radius:4px">'
                  f'{html.escape(text[span.start : span.end])}<sub style="font-size:65%;margin-left:2px">'
                  f'{span.label}</sub></mark>']
        last = span.end
    return f'<div style="line-height:2.1">{"".join(parts)}{html.escape(text[last:])}</div>'


def read_ner_splits(settings: CourseSettings) -> Splits:
    """Train/validation/test sentences of the settings' NER corpus, with the row limits applied."""
    if settings.corpus_name not in NER_CORPORA:
        raise SettingsError(f"corpus_name={settings.corpus_name!r} is not an NER corpus; use one of "
                            f"{', '.join(NER_CORPORA)} (command line: --set corpus_name=kmou-ner)")
    files = read_ner_files(settings.corpus_name, settings.corpus_root_dir, download_missing=not settings.smoke)
    return splits_from_files(files, settings)


def run_ner(settings: CourseSettings) -> dict[str, float]:
    """Train on KMOU NER or KLUE-NER, test, plot curves and per-type scores, save the model."""

    scheme = label_scheme(settings)  # an unknown value stops here, before any reading
    tokenizer = load_tokenizer(settings)
    rows = read_ner_splits(settings)
    labels = bio_labels(NER_CORPORA[settings.corpus_name])
    label2id = {label: i for i, label in enumerate(labels)}
    datasets = Splits(*(encode_tagged(tokenizer, getattr(rows, n), label2id, settings.max_seq_length, n, scheme)
                        for n in ("train", "val", "test")))
    loaders = make_loaders(datasets, tokenizer, settings)
    task = build_ner_task(settings, labels)
    # Beside the word-level F1 (seqeval), the KLUE definition: exact character spans of the decoded entities.
    char_scores = CharacterEntityScores(predict_entities, tokenizer, {"val": rows.val, "test": rows.test},
                                        settings.max_seq_length)
    metrics, reporting = fit_and_evaluate(settings, task, loaders.train, loaders.val, loaders.test, monitor="val_f1",
                                          callbacks=[char_scores])
    if not reporting:
        return metrics
    out = Path(settings.output_dir)
    plot_learning_curves(metrics_csv(settings), save_to=out / "learning_curves.png", metrics=("loss", "f1"))
    report = entity_report(task.model, loaders.test)
    plot_entity_scores({t: report[t] for t in NER_CORPORA[settings.corpus_name] if t in report},
                       save_to=out / "entity_scores.png")
    types = NER_CORPORA[settings.corpus_name]
    print(entity_reports_table(report, character_scores(predict_entities, task.model, tokenizer, rows.test,
                                                        settings.max_seq_length), types))
    saved = save_model(task, tokenizer, out / "model")
    print(f"테스트 개체 정밀도 {metrics['test_precision']:.4f}, 재현율 {metrics['test_recall']:.4f}, "
          f"F1 {metrics['test_f1']:.4f} (단어 단위); 글자 단위 character level (KLUE) 정밀도 "
          f"{metrics['test_char_precision']:.4f}, 재현율 {metrics['test_char_recall']:.4f}, "
          f"F1 {metrics['test_char_f1']:.4f}; 그림: {out}; 모델: {saved}")
    return metrics
