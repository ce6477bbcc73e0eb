"""Masked-language-model pretraining of the tiny BERT, and a plain fine-tuning loop to compare it with scratch."""

from __future__ import annotations

import copy
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch
import torch.nn.functional as F

MASK_PROBABILITY = 0.15  # BERT's recipe: 15 % of the tokens are predicted; of those 80 % [MASK], 10 % random, 10 % kept


@dataclass
class MlmHistory:
    """What one pretraining run did: steps, seconds, and the masked-token loss and accuracy as it went."""

    steps: int = 0
    seconds: float = 0.0
    blocks_seen: int = 0
    log: list[dict[str, float]] = field(default_factory=list)


def pack_into_blocks(rows: Sequence[Sequence[int]], block_size: int, cls_id: int, sep_id: int) -> torch.Tensor:
    """Concatenate token rows (no special tokens) as `[CLS] a [SEP] b [SEP] ...` blocks of exactly block_size ids.

    Packing wastes no compute on padding; a row longer than a block is split across blocks. The last,
    incomplete block is dropped.
    """
    if block_size < 4:
        raise ValueError(f"block_size={block_size} must be at least 4")
    stream: list[int] = []
    for row in rows:
        stream.extend(row)
        stream.append(sep_id)
    width = block_size - 1  # room after [CLS]
    count = len(stream) // width
    if count == 0:
        raise ValueError(f"{len(stream)} tokens do not fill one block of {block_size}")
    body = torch.tensor(stream[: count * width], dtype=torch.long).view(count, width)
    return torch.cat([torch.full((count, 1), cls_id, dtype=torch.long), body], dim=1)


def mask_tokens(ids: torch.Tensor, vocab_size: int, mask_id: int, special_ids: Sequence[int],
                generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT masking: inputs with 15 % of ordinary tokens hidden (80/10/10) and labels (-100 where not predicted)."""
    special = torch.isin(ids, torch.tensor(list(special_ids), dtype=torch.long))
    chosen = (torch.rand(ids.shape, generator=generator) < MASK_PROBABILITY) & ~special
    labels = torch.where(chosen, ids, torch.full_like(ids, -100))
    draw = torch.rand(ids.shape, generator=generator)
    inputs = ids.clone()
    inputs[chosen & (draw < 0.8)] = mask_id
    random_spot = chosen & (draw >= 0.8) & (draw < 0.9)
    inputs[random_spot] = torch.randint(vocab_size, ids.shape, generator=generator)[random_spot]
    return inputs, labels


def masked_lm_loss(model: Any, inputs: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, float]:
    """Cross-entropy over the masked positions only (the vocabulary projection runs on those alone) and accuracy."""
    hidden = model.bert(input_ids=inputs).last_hidden_state
    chosen = labels != -100
    logits = model.cls(hidden[chosen])
    targets = labels[chosen]
    accuracy = float((logits.argmax(-1) == targets).float().mean()) if targets.numel() else 0.0
    return F.cross_entropy(logits, targets), accuracy


def time_budget_lr(peak: float, step: int, warmup_steps: int, elapsed: float, budget: float) -> float:
    """Learning rate of a time-budgeted run: linear warm-up over steps, then linear decay to 0 at the deadline."""
    warm = min(1.0, (step + 1) / max(1, warmup_steps))
    return peak * warm * max(0.0, 1.0 - elapsed / budget)


def pretrain_mlm(model: Any, blocks: torch.Tensor, special_ids: Sequence[int], mask_id: int, seconds: float,
                 batch_size: int = 64, learning_rate: float = 1e-3, warmup_steps: int = 200, seed: int = 0,
                 log_every: int = 100, report: Callable[[dict[str, float]], None] | None = None) -> MlmHistory:
    """Train a BertForMaskedLM on packed blocks for `seconds` of wall-clock time (epochs repeat, masks redrawn)."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    vocab_size = model.config.vocab_size
    history, start = MlmHistory(), time.perf_counter()
    losses: list[float] = []
    accuracies: list[float] = []
    model.train()
    while True:
        order = torch.randperm(len(blocks), generator=generator)
        for first in range(0, len(order) - batch_size + 1, batch_size):
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                history.seconds = elapsed
                return history
            for group in optimizer.param_groups:
                group["lr"] = time_budget_lr(learning_rate, history.steps, warmup_steps, elapsed, seconds)
            inputs, labels = mask_tokens(blocks[order[first : first + batch_size]], vocab_size, mask_id,
                                         special_ids, generator)
            loss, accuracy = masked_lm_loss(model, inputs, labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            history.steps += 1
            history.blocks_seen += batch_size
            losses.append(loss.item())
            accuracies.append(accuracy)
            if history.steps % log_every == 0:
                entry = {"step": history.steps, "seconds": round(time.perf_counter() - start, 1),
                         "mlm_loss": round(sum(losses) / len(losses), 4),
                         "masked_accuracy": round(sum(accuracies) / len(accuracies), 4)}
                history.log.append(entry)
                losses, accuracies = [], []
                if report:
                    report(entry)


def encoder_weights(mlm_model: Any) -> dict[str, torch.Tensor]:
    """The encoder part (embeddings and layers) of a BertForMaskedLM, ready for BertForSequenceClassification.bert."""
    return {k: v.detach().clone() for k, v in mlm_model.bert.state_dict().items()}


def load_encoder(classifier: Any, weights: dict[str, torch.Tensor]) -> None:
    """Copy pretrained encoder weights into a classifier; only the pooler (absent from the MLM) may stay new."""
    try:
        result = classifier.bert.load_state_dict(weights, strict=False)
    except RuntimeError as err:  # a shape mismatch: another vocabulary or model size
        raise ValueError(f"encoder weights do not fit the classifier: {err}") from None
    missing = [k for k in result.missing_keys if not k.startswith("pooler.")]
    if missing or result.unexpected_keys:
        raise ValueError(f"encoder weights do not fit the classifier: missing {missing}, "
                         f"unexpected {result.unexpected_keys}")


def padded_batch(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """input_ids and attention_mask of rows right-padded to the longest one."""
    length = max(len(r) for r in rows)
    ids = torch.tensor([[*r, *[pad_id] * (length - len(r))] for r in rows], dtype=torch.long)
    return ids, (ids != pad_id).long()


def length_grouped_batches(lengths: Sequence[int], batch_size: int, rng: random.Random | None = None,
                           group: int = 8) -> list[list[int]]:
    """Batches of row indexes of similar length (less padding): shuffled, sorted within chunks, batches shuffled.

    Without `rng` the rows are just sorted by length (for evaluation, where order does not matter).
    """
    order = list(range(len(lengths)))
    if rng is None:
        order.sort(key=lambda i: lengths[i])
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(order)
    chunk = batch_size * group
    batches = []
    for first in range(0, len(order), chunk):
        part = sorted(order[first : first + chunk], key=lambda i: lengths[i])
        batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def accuracy(model: Any, rows: Sequence[Sequence[int]], labels: Sequence[int], pad_id: int,
             batch_size: int = 128) -> float:
    """Share of rows whose argmax class equals the label (model in eval mode, no gradients)."""
    was_training, correct = model.training, 0
    model.eval()
    with torch.no_grad():
        for chosen in length_grouped_batches([len(r) for r in rows], batch_size):
            ids, mask = padded_batch([rows[i] for i in chosen], pad_id)
            predicted = model(input_ids=ids, attention_mask=mask).logits.argmax(-1)
            correct += int((predicted == torch.tensor([labels[i] for i in chosen])).sum())
    model.train(was_training)
    return correct / len(rows)


def fine_tune(model: Any, train: tuple[list[list[int]], list[int]], val: tuple[list[list[int]], list[int]],
              pad_id: int, learning_rate: float, epochs: int, batch_size: int = 32, seed: int = 0,
              warmup_ratio: float = 0.1) -> dict[str, Any]:
    """AdamW with linear warm-up and decay; keeps the weights of the epoch with the best validation accuracy."""
    rows, labels = train
    steps = epochs * math.ceil(len(rows) / batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    warmup = max(1, int(steps * warmup_ratio))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    rng, best, val_curve = random.Random(seed), (-1.0, None, 0), []
    lengths = [len(r) for r in rows]
    model.train()
    for epoch in range(epochs):
        for chosen in length_grouped_batches(lengths, batch_size, rng):
            ids, mask = padded_batch([rows[i] for i in chosen], pad_id)
            loss = model(input_ids=ids, attention_mask=mask, labels=torch.tensor([labels[i] for i in chosen])).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
        val_curve.append(accuracy(model, *val, pad_id))
        if val_curve[-1] > best[0]:
            best = (val_curve[-1], copy.deepcopy(model.state_dict()), epoch + 1)
    model.load_state_dict(best[1])
    return {"val_acc": best[0], "best_epoch": best[2], "val_curve": val_curve}
