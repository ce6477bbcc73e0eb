"""Every corpus reader meets bad input the same way: read it correctly, or raise naming the file and line.

One case set per reader: a small valid file, the same file with a BOM, with CRLF line ends, in CP949 (what
Excel on a Korean Windows writes), and with a wrong column count, an unknown label, an empty text, a cut-off
end, or missing altogether; empty (0 bytes, or only blank lines) and with no data rows (a header only, `[]`);
and with two bad lines, both of which one error must list. Nothing may be dropped silently, and every reader
prints how many rows it read.
"""

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from helpers.core.corpora import CorpusFormatError, NsmcReader
from helpers.core.custom_corpus import read_custom_rows
from helpers.ner.corpora import read_klue_ner, read_kmou_ner
from helpers.pair_classification.corpus import read_klue_nli, read_kornli
from helpers.question_answering.corpus import read_korquad


@dataclass(frozen=True)
class Error:
    """Expect CorpusFormatError whose message starts with `file:line:` (`file:` when line is None)."""

    line: int | None
    pattern: str


@dataclass(frozen=True)
class Kept:
    """Expect the file to be read with `rows` rows, the printed summary mentioning `note` (if any)."""

    rows: int
    note: str | None = None


@dataclass(frozen=True)
class ReaderCases:
    """A reader, a valid file for it, and the bad variants it must handle."""

    read: Callable[..., list[Any]]
    suffix: str
    good: str
    rows: int
    bad: dict[str, tuple[str, Error | Kept]]
    no_rows: str = ""  # a file with the reader's framing (header, `[]`, comments) but no data row
    two_bad: tuple[str, tuple[int | None, ...], tuple[str, ...]] = ("", (), ())  # content, lines, what is wrong


def json_lines(items: list[dict]) -> str:
    """A JSON list with one item per line (item i on line i + 2)."""
    return "[\n" + ",\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n]\n"


def nli(premise: str, hypothesis: str, label: str, **changes: Any) -> dict:
    item = {"guid": f"g-{premise[:2]}", "premise": premise, "hypothesis": hypothesis, "gold_label": label, **changes}
    return {k: v for k, v in item.items() if v is not None}


NLI_ITEMS = [nli("비가 온다", "날씨가 맑다", "contradiction"), nli("그는 웃었다", "그는 기뻤다", "entailment"),
             nli("책을 읽는다", "무언가를 한다", "neutral")]
KMOU = ("; 윤재현은 강릉에서 태어났다.\n$<윤재현:PS>은 <강릉:LC>에서 태어났다.\n1\t윤재현\tNNP\tB_PS\n1\t은\tJX\tO\n"
        "2\t강릉\tNNP\tB_LC\n2\t에서\tJKB\tO\n3\t태어났다\tVV\tO\n\n; 비가 온다.\n$비가 온다.\n1\t비\tNNG\tO\n"
        "1\t가\tJKS\tO\n2\t온다\tVV\tO\n")
KLUE_NER = ("## 토큰, 레이블 구분자 : \\t\n## klue-1\t<서울:LC>에 간다\n서\tB-LC\n울\tI-LC\n에\tO\n \tO\n간\tO\n다\tO\n\n"
            "## klue-2\t비가 온다\n비\tO\n가\tO\n \tO\n온\tO\n다\tO\n")


def squad(question: str = "한국의 수도는?", start: int = 0, context_key: str = "context") -> str:
    qas = [{"id": "q1", "question": question, "answers": [{"text": "서울", "answer_start": start}]},
           {"id": "q2", "question": "어디의 수도인가?", "answers": [{"text": "한국", "answer_start": 4}]}]
    document = {"version": "KorQuAD_v1.0_test", "data": [{"title": "서울", "paragraphs": [
        {context_key: "서울은 한국의 수도이다.", "qas": qas}]}]}
    return json.dumps(document, ensure_ascii=False, indent=1)


def custom_jsonl(*rows: dict) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


GOOD_JSONL = [{"text": "좋아요", "label": "pos"}, {"text": "별로예요", "label": "neg"}, {"text": "그냥 그래요", "label": "neg"}]
NSMC = "id\tdocument\tlabel\n1\t정말 재밌다\t1\n2\t별로였다\t0\n3\t시간 아깝다\t0\n"
KORNLI = ("sentence1\tsentence2\tgold_label\n비가 온다\t날씨가 맑다\tcontradiction\n그는 웃었다\t그는 기뻤다\tentailment\n"
          "책을 읽는다\t무언가를 한다\tneutral\n")
TSV = "text\tlabel\n좋아요\tpos\n별로예요\tneg\n그냥 그래요\tneg\n"
CSV = 'text,label\n좋아요,pos\n"별로, 정말",neg\n그냥 그래요,neg\n'
def read_custom(path, verbose: bool = True) -> list:
    """The learner's-own-file reader with the label set given, so that another label is unknown."""
    return read_custom_rows(path, labels=["neg", "pos"], verbose=verbose)[0]

READERS = {
    "nsmc": ReaderCases(NsmcReader().read, ".txt", NSMC, 3, {
        "wrong_columns": (NSMC.replace("2\t별로였다\t0", "2 별로였다 0"), Error(3, "expected 3 tab-separated")),
        "unknown_label": (NSMC.replace("별로였다\t0", "별로였다\t5"), Error(3, "unknown label '5'")),
        "empty_text": (NSMC.replace("별로였다", ""), Kept(3, "1 with an empty review, kept")),
        "truncated": (NSMC[:-7], Error(4, "expected 3 tab-separated")),
    }, no_rows="id\tdocument\tlabel\n",
       two_bad=(NSMC.replace("2\t별로였다\t0", "2 별로였다 0").replace("아깝다\t0", "아깝다\t7"), (3, 4),
                 ("expected 3 tab-separated", "unknown label '7'"))),
    "kornli": ReaderCases(read_kornli, ".tsv", KORNLI, 3, {
        "wrong_columns": (KORNLI.replace("그는 웃었다\t", ""), Error(3, "expected 3 tab-separated")),
        "unknown_label": (KORNLI.replace("entailment", "maybe"), Error(3, "unknown label 'maybe'")),
        "empty_text": (KORNLI.replace("그는 웃었다", " "), Error(3, "empty sentence1")),
        "truncated": (KORNLI[:-12], Error(4, "expected 3 tab-separated")),
    }, no_rows="sentence1\tsentence2\tgold_label\n",
       two_bad=(KORNLI.replace("그는 웃었다\t", "").replace("neutral", "maybe"), (3, 4),
                 ("expected 3 tab-separated", "unknown label 'maybe'"))),
    "klue-nli": ReaderCases(read_klue_nli, ".json", json_lines(NLI_ITEMS), 3, {
        "wrong_columns": (json_lines([NLI_ITEMS[0], {**NLI_ITEMS[1], "hypothesis": None}, NLI_ITEMS[2]]),
                          Error(3, "needs string fields")),
        "unknown_label": (json_lines([NLI_ITEMS[0], {**NLI_ITEMS[1], "gold_label": "maybe"}, NLI_ITEMS[2]]),
                          Error(3, "unknown label 'maybe'")),
        "empty_text": (json_lines([NLI_ITEMS[0], {**NLI_ITEMS[1], "premise": ""}, NLI_ITEMS[2]]),
                       Error(3, "empty premise")),
        "truncated": (json_lines(NLI_ITEMS)[:-40], Error(4, "invalid JSON")),
    }, no_rows="[\n]\n",
       two_bad=(json_lines([{**NLI_ITEMS[0], "hypothesis": None}, NLI_ITEMS[1], {**NLI_ITEMS[2], "gold_label": "?"}]),
                 (2, 4), ("needs string fields", "unknown label '\\?'"))),
    "kmou-ner": ReaderCases(read_kmou_ner, ".train", KMOU, 2, {
        "wrong_columns": (KMOU.replace("1\t은\tJX\tO", "1\t은\tJX"), Error(4, "expected 4 tab-separated")),
        "unknown_label": (KMOU.replace("B_PS", "B_XX"), Error(3, "unknown tag 'B_XX'")),
        # An empty sentence is read as a sentence without entities (and counted), not flagged.
        "empty_text": ("; \n$\n\n" + KMOU, Kept(3)),
        "truncated": (KMOU[:-6], Error(13, "expected 4 tab-separated")),
    }, no_rows="\n\n",
       two_bad=(KMOU.replace("1\t은\tJX\tO", "1\t은\tJX").replace("1\t가\tJKS\tO", "1\t가\tJKS\tB_XX"), (4, 12),
                 ("expected 4 tab-separated", "unknown tag 'B_XX'"))),
    "klue-ner": ReaderCases(read_klue_ner, ".tsv", KLUE_NER, 2, {
        "wrong_columns": (KLUE_NER.replace("에\tO", "에 O"), Error(5, "expected 'character<TAB>tag'")),
        "unknown_label": (KLUE_NER.replace("B-LC", "B-XX"), Error(3, "unknown tag 'B-XX'")),
        "empty_text": (KLUE_NER + "\n## klue-3\t\n", Kept(3)),  # like KMOU: read as an empty sentence
        "truncated": (KLUE_NER[:-6], Error(10, "differs from the character rows")),
    }, no_rows="## 토큰, 레이블 구분자 : \\t\n",
       two_bad=(KLUE_NER.replace("에\tO", "에 O").replace("온\tO", "온\tB-XX"), (5, 14),
                 ("expected 'character<TAB>tag'", "unknown tag 'B-XX'"))),
    # KorQuAD errors name the JSON location (article, paragraph, question id) instead of a line.
    "korquad": ReaderCases(read_korquad, ".json", squad(), 2, {
        "wrong_columns": (squad(context_key="ctx"), Error(None, "expected str field 'context'")),
        "unknown_label": (squad(start=3), Error(None, "question q1: answer '서울' is not at answer_start=3")),
        "empty_text": (squad(question=" "), Error(None, "question q1: empty question")),
        "truncated": (squad()[:200], Error(squad()[:200].count("\n") + 1, "invalid JSON")),
    }, no_rows='{"version": "KorQuAD_v1.0_test", "data": []}',
       two_bad=(squad(start=3).replace("어디의 수도인가?", " "), (None, None),
                 ("question q1: answer '서울' is not at", "question q2: empty question"))),
    "custom-tsv": ReaderCases(read_custom, ".tsv", TSV, 3, {
        "wrong_columns": (TSV.replace("별로예요\tneg", "별로예요\tneg\t!"), Error(3, "expected 2 tab-separated")),
        "unknown_label": (TSV.replace("별로예요\tneg", "별로예요\tmeh"), Error(3, "unknown label 'meh'")),
        "empty_text": (TSV.replace("별로예요", " "), Error(3, "empty text in column 'text'")),
        "truncated": (TSV[:-5], Error(4, "expected 2 tab-separated")),
    }, no_rows="text\tlabel\n\n",
       two_bad=(TSV.replace("별로예요\tneg", "별로예요\tneg\t!").replace("그래요\tneg", "그래요\tmeh"), (3, 4),
                 ("expected 2 tab-separated", "unknown label 'meh'"))),
    "custom-csv": ReaderCases(read_custom, ".csv", CSV, 3, {
        "wrong_columns": (CSV.replace(",neg\n그냥", ",neg,!\n그냥"), Error(3, "expected 2 comma-separated")),
        "unknown_label": (CSV.replace('정말",neg', '정말",meh'), Error(3, "unknown label 'meh'")),
        "empty_text": (CSV.replace('"별로, 정말"', ""), Error(3, "empty text in column 'text'")),
        "truncated": (CSV.replace("그냥 그래요,neg\n", '"그냥 그래'), Error(4, "malformed CSV")),
    }, no_rows="text,label\n",
       two_bad=(CSV.replace(",neg\n그냥", ",neg,!\n그냥").replace("그래요,neg", "그래요,meh"), (3, 4),
                 ("expected 2 comma-separated", "unknown label 'meh'"))),
    "custom-jsonl": ReaderCases(read_custom, ".jsonl", custom_jsonl(*GOOD_JSONL), 3, {
        "wrong_columns": (custom_jsonl(GOOD_JSONL[0], {"text": "별로예요"}, GOOD_JSONL[2]), Error(2, "no column 'label'")),
        "unknown_label": (custom_jsonl(GOOD_JSONL[0], {"text": "별로예요", "label": "meh"}, GOOD_JSONL[2]),
                          Error(2, "unknown label 'meh'")),
        "empty_text": (custom_jsonl(GOOD_JSONL[0], {"text": "", "label": "neg"}, GOOD_JSONL[2]),
                       Error(2, "empty text in column 'text'")),
        "truncated": (custom_jsonl(*GOOD_JSONL)[:-10], Error(3, "invalid JSON")),
    }, no_rows="\n \n" + "\n",
       two_bad=(custom_jsonl(GOOD_JSONL[0], GOOD_JSONL[1], {"text": "x"})[1:], (1, 3),
                 ("invalid JSON", "no column 'label'"))),
}
KNOWN_GAPS = {  # (reader, kind): why it fails today; strict, so the test fails loudly once fixed
}


def first_non_ascii_line(text: str) -> int:
    """1-based line of the first non-ASCII character (where a CP949 file stops being UTF-8)."""
    return next(n for n, line in enumerate(text.split("\n"), start=1) if not line.isascii())


def variants(cases: ReaderCases) -> dict[str, tuple[bytes | None, Error | Kept]]:
    """Every input to try for one reader: the shared encodings and line ends, then its own bad files."""
    good = Kept(cases.rows)
    out = {"good": (cases.good.encode(), good), "bom": (("\ufeff" + cases.good).encode(), good),
           "crlf": (cases.good.replace("\n", "\r\n").encode(), good),
           "bom_crlf": (("\ufeff" + cases.good.replace("\n", "\r\n")).encode(), good),
           "not_utf8": (cases.good.encode("cp949"), Error(first_non_ascii_line(cases.good), "not UTF-8")),
           "missing": (None, Error(None, "not found")),
           "empty": (b"", Error(None, r"the file is empty \(0 bytes")),
           "no_rows": (cases.no_rows.encode(), Error(None, r"^\S+: (no (data rows|labelled pairs|sentences|items|"
                                                           r"questions): |the file is empty)"))}
    out.update({kind: (text.encode(), expected) for kind, (text, expected) in cases.bad.items()})
    return out


CASES = [pytest.param(name, kind, content, expected, id=f"{name}-{kind}",
                      marks=[pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[name, kind])]
                      if (name, kind) in KNOWN_GAPS else [])
         for name, cases in READERS.items() for kind, (content, expected) in variants(cases).items()]


@pytest.mark.parametrize("reader, kind, content, expected", CASES)
def test_reader_reads_correctly_or_names_file_and_line(tmp_path, capsys, reader, kind, content, expected):
    cases = READERS[reader]
    path = tmp_path / f"{reader}-{kind}{cases.suffix}"
    if content is not None:
        path.write_bytes(content)
    if kind == "missing":
        with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
            cases.read(path)
    elif isinstance(expected, Error):
        where = f"{path}:{expected.line}:" if expected.line is not None else f"{path}:"
        with pytest.raises(CorpusFormatError) as raised:
            cases.read(path)
        assert str(raised.value).startswith(where), str(raised.value)
        assert re.search(expected.pattern, str(raised.value)), str(raised.value)
    else:
        rows = cases.read(path)
        out = capsys.readouterr().out
        assert len(rows) == expected.rows
        assert re.search(rf"read {expected.rows:,} ", out), out  # rows read are counted and printed
        if expected.note:
            assert expected.note in out, out
        assert "\\r" not in repr(rows) and "\\ufeff" not in repr(rows)  # no CR or BOM leaks into the text
        if kind == "empty_text":  # kept, not dropped
            assert any(not row.text.strip() for row in rows)
        elif kind != "good":  # the same rows as the plain UTF-8 file with LF line ends (same path: same sources)
            path.write_bytes(cases.good.encode())
            assert rows == cases.read(path)


@pytest.mark.parametrize("reader", sorted(READERS))
def test_every_bad_line_of_a_file_is_reported_in_one_error(tmp_path, reader):
    cases = READERS[reader]
    content, lines, problems = cases.two_bad
    path = tmp_path / f"{reader}-two-bad{cases.suffix}"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusFormatError) as raised:
        cases.read(path)
    reported = str(raised.value).split("\n")
    assert len(reported) == 2, reported
    for text, line, problem in zip(reported, lines, problems):
        assert text.startswith(f"{path}:{line}:" if line is not None else f"{path}: "), text
        assert re.search(problem, text), text
    assert raised.value.total == 2 and raised.value.line == lines[0]


def test_a_file_of_bad_lines_lists_the_first_twenty_and_counts_the_rest(tmp_path):
    path = tmp_path / "ratings_train.txt"
    path.write_text("id\tdocument\tlabel\n" + "".join(f"{i}\t리뷰 {i}\t9\n" for i in range(50)), encoding="utf-8")
    with pytest.raises(CorpusFormatError) as raised:
        NsmcReader().read(path)
    reported = str(raised.value).split("\n")
    assert [r.split(": ")[0] for r in reported[:20]] == [f"{path}:{n}" for n in range(2, 22)]
    assert reported[20:] == [f"... and 30 more problems in {path} (50 in all)"]


@pytest.mark.parametrize("size", [200_000, 5_000_000])
def test_a_text_column_of_any_size_is_read_from_csv_tsv_and_jsonl(tmp_path, size):
    text = "가" * size  # one review far over the csv module's default field limit of 131,072 characters
    files = {"big.csv": f'text,label\n"{text}",pos\nshort,neg\n',
             "big.tsv": f"text\tlabel\n{text}\tpos\nshort\tneg\n",
             "big.jsonl": custom_jsonl({"text": text, "label": "pos"}, {"text": "short", "label": "neg"})}
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
        rows = read_custom(tmp_path / name, verbose=False)
        assert [len(r.text) for r in rows] == [size, 5], name
    import csv

    assert csv.field_size_limit() == 131072  # the csv module's own limit is left as it was
