"""Corpus files: shared reading rules, download through Korpora when missing, and the NSMC reader."""

from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence, TypeVar

from Korpora import Korpora

from helpers.core.downloads import checked_download

T = TypeVar("T")

NSMC_FILES = {"train": "ratings_train.txt", "test": "ratings_test.txt"}
NSMC_HEADER = ["id", "document", "label"]
NSMC_LABELS = ("부정", "긍정")  # label 0 = negative, 1 = positive


MAX_SHOWN_PROBLEMS = 20  # bad lines one error lists; the rest are counted
Problem = tuple[int | None, str]  # (1-based line or None, what is wrong)


def location(path: str | Path, line: int | None) -> str:
    """`file:line`, or `file` when the problem has no line."""
    return f"{path}:{line}" if line is not None else str(path)


class CorpusFormatError(ValueError):
    """A corpus file has content the reader cannot read: one `file:line: what` line per problem found.

    `problems` holds the first MAX_SHOWN_PROBLEMS (line, message) pairs and `total` how many there were.
    """

    def __init__(self, path: str | Path, line: int | None, message: str,
                 problems: Sequence[Problem] | None = None, total: int | None = None) -> None:
        self.path, self.line = str(path), line
        self.problems = list(problems or [(line, message)])[:MAX_SHOWN_PROBLEMS]
        self.total = max(total or 0, len(self.problems))
        lines = [f"{location(path, at)}: {what}" for at, what in self.problems]
        if self.total > len(self.problems):
            lines.append(f"... and {self.total - len(self.problems):,} more problems in {path} "
                         f"({self.total:,} in all)")
        super().__init__("\n".join(lines))


class ProblemLog:
    """The bad lines of one file, collected so that one CorpusFormatError reports all of them at once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.problems: list[Problem] = []
        self.total = 0

    def add(self, error: CorpusFormatError) -> None:
        """Record the problems of one error (only the first MAX_SHOWN_PROBLEMS are kept, all are counted)."""
        self.problems += error.problems[: MAX_SHOWN_PROBLEMS - len(self.problems)]
        self.total += error.total

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """Run the block; a CorpusFormatError it raises is recorded and reading goes on after the block."""
        try:
            yield
        except CorpusFormatError as error:
            self.add(error)

    def raise_if_any(self) -> None:
        """Raise one CorpusFormatError listing every problem recorded, if there is one."""
        if self.total:
            problems = sorted(self.problems, key=lambda p: (p[0] is not None, p[0] or 0))  # in file order
            raise CorpusFormatError(self.path, *problems[0], problems, self.total)


def require_rows(rows: Sequence[object], path: str | Path, what: str = "data rows", reason: str | None = None) -> None:
    """Raise naming the file when it yielded no rows (an empty or header-only file, a cut-off download)."""
    if not rows:
        reason = reason or ("the file is empty or holds only a header (a cut-off download? delete it and run "
                            "again, or fix the file)")
        raise CorpusFormatError(path, None, f"no {what}: {reason}")


def read_utf8_text(path: str | Path) -> str:
    """The whole text of a UTF-8 file (a BOM is dropped); other encodings, or no text at all, raise."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: corpus file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise CorpusFormatError(path, line, f"not UTF-8 text ({err.reason}); save the file as UTF-8") from None
    if not text.strip():
        raise CorpusFormatError(path, None, f"the file is empty ({path.stat().st_size} bytes, no text): a cut-off "
                                            "download? delete it and run again, or fix the file")
    return text


def read_text_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, line) of a UTF-8 file; a BOM and CR/LF line ends are accepted."""
    lines = read_utf8_text(path).split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    for number, line in enumerate(lines, start=1):
        yield number, line[:-1] if line.endswith("\r") else line


def ensure_corpus_files(corpus: str, root_dir: str | Path, files: Sequence[str]) -> list[Path]:
    """The corpus files under `root_dir/corpus/`, fetched with Korpora only when one is missing (Korpora 0.2.0 goes
    online even when they are there); each file it fetched is checked against its recorded sha256."""
    paths = [Path(root_dir) / corpus / name for name in files]
    missing = [path for path in paths if not path.is_file()]
    if not missing:
        print(f"{Path(root_dir) / corpus}에 파일이 모두 있어 내려받기를 건너뜁니다 (files present, no download)")
        return paths
    with checked_download(corpus, missing):  # a failed or bad download leaves none of the missing files behind
        Korpora.fetch(corpus, root_dir=str(root_dir))
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
        """Read every row of one NSMC file; bad rows raise one CorpusFormatError listing each file:line."""
        path = Path(path)
        rows: list[LabeledText] = []
        problems = ProblemLog(path)
        for number, line in read_text_lines(path):
            if number == 1:
                if line.split("\t") != NSMC_HEADER:
                    raise CorpusFormatError(path, 1, f"header {line!r} is not 'id<TAB>document<TAB>label'")
                continue
            with problems.collecting():
                rows.append(self.parse_row(line, path, number))
        problems.raise_if_any()
        require_rows(rows, path)
        if verbose:
            empty = sum(row.text.strip() == "" for row in rows)
            note = f" ({empty} with an empty review, kept)" if empty else ""
            print(f"{path}에서 {len(rows):,}행을 읽었습니다{note} (read {len(rows):,} rows)")
        return rows

    def parse_row(self, line: str, path: Path, number: int) -> LabeledText:
        """One `id<TAB>document<TAB>label` row; the document may hold tabs (id and label have none)."""
        first, sep1, rest = line.partition("\t")
        document, sep2, label = rest.rpartition("\t")
        if not sep1 or not sep2:
            raise CorpusFormatError(path, number, f"expected 3 tab-separated columns, got {line!r}")
        if not first.strip():
            raise CorpusFormatError(path, number, "empty id column")
        return LabeledText(document, parse_label(label, self.labels, path, number))

    def read_splits(self, root_dir: str | Path, verbose: bool = True) -> dict[str, list[LabeledText]]:
        """Read NSMC train and test from `root_dir/nsmc/`, downloading them first if missing."""
        paths = ensure_corpus_files("nsmc", root_dir, list(NSMC_FILES.values()))
        return {split: self.read(p, verbose) for split, p in zip(NSMC_FILES, paths)}


class EmptySplitError(ValueError):
    """A train, validation or test split would have no rows; the message names the split and the settings."""


def split_train_validation(rows: Sequence[T], val_fraction: float, seed: int,
                           name: str = "the training rows") -> tuple[list[T], list[T]]:
    """Shuffle with `seed` and carve a validation split of `val_fraction` from the rows of `name`.

    Both sides must keep at least one row: too few rows raise, naming `name` and the settings.
    """
    if len(rows) < 2:
        raise EmptySplitError(f"cannot split {name} ({len(rows)} row{'s' * (len(rows) != 1)}) into two non-empty "
                         f"parts (val_fraction={val_fraction}, seed={seed}); it needs at least 2 rows")
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    n_val = min(len(rows) - 1, max(1, round(len(rows) * val_fraction)))
    return [rows[i] for i in order[n_val:]], [rows[i] for i in order[:n_val]]


def take_rows(rows: Sequence[T], limit: int | None, name: str, seed: int) -> list[T]:
    """Return a random subset of `limit` rows (all rows when limit is None) and say what was kept."""
    if limit is None or limit >= len(rows):
        return list(rows)
    chosen = sorted(random.Random(seed).sample(range(len(rows)), limit))
    print(f"{name}: {len(rows):,}행 중 {limit:,}행만 씁니다 (limit 설정; using {limit:,} of {len(rows):,} rows)")
    return [rows[i] for i in chosen]


@dataclass(frozen=True)
class LabeledPair:
    """A premise, a hypothesis and the id of their relation (see NLI_LABELS)."""

    premise: str
    hypothesis: str
    label: int
