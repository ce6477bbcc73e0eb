"""Tokenise once, keep rows unpadded, and pad each batch to its own longest row."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from .corpora import LabeledText


@dataclass
class EncodedTexts:
    """Token ids of many texts (no padding) and how many were cut at max_length."""

    input_ids: list[list[int]]
    truncated: int

    def lengths(self) -> list[int]:
        """Number of tokens of each row, special tokens included."""
        return [len(ids) for ids in self.input_ids]


def encode_texts(tokenizer: Any, texts: Sequence[str], max_length: int, name: str = "texts") -> EncodedTexts:
    """Tokenise all texts in one batched fast-tokenizer call, truncating at max_length and saying how many."""
    full = tokenizer(list(texts), add_special_tokens=True, truncation=False, return_attention_mask=False,
                     return_token_type_ids=False)["input_ids"]
    truncated = sum(len(ids) > max_length for ids in full)
    if truncated:
        sep = [tokenizer.sep_token_id] if tokenizer.sep_token_id is not None else []
        keep = max_length - len(sep)
        full = [ids if len(ids) <= max_length else ids[:keep] + sep for ids in full]
        print(f"{name}: {truncated:,} of {len(full):,} rows longer than max_seq_length={max_length} "
              f"tokens were truncated")
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
    out = torch.full((len(rows), length), pad_value, dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.as_tensor(r, dtype=torch.long)
    return out


def collate_dynamic_padding(batch: Sequence[dict[str, Any]], pad_token_id: int = 0,
                            label_pad_id: int = -100) -> dict[str, torch.Tensor]:
    """Pad a batch to its longest row: input_ids, attention_mask, token_type_ids and labels as tensors."""
    ids = [row["input_ids"] for row in batch]
    out = {"input_ids": pad_rows(ids, pad_token_id)}
    out["attention_mask"] = pad_rows([[1] * len(r) for r in ids], 0)
    if "token_type_ids" in batch[0]:
        out["token_type_ids"] = pad_rows([row["token_type_ids"] for row in batch], 0)
    labels = [row["labels"] for row in batch]
    if isinstance(labels[0], (list, tuple)):  # one label per token (NER, language modelling)
        out["labels"] = pad_rows(labels, label_pad_id, out["input_ids"].shape[1])
    else:
        out["labels"] = torch.as_tensor(labels, dtype=torch.long)
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


def make_dataloader(dataset: Dataset, batch_size: int, pad_token_id: int, shuffle: bool = False,
                    length_grouped: bool = False, seed: int = 0, num_workers: int = 0) -> DataLoader:
    """A DataLoader that pads each batch to its longest row, optionally grouping similar lengths."""
    sampler = None
    if shuffle and length_grouped:
        sampler, shuffle = LengthGroupedSampler(dataset.lengths(), batch_size, seed), False
    generator = torch.Generator().manual_seed(seed) if shuffle else None
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, sampler=sampler, generator=generator,
                      collate_fn=DynamicPaddingCollator(pad_token_id), num_workers=num_workers,
                      pin_memory=torch.cuda.is_available(), persistent_workers=num_workers > 0)


def padding_report(lengths: Sequence[int], batch_size: int, max_length: int = 128) -> dict[str, int]:
    """Real tokens versus tokens fed when padding to max_length or to each batch's longest row (file order)."""
    real = sum(lengths)
    static = len(lengths) * max_length
    dynamic = sum(max(lengths[i : i + batch_size]) * len(lengths[i : i + batch_size])
                  for i in range(0, len(lengths), batch_size))
    return {"real_tokens": real, "padded_to_max_length": static, "padded_to_longest_in_batch": dynamic}
