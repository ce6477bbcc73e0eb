"""A learner's own labelled data: a TSV, CSV or JSONL file whose text and label columns are named."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Iterator, Sequence

from .corpora import CorpusFormatError, LabeledText, parse_label, read_text_lines, split_train_validation, take_rows
from .document_classification import Splits
from .settings import CourseSettings, SettingsError

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


def tsv_records(path: Path) -> Iterator[tuple[int, Record]]:
    """(line, columns) of a tab-separated file with a header row; fields are taken literally (no quoting)."""
    columns: list[str] = []
    for number, line in read_text_lines(path):
        if number == 1:
            columns = header_columns(path, line.split("\t"))
            continue
        if not line.strip():
            yield number, None
            continue
        values = line.split("\t")
        if len(values) != len(columns):
            raise CorpusFormatError(path, number, f"expected {len(columns)} tab-separated columns "
                                                  f"({', '.join(columns)}), got {len(values)}")
        yield number, dict(zip(columns, values))


def csv_records(path: Path) -> Iterator[tuple[int, Record]]:
    """(first line, columns) of a comma-separated file with a header row; quoted fields may hold commas and newlines."""
    reader = csv.reader((line + "\n" for _, line in read_text_lines(path)), strict=True)
    columns: list[str] = []
    start = 1
    try:
        for values in reader:
            if start == 1:
                columns = header_columns(path, values)
            elif not values:
                yield start, None
            elif len(values) != len(columns):
                raise CorpusFormatError(path, start, f"expected {len(columns)} comma-separated columns "
                                                     f"({', '.join(columns)}), got {len(values)}")
            else:
                yield start, dict(zip(columns, values))
            start = reader.line_num + 1
    except csv.Error as err:
        raise CorpusFormatError(path, start, f"malformed CSV ({err}); quote fields with \"...\"") from None


def jsonl_records(path: Path) -> Iterator[tuple[int, Record]]:
    """(line, object) of a JSON Lines file: one JSON object per line."""
    for number, line in read_text_lines(path):
        if not line.strip():
            yield number, None
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            raise CorpusFormatError(path, number, f"invalid JSON ({err.msg}, column {err.colno}); "
                                                  "each line must hold one complete JSON object") from None
        if not isinstance(item, dict):
            raise CorpusFormatError(path, number, f"expected a JSON object {{...}}, got {type(item).__name__}")
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
    records = {"tsv": tsv_records, "csv": csv_records, "jsonl": jsonl_records}[file_format(path)](path)
    text_names = [text_column] + ([text_pair_column] if text_pair_column else [])
    raw: list[tuple[int, list[str], str]] = []
    blank = 0
    for line, record in records:
        if record is None:
            blank += 1
            continue
        texts = [field(path, line, record, name, is_label=False) for name in text_names]
        raw.append((line, texts, field(path, line, record, label_column, is_label=True)))
    if not raw:
        raise CorpusFormatError(path, None, "no data rows (a header row naming the columns, then one row per line)")
    names = tuple(labels) if labels else sorted_labels({label for _, _, label in raw})
    if len(names) < 2:
        raise CorpusFormatError(path, None, f"column {label_column!r} has one label only ({names[0]!r}); "
                                            "a classifier needs at least two")
    ids = {name: i for i, name in enumerate(names)}
    make = pair_row if text_pair_column else (lambda texts, label: LabeledText(texts[0], label))
    rows = [make(texts, parse_label(label, ids, path, line)) for line, texts, label in raw]
    if verbose:
        counts = ", ".join(f"{n} {sum(r.label == i for r in rows):,}" for i, n in enumerate(names))
        note = f"; {blank} blank line{'s' * (blank != 1)} skipped" if blank else ""
        print(f"{path}에서 {len(rows):,}행을 읽었습니다 (레이블: {counts}){note} (read {len(rows):,} rows from {path})")
    return rows, names


def pair_row(texts: list[str], label: int) -> Any:
    """A LabeledPair of the pair-classification task."""
    from .pair_classification import LabeledPair  # imported here: pair_classification imports this module's users

    return LabeledPair(texts[0], texts[1], label)


def custom_option(settings: CourseSettings, name: str, default: Any = None) -> Any:
    """One of the settings.extra options of corpus_name="custom"; the file option is required."""
    value = settings.extra.get(name, default)
    if name == "custom_file" and not value:
        raise SettingsError('corpus_name="custom" needs extra={"custom_file": "your.tsv|csv|jsonl", '
                            '"text_column": ..., "label_column": ...} (command line: --extra custom_file=...)')
    return value


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
    if test_file:
        test = read_custom_rows(test_file, **{**columns, "labels": labels})[0]
    else:
        rows, test = split_train_validation(rows, settings.val_fraction, settings.seed)
    train, val = split_train_validation(rows, settings.val_fraction, settings.seed)
    print(f"{len(train):,} train, {len(val):,} validation and {len(test):,} test rows "
          f"(val_fraction={settings.val_fraction}{'' if test_file else '; test carved from the same file'})")
    return Splits(take_rows(train, settings.limit_train_rows, "train", settings.seed),
                  take_rows(val, settings.limit_eval_rows, "validation", settings.seed),
                  take_rows(test, settings.limit_eval_rows, "test", settings.seed)), labels
