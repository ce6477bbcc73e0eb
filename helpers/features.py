"""Encoded features cached on disk as plain tensors: re-runs skip tokenisation, and loading runs no pickled code."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from .corpora import LabeledText
from .data import ClassificationDataset, EncodedTexts, build_classification_dataset, encode_texts

FEATURE_FORMAT = 1  # bump when the stored layout or the encoding rules change, so old caches are rebuilt


def pack_rows(rows: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Variable-length int rows as one flat int32 tensor plus int64 offsets (row i is flat[off[i]:off[i+1]])."""
    offsets = torch.zeros(len(rows) + 1, dtype=torch.int64)
    torch.cumsum(torch.tensor([len(r) for r in rows], dtype=torch.int64), 0, out=offsets[1:])
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int32, count=int(offsets[-1]))
    return torch.from_numpy(flat), offsets


def unpack_rows(flat: torch.Tensor, offsets: torch.Tensor) -> list[list[int]]:
    """The rows of `pack_rows` as Python lists again."""
    values, bounds = flat.tolist(), offsets.tolist()
    return [values[start:end] for start, end in zip(bounds, bounds[1:])]


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """sha256 of everything that decides the token ids: vocab, normalizer, pre-tokenizer, special tokens."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        spec = json.loads(backend.to_str())
        spec.pop("truncation", None)  # per-call state that transformers leaves behind; ids are built without it
        spec.pop("padding", None)
    else:
        spec = {"vocab": sorted(tokenizer.get_vocab().items()), "special": tokenizer.all_special_tokens}
    spec["class"] = type(tokenizer).__name__
    return hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def feature_key(texts: Sequence[str], labels: Sequence[int], tokenizer: Any, max_length: int) -> str:
    """A key that changes whenever the texts, labels, tokenizer, max_length or storage format change."""
    digest = hashlib.sha256(f"format={FEATURE_FORMAT};max_length={max_length};".encode())
    digest.update(tokenizer_fingerprint(tokenizer).encode())
    digest.update(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)).tobytes())  # text boundaries
    digest.update("".join(texts).encode("utf-8", "surrogatepass"))
    digest.update(np.asarray(labels, dtype=np.int64).tobytes())
    return digest.hexdigest()


def save_features(path: str | Path, key: str, encoded: EncodedTexts, labels: Sequence[int]) -> Path:
    """Write encoded rows and labels as plain tensors (torch.save of a dict), atomically via a temporary file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    flat, offsets = pack_rows(encoded.input_ids)
    record = {"format": FEATURE_FORMAT, "key": key, "input_ids": flat, "offsets": offsets,
              "labels": torch.tensor(list(labels), dtype=torch.int64), "truncated": encoded.truncated}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")  # one per process: DDP ranks may write at once
    torch.save(record, tmp)
    os.replace(tmp, path)
    return path


def load_features(path: str | Path, key: str) -> tuple[EncodedTexts, list[int]] | None:
    """The cached rows and labels, or None (saying why) when the file is missing, unreadable or stale."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        record = torch.load(path, weights_only=True)  # tensors, ints and strings only: no code runs on load
    except Exception as err:  # a truncated or foreign file: rebuild instead of failing the run
        print(f"{path}: 특성 캐시를 읽을 수 없어({type(err).__name__}: {err}) 다시 토큰화합니다 (unreadable feature cache)")
        return None
    if not isinstance(record, dict) or record.get("key") != key or record.get("format") != FEATURE_FORMAT:
        print(f"{path}: 특성 캐시가 낡았습니다(문장, 토크나이저, max_length가 바뀜). 다시 토큰화합니다 (feature cache is stale)")
        return None
    encoded = EncodedTexts(unpack_rows(record["input_ids"], record["offsets"]), int(record["truncated"]))
    return encoded, record["labels"].tolist()


def cached_classification_dataset(tokenizer: Any, rows: Sequence[LabeledText], max_length: int, name: str,
                                  cache_dir: str | Path | None = None) -> ClassificationDataset:
    """build_classification_dataset, reusing `cache_dir/name.pt` when it was built from exactly these inputs."""
    if cache_dir is None:
        return build_classification_dataset(tokenizer, rows, max_length, name)
    texts, labels = [r.text for r in rows], [r.label for r in rows]
    key = feature_key(texts, labels, tokenizer, max_length)
    path = Path(cache_dir) / f"{name}.pt"
    cached = load_features(path, key)
    if cached is not None:
        encoded, labels = cached
        note = f"; {encoded.truncated:,} rows were truncated at {max_length} tokens" if encoded.truncated else ""
        print(f"{name}: 캐시에서 토큰화한 {len(labels):,}행을 읽었습니다{note} ({name}: loaded {len(labels):,} encoded rows from {path})")
    else:
        encoded = encode_texts(tokenizer, texts, max_length, name)
        save_features(path, key, encoded, labels)
        print(f"{name}: {len(labels):,}행을 토큰화해 {path}에 캐시했습니다 (encoded {len(labels):,} rows and cached them)")
    return ClassificationDataset(encoded.input_ids, labels)
