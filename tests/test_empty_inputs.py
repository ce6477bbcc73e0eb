"""No data, no run: an empty file or split stops a run before training, naming the file or the split and settings."""

import json
import shutil
from pathlib import Path

import pytest

from helpers.classification.pipeline import run_document_classification
from helpers.core.corpora import CorpusFormatError, EmptySplitError, split_train_validation
from helpers.core.custom_corpus import read_custom_splits
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, SMOKE_OVERRIDES, CourseSettings
from helpers.ner.pipeline import read_ner_splits
from helpers.pair_classification.corpus import read_pair_splits
from helpers.question_answering.corpus import read_korquad_splits


def corpus_copy(tmp_path: Path, corpus: str, **files: str) -> Path:
    """A corpus root holding a copy of the embedded sample `corpus`, with some files replaced by `files`."""
    root = tmp_path / "data"
    shutil.copytree(EMBEDDED_SAMPLE_ROOT / corpus, root / corpus)
    for name, content in files.items():
        (root / corpus / name.replace("__", ".")).write_text(content, encoding="utf-8")
    return root


def settings(tmp_path: Path, root: Path, **changes) -> CourseSettings:
    return CourseSettings(**{**SMOKE_OVERRIDES, "smoke": True, "corpus_root_dir": str(root),
                             "output_dir": str(tmp_path / "run"), **changes})


@pytest.mark.parametrize("name, content", [("ratings_test.txt", ""), ("ratings_test.txt", "id\tdocument\tlabel\n"),
                                           ("ratings_train.txt", "id\tdocument\tlabel\n")])
def test_an_empty_nsmc_file_stops_the_run_before_training(tmp_path, name, content):
    root = corpus_copy(tmp_path, "nsmc", **{name.replace(".", "__"): content})
    with pytest.raises(CorpusFormatError) as raised:
        run_document_classification(settings(tmp_path, root))
    assert str(raised.value).startswith(f"{root / 'nsmc' / name}: "), str(raised.value)
    assert not (tmp_path / "run" / "checkpoints").exists()  # nothing was trained


def test_an_empty_kmou_dev_file_is_named(tmp_path):
    root = corpus_copy(tmp_path, "kmou-ner", ner__dev="")
    with pytest.raises(CorpusFormatError, match=f"^{root / 'kmou-ner' / 'ner.dev'}: the file is empty"):
        read_ner_splits(settings(tmp_path, root, corpus_name="kmou-ner"))


def test_an_empty_klue_nli_list_is_named(tmp_path):
    root = corpus_copy(tmp_path, "klue-nli", **{"klue-nli-v1__1_train__json": "[]"})
    with pytest.raises(CorpusFormatError, match=r"klue-nli-v1\.1_train\.json: no items: the file's JSON list is empty"):
        read_pair_splits(settings(tmp_path, root, corpus_name="klue-nli"))


def test_a_file_too_small_to_split_names_the_split_and_the_settings(tmp_path):
    path = tmp_path / "tiny.tsv"
    path.write_text("text\tlabel\n좋아요\tpos\n별로예요\tneg\n", encoding="utf-8")
    run = settings(tmp_path, tmp_path, corpus_name="custom", val_fraction=0.2, custom_file=str(path))
    with pytest.raises(EmptySplitError) as raised:
        read_custom_splits(run)
    message = str(raised.value)
    assert f"cannot split the rows of {path} left after carving the test rows (1 row)" in message, message
    assert "val_fraction=0.2, seed=7" in message


def test_a_dev_file_of_one_article_cannot_give_train_and_validation(tmp_path):
    document = {"version": "1", "data": [{"title": "서울", "paragraphs": [{"context": "서울은 한국의 수도이다.", "qas": [
        {"id": "q1", "question": "한국의 수도는?", "answers": [{"text": "서울", "answer_start": 0}]}]}]}]}
    root = tmp_path / "data"
    (root / "korquad").mkdir(parents=True)
    (root / "korquad" / "KorQuAD_v1.0_dev.json").write_text(json.dumps(document, ensure_ascii=False))
    with pytest.raises(EmptySplitError, match=r"cannot split the 1 articles of the dev file \(1 row\).*val_fraction"):
        read_korquad_splits(settings(tmp_path, root, corpus_name="korquad"))


@pytest.mark.parametrize("rows, val_fraction, sizes", [(3, 0.9, (1, 2)), (2, 0.01, (1, 1)), (10, 0.2, (8, 2))])
def test_a_split_keeps_at_least_one_row_on_each_side(rows, val_fraction, sizes):
    train, val = split_train_validation(list(range(rows)), val_fraction, seed=0)
    assert (len(train), len(val)) == sizes and sorted(train + val) == list(range(rows))
    with pytest.raises(EmptySplitError, match=r"cannot split the dev rows \(1 row\)"):
        split_train_validation([1], val_fraction, seed=0, name="the dev rows")
