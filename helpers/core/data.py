"""Tokenise once, keep rows unpadded, and pad each batch to its own longest row."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from helpers.core.corpora import LabeledText
from helpers.core.sampling import LengthGroupedSampler, ShuffledBatchSampler, cut_into_batches
from helpers.core.token_rows import CHUNK_ROWS, RowsBuilder, TokenRows, chunked, prefetched, progress


@dataclass
class EncodedTexts:
    """Token ids of many texts (no padding) and how many were cut at max_length."""

    input_ids: TokenRows
    truncated: int

    def lengths(self) -> list[int]:
        """Number of tokens of each row, special tokens included."""
        return self.input_ids.lengths().tolist()


def token_ids_batch(tokenizer: Any, texts: Sequence[str]) -> list[list[int]]:
    """Token ids of all texts with special tokens, untruncated, in one batched call (Rust-parallel when fast)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None and backend.truncation is None and backend.padding is None:
        # The Rust tokenizer directly: same ids as tokenizer(texts), without building offsets and masks.
        encode_batch = getattr(backend, "encode_batch_fast", backend.encode_batch)  # _fast: tokenizers >= 0.21
        return [e.ids for e in encode_batch(list(texts), add_special_tokens=True)]
    return tokenizer(list(texts), add_special_tokens=True, truncation=False, return_attention_mask=False,
                     return_token_type_ids=False)["input_ids"]


def pair_ids_batch(tokenizer: Any, firsts: Sequence[str], seconds: Sequence[str]) -> tuple[list, list]:
    """Token ids and token type ids of text pairs with special tokens, untruncated, in one batched call."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None and backend.truncation is None and backend.padding is None:
        # The Rust tokenizer directly (as in token_ids_batch): same ids as tokenizer(firsts, seconds).
        encode_batch = getattr(backend, "encode_batch_fast", backend.encode_batch)
        encodings = encode_batch(list(zip(firsts, seconds)), add_special_tokens=True)
        return [e.ids for e in encodings], [e.type_ids for e in encodings]
    encoded = tokenizer(list(firsts), list(seconds), truncation=False, return_attention_mask=False)
    return encoded["input_ids"], encoded["token_type_ids"]


def truncate_ids(tokenizer: Any, rows: list[list[int]], max_length: int) -> int:
    """Cut rows longer than max_length in place (keeping the closing [SEP]) and say how many were cut."""
    sep = [tokenizer.sep_token_id] if tokenizer.sep_token_id is not None else []
    keep, cut = max_length - len(sep), 0
    for i, ids in enumerate(rows):
        if len(ids) > max_length:
            rows[i], cut = ids[:keep] + sep, cut + 1
    return cut


def encode_texts(tokenizer: Any, texts: Sequence[str], max_length: int, name: str = "texts") -> EncodedTexts:
    """Tokenise texts in chunks of CHUNK_ROWS (batched fast-tokenizer calls, a progress bar on long runs) into
    compact rows, truncating at max_length and saying how many."""
    builder, truncated = RowsBuilder(np.int32, len(texts)), 0
    with progress(len(texts), name) as bar:
        for chunk, ids in prefetched(partial(token_ids_batch, tokenizer), chunked(texts, CHUNK_ROWS)):
            truncated += truncate_ids(tokenizer, ids, max_length)
            builder.extend(ids)
            bar.update(len(chunk))
    if truncated:
        print(f"{name}: max_seq_length={max_length} 토큰보다 긴 행을 잘랐습니다 "
              f"({truncated:,} of {len(texts):,} rows longer than max_seq_length={max_length})")
    return EncodedTexts(builder.finish(), truncated)


def as_token_rows(rows: TokenRows | Sequence[Sequence[int]], dtype: Any = np.int32) -> TokenRows:
    """TokenRows as they are; rows given as Python lists are packed (so every dataset stays compact)."""
    return rows if isinstance(rows, TokenRows) else TokenRows.from_rows(rows, dtype)


def per_token(labels: Sequence[Any]) -> bool:
    """Whether labels hold one value per token (NER, language modelling) rather than one per row."""
    return isinstance(labels, TokenRows) or (len(labels) > 0 and isinstance(labels[0], (list, tuple, np.ndarray)))


class ClassificationDataset(Dataset):
    """Unpadded token ids (compact TokenRows) with a label per row or per token; rows become tensors only in
    the collate function."""

    def __init__(self, input_ids: TokenRows | Sequence[Sequence[int]], labels: Sequence[Any],
                 token_type_ids: TokenRows | Sequence[Sequence[int]] | None = None) -> None:
        if len(input_ids) != len(labels):
            raise ValueError(f"{len(input_ids)} encoded rows but {len(labels)} labels")
        self.input_ids = as_token_rows(input_ids)
        # Language modelling passes the ids themselves as labels: the same TokenRows, not a copy.
        self.labels = as_token_rows(labels) if per_token(labels) else list(labels)
        self.token_type_ids = None if token_type_ids is None else as_token_rows(token_type_ids, np.int8)

    def __len__(self) -> int:
        return len(self.input_ids)

    def __getitem__(self, index: int) -> dict[str, Any]:
        row = {"input_ids": self.input_ids[index], "labels": self.labels[index]}
        if self.token_type_ids is not None:
            row["token_type_ids"] = self.token_type_ids[index]
        return row

    def lengths(self) -> list[int]:
        """Number of tokens of each row (a list of Python ints, as before: JSON- and statistics-friendly)."""
        return self.input_ids.lengths().tolist()


def build_classification_dataset(tokenizer: Any, rows: Sequence[LabeledText], max_length: int,
                                 name: str = "rows") -> ClassificationDataset:
    """Tokenise labelled texts once into a ClassificationDataset."""
    encoded = encode_texts(tokenizer, [r.text for r in rows], max_length, name)
    return ClassificationDataset(encoded.input_ids, [r.label for r in rows])


def pad_rows(rows: Sequence[Sequence[int]], pad_value: int, length: int | None = None) -> torch.Tensor:
    """Stack int rows into a (batch, length) tensor, right-padded with pad_value to the longest row."""
    length = max(len(r) for r in rows) if length is None else length
    # One tensor call on padded Python lists: about twice as fast as filling the rows one tensor at a time.
    return torch.tensor([[*r, *[pad_value] * (length - len(r))] for r in rows], dtype=torch.long)


def collate_dynamic_padding(batch: Sequence[dict[str, Any]], pad_token_id: int = 0,
                            label_pad_id: int = -100) -> dict[str, torch.Tensor]:
    """Pad a batch to its longest row: input_ids, attention_mask, token_type_ids, labels (and integer fields)."""
    ids = [row["input_ids"] for row in batch]
    out = {"input_ids": pad_rows(ids, pad_token_id)}
    out["attention_mask"] = pad_rows([[1] * len(r) for r in ids], 0)
    if "token_type_ids" in batch[0]:
        out["token_type_ids"] = pad_rows([row["token_type_ids"] for row in batch], 0)
    labels = [row["labels"] for row in batch] if "labels" in batch[0] else None
    if labels is not None and isinstance(labels[0], (list, tuple)):  # one label per token (NER, language modelling)
        out["labels"] = pad_rows(labels, label_pad_id, out["input_ids"].shape[1])
    elif labels is not None:
        out["labels"] = torch.as_tensor(labels, dtype=torch.long)
    for key in batch[0]:  # any other field is one integer per row (QA start/end positions, row indexes)
        if key not in out:
            out[key] = torch.as_tensor([row[key] for row in batch], dtype=torch.long)
    return out


def pin_now() -> bool:
    """Pin batches only where CUDA is already in use: in Lightning's fit or evaluation, after the model moved.

    Pinning initialises CUDA; a notebook kernel that drew a batch before fit (or evaluated after it) with a
    pinning loader could no longer start a `ddp_notebook` run. Decided each time an iterator is made.
    """
    return torch.cuda.is_available() and torch.cuda.is_initialized()


class LatePinningDataLoader(DataLoader):
    """A DataLoader that decides on pinned memory when an iterator is made (see pin_now), not when built."""

    def __iter__(self) -> Iterator[Any]:
        pin = pin_now()
        if pin != self.pin_memory:
            self.pin_memory = pin
            self._iterator = None  # a persistent-workers iterator made with the other choice is made again
        return super().__iter__()


class ResumableDataLoader(LatePinningDataLoader):
    """A training DataLoader whose order depends only on (seed, epoch) and that can start mid-epoch on a resume."""

    def __init__(self, *args: Any, seed: int = 0, resume_point: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # resume_point (set by helpers.core.training.fit_or_resume) says which epoch to draw and how many batches to skip.
        self.seed, self.resume_point = seed, resume_point

    def set_epoch(self, epoch: int) -> None:
        """Draw the shuffle of `epoch`: tell the (batch) sampler and reseed the worker seeds."""
        for sampler in (self.sampler, self.batch_sampler):
            if hasattr(sampler, "set_epoch"):
                sampler.set_epoch(epoch)
        if self.generator is not None:
            self.generator.manual_seed(self.seed + epoch)

    def __iter__(self) -> Iterator[Any]:
        if self.resume_point is None:
            return super().__iter__()
        epoch, skip = self.resume_point.start_epoch(len(self))
        self.set_epoch(epoch)
        batches = super().__iter__()
        for _ in range(skip):  # batches already trained on before the interruption
            next(batches)
        return batches


def make_dataloader(dataset: Dataset, batch_size: int, pad_token_id: int, shuffle: bool = False,
                    length_grouped: bool = False, seed: int = 0, num_workers: int = 0) -> DataLoader:
    """A DataLoader that pads each batch to its longest row, optionally shuffled (and grouped by length).

    A shuffled (training) loader gives each DDP process its own whole batches of one shared order (Trainer option
    use_distributed_sampler=False keeps Lightning from replacing that). An ordered (evaluation) loader gives every
    process all rows: metrics are then exactly those of the full set (a DistributedSampler would pad with
    repeated rows), and code that runs on the main process only, such as ner.entity_report, sees every row too.
    """
    collate = partial(collate_dynamic_padding, pad_token_id=pad_token_id)  # picklable: works with workers
    workers = dict(num_workers=num_workers, persistent_workers=num_workers > 0)
    if not shuffle:
        return LatePinningDataLoader(dataset, batch_size=batch_size, collate_fn=collate, **workers)
    # Own generators (never the global RNG) for the shuffle and for the worker seeds, so that the order of an
    # epoch depends on (seed, epoch) only, with or without workers, and a resumed run draws the same.
    sampler = (LengthGroupedSampler(dataset.lengths(), batch_size, seed) if length_grouped
               else ShuffledBatchSampler(len(dataset), batch_size, seed))
    return ResumableDataLoader(dataset, batch_sampler=sampler, collate_fn=collate, seed=seed,
                               generator=torch.Generator().manual_seed(seed), **workers)


def padding_report(lengths: Sequence[int], batch_size: int, max_length: int = 128) -> dict[str, int]:
    """Real tokens versus tokens fed when padding to max_length or to each batch's longest row (file order)."""
    return {"real_tokens": sum(lengths), "padded_to_max_length": len(lengths) * max_length,
            "padded_to_longest_in_batch": tokens_fed(lengths, range(len(lengths)), batch_size)}


def tokens_fed(lengths: Sequence[int], order: Iterable[Any], batch_size: int) -> int:
    """Tokens the model sees in one epoch, each batch padded to its longest row.

    `order` is either row indexes, cut into batches of batch_size, or the batches themselves (lists of row
    indexes, as a batch sampler such as LengthGroupedSampler yields them).
    """
    order = list(order)
    batches = order if order and isinstance(order[0], (list, tuple)) else cut_into_batches(order, batch_size)
    return sum(max(int(lengths[i]) for i in batch) * len(batch) for batch in batches)
