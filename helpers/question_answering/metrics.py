"""The official KorQuAD 1.0 scores: exact match and character-level F1 after the same normalisation."""

from __future__ import annotations

import string
from collections import Counter
from typing import Iterable, Mapping, Sequence

# The KorQuAD 1.0 script turns these quote and bracket marks into spaces before removing ASCII punctuation.
MARKS_TO_SPACE = "'\"《》<>〈〉()‘’"
SPACE_MARKS = str.maketrans({mark: " " for mark in MARKS_TO_SPACE})
ASCII_PUNCTUATION = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """KorQuAD 1.0 normalisation: marks to spaces, lower case, ASCII punctuation out, single spaces."""
    lowered = text.translate(SPACE_MARKS).lower()
    kept = "".join(ch for ch in lowered if ch not in ASCII_PUNCTUATION)
    return " ".join(kept.split())


def exact_match(prediction: str, gold: str) -> float:
    """1.0 when both normalise to the same string, else 0.0."""
    return float(normalize_answer(prediction) == normalize_answer(gold))


def char_f1(prediction: str, gold: str) -> float:
    """F1 over the characters (spaces dropped) of the normalised strings, counted as multisets."""
    predicted = list(normalize_answer(prediction).replace(" ", ""))
    expected = list(normalize_answer(gold).replace(" ", ""))
    same = sum((Counter(predicted) & Counter(expected)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(expected)
    return 2 * precision * recall / (precision + recall)


def best_over_golds(metric, prediction: str, golds: Iterable[str]) -> float:
    """The best score of the prediction against any of the gold answers."""
    return max(metric(prediction, gold) for gold in golds)


def korquad_scores(golds: Mapping[str, Sequence[str]], predictions: Mapping[str, str]) -> dict[str, float]:
    """EM and F1 in percent over every question of `golds`; an unanswered question scores 0 (and is counted)."""
    if not golds:
        raise ValueError("no questions to score")
    em = f1 = 0.0
    missing = 0
    for qid, answers in golds.items():
        if qid not in predictions:
            missing += 1
            continue
        em += best_over_golds(exact_match, predictions[qid], answers)
        f1 += best_over_golds(char_f1, predictions[qid], answers)
    if missing:
        print(f"{missing:,} of {len(golds):,} questions have no prediction and score 0")
    return {"exact_match": 100.0 * em / len(golds), "f1": 100.0 * f1 / len(golds)}
