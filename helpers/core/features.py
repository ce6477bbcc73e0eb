"""Encoded features cached on disk as plain tensors: re-runs skip tokenisation and map the file instead of reading it,
and loading runs no pickled code."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from helpers.core.corpora import LabeledText
from helpers.core.data import ClassificationDataset, EncodedTexts, build_classification_dataset, encode_texts
from helpers.core.token_rows import TokenRows

FEATURE_FORMAT = 1  # bump when the stored layout or the encoding rules change, so old caches are rebuilt
KEY_CHUNK = 10_000  # texts hashed per update of the key's digest


def pack_rows(rows: Sequence[Sequence[int]] | TokenRows) -> tuple[torch.Tensor, torch.Tensor]:
    """Variable-length int rows as one flat int32 tensor plus int64 offsets (row i is flat[off[i]:off[i+1]])."""
    packed = rows if isinstance(rows, TokenRows) else TokenRows.from_rows(rows, np.int32)
    return torch.from_numpy(packed.flat.astype(np.int32, copy=False)), torch.from_numpy(packed.offsets)


def unpack_rows(flat: torch.Tensor, offsets: torch.Tensor) -> TokenRows:
    """The rows of `pack_rows` again, as TokenRows sharing the tensors' memory (a memory-mapped file stays mapped)."""
    return TokenRows(flat.numpy(), offsets.numpy())


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
    for start in range(0, len(texts), KEY_CHUNK):  # the same digest as of all texts joined, without joining them
        digest.update("".join(texts[start : start + KEY_CHUNK]).encode("utf-8", "surrogatepass"))
    digest.update(np.asarray(labels, dtype=np.int64).tobytes())
    return digest.hexdigest()


def save_features(path: str | Path, key: str, encoded: EncodedTexts, labels: Sequence[int]) -> Path:
    """Write encoded rows and labels as plain tensors (torch.save of a dict) into a temporary file, flushed to
    disk, then renamed into place: a reader sees the old file or the whole new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    flat, offsets = pack_rows(encoded.input_ids)
    record = {"format": FEATURE_FORMAT, "key": key, "input_ids": flat, "offsets": offsets,
              "labels": torch.as_tensor(np.asarray(labels, dtype=np.int64)), "truncated": encoded.truncated}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")  # one per process: DDP ranks may write at once
    try:
        with open(tmp, "wb") as file:
            torch.save(record, file)
            file.flush()
            os.fsync(file.fileno())  # on disk before the rename, so a crash cannot leave a short file in place
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def record_problem(record: Any, key: str) -> str | None:
    """Why a loaded cache record cannot be used (stale key, or arrays that do not fit together), or None."""
    if not isinstance(record, dict) or record.get("key") != key or record.get("format") != FEATURE_FORMAT:
        return "feature cache is stale (texts, tokenizer or max_length changed)"
    flat, offsets, labels = (record.get(k) for k in ("input_ids", "offsets", "labels"))
    if not all(isinstance(t, torch.Tensor) and t.dim() == 1 for t in (flat, offsets, labels)):
        return "feature cache is incomplete (input_ids, offsets or labels missing)"
    if len(offsets) != len(labels) + 1 or int(offsets[0]) != 0 or int(offsets[-1]) != len(flat) or \
            bool((offsets[1:] < offsets[:-1]).any()):
        return (f"feature cache is inconsistent ({len(labels):,} labels, {len(offsets):,} offsets, "
                f"{len(flat):,} token ids)")
    return None


def load_features(path: str | Path, key: str) -> tuple[EncodedTexts, list[int]] | None:
    """The cached rows (memory-mapped, not read into memory) and labels, or None (saying why) when the file is
    missing, unreadable, stale or inconsistent."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        record = torch.load(path, mmap=True, weights_only=True)  # tensors, ints and strings only: no code runs
    except Exception as err:  # a truncated or foreign file: rebuild instead of failing the run
        print(f"{path}: 특성 캐시를 읽을 수 없어({type(err).__name__}: {err}) 다시 토큰화합니다 (unreadable feature cache; re-encoding)")
        return None
    problem = record_problem(record, key)
    if problem is not None:
        print(f"{path}: {problem}; 다시 토큰화합니다 (re-encoding)")
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
        try:
            save_features(path, key, encoded, labels)
            print(f"{name}: {len(labels):,}행을 토큰화해 {path}에 캐시했습니다 (encoded {len(labels):,} rows and cached them)")
        except OSError as err:  # a full disk, or (Windows) the old file still mapped by a dataset of this session
            print(f"{name}: encoded {len(labels):,} rows; could not cache them in {path} ({err})")
    return ClassificationDataset(encoded.input_ids, labels)
