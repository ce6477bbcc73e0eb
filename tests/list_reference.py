"""The list-based dataset builders as they were before compact token rows (commit 9349185), kept as the reference
that tests/test_token_rows.py compares the compact datasets against, and that benchmarks/memory.py measures.

Only the building code is copied; what it calls that did not change (token_ids_batch, add_continuation,
token_tags, answer_tokens, ...) is imported.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from torch.utils.data import Dataset

from helpers.core.data import token_ids_batch
from helpers.ner.alignment import add_continuation, token_tags, unlabelled
from helpers.ner.task import IGNORED
from helpers.question_answering.features import answer_tokens, check_window_room, span_text


class ListDataset(Dataset):
    """The old ClassificationDataset: lists of lists of ints, one per row."""

    def __init__(self, input_ids: list[list[int]], labels: Sequence[Any],
                 token_type_ids: list[list[int]] | None = None) -> None:
        self.input_ids, self.labels, self.token_type_ids = input_ids, list(labels), token_type_ids

    def __len__(self) -> int:
        return len(self.input_ids)

    def __getitem__(self, index: int) -> dict[str, Any]:
        row = {"input_ids": self.input_ids[index], "labels": self.labels[index]}
        if self.token_type_ids is not None:
            row["token_type_ids"] = self.token_type_ids[index]
        return row

    def lengths(self) -> list[int]:
        return [len(ids) for ids in self.input_ids]


def encode_texts(tokenizer: Any, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """The old encode_texts: one batched call over all texts, rows kept as lists."""
    full = token_ids_batch(tokenizer, texts)
    sep = [tokenizer.sep_token_id] if tokenizer.sep_token_id is not None else []
    keep = max_length - len(sep)
    return [ids if len(ids) <= max_length else ids[:keep] + sep for ids in full]


def classification_dataset(tokenizer: Any, texts: Sequence[str], labels: Sequence[int],
                           max_length: int) -> ListDataset:
    """The old build_classification_dataset."""
    return ListDataset(encode_texts(tokenizer, texts, max_length), labels)


def lm_dataset(tokenizer: Any, texts: Sequence[str], max_length: int) -> ListDataset:
    """The old build_lm_dataset: the ids are their own labels."""
    ids = encode_texts(tokenizer, texts, max_length)
    return ListDataset(ids, labels=ids)


def pair_dataset(tokenizer: Any, rows: Sequence[Any], max_length: int) -> ListDataset:
    """The old encode_pairs."""
    premises, hypotheses = [r.premise for r in rows], [r.hypothesis for r in rows]
    encoded = tokenizer(premises, hypotheses, truncation=False, return_attention_mask=False)
    ids, types = encoded["input_ids"], encoded["token_type_ids"]
    long = [i for i, row in enumerate(ids) if len(row) > max_length]
    if long:
        cut = tokenizer([premises[i] for i in long], [hypotheses[i] for i in long], truncation="longest_first",
                        max_length=max_length, return_attention_mask=False)
        for i, row_ids, row_types in zip(long, cut["input_ids"], cut["token_type_ids"]):
            ids[i], types[i] = row_ids, row_types
    return ListDataset(ids, [r.label for r in rows], token_type_ids=types)


def tagged_dataset(tokenizer: Any, sentences: Sequence[Any], label2id: dict[str, int], max_length: int,
                   scheme: str = "first") -> ListDataset:
    """The old encode_tagged (with the old tokenize_with_offsets inlined)."""
    texts = [s.text for s in sentences]
    options = dict(return_offsets_mapping=True, return_special_tokens_mask=True, return_attention_mask=False,
                   return_token_type_ids=False)
    encoded = add_continuation(tokenizer(list(texts), truncation=False, **options))
    long = [i for i, ids in enumerate(encoded["input_ids"]) if len(ids) > max_length]
    if long:
        cut = add_continuation(tokenizer([texts[i] for i in long], truncation=True, max_length=max_length,
                                         **options))
        for key in encoded:
            for i, row in zip(long, cut[key]):
                encoded[key][i] = row
    labels = []
    for sentence, offsets, special, continuation in zip(sentences, encoded["offset_mapping"],
                                                         encoded["special_tokens_mask"], encoded["continuation"]):
        tags = token_tags(offsets, sentence.entities, unlabelled(special, continuation, scheme))
        labels.append([IGNORED if t is None else label2id[t] for t in tags])
    return ListDataset(encoded["input_ids"], labels)


class ListQaFeatures:
    """The old QaFeatures: every field a list (offsets a list of (tokens, 2) arrays)."""

    def __init__(self) -> None:
        self.input_ids, self.token_type_ids, self.offsets, self.context_spans = [], [], [], []
        self.example_index, self.start_positions, self.end_positions = [], [], []

    def __len__(self) -> int:
        return len(self.input_ids)


def qa_features(tokenizer: Any, examples: Sequence[Any], max_length: int, stride: int,
                keep_offsets: bool = True) -> ListQaFeatures:
    """The old build_qa_features: one tokenizer call over all examples, windows kept as lists."""
    check_window_room(tokenizer, [e.question for e in examples], max_length, stride)
    enc = tokenizer([e.question for e in examples], [e.context for e in examples], truncation="only_second",
                    max_length=max_length, stride=stride, return_overflowing_tokens=True,
                    return_offsets_mapping=True, return_attention_mask=False)
    features = ListQaFeatures()
    for i, example_index in enumerate(enc["overflow_to_sample_mapping"]):
        context = [t for t, s in enumerate(enc.sequence_ids(i)) if s == 1]
        first, last = context[0], context[-1]
        offsets = np.asarray(enc["offset_mapping"][i], dtype=np.int32)
        example = examples[example_index]
        answer = example.answers[0] if example.answers else None
        start, end = answer_tokens(offsets, first, last, answer.start, answer.end) if answer else (0, 0)
        if start:  # the old code compared the answer tokens with the answer text
            span_text(example, offsets, start, end)
        features.input_ids.append(enc["input_ids"][i])
        features.token_type_ids.append(enc["token_type_ids"][i])
        features.offsets.append(offsets if keep_offsets else np.empty((0, 2), np.int32))
        features.context_spans.append((first, last))
        features.example_index.append(example_index)
        features.start_positions.append(start)
        features.end_positions.append(end)
    return features


class ListQaDataset(Dataset):
    """The old QaFeatureDataset over ListQaFeatures."""

    def __init__(self, features: ListQaFeatures) -> None:
        self.features = features

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, index: int) -> dict[str, Any]:
        f = self.features
        return {"input_ids": f.input_ids[index], "token_type_ids": f.token_type_ids[index],
                "start_positions": f.start_positions[index], "end_positions": f.end_positions[index],
                "feature_index": index}

    def lengths(self) -> list[int]:
        return [len(ids) for ids in self.features.input_ids]
