"""Character-level entity scores (KLUE's definition) beside the word-level (seqeval) ones."""

import csv

import pytest
from torch_threads import one_torch_thread  # noqa: F401  (a fixture)
from transformers import BertForTokenClassification

from helpers.core.models import load_tokenizer
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, CourseSettings
from helpers.ner.alignment import decode_entities, token_tags, tokenize_with_offsets, unlabelled
from helpers.ner.corpora import EntitySpan, TaggedSentence
from helpers.ner.metrics import character_entity_report, character_scores, entity_reports_table
from helpers.ner.pipeline import predict_entities, read_ner_splits, run_ner
from helpers.ner.task import EntityScores, entity_set


def test_an_entity_counts_only_with_its_type_and_exact_character_span():
    gold = [[EntitySpan(0, 3, "PS"), EntitySpan(5, 7, "LC")], [EntitySpan(2, 4, "OG")]]
    predicted = [[EntitySpan(0, 3, "PS"), EntitySpan(5, 8, "LC")],  # one character too long: wrong
                 [EntitySpan(2, 4, "PS"), EntitySpan(6, 9, "DT")]]  # right span, wrong type; an extra entity
    report = character_entity_report(gold, predicted)
    assert report["micro avg"] == {"precision": 1 / 4, "recall": 1 / 3, "f1": pytest.approx(2 / 7),
                                   "support": 3}
    assert report["PS"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "support": 1}
    assert report["LC"]["f1"] == 0.0 and report["OG"]["recall"] == 0.0 and report["DT"]["support"] == 0
    # the same entity in another sentence is another entity
    assert character_entity_report([[EntitySpan(0, 3, "PS")], []], [[], [EntitySpan(0, 3, "PS")]])[
        "micro avg"]["f1"] == 0.0


def test_sentence_counts_must_agree():
    with pytest.raises(ValueError, match="2 gold sentences but 1 predicted"):
        character_entity_report([[], []], [[]])


def test_perfect_word_level_tags_are_not_perfect_character_spans():
    """A particle glued to a name: the word-level tags are all right, the decoded span is one syllable too long."""
    settings = CourseSettings(smoke=True)
    tokenizer = load_tokenizer(settings)
    sentence = TaggedSentence("김민수는 부산에서 태어났다.", (EntitySpan(0, 3, "PS"), EntitySpan(5, 7, "LC")))
    encoded = tokenize_with_offsets(tokenizer, [sentence.text], 64)
    offsets, pieces = encoded["offset_mapping"][0], encoded["continuation"][0]
    tags = token_tags(offsets, sentence.entities, unlabelled(encoded["special_tokens_mask"][0], pieces, "first"))
    labelled = [t for t in tags if t is not None]
    word_level = EntityScores()
    word_level.update([labelled], [labelled])  # a tagger that got every word's tag right
    assert len(entity_set([labelled])) == 2 and float(word_level.compute()["f1"]) == 1.0
    decoded = decode_entities(offsets, tags, pieces, "first")
    assert decoded == [EntitySpan(0, 4, "PS"), EntitySpan(5, 9, "LC")]  # whole words: "김민수는", "부산에서"
    assert character_entity_report([sentence.entities], [decoded])["micro avg"]["f1"] == 0.0


def test_reports_table_lists_both_levels_per_type():
    word = {"PS": {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2},
            "micro avg": {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2}}
    char = {"PS": {"precision": 0.5, "recall": 0.25, "f1": 1 / 3, "support": 2},
            "micro avg": {"precision": 0.5, "recall": 0.25, "f1": 1 / 3, "support": 2}}
    lines = entity_reports_table(word, char, ["PS", "LC"]).splitlines()
    assert lines[0].split() == ["type", "word", "P", "word", "R", "word", "F1", "char", "P", "char", "R", "char",
                                "F1", "support"]
    assert lines[1].split() == ["PS", "1.000", "0.500", "0.667", "0.500", "0.250", "0.333", "2"]
    assert lines[2].split()[0] == "LC" and lines[3].split()[:2] == ["micro", "avg"]


@pytest.mark.usefixtures("one_torch_thread")
def test_run_logs_character_f1_per_epoch_and_at_test(tmp_path, capsys):
    settings = CourseSettings(smoke=True, corpus_name="kmou-ner", corpus_root_dir=str(EMBEDDED_SAMPLE_ROOT),
                              output_dir=str(tmp_path / "run"), batch_size=16, max_seq_length=64,
                              learning_rate=1e-3, precision="32-true", val_fraction=0.2, epochs=2,
                              limit_train_rows=64, limit_eval_rows=32)
    metrics = run_ner(settings)
    assert {"test_char_precision", "test_char_recall", "test_char_f1", "test_f1"} <= set(metrics)
    with open(tmp_path / "run" / "logs" / "version_0" / "metrics.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("val_char_f1")]
    assert len(rows) == 2 and all(r["val_f1"] for r in rows)  # both levels, each epoch, no sanity-check row
    model = BertForTokenClassification.from_pretrained(tmp_path / "run" / "model")
    test_rows = read_ner_splits(settings).test
    again = character_scores(predict_entities, model, load_tokenizer(settings), test_rows, 64)["micro avg"]
    assert metrics["test_char_f1"] == pytest.approx(again["f1"], abs=1e-6)  # logged = recomputed from the saved model
    out = capsys.readouterr().out
    assert "char F1" in out and "character level (KLUE)" in out
