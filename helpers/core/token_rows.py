"""Tokenised rows kept compact: one flat integer array per field plus row offsets, built chunk by chunk.

Why numpy arrays and not Python lists or Arrow (🤗 datasets): a Python list of token ids costs about 177 bytes per
token retained (a list slot, an int object and allocator overhead; measured on 1 M NSMC-like rows, see
benchmarks/memory.py), an int32 array 4. numpy needs no extra package, gives a row back as one slice, and a cache
file of the same arrays is memory-mapped on load (helpers/core/features.py). Arrow would add a dependency and a table
layer for what is here two arrays per field; row access through it is no faster than a numpy slice.

A row still comes out as a plain Python list (`rows[i]`), so datasets, collate functions and notebooks see the same
values as before; padding happens only in the collate function.
"""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

import numpy as np
from tqdm.auto import tqdm

T = TypeVar("T")
R = TypeVar("R")
# Short rows (reviews, sentence pairs, NER sentences) tokenised per call. Measured on 200,000 NSMC reviews:
# 20,000-row chunks left 67 MiB of freed-but-held allocator memory behind, 2,000-row chunks 40 MiB (most of it the
# tokenizer's own), for the same CPU time.
CHUNK_ROWS = 2_000
PROGRESS_DELAY = 3.0  # seconds before a progress bar shows up (small builds stay quiet)
GROWTH = 1.25  # a buffer that runs out grows by this factor (in place, see GrowingArray)


class TokenRows(Sequence):
    """Variable-length integer rows: row i is flat[offsets[i]:offsets[i + 1]], returned as a Python list.

    `flat` is 1-D (token ids, token type ids, labels) or 2-D (n, 2) for per-token pairs such as character offsets;
    2-D rows come back as numpy views of shape (tokens, 2).
    """

    def __init__(self, flat: np.ndarray, offsets: np.ndarray) -> None:
        if offsets.ndim != 1 or len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(flat):
            raise ValueError(f"row offsets must start at 0 and end at {len(flat)} values, "
                             f"got {len(offsets)} offsets ending at {offsets[-1] if len(offsets) else None}")
        self.flat, self.offsets = flat, offsets

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]], dtype: Any = np.int32, width: int | None = None) -> TokenRows:
        """Pack rows given as lists (or arrays) of ints; `width` 2 for rows of (start, end) pairs."""
        builder = RowsBuilder(dtype, len(rows), width)
        builder.extend(rows)
        return builder.finish()

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            bounds = self.offsets[start : max(start, stop) + 1]
            return TokenRows(self.flat[bounds[0] : bounds[-1]], bounds - bounds[0])
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"row {index} of {len(self)}")
        row = self.flat[self.offsets[index] : self.offsets[index + 1]]
        return row.tolist() if row.ndim == 1 else row

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TokenRows):
            return np.array_equal(self.offsets, other.offsets) and np.array_equal(self.flat, other.flat)
        if not isinstance(other, Sequence) or len(other) != len(self):
            return False
        return all(np.array_equal(np.asarray(a), np.asarray(b)) and len(a) == len(b) for a, b in zip(self, other))

    __hash__ = None  # mutable arrays inside: not hashable, like a list

    def __repr__(self) -> str:
        return f"TokenRows({len(self):,} rows, {len(self.flat):,} values of {self.flat.dtype})"

    def lengths(self) -> np.ndarray:
        """Number of values (tokens) of each row, as an int64 array."""
        return np.diff(self.offsets)

    def tolist(self) -> list[Any]:
        """All rows as Python lists (what the course kept before: a list per row)."""
        return list(self)

    @property
    def nbytes(self) -> int:
        """Bytes held by the flat values and the offsets."""
        return int(self.flat.nbytes + self.offsets.nbytes)


class GrowingArray:
    """An array appended to in place: it grows by `ndarray.resize` (realloc), never by copying into a second one.

    On Linux a large realloc moves pages (mremap) instead of copying them, so the peak stays at the final size;
    capacity that was reserved but never written is not resident memory.
    """

    def __init__(self, dtype: Any, width: int | None = None) -> None:
        self.dtype, self.width, self.size = np.dtype(dtype), width, 0
        self.data: np.ndarray | None = None

    def reserve(self, capacity: int) -> None:
        """Make room for `capacity` values in all (the first call allocates, untouched, so it costs nothing yet)."""
        shape = (capacity,) if self.width is None else (capacity, self.width)
        if self.data is None:
            self.data = np.empty(shape, self.dtype)
        elif capacity > len(self.data):
            self.data.resize(shape, refcheck=False)

    def append(self, values: np.ndarray) -> None:
        """Copy `values` at the end, growing by GROWTH when the reserved room runs out."""
        needed = self.size + len(values)
        if self.data is None or needed > len(self.data):
            self.reserve(max(needed, int(GROWTH * (0 if self.data is None else len(self.data)))))
        self.data[self.size : needed] = values
        self.size = needed

    def finish(self) -> np.ndarray:
        """The filled part, with the spare room given back (shrinking realloc: no copy)."""
        if self.data is None:
            self.reserve(0)
        shape = (self.size,) if self.width is None else (self.size, self.width)
        self.data.resize(shape, refcheck=False)
        data, self.data = self.data, None
        return data


class RowsBuilder:
    """Collects rows chunk by chunk into one flat array plus offsets, without keeping the Python lists."""

    def __init__(self, dtype: Any = np.int32, expected_rows: int = 0, width: int | None = None) -> None:
        self.values, self.offsets = GrowingArray(dtype, width), GrowingArray(np.int64)
        self.expected_rows, self.rows, self.width = expected_rows, 0, width
        self.offsets.reserve(expected_rows + 1)
        self.offsets.append(np.zeros(1, np.int64))

    def extend(self, rows: Sequence[Sequence[Any]]) -> None:
        """Append a chunk of rows (lists of ints, or (tokens, width) arrays when `width` is set)."""
        lengths = np.fromiter(map(len, rows), np.int64, count=len(rows))
        total = int(lengths.sum())
        if self.width is None:
            values = np.fromiter(itertools.chain.from_iterable(rows), self.values.dtype, count=total)
        else:
            values = np.concatenate([np.asarray(r, self.values.dtype).reshape(-1, self.width) for r in rows]
                                    or [np.empty((0, self.width), self.values.dtype)])
        if self.values.data is None and len(rows):  # first chunk: reserve what all rows will need at this rate
            estimate = total * max(self.expected_rows, len(rows)) / len(rows)
            self.values.reserve(int(estimate * 1.05) + 1024)
        self.offsets.append(self.values.size + np.cumsum(lengths))
        self.values.append(values)
        self.rows += len(rows)

    def finish(self) -> TokenRows:
        """The rows collected so far as TokenRows (the builder is spent afterwards)."""
        return TokenRows(self.values.finish(), self.offsets.finish())


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of `items` of `size` items (the last one shorter)."""
    return (items[start : start + size] for start in range(0, len(items), size))


def prefetched(work: Callable[[Sequence[T]], R], chunks: Iterable[Sequence[T]]) -> Iterator[tuple[Sequence[T], R]]:
    """(chunk, work(chunk)) for each chunk, the next chunk's work running in a background thread meanwhile.

    The Rust tokenizer releases the GIL while it encodes, so tokenising chunk k+1 overlaps with packing chunk k
    into arrays: the chunked build stays as fast as one call over all rows. At most two chunks are in flight.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tokenise") as pool:
        pending = [(chunk, pool.submit(work, chunk)) for chunk in itertools.islice(chunks, 1)]
        for following in chunks:
            pending.append((following, pool.submit(work, following)))
            chunk, result = pending.pop(0)
            yield chunk, result.result()
        for chunk, result in pending:
            yield chunk, result.result()


@contextmanager
def progress(total: int, name: str, unit: str = "rows") -> Iterator[tqdm]:
    """A progress bar (a widget in notebooks, text in a terminal) that shows after PROGRESS_DELAY seconds;
    builds that took that long print their rate at the end."""
    started = time.perf_counter()
    with tqdm(total=total, desc=f"tokenising {name}", unit=unit, delay=PROGRESS_DELAY) as bar:
        yield bar
    elapsed = time.perf_counter() - started
    if elapsed >= PROGRESS_DELAY:
        print(f"{name}: tokenised {total:,} {unit} in {elapsed:.1f} s ({total / elapsed:,.0f} {unit}/s)")


def progress_chunks(items: Sequence[T], chunk_rows: int, name: str, unit: str = "rows") -> Iterator[Sequence[T]]:
    """Consecutive slices of `items` with a progress bar (see `progress`) advanced as each one is done."""
    with progress(len(items), name, unit) as bar:
        for chunk in chunked(items, chunk_rows):
            yield chunk
            bar.update(len(chunk))
