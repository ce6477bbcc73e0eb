"""The NER Lightning task: token classification with entity-level (seqeval, strict IOB2) scores."""

from __future__ import annotations

from typing import Sequence

import torch
from torchmetrics import Metric

from helpers.core.tasks import FineTuningTask

IGNORED = -100  # no label: special, padding and ("first" scheme) continuation positions; loss and scores skip them


def entity_set(sequences: Sequence[Sequence[str]]) -> set[tuple]:
    """Entities of tag sequences as (row, type, first token, end token), read in seqeval's strict IOB2 mode."""
    from seqeval.scheme import IOB2, Entities

    return {e.to_tuple() for row in Entities([list(s) for s in sequences], IOB2).entities for e in row}


def tag_sequences(labels: torch.Tensor, predictions: torch.Tensor,
                  id2label: dict[int, str]) -> tuple[list[list[str]], list[list[str]]]:
    """Gold and predicted tag strings of each row, only at positions whose label is not IGNORED."""
    gold, predicted = [], []
    for row_labels, row_predictions in zip(labels.tolist(), predictions.tolist()):
        keep = [i for i, label in enumerate(row_labels) if label != IGNORED]
        gold.append([id2label[row_labels[i]] for i in keep])
        predicted.append([id2label[row_predictions[i]] for i in keep])
    return gold, predicted


class EntityScores(Metric):
    """Entity-level precision, recall and F1 (an entity counts only if its type and both ends are right)."""

    full_state_update = False

    def __init__(self) -> None:
        super().__init__()
        for name in ("correct", "predicted", "gold"):
            self.add_state(name, default=torch.tensor(0), dist_reduce_fx="sum")

    def update(self, gold_tags: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]]) -> None:
        """Count the entities of one batch of tag sequences."""
        gold, predicted = entity_set(gold_tags), entity_set(predicted_tags)
        self.correct += len(gold & predicted)
        self.predicted += len(predicted)
        self.gold += len(gold)

    def compute(self) -> dict[str, torch.Tensor]:
        precision = self.correct / self.predicted.clamp(min=1)
        recall = self.correct / self.gold.clamp(min=1)
        f1 = 2 * precision * recall / (precision + recall).clamp(min=1e-12)
        return {"precision": precision.float(), "recall": recall.float(), "f1": f1.float()}


class TokenClassificationTask(FineTuningTask):
    """Fine-tunes a token classifier (NER): cross-entropy per token, entity precision/recall/F1 per epoch."""

    def __init__(self, model: torch.nn.Module, learning_rate: float = 5e-5, weight_decay: float = 0.01,
                 warmup_ratio: float = 0.1) -> None:
        super().__init__()
        self.model = model
        self.save_hyperparameters(ignore=["model"])
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}
        self.val_entities, self.test_entities = EntityScores(), EntityScores()

    def _evaluate(self, batch: dict[str, torch.Tensor], stage: str) -> None:
        out = self(batch)
        gold, predicted = tag_sequences(batch["labels"], out.logits.argmax(-1), self.id2label)
        (self.val_entities if stage == "val" else self.test_entities).update(gold, predicted)
        self.log(f"{stage}_loss", out.loss, prog_bar=True, batch_size=len(batch["labels"]), sync_dist=True)

    def _log_scores(self, stage: str) -> None:
        metric = self.val_entities if stage == "val" else self.test_entities
        self.log_dict({f"{stage}_{name}": value for name, value in metric.compute().items()}, prog_bar=True,
                      sync_dist=True)  # equal on every rank (the metric syncs itself): a no-op average
        metric.reset()

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._evaluate(batch, "val")

    def on_validation_epoch_end(self) -> None:
        self._log_scores("val")

    def test_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._evaluate(batch, "test")

    def on_test_epoch_end(self) -> None:
        self._log_scores("test")
