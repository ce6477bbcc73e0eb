"""Reading KLUE-NLI and KorNLI into labelled (premise, hypothesis) pairs and splits."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any, Iterator

from helpers.core.corpora import (
    CorpusFormatError,
    LabeledPair,
    ProblemLog,
    ensure_corpus_files,
    parse_label,
    read_text_lines,
    require_rows,
)
from helpers.core.corpus_files import fetch_raw_corpus, optional_download, splits_from_files
from helpers.core.custom_corpus import read_custom_splits
from helpers.core.settings import CourseSettings, SettingsError
from helpers.core.splits import Splits
from helpers.pair_classification.encoding import premise

NLI_LABELS = ("entailment", "neutral", "contradiction")  # fixed order: label id = position (KLUE's order)


NLI_LABEL_IDS = {name: i for i, name in enumerate(NLI_LABELS)}


NO_GOLD_LABEL = "-"  # SNLI/MNLI rows whose annotators did not agree


KLUE_NLI_FILES = {"train": ("klue-nli-v1.1_train.json",), "dev": ("klue-nli-v1.1_dev.json",)}


KLUE_NLI_URL = "https://raw.githubusercontent.com/KLUE-benchmark/KLUE/main/klue_benchmark/klue-nli-v1.1/"


KORNLI_FILES = {"train": ("multinli.train.ko.tsv", "snli_1.0_train.ko.tsv"), "dev": ("xnli.dev.ko.tsv",),
                "test": ("xnli.test.ko.tsv",)}


KORNLI_HEADER = ["sentence1", "sentence2", "gold_label"]


PAIR_CORPORA = ("klue-nli", "kornli")


def iter_json_list(path: Path) -> Iterator[tuple[int, Any]]:
    """Yield (line, item) for each element of a file holding one JSON list; bad JSON raises with file:line."""
    text = "\n".join(line for _, line in read_text_lines(path))
    decoder, index = json.JSONDecoder(), 0

    def skip_space(i: int) -> int:
        while i < len(text) and text[i] in " \t\n\r":
            i += 1
        return i

    def expect(i: int, allowed: str) -> str:
        if i >= len(text) or text[i] not in allowed:
            found = repr(text[i]) if i < len(text) else "the end of the file (truncated?)"
            raise CorpusFormatError(path, text.count("\n", 0, i) + 1, f"expected one of {allowed!r}, found {found}")
        return text[i]

    index = skip_space(index)
    expect(index, "[")
    index = skip_space(index + 1)
    if index < len(text) and text[index] == "]":
        return
    line, counted = 1, 0  # line number of position `counted`, advanced item by item (not recounted from 0)
    while True:
        try:
            item, end = decoder.raw_decode(text, index)
        except json.JSONDecodeError as err:
            raise CorpusFormatError(path, err.lineno, f"invalid JSON: {err.msg}") from None
        line, counted = line + text.count("\n", counted, index), index
        yield line, item
        index = skip_space(end)
        if expect(index, ",]") == "]":
            return
        index = skip_space(index + 1)


def klue_nli_pair(item: Any, path: Path, line: int) -> LabeledPair:
    """One KLUE-NLI item as a LabeledPair; missing fields, empty texts or an unknown label raise."""
    fields = [item.get(k) if isinstance(item, dict) else None for k in ("premise", "hypothesis", "gold_label")]
    if not all(isinstance(f, str) for f in fields):
        raise CorpusFormatError(path, line, "each item needs string fields premise, hypothesis and gold_label")
    if not fields[0].strip() or not fields[1].strip():
        raise CorpusFormatError(path, line, "empty premise or hypothesis")
    return LabeledPair(fields[0], fields[1], parse_label(fields[2], NLI_LABEL_IDS, path, line))


def read_klue_nli(path: str | Path, verbose: bool = True) -> list[LabeledPair]:
    """Read every item of a KLUE-NLI v1.1 JSON file (premise, hypothesis, gold_label); all bad items in one error."""
    path, rows, problems = Path(path), [], ProblemLog(path)
    for line, item in iter_json_list(path):
        with problems.collecting():
            rows.append(klue_nli_pair(item, path, line))
    problems.raise_if_any()
    require_rows(rows, path, "items", "the file's JSON list is empty ([]); a cut-off download? delete it and "
                                      "run again")
    if verbose:
        print(f"{path}에서 문장 쌍 {len(rows):,}개를 읽었습니다 (read {len(rows):,} pairs)")
    return rows


def kornli_pair(columns: list[str], path: Path, number: int) -> LabeledPair | None:
    """One KorNLI row as a LabeledPair, or None for a row without a gold label ('-'); a bad row raises."""
    if len(columns) != 3:
        raise CorpusFormatError(path, number, f"expected 3 tab-separated columns, got {len(columns)}")
    if not columns[0].strip() or not columns[1].strip():
        raise CorpusFormatError(path, number, "empty sentence1 or sentence2")
    if columns[2] == NO_GOLD_LABEL:
        return None
    return LabeledPair(columns[0], columns[1], parse_label(columns[2], NLI_LABEL_IDS, path, number))


def read_kornli(path: str | Path, verbose: bool = True) -> list[LabeledPair]:
    """Read a KorNLI TSV file (`sentence1<TAB>sentence2<TAB>gold_label` with header); '-' labels are counted."""
    path, rows, unlabeled, problems = Path(path), [], 0, ProblemLog(path)
    for number, line in read_text_lines(path):
        columns = line.split("\t")
        if number == 1:
            if columns != KORNLI_HEADER:
                raise CorpusFormatError(path, 1, f"header {line!r} is not {'<TAB>'.join(KORNLI_HEADER)}")
            continue
        with problems.collecting():
            pair = kornli_pair(columns, path, number)
            unlabeled += pair is None
            rows += [pair] if pair else []
    problems.raise_if_any()
    require_rows(rows, path, "labelled pairs",
                 f"all {unlabeled:,} rows have the gold label '-' (annotators disagreed)" if unlabeled else None)
    if verbose:
        note = f"; {unlabeled:,} rows without a gold label ('-') left out" if unlabeled else ""
        print(f"{path}에서 문장 쌍 {len(rows):,}개를 읽었습니다{note} (read {len(rows):,} pairs)")
    return rows


def read_pair_files(corpus: str, root_dir: str | Path, verbose: bool = True,
                    download_missing: bool = False) -> dict[str, list[LabeledPair]]:
    """Read the splits present of `klue-nli` or `kornli`, downloading them when the dev file is not there
    (and the missing ones when `download_missing`; a failure then only means going on without them)."""
    if corpus not in PAIR_CORPORA:
        raise SettingsError(f"corpus_name={corpus!r} is not a sentence-pair corpus; use one of "
                            f"{', '.join(PAIR_CORPORA)} (command line: --set corpus_name=klue-nli)")
    layout, reader = (KLUE_NLI_FILES, read_klue_nli) if corpus == "klue-nli" else (KORNLI_FILES, read_kornli)
    folder = Path(root_dir) / corpus
    names = [n for split in layout.values() for n in split]
    if corpus == "klue-nli":
        fetch_raw_corpus(folder, {n: KLUE_NLI_URL + n for n in names}, layout["dev"][0], download_missing)
    elif not (folder / layout["dev"][0]).is_file():
        ensure_corpus_files(corpus, root_dir, names)  # Korpora fetches all four KorNLI files
    elif download_missing and not all((folder / n).is_file() for n in names):
        optional_download(partial(ensure_corpus_files, corpus, root_dir, names))
    files = {}
    for split, split_names in layout.items():
        if all((folder / n).is_file() for n in split_names):
            files[split] = [row for n in split_names for row in reader(folder / n, verbose)]
    return files


def read_pair_splits(settings: CourseSettings) -> Splits:
    """Train/validation/test pairs of the settings' corpus, with the row limits applied."""
    files = read_pair_files(settings.corpus_name, settings.corpus_root_dir, download_missing=not settings.smoke)
    return splits_from_files(files, settings, premise)


def read_pair_task_splits(settings: CourseSettings) -> tuple[Splits, tuple[str, ...]]:
    """KLUE-NLI/KorNLI splits and the NLI labels, or the learner's own pair file's when corpus_name is "custom"."""
    if settings.corpus_name == "custom":

        return read_custom_splits(settings, pairs=True)
    return read_pair_splits(settings), NLI_LABELS
