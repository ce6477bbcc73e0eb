"""Encoding (premise, hypothesis) pairs as one segment pair into compact token rows."""

from __future__ import annotations

from functools import partial
from typing import Any, Sequence

import numpy as np

from helpers.core.corpora import (
    LabeledPair,
)
from helpers.core.data import ClassificationDataset, pair_ids_batch
from helpers.core.token_rows import CHUNK_ROWS, RowsBuilder, chunked, prefetched, progress


def premise(row: LabeledPair) -> str:
    """The premise of a pair (NLI corpora pair each premise with several hypotheses)."""
    return row.premise


def encode_pair_chunk(tokenizer: Any, rows: Sequence[LabeledPair], max_length: int) -> tuple[list, list, int]:
    """Token ids and token type ids of (premise, hypothesis) pairs, those over max_length cut from the longer side,
    and how many were cut."""
    premises, hypotheses = [r.premise for r in rows], [r.hypothesis for r in rows]
    ids, types = pair_ids_batch(tokenizer, premises, hypotheses)
    long = [i for i, row in enumerate(ids) if len(row) > max_length]
    if long:
        cut = tokenizer([premises[i] for i in long], [hypotheses[i] for i in long], truncation="longest_first",
                        max_length=max_length, return_attention_mask=False)
        for i, row_ids, row_types in zip(long, cut["input_ids"], cut["token_type_ids"]):
            ids[i], types[i] = row_ids, row_types
    return ids, types, len(long)


def encode_pairs(tokenizer: Any, rows: Sequence[LabeledPair], max_length: int,
                 name: str = "pairs") -> ClassificationDataset:
    """Tokenise (premise, hypothesis) as one segment pair, in chunks into compact rows; pairs over max_length are
    cut from the longer side."""
    ids, types, cut = RowsBuilder(np.int32, len(rows)), RowsBuilder(np.int8, len(rows)), 0
    encode = partial(encode_pair_chunk, tokenizer, max_length=max_length)
    with progress(len(rows), name, "pairs") as bar:
        for chunk, (chunk_ids, chunk_types, chunk_cut) in prefetched(encode, chunked(rows, CHUNK_ROWS)):
            ids.extend(chunk_ids)
            types.extend(chunk_types)
            cut += chunk_cut
            bar.update(len(chunk))
    if cut:
        print(f"{name}: 쌍 {len(rows):,}개 중 max_seq_length={max_length} 토큰보다 긴 {cut:,}개를 "
              f"잘랐습니다(긴 쪽부터) ({cut:,} of {len(rows):,} pairs longer than max_seq_length={max_length})")
    return ClassificationDataset(ids.finish(), [r.label for r in rows], token_type_ids=types.finish())
