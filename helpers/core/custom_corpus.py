"""A learner's own labelled data: a TSV, CSV or JSONL file whose text and label columns are named."""

from __future__ import annotations

import csv
import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from helpers.core.corpora import (
    CorpusFormatError,
    LabeledPair,
    LabeledText,
    ProblemLog,
    parse_label,
    read_text_lines,
    read_utf8_text,
    require_rows,
    split_train_validation,
    take_rows,
)
from helpers.core.settings import CourseSettings, SettingsError
from helpers.core.splits import Splits

FORMATS = {".tsv": "tsv", ".txt": "tsv", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
Record = dict[str, Any] | None  # one row's columns by name; None for a blank line


def file_format(path: Path) -> str:
    """tsv, csv or jsonl, from the file name's ending."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise SettingsError(f"{path}: unknown file type {path.suffix!r}; name it .tsv, .csv or .jsonl "
                            "(JSON Lines: one JSON object per line)") from None


def header_columns(path: Path, names: list[str]) -> list[str]:
    """Column names of a header row; empty or repeated names raise."""
    if any(not n.strip() for n in names) or len(set(names)) != len(names):
        raise CorpusFormatError(path, 1, f"header {names!r} needs distinct, non-empty column names")
    return names


def tsv_records(path: Path, problems: ProblemLog) -> Iterator[tuple[int, Record]]:
    """(line, columns) of a tab-separated file with a header row; fields are taken literally (no quoting).

    A row with the wrong number of columns is recorded in `problems` and skipped, so every bad row is reported.
    """
    columns: list[str] = []
    for number, line in read_text_lines(path):
        if number == 1:
            columns = header_columns(path, line.split("\t"))
        elif not line.strip():
            yield number, None
        elif len(values := line.split("\t")) != len(columns):
            problems.add(CorpusFormatError(path, number, f"expected {len(columns)} tab-separated columns "
                                                         f"({', '.join(columns)}), got {len(values)}"))
        else:
            yield number, dict(zip(columns, values))


@contextmanager
def csv_field_limit(size: int) -> Iterator[None]:
    """Let the csv module read fields of up to `size` characters (its default stops at 128 KiB), then restore."""
    before = csv.field_size_limit()
    csv.field_size_limit(max(before, size))
    try:
        yield
    finally:
        csv.field_size_limit(before)


def csv_records(path: Path, problems: ProblemLog) -> Iterator[tuple[int, Record]]:
    """(first line, columns) of a comma-separated file with a header row; quoted fields may hold commas and newlines.

    Fields may be as long as the file. A malformed row is recorded in `problems` and reading goes on after it.
    """
    text = read_utf8_text(path)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    reader = csv.reader((line.removesuffix("\r") + "\n" for line in lines), strict=True)
    columns: list[str] = []
    start = 1
    with csv_field_limit(len(text) + 1):  # no field is longer than the whole file
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                problems.add(CorpusFormatError(path, start, f"malformed CSV ({err}): a field that holds a comma, "
                                                            "a quote or a line break must be quoted "
                                                            '"like this", with inner quotes doubled ("")'))
                start = reader.line_num + 1
                continue
            if start == 1:
                columns = header_columns(path, values)
            elif not values:
                yield start, None
            elif len(values) != len(columns):
                problems.add(CorpusFormatError(path, start, f"expected {len(columns)} comma-separated columns "
                                                            f"({', '.join(columns)}), got {len(values)}"))
            else:
                yield start, dict(zip(columns, values))
            start = reader.line_num + 1


def jsonl_records(path: Path, problems: ProblemLog) -> Iterator[tuple[int, Record]]:
    """(line, object) of a JSON Lines file: one JSON object per line; a bad line is recorded in `problems`."""
    for number, line in read_text_lines(path):
        if not line.strip():
            yield number, None
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            problems.add(CorpusFormatError(path, number, f"invalid JSON ({err.msg}, column {err.colno}); "
                                                         "each line must hold one complete JSON object"))
            continue
        if not isinstance(item, dict):
            problems.add(CorpusFormatError(path, number, f"expected a JSON object {{...}}, got "
                                                         f"{type(item).__name__}"))
            continue
        yield number, item


def field(path: Path, line: int, record: dict[str, Any], name: str, is_label: bool) -> str:
    """One named column of a row as a string (a label may also be a JSON integer); missing or empty raises."""
    if name not in record:
        raise CorpusFormatError(path, line, f"no column {name!r} (columns: {', '.join(map(str, record))})")
    value = record[name]
    if is_label and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise CorpusFormatError(path, line, f"column {name!r} must be text, got {value!r}")
    if not value.strip():
        raise CorpusFormatError(path, line, f"empty {'label' if is_label else 'text'} in column {name!r}")
    return value.strip() if is_label else value


def sorted_labels(names: set[str]) -> tuple[str, ...]:
    """Label names in a stable order: numerically when all are integers, else alphabetically."""
    if all(n.lstrip("-").isdigit() for n in names):
        return tuple(sorted(names, key=int))
    return tuple(sorted(names))


def read_custom_rows(path: str | Path, text_column: str = "text", label_column: str = "label",
                     text_pair_column: str | None = None, labels: Sequence[str] | None = None,
                     verbose: bool = True) -> tuple[list[Any], tuple[str, ...]]:
    """Read every row of a TSV/CSV/JSONL file into LabeledText rows (LabeledPair with a text_pair_column).

    Returns the rows and the label names (label id = position). Labels come from `labels` when given (other
    values raise), else from the file, sorted. Every bad row raises CorpusFormatError naming file and line.
    """
    path = Path(path)
    problems = ProblemLog(path)
    records = {"tsv": tsv_records, "csv": csv_records, "jsonl": jsonl_records}[file_format(path)](path, problems)
    text_names = [text_column] + ([text_pair_column] if text_pair_column else [])
    raw: list[tuple[int, list[str], str]] = []
    blank = 0
    for line, record in records:
        if record is None:
            blank += 1
            continue
        with problems.collecting():
            texts = [field(path, line, record, name, is_label=False) for name in text_names]
            raw.append((line, texts, field(path, line, record, label_column, is_label=True)))
    if not problems.total:
        require_rows(raw, path)
    names = tuple(labels) if labels else sorted_labels({label for _, _, label in raw})
    if len(names) < 2 and not problems.total:
        raise CorpusFormatError(path, None, f"column {label_column!r} has one label only ({names[0]!r}); "
                                            "a classifier needs at least two")
    ids = {name: i for i, name in enumerate(names)}
    make = pair_row if text_pair_column else (lambda texts, label: LabeledText(texts[0], label))
    rows = []
    for line, texts, label in raw:
        with problems.collecting():
            rows.append(make(texts, parse_label(label, ids, path, line)))
    problems.raise_if_any()
    if verbose:
        counts = ", ".join(f"{n} {sum(r.label == i for r in rows):,}" for i, n in enumerate(names))
        note = f"; {blank} blank line{'s' * (blank != 1)} skipped" if blank else ""
        print(f"{path}에서 {len(rows):,}행을 읽었습니다 (레이블: {counts}){note} (read {len(rows):,} rows from {path})")
    return rows, names


def pair_row(texts: list[str], label: int) -> Any:
    """A LabeledPair of the pair-classification task."""

    return LabeledPair(texts[0], texts[1], label)


def custom_option(settings: CourseSettings, name: str, default: Any = None) -> Any:
    """One of the settings of corpus_name="custom" (custom_file, text_column, ...), or `default` when it is None.

    custom_file is required; labels (comma-separated text) becomes a tuple of label names.
    """
    value = getattr(settings, name)
    if name == "custom_file" and not value:
        raise SettingsError('corpus_name="custom" needs custom_file="your.tsv|csv|jsonl" (and text_column=..., '
                            'label_column=... for other column names; command line: --set custom_file=...)')
    if name == "labels" and value is not None:
        return tuple(label.strip() for label in value.split(","))
    return default if value is None else value


def read_custom_splits(settings: CourseSettings, pairs: bool = False) -> tuple[Splits, tuple[str, ...]]:
    """Train/validation/test rows of the learner's file (plus an optional test file) and the label names.

    Without `custom_test_file` the test rows are carved from the file in memory, then validation rows from the rest.
    """
    columns = dict(text_column=custom_option(settings, "text_column", "text"),
                   label_column=custom_option(settings, "label_column", "label"),
                   text_pair_column=custom_option(settings, "text_pair_column", "text_pair" if pairs else None),
                   labels=custom_option(settings, "labels"))
    rows, labels = read_custom_rows(custom_option(settings, "custom_file"), **columns)
    test_file = custom_option(settings, "custom_test_file")
    name = f"the rows of {custom_option(settings, 'custom_file')}"
    if test_file:
        test = read_custom_rows(test_file, **{**columns, "labels": labels})[0]
    else:
        rows, test = split_train_validation(rows, settings.val_fraction, settings.seed, name)
        name = f"the rows of {custom_option(settings, 'custom_file')} left after carving the test rows"
    train, val = split_train_validation(rows, settings.val_fraction, settings.seed, name)
    print(f"{len(train):,} train, {len(val):,} validation and {len(test):,} test rows "
          f"(val_fraction={settings.val_fraction}{'' if test_file else '; test carved from the same file'})")
    return Splits(take_rows(train, settings.limit_train_rows, "train", settings.seed),
                  take_rows(val, settings.limit_eval_rows, "validation", settings.seed),
                  take_rows(test, settings.limit_eval_rows, "test", settings.seed)), labels
