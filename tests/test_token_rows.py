"""Compact token rows: the same batches as the old list-based datasets for every task, a few bytes per token,
chunked builds with a progress bar, and a memory-mapped feature cache that is never read half-written."""

import time
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch
from list_reference import ListQaDataset, classification_dataset, lm_dataset, pair_dataset, qa_features, tagged_dataset
from shared_data import KCBERT_DIR, SHARED_DATA, needs_kcbert, needs_shared_data

import helpers.core.data as data
import helpers.core.features as features
import helpers.core.token_rows as token_rows
import helpers.ner.pipeline as ner
import helpers.pair_classification.encoding as pairs
import helpers.question_answering.features as qa
from helpers.core.corpora import LabeledText, NsmcReader
from helpers.core.data import build_classification_dataset, collate_dynamic_padding, make_dataloader
from helpers.core.features import cached_classification_dataset, feature_key, load_features
from helpers.core.models import load_tokenizer
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, CourseSettings
from helpers.core.token_rows import GrowingArray, RowsBuilder, TokenRows, chunked, prefetched, progress_chunks
from helpers.generation.models import local_bpe_tokenizer
from helpers.generation.pipeline import build_lm_dataset, prefixed_texts
from helpers.ner.corpora import KMOU_TYPES, read_ner_files
from helpers.ner.pipeline import bio_labels, encode_tagged
from helpers.pair_classification.corpus import read_kornli
from helpers.pair_classification.encoding import encode_pairs
from helpers.question_answering.corpus import read_korquad
from helpers.question_answering.features import QaFeatureDataset, build_qa_features

NSMC_FILE = EMBEDDED_SAMPLE_ROOT / "nsmc" / "ratings_train.txt"


def tiny_tokenizer():
    return load_tokenizer(CourseSettings(smoke=True))


@pytest.fixture(params=["default chunks", "chunks of 37 rows"])
def chunking(request, monkeypatch):
    """Run each build once as in a course run and once with many small chunks (rows across chunk borders)."""
    if request.param != "default chunks":
        for module in (data, ner, pairs):
            monkeypatch.setattr(module, "CHUNK_ROWS", 37)
        monkeypatch.setattr(qa, "QA_CHUNK", 7)
    return request.param


def batches(dataset, pad_token_id, shuffled=False):
    if shuffled:  # length-grouped shuffle: the sampler reads dataset.lengths()
        loader = make_dataloader(dataset, 8, pad_token_id, shuffle=True, length_grouped=True, seed=3)
    else:
        loader = torch.utils.data.DataLoader(dataset, batch_size=8, collate_fn=partial(collate_dynamic_padding, pad_token_id=pad_token_id))
    return list(loader)


def assert_same_batches(new, old, pad_token_id):
    assert len(new) == len(old) > 0
    assert new.lengths() == old.lengths() and all(type(n) is int for n in new.lengths())
    for shuffled in (False, True):
        got, expected = batches(new, pad_token_id, shuffled), batches(old, pad_token_id, shuffled)
        assert len(got) == len(expected)
        for a, b in zip(got, expected):
            assert a.keys() == b.keys()
            for key in a:
                assert a[key].dtype == b[key].dtype and torch.equal(a[key], b[key]), key
    for i in (0, len(new) // 2, len(new) - 1):  # a row as the notebooks print it: plain Python ints
        assert new[i] == old[i]


def assert_compact(rows, bytes_per_token=8):
    assert isinstance(rows, TokenRows) and rows.flat.dtype.itemsize <= 4
    assert rows.nbytes <= bytes_per_token * len(rows.flat)


def test_nsmc_rows_give_the_same_batches_as_the_lists(chunking):
    rows = NsmcReader().read(NSMC_FILE, verbose=False)
    tok = tiny_tokenizer()
    new = build_classification_dataset(tok, rows, 12)  # 12 tokens: some rows are truncated
    old = classification_dataset(tok, [r.text for r in rows], [r.label for r in rows], 12)
    assert_same_batches(new, old, tok.pad_token_id)
    assert_compact(new.input_ids)
    assert max(new.lengths()) == 12


@needs_shared_data
@needs_kcbert
def test_real_nsmc_with_kcbert_gives_the_same_batches():
    rows = NsmcReader().read(SHARED_DATA / "nsmc" / "ratings_test.txt", verbose=False)[:3000]
    tok = load_tokenizer(CourseSettings(smoke=True, model_dir=str(KCBERT_DIR)))
    new = build_classification_dataset(tok, rows, 64)
    old = classification_dataset(tok, [r.text for r in rows], [r.label for r in rows], 64)
    assert_same_batches(new, old, tok.pad_token_id)


def test_kornli_pairs_give_the_same_batches(chunking):
    rows = read_kornli(EMBEDDED_SAMPLE_ROOT / "kornli" / "xnli.dev.ko.tsv", verbose=False)
    tok = tiny_tokenizer()
    new, old = encode_pairs(tok, rows, 40), pair_dataset(tok, rows, 40)
    assert_same_batches(new, old, tok.pad_token_id)
    assert_compact(new.input_ids) and assert_compact(new.token_type_ids)
    assert new.token_type_ids.flat.dtype == np.int8 and new.token_type_ids.flat.max() == 1


@pytest.mark.parametrize("scheme", ["first", "all"])
def test_kmou_tagged_sentences_give_the_same_batches(chunking, scheme):
    sentences = read_ner_files("kmou-ner", EMBEDDED_SAMPLE_ROOT, verbose=False)["train"]
    label2id = {label: i for i, label in enumerate(bio_labels(KMOU_TYPES))}
    tok = tiny_tokenizer()
    new = encode_tagged(tok, sentences, label2id, 32, scheme=scheme)
    old = tagged_dataset(tok, sentences, label2id, 32, scheme)
    assert_same_batches(new, old, tok.pad_token_id)
    assert_compact(new.input_ids) and assert_compact(new.labels)
    assert (new.labels.flat == -100).any() and new.labels.lengths().tolist() == new.lengths()


@pytest.mark.parametrize("keep_offsets", [True, False])
def test_korquad_windows_give_the_same_batches_and_offsets(chunking, keep_offsets):
    examples = read_korquad(EMBEDDED_SAMPLE_ROOT / "korquad" / "KorQuAD_v1.0_dev.json", verbose=False)
    tok = tiny_tokenizer()
    new = build_qa_features(tok, examples, 128, 32, keep_offsets=keep_offsets, verbose=False)
    old = qa_features(tok, examples, 128, 32, keep_offsets)
    assert len(new) > len(examples)  # long contexts give several windows
    assert_same_batches(QaFeatureDataset(new), ListQaDataset(old), tok.pad_token_id)
    for field in ("context_spans", "example_index", "start_positions", "end_positions"):
        assert getattr(new, field) == getattr(old, field), field
    assert len(new.offsets) == len(old.offsets)
    for got, expected in zip(new.offsets, old.offsets):
        assert got.dtype == expected.dtype and got.shape == expected.shape and np.array_equal(got, expected)
    assert_compact(new.input_ids) and assert_compact(new.token_type_ids)


def test_generation_samples_give_the_same_batches(chunking, tmp_path):
    texts = prefixed_texts(NsmcReader().read(NSMC_FILE, verbose=False)[:400])
    tok = local_bpe_tokenizer(texts, tmp_path, vocab_size=1000)
    new, old = build_lm_dataset(tok, texts, 32), lm_dataset(tok, texts, 32)
    assert_same_batches(new, old, tok.pad_token_id)
    assert new.labels is new.input_ids  # the labels are the ids themselves, stored once


# --- the rows themselves ----------------------------------------------------------------------------------------

def test_token_rows_index_slice_compare_and_measure():
    lists = [[2, 5, 3], [], [2, 29999, 7, 7, 3], [0]]
    rows = TokenRows.from_rows(lists)
    assert len(rows) == 4 and rows[0] == [2, 5, 3] and rows[1] == [] and rows[-1] == [0]
    assert all(type(v) is int for v in rows[2])  # Python ints, as tokenizers and notebooks expect
    assert rows == lists and rows.tolist() == lists and rows != lists[:3] and rows != [[2, 5, 4], [], [], [0]]
    assert rows[1:3] == lists[1:3] and rows[::2] == lists[::2] and rows[3:1] == []
    assert rows.lengths().tolist() == [3, 0, 5, 1]
    assert rows.flat.dtype == np.int32 and rows.nbytes == 9 * 4 + 5 * 8
    with pytest.raises(IndexError, match="row 4 of 4"):
        rows[4]
    with pytest.raises(ValueError, match="must start at 0 and end at 9"):
        TokenRows(rows.flat, np.array([0, 3, 8]))


def test_rows_of_pairs_come_back_as_arrays():
    pairs_rows = [np.array([[0, 0], [0, 2], [3, 5]], np.int32), np.empty((0, 2), np.int32), np.array([[1, 4]])]
    rows = TokenRows.from_rows(pairs_rows, np.int32, width=2)
    assert rows.flat.shape == (4, 2)
    for got, expected in zip(rows, pairs_rows):
        assert got.shape == expected.shape and np.array_equal(got, expected)


def test_builder_over_many_chunks_equals_one_pack_and_gives_back_spare_room(monkeypatch):
    rng = np.random.default_rng(0)
    lists = [rng.integers(0, 30000, size=rng.integers(0, 40)).tolist() for _ in range(1000)]
    builder = RowsBuilder(np.int32, expected_rows=10)  # far too few expected: the buffers must grow
    for start in range(0, len(lists), 64):
        builder.extend(lists[start : start + 64])
    rows = builder.finish()
    assert rows == lists and len(rows.flat) == sum(map(len, lists)) and len(rows.offsets) == 1001


def test_growing_array_grows_in_place_and_trims():
    array = GrowingArray(np.int32)
    for k in range(50):
        array.append(np.full(k, k, np.int32))
    values = array.finish()
    assert values.tolist() == [k for k in range(50) for _ in range(k)] and values.shape == (1225,)


def test_prefetched_keeps_the_order_runs_one_chunk_ahead_and_passes_errors_on():
    started = []

    def work(chunk):
        started.append(chunk[0])
        if chunk[0] == 6:
            raise ValueError("bad chunk")
        return sum(chunk)

    results = prefetched(work, chunked(list(range(6)), 2))
    assert next(results) == ([0, 1], 1)
    for _ in range(500):  # the second chunk is worked on in the background before it is asked for
        if len(started) == 2:
            break
        time.sleep(0.01)
    assert started == [0, 2]
    assert list(results) == [([2, 3], 5), ([4, 5], 9)]
    assert list(prefetched(work, chunked([], 2))) == []
    with pytest.raises(ValueError, match="bad chunk"):
        list(prefetched(work, chunked(list(range(10)), 2)))


def test_a_slow_build_shows_a_progress_bar_and_the_rate(monkeypatch, capsys):
    monkeypatch.setattr(token_rows, "PROGRESS_DELAY", 0.0)
    assert [list(c) for c in progress_chunks(list(range(5)), 2, "train")] == [[0, 1], [2, 3], [4]]
    captured = capsys.readouterr()
    assert "tokenising train" in captured.err and "5/5" in captured.err  # the bar (text outside notebooks)
    assert "train: tokenised 5 rows in" in captured.out and "rows/s)" in captured.out


def test_a_quick_build_prints_no_bar(capsys):
    build_classification_dataset(tiny_tokenizer(), [LabeledText("짧은 리뷰", 1)] * 10, 16, "val")
    captured = capsys.readouterr()
    assert captured.err == "" and "tokenised" not in captured.out


# --- the feature cache ------------------------------------------------------------------------------------------

def cached(tok, rows, tmp_path, capsys):
    dataset = cached_classification_dataset(tok, rows, 16, "train", tmp_path)
    return dataset, capsys.readouterr().out


def nsmc_rows():
    return NsmcReader().read(NSMC_FILE, verbose=False)[:200]


@pytest.mark.skipif(not Path("/proc/self/maps").is_file(), reason="reads the memory map of Linux's /proc")
def test_cache_is_memory_mapped_on_load(tmp_path, capsys):
    tok = tiny_tokenizer()
    built, _ = cached(tok, nsmc_rows(), tmp_path, capsys)
    loaded, out = cached(tok, nsmc_rows(), tmp_path, capsys)
    assert "loaded 200 encoded rows" in out and loaded.input_ids == built.input_ids
    assert not loaded.input_ids.flat.flags.owndata  # a view of the file's mapping, not a copy read into memory
    assert mapped_file(loaded.input_ids.flat) == tmp_path / "train.pt"
    assert mapped_file(built.input_ids.flat) is None  # freshly built rows live in ordinary memory


def mapped_file(array):
    """The file whose memory mapping holds the array's data (Linux /proc/self/maps), or None."""
    address = array.ctypes.data
    for line in Path("/proc/self/maps").read_text().splitlines():
        fields = line.split(maxsplit=5)  # address range, permissions, offset, device, inode[, path]
        start, end = (int(x, 16) for x in fields[0].split("-"))
        if start <= address < end:
            return Path(fields[5].strip()) if len(fields) == 6 and fields[5].startswith("/") else None
    return None


def test_truncated_cache_is_rebuilt_with_a_message_never_read(tmp_path, capsys):
    tok, rows = tiny_tokenizer(), nsmc_rows()
    expected, _ = cached(tok, rows, tmp_path, capsys)
    path = tmp_path / "train.pt"
    whole = path.read_bytes()
    for size in (len(whole) - 1, len(whole) // 2, 10, 0):
        path.write_bytes(whole[:size])
        rebuilt, out = cached(tok, rows, tmp_path, capsys)
        assert "unreadable feature cache" in out and "re-encoding" in out and "cached them" in out
        assert rebuilt.input_ids == expected.input_ids and path.read_bytes() == whole


def test_cache_whose_arrays_do_not_fit_together_is_rebuilt(tmp_path, capsys):
    tok, rows = tiny_tokenizer(), nsmc_rows()
    expected, _ = cached(tok, rows, tmp_path, capsys)
    path = tmp_path / "train.pt"
    record = torch.load(path, weights_only=True)
    record["labels"] = record["labels"][:-1]
    torch.save(record, path)
    assert load_features(path, record["key"]) is None
    rebuilt, out = cached(tok, rows, tmp_path, capsys)
    assert "feature cache is inconsistent (199 labels, 201 offsets" in out
    assert rebuilt.input_ids == expected.input_ids and rebuilt.labels == expected.labels


def test_an_interrupted_write_leaves_no_cache_behind(tmp_path, monkeypatch, capsys):
    tok, rows = tiny_tokenizer(), nsmc_rows()

    def dies_halfway(record, file):
        file.write(b"PK\x03\x04 half of a zip file")
        raise KeyboardInterrupt

    monkeypatch.setattr(features.torch, "save", dies_halfway)
    with pytest.raises(KeyboardInterrupt):
        cached(tok, rows, tmp_path, capsys)
    assert list(tmp_path.iterdir()) == []  # neither train.pt nor the temporary file
    monkeypatch.undo()
    _, out = cached(tok, rows, tmp_path, capsys)
    assert "encoded 200 rows and cached them" in out


def test_key_is_the_same_when_hashed_in_pieces(monkeypatch):
    tok, texts = tiny_tokenizer(), [r.text for r in nsmc_rows()]
    whole = feature_key(texts, [0] * 200, tok, 16)
    monkeypatch.setattr(features, "KEY_CHUNK", 7)
    assert feature_key(texts, [0] * 200, tok, 16) == whole
    assert feature_key(texts, [0] * 200, tok, 17) != whole
