"""NER corpora (KMOU NER, KLUE-NER): each reader yields sentences with character-level entity spans."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from helpers.core.corpora import CorpusFormatError, ProblemLog, read_text_lines, require_rows
from helpers.core.corpus_files import fetch_raw_corpus

KMOU_TYPES = ("PS", "LC", "OG", "DT", "TI")  # person, location, organisation, date, time
KLUE_TYPES = KMOU_TYPES + ("QT",)  # KLUE-NER adds quantity
KMOU_FILES = {"train": "ner.train", "dev": "ner.dev", "test": "ner.test"}
KMOU_URL = "https://raw.githubusercontent.com/kmounlp/NER/master/2016klp/"
KLUE_NER_FILES = {"train": "klue-ner-v1.1_train.tsv", "dev": "klue-ner-v1.1_dev.tsv"}
KLUE_NER_URL = "https://raw.githubusercontent.com/KLUE-benchmark/KLUE/main/klue_benchmark/klue-ner-v1.1/"
# `<surface:TAG>`: the surface may hold ':' (e.g. `<12:30:TI>`) but no angle bracket; a lone `<` stays text.
ENTITY_MARK = re.compile(r"<([^<>]*):([A-Z]{2})>")
KLUE_HEADER = re.compile(r"^## (\S+)\t(.*)$")


@dataclass(frozen=True)
class EntitySpan:
    """One entity: `text[start:end]` of its sentence, with its type (PS, LC, ...)."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class TaggedSentence:
    """A sentence, its entities as character spans, and where it was read (file:line)."""

    text: str
    entities: tuple[EntitySpan, ...]
    source: str = ""


def parse_tagged(tagged: str, types: Sequence[str], path: Path, line: int) -> tuple[str, tuple[EntitySpan, ...]]:
    """Turn `..<홍길동:PS>..` into plain text plus entity spans; an unknown type or empty entity raises."""
    parts, spans, length, last = [], [], 0, 0
    for match in ENTITY_MARK.finditer(tagged):
        surface, label = match.groups()
        if label not in types:
            raise CorpusFormatError(path, line, f"unknown entity type {label!r} in {match.group(0)!r} "
                                                f"(expected one of {', '.join(types)})")
        if not surface:
            raise CorpusFormatError(path, line, f"empty entity {match.group(0)!r}")
        before = tagged[last : match.start()]
        parts += [before, surface]
        start = length + len(before)
        spans.append(EntitySpan(start, start + len(surface), label))
        length, last = start + len(surface), match.end()
    parts.append(tagged[last:])
    return "".join(parts), tuple(spans)


def render_tagged(sentence: TaggedSentence) -> str:
    """Write a sentence back in `<surface:TAG>` form (the inverse of parse_tagged)."""
    out, last = [], 0
    for span in sentence.entities:
        out += [sentence.text[last : span.start], f"<{sentence.text[span.start : span.end]}:{span.label}>"]
        last = span.end
    return "".join(out) + sentence.text[last:]


def split_blocks(path: Path) -> list[list[tuple[int, str]]]:
    """Group a file's numbered lines into blank-line separated blocks."""
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in read_text_lines(path):
        if line.strip():
            blocks[-1].append((number, line))
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def kmou_begin(row: str, path: Path, number: int) -> str | None:
    """The entity type a KMOU morpheme row begins (`B_PS` -> PS), or None for `I`/`O`; a bad row raises."""
    columns = row.split("\t")
    if len(columns) != 4:
        raise CorpusFormatError(path, number, f"expected 4 tab-separated columns, got {row!r}")
    tag = columns[3]
    if tag.startswith("B_") and tag[2:] in KMOU_TYPES:
        return tag[2:]
    if tag not in ("I", "O"):
        raise CorpusFormatError(path, number, f"unknown tag {tag!r} (expected O, I or B_ + {KMOU_TYPES})")
    return None


def read_kmou_block(block: list[tuple[int, str]], problems: ProblemLog) -> tuple[TaggedSentence, bool]:
    """One KMOU block (`; raw`, `$tagged`, `index<TAB>morpheme<TAB>POS<TAB>tag` rows) and whether the
    morpheme rows begin as many entities of each type as the tagged line has; bad morpheme rows go to `problems`."""
    path = problems.path
    (first, raw), rest = block[0], block[1:]
    if not raw.startswith("; "):
        raise CorpusFormatError(path, first, f"a block must start with '; sentence', got {raw[:40]!r}")
    if not rest or not rest[0][1].startswith("$"):
        raise CorpusFormatError(path, first + 1, "the '; sentence' line must be followed by a '$tagged' line")
    number, tagged = rest[0]
    text, spans = parse_tagged(tagged[1:], KMOU_TYPES, path, number)
    if text != raw[2:]:
        raise CorpusFormatError(path, number, "the tagged sentence without its <entity:TAG> marks differs "
                                              f"from the '; ' line above: {text!r} vs {raw[2:]!r}")
    begins: dict[str, int] = {}
    for number, row in rest[1:]:
        with problems.collecting():
            if kind := kmou_begin(row, path, number):
                begins[kind] = begins.get(kind, 0) + 1
    tagged_counts = {t: n for t in KMOU_TYPES if (n := sum(s.label == t for s in spans))}
    return TaggedSentence(text, spans, f"{path}:{first}"), begins == tagged_counts


def read_kmou_ner(path: str | Path, verbose: bool = True) -> list[TaggedSentence]:
    """Read every block of a KMOU NER file (`ner.train`, `ner.dev`, `ner.test`)."""
    return read_blocks(Path(path), read_kmou_block, verbose)


def spans_from_char_tags(tags: list[tuple[int, str]], path: Path) -> tuple[EntitySpan, ...]:
    """Character BIO tags (`B-PS`, `I-PS`, `O`) with their line numbers -> entity spans (strict BIO)."""
    spans: list[list] = []
    for index, (number, tag) in enumerate(tags):
        kind, _, label = tag.partition("-")
        if tag == "O":
            continue
        if label not in KLUE_TYPES or kind not in ("B", "I"):
            raise CorpusFormatError(path, number, f"unknown tag {tag!r} (expected O, B-/I- + {KLUE_TYPES})")
        if kind == "I" and not (spans and spans[-1][1] == index and spans[-1][2] == label):
            raise CorpusFormatError(path, number, f"{tag} does not continue a {label} entity")
        if kind == "B":
            spans.append([index, index + 1, label])
        else:
            spans[-1][1] = index + 1
    return tuple(EntitySpan(*s) for s in spans)


def read_klue_block(block: list[tuple[int, str]], problems: ProblemLog) -> tuple[TaggedSentence, bool]:
    """One KLUE-NER sentence and whether its character tags agree with its tagged header."""
    path = problems.path
    first, header = block[0]
    match = KLUE_HEADER.match(header)
    if not match:
        raise CorpusFormatError(path, first, f"expected '## guid<TAB>tagged sentence', got {header[:40]!r}")
    chars, tags, bad_rows = [], [], ProblemLog(path)
    for number, row in block[1:]:
        char, sep, tag = row.rpartition("\t")
        if not sep or len(char) != 1:
            bad_rows.add(CorpusFormatError(path, number, f"expected 'character<TAB>tag', got {row!r}"))
        chars.append(char)
        tags.append((number, tag))
    bad_rows.raise_if_any()  # every bad character row of the sentence, in one error
    text, spans = parse_tagged(match.group(2), KLUE_TYPES, path, first)
    if text != "".join(chars):
        raise CorpusFormatError(path, first, "the tagged sentence without its <entity:TAG> marks differs from "
                                             f"the character rows below it: {text!r}")
    return TaggedSentence(text, spans, f"{path}:{first}"), spans == spans_from_char_tags(tags, path)


def read_klue_ner(path: str | Path, verbose: bool = True) -> list[TaggedSentence]:
    """Read every sentence of a KLUE-NER v1.1 file; entities come from each `## guid<TAB>tagged` header."""
    return read_blocks(Path(path), read_klue_block, verbose)


def read_blocks(path: Path, read_block: Callable, verbose: bool = True) -> list[TaggedSentence]:
    """Read every block of an NER file, saying how many entities and which disagreeing annotations it has.

    A bad block does not stop the reading: one CorpusFormatError at the end lists every bad line.
    """
    sentences, disagree, problems = [], [], ProblemLog(path)
    for block in split_blocks(path):
        while block and block[0][1].startswith("##") and not KLUE_HEADER.match(block[0][1]):
            block = block[1:]  # KLUE file comments (`## 주석 : ##` ...) before the first sentence
        if block:
            with problems.collecting():
                sentence, agrees = read_block(block, problems)
                sentences.append(sentence)
                if not agrees:
                    disagree.append(sentence.source)
    problems.raise_if_any()
    require_rows(sentences, path, "sentences")
    if verbose:
        print(f"{path}에서 문장 {len(sentences):,}개(개체명 {sum(len(s.entities) for s in sentences):,}개)를 "
              f"읽었습니다 (read {len(sentences):,} sentences)")
        if disagree:  # e.g. KLUE `<<레이:PS>>`, whose character rows also tag the literal '<'
            print(f"  {len(disagree)} sentences whose token/character tags disagree with the tagged sentence "
                  f"(the tagged sentence is used): {', '.join(disagree[:5])}")
    return sentences


def read_ner_files(corpus: str, root_dir: str | Path, verbose: bool = True,
                   download_missing: bool = False) -> dict[str, list[TaggedSentence]]:
    """Read the splits present of `kmou-ner` or `klue-ner`, downloading them when the dev file is not there
    (and the missing ones when `download_missing`; see fetch_raw_corpus)."""
    files, url, reader = ((KMOU_FILES, KMOU_URL, read_kmou_ner) if corpus == "kmou-ner"
                          else (KLUE_NER_FILES, KLUE_NER_URL, read_klue_ner))
    folder = Path(root_dir) / corpus
    fetch_raw_corpus(folder, {name: url + name for name in files.values()}, files["dev"], download_missing)
    return {split: reader(folder / name, verbose) for split, name in files.items() if (folder / name).is_file()}
