"""A learner's own TSV/CSV/JSONL file: named columns, labels derived or given, and a whole training run on it."""

import json

import pytest
from torch_threads import one_torch_thread  # noqa: F401  (a fixture)

from helpers.core.corpora import CorpusFormatError, LabeledPair
from helpers.core.custom_corpus import read_custom_rows, read_custom_splits
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, CourseSettings, SettingsError
from helpers.train import main

SAMPLES = EMBEDDED_SAMPLE_ROOT / "custom"


def test_sample_csv_reads_every_row_with_quoted_commas_and_sorted_labels(capsys):
    rows, labels = read_custom_rows(SAMPLES / "product_reviews.csv", text_column="review", label_column="rating")
    assert len(rows) == 48 and labels == ("긍정", "부정", "중립")
    assert [sum(r.label == i for r in rows) for i in range(3)] == [16, 16, 16]
    assert rows[3].text == "색이 사진이랑 똑같고, 촉감도 부드러워요" and labels[rows[3].label] == "긍정"
    assert "read 48 rows from" in capsys.readouterr().out


def test_sample_jsonl_reads_sentence_pairs():
    rows, labels = read_custom_rows(SAMPLES / "sentence_pairs.jsonl", text_column="sentence1",
                                    label_column="label", text_pair_column="sentence2")
    assert len(rows) == 32 and labels == ("같음", "다름")
    assert rows[1] == LabeledPair("오늘 회의는 오후 세 시에 시작합니다.", "점심 메뉴는 비빔밥입니다.", 1)


def test_tsv_with_given_label_order_and_extra_columns(tmp_path):
    path = tmp_path / "mine.tsv"
    path.write_text("id\ttext\tlabel\tsource\n1\t좋아요\tpos\tweb\n2\t별로예요\tneg\tapp\n3\t\"따옴표\" 그대로\tpos\tweb\n",
                    encoding="utf-8")
    rows, labels = read_custom_rows(path, labels=["neg", "pos"], verbose=False)
    assert labels == ("neg", "pos") and [r.label for r in rows] == [1, 0, 1]
    assert rows[2].text == '"따옴표" 그대로'  # TSV fields are literal: quotes stay


def test_integer_labels_in_jsonl_sort_numerically(tmp_path):
    path = tmp_path / "stars.jsonl"
    path.write_text("\n".join(json.dumps({"text": f"리뷰 {i}", "label": s}) for i, s in enumerate([10, 2, 1, 2])),
                    encoding="utf-8")
    rows, labels = read_custom_rows(path, verbose=False)
    assert labels == ("1", "2", "10") and [r.label for r in rows] == [2, 1, 0, 1]


def test_csv_row_spanning_lines_is_one_row_and_errors_name_the_right_line(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text('text,label\n"첫 줄\n둘째 줄",a\n좋다,b\n나쁘다\n', encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"multi\.csv:5: expected 2 comma-separated columns"):
        read_custom_rows(path, verbose=False)
    path.write_text('text,label\n"첫 줄\n둘째 줄",a\n좋다,b\n', encoding="utf-8")
    rows, _ = read_custom_rows(path, verbose=False)
    assert rows[0].text == "첫 줄\n둘째 줄" and len(rows) == 2


@pytest.mark.parametrize("content, message", [
    ("text,label\n좋다,a\n", "one label only"),
    ("text,label\n", "no data rows"),
    ("review,label\n좋다,a\n싫다,b\n", r"multi\.csv:2: no column 'text'"),
    ("text,text\n좋다,a\n", r"multi\.csv:1: header"),
])
def test_files_a_classifier_cannot_use_raise(tmp_path, content, message):
    path = tmp_path / "multi.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=message):
        read_custom_rows(path, verbose=False)


def test_unknown_file_type_and_missing_option_are_named(tmp_path):
    with pytest.raises(SettingsError, match=r"\.xlsx"):
        read_custom_rows(tmp_path / "data.xlsx")
    with pytest.raises(SettingsError, match="custom_file"):
        read_custom_splits(CourseSettings(corpus_name="custom"))


def test_splits_carve_test_and_validation_or_use_a_test_file(tmp_path):
    settings = CourseSettings(corpus_name="custom", val_fraction=0.25, custom_file=str(SAMPLES / "product_reviews.csv"),
                              text_column="review", label_column="rating")
    splits, labels = read_custom_splits(settings)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (27, 9, 12)
    test_file = tmp_path / "test.csv"
    test_file.write_text("review,rating\n최고예요,긍정\n최악이에요,부정\n", encoding="utf-8")
    splits, _ = read_custom_splits(settings.replace(custom_test_file=str(test_file)))
    assert (len(splits.train), len(splits.val), len(splits.test)) == (36, 12, 2)
    test_file.write_text("review,rating\n최고예요,몰라\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"test\.csv:2: unknown label '몰라'"):
        read_custom_splits(settings.replace(custom_test_file=str(test_file)))


@pytest.mark.usefixtures("one_torch_thread")
def test_command_line_trains_document_classification_on_a_custom_csv(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NLPBOOK_OUTPUT_ROOT", str(tmp_path))
    monkeypatch.delenv("NLPBOOK_MODEL_DIR", raising=False)  # the embedded tiny vocabulary: faster
    metrics = main(["document-classification", "--smoke", "--set", "corpus_name=custom", "--set", "epochs=2",
                    "--set", f"custom_file={SAMPLES / 'product_reviews.csv'}", "--set", "text_column=review",
                    "--set", "label_column=rating", "--set", "labels=부정,중립,긍정"])
    assert 0.0 <= metrics["test_acc"] <= 1.0
    out = capsys.readouterr().out
    assert "read 48 rows from" in out and "[rank 0] document-classification finished" in out
    config = json.loads((tmp_path / "document-classification" / "model" / "config.json").read_text())
    assert config["id2label"] == {"0": "부정", "1": "중립", "2": "긍정"}
