"""Character-level entity scores (KLUE-NER's definition) beside the word-level (seqeval) ones.

An entity counts as correct when its type and its exact character span `text[start:end]` match a gold
entity. KLUE reports this; the word-level F1 of `ner_task.EntityScores` compares entity boundaries in units
of the first subword of each word, so a predicted span that starts or ends inside a word (or that the
tokenizer's pieces cannot express) can be right there and wrong here.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Sequence

from lightning.pytorch.callbacks import Callback

from helpers.ner.corpora import EntitySpan, TaggedSentence


def scores_from_counts(correct: int, predicted: int, gold: int) -> dict[str, float]:
    """Precision, recall and F1 (0 where undefined) from entity counts."""
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def character_entity_report(gold: Sequence[Sequence[EntitySpan]],
                            predicted: Sequence[Sequence[EntitySpan]]) -> dict[str, dict[str, float]]:
    """Per-type and "micro avg" precision, recall, F1 and support of exact (type, start, end) matches per sentence."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predicted ones")
    gold_set = {(i, s.label, s.start, s.end) for i, spans in enumerate(gold) for s in spans}
    predicted_set = {(i, s.label, s.start, s.end) for i, spans in enumerate(predicted) for s in spans}
    correct = Counter(e[1] for e in gold_set & predicted_set)
    n_gold, n_predicted = Counter(e[1] for e in gold_set), Counter(e[1] for e in predicted_set)
    report = {t: {**scores_from_counts(correct[t], n_predicted[t], n_gold[t]), "support": n_gold[t]}
              for t in sorted(set(n_gold) | set(n_predicted))}
    total = scores_from_counts(sum(correct.values()), len(predicted_set), len(gold_set))
    report["micro avg"] = {**total, "support": len(gold_set)}
    return report


# predict_entities(model, tokenizer, texts, max_length) of helpers.ner.pipeline: the spans a user of the model gets
SpanPredictor = Callable[[Any, Any, Sequence[str], int], list[list[EntitySpan]]]


def character_scores(predict: SpanPredictor, model: Any, tokenizer: Any, sentences: Sequence[TaggedSentence],
                     max_length: int) -> dict[str, dict[str, float]]:
    """Character-level report of the model's decoded spans on tagged sentences."""
    predicted = predict(model, tokenizer, [s.text for s in sentences], max_length)
    return character_entity_report([s.entities for s in sentences], predicted)


class CharacterEntityScores(Callback):
    """Logs `<stage>_char_precision/_recall/_f1` after each validation epoch and the test, beside the word-level F1.

    It decodes each sentence's predicted spans with the model's labelling scheme and compares them with the
    gold character spans, so it costs one extra forward pass over the evaluation sentences.
    """

    def __init__(self, predict: SpanPredictor, tokenizer: Any, sentences: dict[str, Sequence[TaggedSentence]],
                 max_length: int) -> None:
        self.predict, self.tokenizer, self.sentences, self.max_length = predict, tokenizer, sentences, max_length

    def _log(self, trainer: Any, pl_module: Any, stage: str) -> None:
        if trainer.sanity_checking or stage not in self.sentences:
            return
        device = pl_module.device  # predicting may move the model to the inference device: put it back after
        report = character_scores(self.predict, pl_module.model, self.tokenizer, self.sentences[stage],
                                  self.max_length)
        pl_module.to(device)
        total = report["micro avg"]
        pl_module.log_dict({f"{stage}_char_{name}": float(total[name]) for name in ("precision", "recall", "f1")},
                           prog_bar=stage == "val", sync_dist=True)  # every DDP rank scores all rows: same value

    def on_validation_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        self._log(trainer, pl_module, "val")

    def on_test_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        self._log(trainer, pl_module, "test")


def entity_reports_table(word: dict[str, dict[str, float]], character: dict[str, dict[str, float]],
                         types: Sequence[str]) -> str:
    """Text table of word-level (seqeval) and character-level (KLUE) precision, recall and F1 per type and overall."""
    lines = [f"{'type':<10}{'word P':>8}{'word R':>8}{'word F1':>9}{'char P':>8}{'char R':>8}{'char F1':>9}"
             f"{'support':>9}"]
    empty = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    for name in [*types, "micro avg"]:
        w, c = word.get(name, empty), character.get(name, empty)
        lines.append(f"{name:<10}{w['precision']:>8.3f}{w['recall']:>8.3f}{w['f1']:>9.3f}"
                     f"{c['precision']:>8.3f}{c['recall']:>8.3f}{c['f1']:>9.3f}{int(c['support']):>9}")
    return "\n".join(lines)
