"""NER: exact reading of KMOU NER and KLUE-NER, span round trips, subword label alignment, metric, training."""

import csv
import random
import re
from collections import Counter

import pytest
import torch
from shared_data import KCBERT_DIR, SHARED_DATA, needs_kcbert, needs_shared_data
from torch_threads import one_torch_thread  # noqa: F401  (a fixture)

from helpers.core.corpora import CorpusFormatError, read_text_lines
from helpers.core.data import make_dataloader
from helpers.core.models import load_tokenizer
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, CourseSettings, NerSettings, SettingsError
from helpers.ner.alignment import (
    LABEL_SCHEMES,
    check_scheme,
    decode_entities,
    label_scheme,
    label_units,
    token_tags,
    tokenize_with_offsets,
    unlabelled,
    unreachable_entities,
)
from helpers.ner.corpora import (
    KLUE_TYPES,
    KMOU_TYPES,
    EntitySpan,
    TaggedSentence,
    read_klue_ner,
    read_kmou_ner,
    read_ner_files,
    render_tagged,
)
from helpers.ner.pipeline import (
    bio_labels,
    encode_tagged,
    highlight_entities,
    load_token_classifier,
    predict_entities,
    run_ner,
)
from helpers.ner.task import IGNORED, EntityScores, tag_sequences

TAG = re.compile(r"<([^<>]*):([A-Z]{2})>")


def smoke_settings(tmp_path, **changes):
    base = dict(smoke=True, corpus_name="kmou-ner", corpus_root_dir=str(EMBEDDED_SAMPLE_ROOT),
                output_dir=str(tmp_path / "run"), batch_size=16, max_seq_length=64, learning_rate=1e-3,
                precision="32-true", val_fraction=0.2)
    base.update(changes)
    return NerSettings(**base)


def tiny_tokenizer(tmp_path):
    return load_tokenizer(smoke_settings(tmp_path))


def tagged_line(sentence: TaggedSentence, files: dict) -> str:
    """The `<entity:TAG>` line the sentence was read from (KMOU: the `$` line after `;`, KLUE: the `##` header)."""
    path, line = sentence.source.rsplit(":", 1)
    if path not in files:
        files[path] = dict(read_text_lines(path))
    header = files[path][int(line)]
    return files[path][int(line) + 1][1:] if header.startswith("; ") else header.split("\t", 1)[1]


def assert_round_trip(sentences):
    files = {}
    for sentence in sentences:
        original = tagged_line(sentence, files)
        surfaces = [(m.group(1), m.group(2)) for m in TAG.finditer(original)]
        assert [(sentence.text[e.start : e.end], e.label) for e in sentence.entities] == surfaces, sentence.source
        assert render_tagged(sentence) == original, sentence.source


# ---------------------------------------------------------------- readers on the real files


@needs_shared_data
def test_kmou_exact_counts_and_every_span_round_trips(capsys):
    files = read_ner_files("kmou-ner", SHARED_DATA)
    counts = {split: (len(rows), sum(len(s.entities) for s in rows)) for split, rows in files.items()}
    assert counts == {"train": (2928, 6275), "dev": (366, 750), "test": (366, 754)}
    assert Counter(e.label for s in files["train"] for e in s.entities) == {
        "PS": 2518, "LC": 1390, "DT": 1089, "OG": 1065, "TI": 213}
    out = capsys.readouterr().out
    # two train blocks whose morpheme rows disagree with their tagged line (`<한:LC><미:LC>` is one morpheme)
    assert "2 sentences whose token/character tags disagree" in out and "ner.train:39051" in out
    for rows in files.values():
        assert_round_trip(rows)
    first = files["train"][0]
    assert first.text.startswith("나도 때늦은 홍길동이보다는")
    assert first.entities == (EntitySpan(7, 10, "PS"),)


@needs_shared_data
def test_klue_ner_exact_counts_and_every_span_round_trips(capsys):
    files = read_ner_files("klue-ner", SHARED_DATA)
    assert list(files) == ["dev"]  # only the dev file is kept offline
    rows = files["dev"]
    assert (len(rows), sum(len(s.entities) for s in rows)) == (5000, 14257)
    assert Counter(e.label for s in rows for e in s.entities) == {
        "PS": 4418, "QT": 3151, "DT": 2312, "OG": 2182, "LC": 1649, "TI": 545}
    out = capsys.readouterr().out
    # `<<레이:PS>>`-like sentences whose character rows also tag the literal '<': the tagged header wins
    assert "3 sentences whose token/character tags disagree" in out
    assert all(f"klue-ner-v1.1_dev.tsv:{n}" in out for n in (69197, 167958, 215507))
    assert_round_trip(rows)
    assert rows[0].text.startswith("경찰은 또 성매매") and rows[0].entities[0] == EntitySpan(0, 2, "OG")


def test_sample_corpora_are_read_whole_and_round_trip():
    kmou = read_ner_files("kmou-ner", EMBEDDED_SAMPLE_ROOT, verbose=False)
    klue = read_ner_files("klue-ner", EMBEDDED_SAMPLE_ROOT, verbose=False)
    assert {k: len(v) for k, v in kmou.items()} == {"train": 160, "dev": 36, "test": 36}
    assert len(klue["dev"]) == 80
    for rows in [*kmou.values(), klue["dev"]]:
        assert_round_trip(rows)
    literal = [s for s in kmou["train"] if s.text.startswith("<공지>")]
    assert literal and all(s.entities[0].start > 4 for s in literal)  # a literal '<...>' is text, not an entity
    assert any(s.text[e.start : e.end] == "오전 10:30" for s in kmou["train"] for e in s.entities)  # ':' inside


# ---------------------------------------------------------------- malformed input


KMOU_BLOCK = "; 민수가 왔다.\n$<민수:PS>가 왔다.\n1\t민수\tNNP\tB_PS\n1\t가\tJKS\tO\n2\t왔다\tVV\tO\n"
KLUE_SENTENCE = "## klue-ner-v1_dev_00000-x\t<민수:PS>가 왔다\n민\tB-PS\n수\tI-PS\n가\tO\n \tO\n왔\tO\n다\tO\n"
KLUE_HEADER = "## klue-ner-v1_dev_00001-x\t<민수:PS>가 왔다\n"
MALFORMED = [  # (reader, a good first block, the bad block, its bad line, the message)
    (read_kmou_ner, KMOU_BLOCK, "; 민수가 왔다.\n1\t민수\tNNP\tB_PS\n", 2, "followed by a '$tagged' line"),
    (read_kmou_ner, KMOU_BLOCK, "$<민수:PS>가 왔다.\n1\t민수\tNNP\tB_PS\n", 1, "must start with '; sentence'"),
    (read_kmou_ner, KMOU_BLOCK, "; 민수가 왔다.\n$<민수:XX>가 왔다.\n", 2, "unknown entity type 'XX'"),
    (read_kmou_ner, KMOU_BLOCK, "; 민수가 왔다.\n$<민수:PS>는 왔다.\n", 2, "differs from the '; ' line"),
    (read_kmou_ner, KMOU_BLOCK, "; 민수가 왔다.\n$<민수:PS>가 왔다.\n1\t민수\tB_PS\n", 3, "expected 4 tab-separated"),
    (read_kmou_ner, KMOU_BLOCK, "; 민수가 왔다.\n$<민수:PS>가 왔다.\n1\t민수\tNNP\tB_ZZ\n", 3, "unknown tag 'B_ZZ'"),
    (read_kmou_ner, KMOU_BLOCK, "; 민수가 왔다.\n$<:PS>민수가 왔다.\n", 2, "empty entity"),
    (read_klue_ner, KLUE_SENTENCE, KLUE_HEADER + "민\tB-PS\n수\tI-LC\n가\tO\n \tO\n왔\tO\n다\tO\n", 3,
     "I-LC does not continue a LC entity"),
    (read_klue_ner, KLUE_SENTENCE, KLUE_HEADER + "민\tI-PS\n수\tI-PS\n가\tO\n \tO\n왔\tO\n다\tO\n", 2,
     "I-PS does not continue a PS entity"),
    (read_klue_ner, KLUE_SENTENCE, KLUE_HEADER + "민수\tB-PS\n가\tO\n \tO\n왔\tO\n다\tO\n", 2,
     "expected 'character<TAB>tag'"),
    (read_klue_ner, KLUE_SENTENCE, KLUE_HEADER + "민\tB-PS\n수\tI-PS\n가\tO\n \tO\n왔\tO\n", 1,
     "differs from the character rows"),
    (read_klue_ner, KLUE_SENTENCE, KLUE_HEADER + "민\tB-XX\n수\tI-PS\n가\tO\n \tO\n왔\tO\n다\tO\n", 2,
     "unknown tag 'B-XX'"),
]


@pytest.mark.parametrize("reader, good, bad, line, message", MALFORMED)
def test_malformed_block_raises_with_file_and_line(tmp_path, reader, good, bad, line, message):
    path = tmp_path / "corpus.txt"
    path.write_text(good + "\n" + bad, encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=re.escape(message)) as err:
        reader(path)
    assert str(err.value).startswith(f"{path}:{good.count(chr(10)) + 1 + line}:")


def test_bom_crlf_and_comments_are_read_and_a_missing_file_names_itself(tmp_path):
    kmou = tmp_path / "ner.dev"
    kmou.write_bytes(("\ufeff" + KMOU_BLOCK + "\n" + KMOU_BLOCK).replace("\n", "\r\n").encode("utf-8"))
    assert [s.text for s in read_kmou_ner(kmou)] == ["민수가 왔다."] * 2
    klue = tmp_path / "klue.tsv"
    klue.write_text("\ufeff## 주석 : ##\n## 컬럼명 : CHAR\tNE_TAG\n" + KLUE_SENTENCE, encoding="utf-8")
    assert read_klue_ner(klue)[0].entities == (EntitySpan(0, 2, "PS"),)
    with pytest.raises(FileNotFoundError, match="ner.test"):
        read_kmou_ner(tmp_path / "ner.test")


def test_missing_files_are_downloaded_from_github_or_named_with_their_folder(tmp_path, monkeypatch, capsys):
    import shutil

    fetched, reachable = [], {"klue-ner-v1.1_dev.tsv"}

    def fake_download(url, target, timeout=60.0):
        if target.name not in reachable:
            raise OSError("offline")
        fetched.append(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EMBEDDED_SAMPLE_ROOT / "klue-ner" / target.name, target)

    monkeypatch.setattr("helpers.core.corpus_files.download_file", fake_download)
    with pytest.raises(FileNotFoundError) as err:  # no kmou-ner file can be fetched: the dev file is needed
        read_ner_files("kmou-ner", tmp_path)
    assert "ner.dev is missing from" in str(err.value) and str(tmp_path / "kmou-ner") in str(err.value)
    # KLUE-NER: the dev file arrives, the train file does not; the run goes on with dev only and says so
    files = read_ner_files("klue-ner", tmp_path, verbose=False)
    assert fetched == ["https://raw.githubusercontent.com/KLUE-benchmark/KLUE/main/klue_benchmark/klue-ner-v1.1/"
                       "klue-ner-v1.1_dev.tsv"]
    assert list(files) == ["dev"] and len(files["dev"]) == 80
    assert "klue-ner-v1.1_train.tsv is missing" in capsys.readouterr().out


# ---------------------------------------------------------------- subword alignment, per labelling scheme


def check_alignment(tokenizer, sentences):
    """Decode gold token labels back to spans under both schemes; return {scheme: (entities, unreachable)}
    after checking that every reachable entity comes back exactly and nothing else does."""
    encoded = tokenize_with_offsets(tokenizer, [s.text for s in sentences], 512)
    counts = {scheme: [0, 0] for scheme in LABEL_SCHEMES}
    rows = zip(sentences, encoded["offset_mapping"], encoded["special_tokens_mask"], encoded["continuation"])
    for sentence, offsets, special, pieces in rows:
        lost = {}
        for scheme in LABEL_SCHEMES:
            tags = token_tags(offsets, sentence.entities, unlabelled(special, pieces, scheme))
            decoded = decode_entities(offsets, tags, pieces, scheme)
            lost[scheme] = unreachable_entities(offsets, sentence.entities, pieces, scheme)
            counts[scheme][0] += len(sentence.entities)
            counts[scheme][1] += len(lost[scheme])
            assert all(e in decoded for e in sentence.entities if e not in lost[scheme]), (scheme, sentence.source)
            assert len(decoded) <= len(sentence.entities)
            if not lost[scheme]:
                assert decoded == list(sentence.entities), (scheme, sentence.source)
            units = label_units(offsets, pieces, scheme)  # tokens, or whole words in the "first" scheme
            starts, ends = {start for start, _ in units}, {end for _, end in units}
            assert all(e.start in starts and e.end in ends for e in decoded), (scheme, sentence.source)
        assert set(lost["all"]) <= set(lost["first"])  # word boundaries are token boundaries
    return {scheme: tuple(c) for scheme, c in counts.items()}


def random_sentences(root, count, seed=3):
    rows = [s for corpus in ("kmou-ner", "klue-ner")
            for split in read_ner_files(corpus, root, verbose=False).values() for s in split]
    return random.Random(seed).sample(rows, min(count, len(rows)))


def report_shares(counts, what):
    for scheme, (total, unreachable) in counts.items():
        print(f"{what}, {scheme!r} scheme: {unreachable} of {total} entities ({unreachable / total:.1%}) "
              "cannot be given back exactly")
    return {scheme: unreachable / total for scheme, (total, unreachable) in counts.items()}


def test_alignment_round_trips_with_the_embedded_tokenizer(tmp_path):
    counts = check_alignment(tiny_tokenizer(tmp_path), random_sentences(EMBEDDED_SAMPLE_ROOT, 400))
    report_shares(counts, "embedded vocab, sample corpora")
    # all 312 sample sentences; most of their entities carry a particle in the same word (`민수가`)
    assert counts == {"first": (825, 649), "all": (825, 0)}


@needs_shared_data
def test_alignment_round_trips_on_real_sentences_with_the_embedded_tokenizer(tmp_path):
    shares = report_shares(check_alignment(tiny_tokenizer(tmp_path), random_sentences(SHARED_DATA, 1500)),
                           "embedded vocab, real corpora")
    # one token per syllable: only "first" loses entities, those that end before a particle in their word
    assert 0.45 < shares["first"] < 0.70 and shares["all"] < 0.02


@needs_shared_data
@needs_kcbert
def test_alignment_round_trips_on_real_sentences_with_kcbert():
    tokenizer = load_tokenizer(CourseSettings(smoke=True, model_dir=str(KCBERT_DIR)))
    shares = report_shares(check_alignment(tokenizer, random_sentences(SHARED_DATA, 1500)),
                           "KcBERT vocab, real corpora")
    # Korean particles share the entity's word (`임수경을`), so word-level labels lose about half the entities;
    # KcBERT's vocabulary also glues particles into tokens (`정부가`, `##경을`), so about a fifth end inside a
    # token. Every other entity comes back exactly (checked above).
    assert 0.45 < shares["first"] < 0.70 and 0.10 < shares["all"] < 0.30


def unk_sentence():
    text = "盧泰愚 대통령은 ⍼⍼를 들고 ⍼서울에서 김민수 씨를 만났다"
    entities = (EntitySpan(0, 3, "PS"), EntitySpan(17, 19, "LC"), EntitySpan(22, 25, "PS"))
    return TaggedSentence(text, entities)


@pytest.mark.parametrize("scheme", ["first", "all"])
@pytest.mark.parametrize("vocab", ["embedded", "kcbert"])
def test_unknown_characters_keep_labels_in_place(tmp_path, vocab, scheme):
    if vocab == "kcbert" and not (KCBERT_DIR / "vocab.txt").is_file():
        pytest.skip("../shared/models/kcbert-base is not beside the checkout")
    model_dir = {"model_dir": str(KCBERT_DIR)} if vocab == "kcbert" else {}
    tokenizer = load_tokenizer(smoke_settings(tmp_path, **model_dir))
    sentence = unk_sentence()
    assert [sentence.text[e.start : e.end] for e in sentence.entities] == ["盧泰愚", "서울", "김민수"]
    encoded = tokenize_with_offsets(tokenizer, [sentence.text], 64)
    tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"][0])
    offsets, pieces = encoded["offset_mapping"][0], encoded["continuation"][0]
    assert tokens[1:4] == ["[UNK]"] * 3  # each Hanja character is a word of its own, and unknown
    assert "[UNK]" in tokens[4:]  # the words with '⍼'
    tags = token_tags(offsets, sentence.entities, unlabelled(encoded["special_tokens_mask"][0], pieces, scheme))
    tag_at = {start: tag for (start, _), tag in zip(offsets, tags) if tag is not None}
    assert tags[1:4] == ["B-PS", "I-PS", "I-PS"]  # the name itself is unknown, yet labelled at its place
    assert tag_at[22] == "B-PS" and tag_at[9] == "O"  # after two [UNK] words the labels have not shifted
    # '⍼서울에서' is one [UNK] word in both vocabularies: the LC entity inside it cannot be recovered ...
    assert unreachable_entities(offsets, sentence.entities, pieces, scheme) == [EntitySpan(17, 19, "LC")]
    # ... but the entities before and after it come back exactly
    assert decode_entities(offsets, tags, pieces, scheme) == [EntitySpan(0, 3, "PS"), EntitySpan(22, 25, "PS")]


@pytest.mark.parametrize("scheme", ["first", "all"])
def test_encoded_labels_ignore_special_padding_and_in_first_mode_continuation_positions(tmp_path, scheme):
    tokenizer = tiny_tokenizer(tmp_path)
    labels = bio_labels(KMOU_TYPES)
    sentences = [TaggedSentence("김민수가 부산에 갔다.", (EntitySpan(0, 3, "PS"), EntitySpan(5, 7, "LC"))),
                 TaggedSentence("비가 왔다", ())]
    dataset = encode_tagged(tokenizer, sentences, {t: i for i, t in enumerate(labels)}, 64, scheme=scheme)
    batch = next(iter(make_dataloader(dataset, 2, tokenizer.pad_token_id)))
    gold = batch["labels"]
    assert gold.shape == batch["input_ids"].shape
    for ids, row, mask in zip(batch["input_ids"], gold, batch["attention_mask"]):
        real = int(mask.sum())
        assert row[0] == IGNORED and row[real - 1] == IGNORED  # [CLS] and [SEP]
        assert (row[real:] == IGNORED).all()  # padding
        pieces = [token.startswith("##") for token in tokenizer.convert_ids_to_tokens(ids[1 : real - 1])]
        assert any(pieces)
        labelled = [label != IGNORED for label in row[1 : real - 1].tolist()]
        # "first": exactly the word-initial tokens carry a label; "all": every real token does
        assert labelled == ([not p for p in pieces] if scheme == "first" else [True] * len(pieces))
    tags = [labels[i] for i in gold[0].tolist() if i != IGNORED]
    if scheme == "first":  # one tag per word; the full stop is a word of its own
        assert tags == ["B-PS", "B-LC", "O", "O"]
    else:
        assert tags[:3] == ["B-PS", "I-PS", "I-PS"] and tags.count("B-LC") == 1
        assert set(tags[3:]) <= {"O", "B-LC", "I-LC"}


def test_first_scheme_predictions_cover_whole_words():
    # [CLS] 김 ##민 ##수 ##가 부 ##산 ##에 갔 ##다 [SEP]: what is predicted at a continuation piece is ignored
    offsets = [(0, 0), (0, 1), (1, 2), (2, 3), (3, 4), (5, 6), (6, 7), (7, 8), (9, 10), (10, 11), (0, 0)]
    pieces = [False, False, True, True, True, False, True, True, False, True, False]
    predicted = [None, "B-PS", "O", "B-LC", "I-OG", "B-LC", "I-PS", "O", "O", "B-DT", None]
    assert decode_entities(offsets, predicted, pieces, "first") == [EntitySpan(0, 4, "PS"), EntitySpan(5, 8, "LC")]
    assert decode_entities(offsets, predicted, pieces, "all") == [EntitySpan(0, 1, "PS"), EntitySpan(2, 3, "LC"),
                                                                  EntitySpan(5, 6, "LC"), EntitySpan(10, 11, "DT")]
    assert label_units(offsets, pieces, "first") == [[0, 4], [5, 8], [9, 11]]


def test_scores_compare_only_labelled_positions():
    id2label = dict(enumerate(bio_labels(KMOU_TYPES)))
    gold = torch.tensor([[IGNORED, 1, IGNORED, IGNORED, 3, IGNORED, 0, IGNORED]])  # word-initial labels only
    predicted = torch.tensor([[5, 1, 7, 0, 3, 2, 0, 9]])  # noise at the unlabelled positions
    assert tag_sequences(gold, predicted, id2label) == ([["B-PS", "B-LC", "O"]], [["B-PS", "B-LC", "O"]])


def test_unknown_scheme_is_refused_naming_the_setting(tmp_path):
    with pytest.raises(SettingsError, match=r"ner_label_subwords='last' is not allowed: choose one of 'first', 'all'"):
        smoke_settings(tmp_path, ner_label_subwords="last")
    with pytest.raises(SettingsError, match=r"ner_label_subwords='words' is unknown; use 'first'"):
        check_scheme("words")  # e.g. read from a saved model's config
    assert label_scheme(smoke_settings(tmp_path)) == "first"
    assert label_scheme(smoke_settings(tmp_path, ner_label_subwords="all")) == "all"


def test_label_map_lives_in_the_model_config(tmp_path):
    labels = bio_labels(KLUE_TYPES)
    assert labels[:3] == ("O", "B-PS", "I-PS") and len(labels) == 13
    model = load_token_classifier(smoke_settings(tmp_path), labels)
    assert model.config.id2label == dict(enumerate(labels))
    assert model.config.label2id["I-QT"] == 12 and model.num_labels == 13


def test_entity_scores_match_seqeval_strict_mode():
    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    rng = random.Random(0)
    tags = ["O", "O", "O", "B-PS", "I-PS", "B-LC", "I-LC", "I-PS"]
    gold = [[rng.choice(tags) for _ in range(rng.randint(1, 12))] for _ in range(200)]
    pred = [[t if rng.random() < 0.7 else rng.choice(tags) for t in row] for row in gold]
    metric = EntityScores()
    metric.update(gold[:100], pred[:100])
    metric.update(gold[100:], pred[100:])
    scores = metric.compute()
    kwargs = dict(mode="strict", scheme=IOB2)
    assert scores["precision"].item() == pytest.approx(precision_score(gold, pred, **kwargs))
    assert scores["recall"].item() == pytest.approx(recall_score(gold, pred, **kwargs))
    assert scores["f1"].item() == pytest.approx(f1_score(gold, pred, **kwargs))


def test_highlight_escapes_html_and_marks_each_entity():
    text = "<공지> 김민수는 부산에 갔다"
    html = highlight_entities(text, [EntitySpan(5, 8, "PS"), EntitySpan(10, 12, "LC")])
    assert html.count("<mark") == 2 and "&lt;공지&gt;" in html
    assert ">김민수<sub" in html and ">부산<sub" in html and ">PS</sub>" in html


# ---------------------------------------------------------------- training


@pytest.mark.usefixtures("one_torch_thread")
def test_sample_run_trains_tests_plots_and_saves(tmp_path):
    settings = smoke_settings(tmp_path, epochs=1, limit_train_rows=64, limit_eval_rows=32)
    metrics = run_ner(settings)
    assert set(metrics) >= {"test_precision", "test_recall", "test_f1", "test_loss"}
    out = tmp_path / "run"
    assert (out / "entity_scores.png").stat().st_size > 5_000 and (out / "learning_curves.png").is_file()
    from transformers import BertForTokenClassification

    model = BertForTokenClassification.from_pretrained(out / "model")
    assert model.config.id2label[1] == "B-PS" and model.config.ner_label_subwords == "first"  # the default scheme
    spans = predict_entities(model, load_tokenizer(settings), ["김민수는 부산에서 태어났다.", "비"])
    assert len(spans) == 2 and all(0 <= s.start < s.end <= 15 for s in spans[0])


@needs_shared_data
@pytest.mark.learning
@needs_kcbert
@pytest.mark.usefixtures("one_torch_thread")
def test_tiny_model_from_scratch_learns_kmou_entities(tmp_path):
    settings = smoke_settings(tmp_path, corpus_root_dir=str(SHARED_DATA), epochs=2, batch_size=32,
                              limit_train_rows=None, limit_eval_rows=None, model_dir=str(KCBERT_DIR))
    metrics = run_ner(settings)
    with open(tmp_path / "run" / "logs" / "version_0" / "metrics.csv", newline="") as f:
        val_f1 = [float(r["val_f1"]) for r in csv.DictReader(f) if r.get("val_f1")]
    print(f"val F1 per epoch {val_f1}, test {metrics}")
    assert len(val_f1) == 2 and 0 < val_f1[0] < val_f1[1]  # above zero and rising
    assert metrics["test_f1"] > 0.2
    # the saved model decodes with its own ("first") scheme: every predicted entity covers whole words
    from transformers import BertForTokenClassification

    model = BertForTokenClassification.from_pretrained(tmp_path / "run" / "model")
    tokenizer = load_tokenizer(settings)
    texts = [s.text for s in read_ner_files("kmou-ner", SHARED_DATA, verbose=False)["test"][:40]]
    encoded = tokenize_with_offsets(tokenizer, texts, settings.max_seq_length)
    predicted = predict_entities(model, tokenizer, texts, settings.max_seq_length)
    assert sum(map(len, predicted)) > 20
    for offsets, pieces, spans in zip(encoded["offset_mapping"], encoded["continuation"], predicted):
        words = label_units(offsets, pieces, "first")
        starts, ends = {start for start, _ in words}, {end for _, end in words}
        assert all(span.start in starts and span.end in ends for span in spans)
