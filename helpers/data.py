"""Tokenise once, keep rows unpadded, and pad each batch to its own longest row."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import torch
from torch.utils.data import DataLoader, Dataset, RandomSampler, Sampler

from .corpora import LabeledText


@dataclass
class EncodedTexts:
    """Token ids of many texts (no padding) and how many were cut at max_length."""

    input_ids: list[list[int]]
    truncated: int

    def lengths(self) -> list[int]:
        """Number of tokens of each row, special tokens included."""
        return [len(ids) for ids in self.input_ids]


def token_ids_batch(tokenizer: Any, texts: Sequence[str]) -> list[list[int]]:
    """Token ids of all texts with special tokens, untruncated, in one batched call (Rust-parallel when fast)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None and backend.truncation is None and backend.padding is None:
        # The Rust tokenizer directly: same ids as tokenizer(texts), without building offsets and masks.
        encode_batch = getattr(backend, "encode_batch_fast", backend.encode_batch)  # _fast: tokenizers >= 0.21
        return [e.ids for e in encode_batch(list(texts), add_special_tokens=True)]
    return tokenizer(list(texts), add_special_tokens=True, truncation=False, return_attention_mask=False,
                     return_token_type_ids=False)["input_ids"]


def encode_texts(tokenizer: Any, texts: Sequence[str], max_length: int, name: str = "texts") -> EncodedTexts:
    """Tokenise all texts in one batched fast-tokenizer call, truncating at max_length and saying how many."""
    full = token_ids_batch(tokenizer, texts)
    truncated = sum(len(ids) > max_length for ids in full)
    if truncated:
        sep = [tokenizer.sep_token_id] if tokenizer.sep_token_id is not None else []
        keep = max_length - len(sep)
        full = [ids if len(ids) <= max_length else ids[:keep] + sep for ids in full]
        print(f"{name}: max_seq_length={max_length} 토큰보다 긴 행을 잘랐습니다 "
              f"({truncated:,} of {len(full):,} rows longer than max_seq_length={max_length})")
    return EncodedTexts(full, truncated)


class ClassificationDataset(Dataset):
    """Unpadded token ids with one label per row; rows become tensors only in the collate function."""

    def __init__(self, input_ids: list[list[int]], labels: Sequence[int],
                 token_type_ids: list[list[int]] | None = None) -> None:
        if len(input_ids) != len(labels):
            raise ValueError(f"{len(input_ids)} encoded rows but {len(labels)} labels")
        self.input_ids, self.labels, self.token_type_ids = input_ids, list(labels), token_type_ids

    def __len__(self) -> int:
        return len(self.input_ids)

    def __getitem__(self, index: int) -> dict[str, Any]:
        row = {"input_ids": self.input_ids[index], "labels": self.labels[index]}
        if self.token_type_ids is not None:
            row["token_type_ids"] = self.token_type_ids[index]
        return row

    def lengths(self) -> list[int]:
        """Number of tokens of each row."""
        return [len(ids) for ids in self.input_ids]


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


class DynamicPaddingCollator:
    """A picklable collate function (works with num_workers>0 on Windows) bound to a pad id."""

    def __init__(self, pad_token_id: int, label_pad_id: int = -100) -> None:
        self.pad_token_id, self.label_pad_id = pad_token_id, label_pad_id

    def __call__(self, batch: Sequence[dict[str, Any]]) -> dict[str, torch.Tensor]:
        return collate_dynamic_padding(batch, self.pad_token_id, self.label_pad_id)


class LengthGroupedSampler(Sampler[int]):
    """Shuffled batches of similar length: shuffle, sort within chunks of 50 batches, shuffle the batches."""

    def __init__(self, lengths: Sequence[int], batch_size: int, seed: int = 0, chunk_batches: int = 50) -> None:
        self.lengths, self.batch_size, self.seed, self.chunk = list(lengths), batch_size, seed, chunk_batches
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Change the shuffle for a new epoch (Lightning calls this)."""
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self) -> Iterator[int]:
        rng = random.Random(self.seed + self.epoch)
        order = list(range(len(self.lengths)))
        rng.shuffle(order)
        size = self.batch_size * self.chunk
        batches: list[list[int]] = []
        for start in range(0, len(order), size):
            chunk = sorted(order[start : start + size], key=self.lengths.__getitem__)
            batches += [chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        rng.shuffle(batches)
        return (i for batch in batches for i in batch)


class ResumableDataLoader(DataLoader):
    """A training DataLoader whose order depends only on (seed, epoch) and that can start mid-epoch on a resume."""

    def __init__(self, *args: Any, seed: int = 0, resume_point: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # resume_point (set by helpers.training.fit_or_resume) says which epoch to draw and how many batches to skip.
        self.seed, self.resume_point = seed, resume_point

    def set_epoch(self, epoch: int) -> None:
        """Draw the shuffle of `epoch`: tell the samplers (or reseed their generator) and reseed the worker seeds."""
        for sampler in (self.sampler, getattr(self.batch_sampler, "sampler", None)):
            if hasattr(sampler, "set_epoch"):
                sampler.set_epoch(epoch)
            elif getattr(sampler, "generator", None) is not None:  # a RandomSampler
                sampler.generator.manual_seed(self.seed + epoch)
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
    """A DataLoader that pads each batch to its longest row, optionally shuffled (and grouped by length)."""
    common = dict(batch_size=batch_size, collate_fn=DynamicPaddingCollator(pad_token_id), num_workers=num_workers,
                  pin_memory=torch.cuda.is_available(), persistent_workers=num_workers > 0)
    if not shuffle:
        return DataLoader(dataset, **common)
    # Own generators (never the global RNG) for the shuffle and for the worker seeds, so that the order of an
    # epoch depends on (seed, epoch) only, with or without workers, and a resumed run draws the same.
    sampler = (LengthGroupedSampler(dataset.lengths(), batch_size, seed) if length_grouped
               else RandomSampler(dataset, generator=torch.Generator().manual_seed(seed)))
    return ResumableDataLoader(dataset, sampler=sampler, seed=seed, generator=torch.Generator().manual_seed(seed),
                               **common)


def padding_report(lengths: Sequence[int], batch_size: int, max_length: int = 128) -> dict[str, int]:
    """Real tokens versus tokens fed when padding to max_length or to each batch's longest row (file order)."""
    return {"real_tokens": sum(lengths), "padded_to_max_length": len(lengths) * max_length,
            "padded_to_longest_in_batch": tokens_fed(lengths, range(len(lengths)), batch_size)}


def tokens_fed(lengths: Sequence[int], order: Sequence[int], batch_size: int) -> int:
    """Tokens the model sees in one epoch when rows come in `order` and each batch is padded to its longest row."""
    batch_lengths = [lengths[i] for i in order]
    return sum(max(batch_lengths[i : i + batch_size]) * len(batch_lengths[i : i + batch_size])
               for i in range(0, len(batch_lengths), batch_size))
