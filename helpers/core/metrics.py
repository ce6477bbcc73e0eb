"""Task-independent evaluation numbers: confusion counts and the majority-class baseline."""

from __future__ import annotations

from typing import Sequence

from helpers.core.corpora import (
    LabeledText,
)


def majority_baseline(train: Sequence[LabeledText], test: Sequence[LabeledText]) -> float:
    """Test accuracy of always answering the training rows' most frequent label: the number a model must beat."""
    labels = [r.label for r in train]
    majority = max(set(labels), key=labels.count)
    return sum(r.label == majority for r in test) / max(1, len(test))


def confusion_counts(gold: Sequence[int], predicted: Sequence[int], num_labels: int) -> list[list[int]]:
    """matrix[g][p] = number of rows with gold label g predicted as p."""
    matrix = [[0] * num_labels for _ in range(num_labels)]
    for g, p in zip(gold, predicted):
        matrix[g][p] += 1
    return matrix
