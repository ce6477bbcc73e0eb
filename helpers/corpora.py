"""Corpus files: shared reading rules, download through Korpora when missing, and the NSMC reader."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence, TypeVar

T = TypeVar("T")

NSMC_FILES = {"train": "ratings_train.txt", "test": "ratings_test.txt"}
NSMC_HEADER = ["id", "document", "label"]
NSMC_LABELS = ("부정", "긍정")  # label 0 = negative, 1 = positive


class CorpusFormatError(ValueError):
    """A corpus file has content the reader cannot read; the message starts with `file:line`."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path, self.line = str(path), line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


def read_utf8_text(path: str | Path) -> str:
    """The whole text of a UTF-8 file (a BOM is dropped); other encodings raise with the first bad line."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: corpus file not found")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise CorpusFormatError(path, line, f"not UTF-8 text ({err.reason}); save the file as UTF-8") from None


def read_text_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, line) of a UTF-8 file; a BOM and CR/LF line ends are accepted."""
    lines = read_utf8_text(path).split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    for number, line in enumerate(lines, start=1):
        yield number, line[:-1] if line.endswith("\r") else line


def ensure_corpus_files(corpus: str, root_dir: str | Path, files: Sequence[str]) -> list[Path]:
    """Return the corpus files under `root_dir/corpus/`, downloading with Korpora only if one is missing."""
    folder = Path(root_dir) / corpus
    paths = [folder / name for name in files]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"{', '.join(str(p) for p in missing)} 파일이 없어 Korpora로 {corpus!r}를 내려받습니다 ...")
        try:
            from Korpora import Korpora

            Korpora.fetch(corpus, root_dir=str(root_dir))
        except Exception as err:  # network errors come in many types
            raise FileNotFoundError(
                f"corpus {corpus!r}: {', '.join(str(p) for p in missing)} missing and the download failed "
                f"({type(err).__name__}: {err}). Set corpus_root_dir (or NLPBOOK_CORPUS_ROOT) to a folder "
                f"that holds {corpus}/{files[0]}, or connect to the internet."
            ) from err
        still = [p for p in paths if not p.is_file()]
        if still:
            raise FileNotFoundError(f"corpus {corpus!r}: the download did not create {still[0]}")
    return paths


@dataclass(frozen=True)
class LabeledText:
    """One document with its integer label."""

    text: str
    label: int


def parse_label(value: str, labels: dict[str, int], path: Path, line: int) -> int:
    """Map a label string to its id, or raise naming the file, line and the labels allowed."""
    try:
        return labels[value]
    except KeyError:
        allowed = ", ".join(repr(k) for k in labels)
        raise CorpusFormatError(path, line, f"unknown label {value!r} (expected one of {allowed})") from None


class NsmcReader:
    """Reads NSMC `id<TAB>document<TAB>label` files exactly: every row, quotes and inner tabs kept."""

    labels = {"0": 0, "1": 1}

    def read(self, path: str | Path, verbose: bool = True) -> list[LabeledText]:
        """Read every row of one NSMC file; a malformed row raises CorpusFormatError with file:line."""
        path = Path(path)
        rows: list[LabeledText] = []
        empty = 0
        for number, line in read_text_lines(path):
            if number == 1:
                if line.split("\t") != NSMC_HEADER:
                    raise CorpusFormatError(path, 1, f"header {line!r} is not 'id<TAB>document<TAB>label'")
                continue
            # The id has no tab and the label has no tab; everything between is the document,
            # so a tab inside a review stays part of it.
            first, sep1, rest = line.partition("\t")
            document, sep2, label = rest.rpartition("\t")
            if not sep1 or not sep2:
                raise CorpusFormatError(path, number, f"expected 3 tab-separated columns, got {line!r}")
            if not first.strip():
                raise CorpusFormatError(path, number, "empty id column")
            rows.append(LabeledText(document, parse_label(label, self.labels, path, number)))
            empty += document.strip() == ""
        if verbose:
            note = f" ({empty} with an empty review, kept)" if empty else ""
            print(f"{path}에서 {len(rows):,}행을 읽었습니다{note} (read {len(rows):,} rows)")
        return rows

    def read_splits(self, root_dir: str | Path, verbose: bool = True) -> dict[str, list[LabeledText]]:
        """Read NSMC train and test from `root_dir/nsmc/`, downloading them first if missing."""
        paths = ensure_corpus_files("nsmc", root_dir, list(NSMC_FILES.values()))
        return {split: self.read(p, verbose) for split, p in zip(NSMC_FILES, paths)}


def split_train_validation(rows: Sequence[T], val_fraction: float, seed: int) -> tuple[list[T], list[T]]:
    """Shuffle with `seed` and carve a validation split of `val_fraction` from the training rows."""
    if not rows:
        raise ValueError("cannot split an empty list of rows")
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    n_val = max(1, round(len(rows) * val_fraction))
    return [rows[i] for i in order[n_val:]], [rows[i] for i in order[:n_val]]


def take_rows(rows: Sequence[T], limit: int | None, name: str, seed: int) -> list[T]:
    """Return a random subset of `limit` rows (all rows when limit is None) and say what was kept."""
    if limit is None or limit >= len(rows):
        return list(rows)
    chosen = sorted(random.Random(seed).sample(range(len(rows)), limit))
    print(f"{name}: {len(rows):,}행 중 {limit:,}행만 씁니다 (limit 설정; using {limit:,} of {len(rows):,} rows)")
    return [rows[i] for i in chosen]
