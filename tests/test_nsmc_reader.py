import pytest
from shared_data import SHARED_DATA, needs_shared_data

from helpers.core.corpora import CorpusFormatError, NsmcReader, split_train_validation, take_rows


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_quotes_inner_tabs_and_empty_review_are_read_exactly(tmp_path):
    path = write(tmp_path / "nsmc.txt",
                 'id\tdocument\tlabel\n'
                 '1\t"따옴표로 시작하는 리뷰\t1\n'
                 '2\t중간에 "인용" 과 \'작은따옴표\'\t0\n'
                 '3\t탭이\t들어간\t리뷰\t1\n'
                 '4\t\t0\n'
                 '5\t끝 따옴표"\t1\n')
    rows = NsmcReader().read(path)
    assert [(r.text, r.label) for r in rows] == [
        ('"따옴표로 시작하는 리뷰', 1), ('중간에 "인용" 과 \'작은따옴표\'', 0),
        ("탭이\t들어간\t리뷰", 1), ("", 0), ('끝 따옴표"', 1)]


def test_bom_and_crlf_are_accepted(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes("\ufeffid\tdocument\tlabel\r\n1\t좋아요\t1\r\n2\t싫어요\t0\r\n".encode("utf-8"))
    assert [(r.text, r.label) for r in NsmcReader().read(path)] == [("좋아요", 1), ("싫어요", 0)]


@pytest.mark.parametrize("body, line, message", [
    ("1\t라벨이 없음\n", 2, "3 tab-separated columns"),
    ("1\t좋아요\t1\n2\t좋아요\t5\n", 3, "unknown label '5'"),
    ("1\t좋아요\t1\n\n", 3, "3 tab-separated columns"),
    ("\t아이디 없음\t1\n", 2, "empty id"),
])
def test_malformed_rows_raise_with_file_and_line(tmp_path, body, line, message):
    path = write(tmp_path / "bad.txt", "id\tdocument\tlabel\n" + body)
    with pytest.raises(CorpusFormatError, match=message) as err:
        NsmcReader().read(path)
    assert str(err.value).startswith(f"{path}:{line}:")
    assert err.value.line == line


def test_wrong_header_and_missing_file(tmp_path):
    with pytest.raises(CorpusFormatError, match=":1: header"):
        NsmcReader().read(write(tmp_path / "h.txt", "document\tlabel\n좋아요\t1\n"))
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        NsmcReader().read(tmp_path / "nope.txt")


@needs_shared_data
def test_every_nsmc_row_is_read():
    splits = NsmcReader().read_splits(SHARED_DATA)
    assert len(splits["train"]) == 150_000
    assert len(splits["test"]) == 50_000
    assert {r.label for r in splits["train"]} == {0, 1}
    quoted = sum('"' in r.text for r in splits["train"])
    assert quoted > 0  # rows a csv-quoting reader would merge or drop are all here


def test_validation_split_is_disjoint_deterministic_and_complete():
    rows = list(range(1000))
    train, val = split_train_validation(rows, 0.1, seed=3)
    assert len(val) == 100 and len(train) == 900
    assert sorted(train + val) == rows
    assert split_train_validation(rows, 0.1, seed=3) == (train, val)


def test_take_rows_says_what_it_kept(capsys):
    kept = take_rows(list(range(50)), 10, "train", seed=1)
    assert len(kept) == 10 and len(set(kept)) == 10
    assert "using 10 of 50 rows" in capsys.readouterr().out
