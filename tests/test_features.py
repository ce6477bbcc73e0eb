import pytest
import torch
from shared_data import KCBERT_DIR, SHARED_DATA, needs_kcbert, needs_shared_data
from transformers import BertTokenizer

import helpers.core.features as features
from helpers.classification.pipeline import encode_splits
from helpers.core.corpora import LabeledText, NsmcReader
from helpers.core.data import build_classification_dataset, encode_texts
from helpers.core.features import (
    cached_classification_dataset,
    feature_key,
    load_features,
    pack_rows,
    save_features,
    unpack_rows,
)
from helpers.core.models import EMBEDDED_TOKENIZER_DIR, load_tokenizer
from helpers.core.settings import CourseSettings
from helpers.core.splits import Splits

TEXTS = ["짧은 리뷰", "정말 재밌어요 ㅋㅋㅋ 강추!!", "", "별로... 시간 아까움", "최고의 영화 " * 30]


def tiny_tokenizer(**kwargs):
    return load_tokenizer(CourseSettings(smoke=True, **kwargs))


def rows(texts=TEXTS):
    return [LabeledText(t, i % 2) for i, t in enumerate(texts)]


def count_encodings(monkeypatch):
    calls = []

    def counting(tokenizer, texts, max_length, name="texts"):
        calls.append(len(texts))
        return encode_texts(tokenizer, texts, max_length, name)

    monkeypatch.setattr(features, "encode_texts", counting)
    return calls


def test_pack_and_unpack_round_trip_exactly():
    data = [[2, 5, 3], [], [2, 29999, 7, 7, 3], [0]]
    flat, offsets = pack_rows(data)
    assert flat.dtype == torch.int32 and offsets.dtype == torch.int64
    assert offsets.tolist() == [0, 3, 3, 8, 9] and flat.tolist() == [2, 5, 3, 2, 29999, 7, 7, 3, 0]
    assert unpack_rows(flat, offsets) == data
    assert unpack_rows(*pack_rows([])) == []


def test_cache_round_trip_is_exact_and_skips_tokenisation(tmp_path, monkeypatch, capsys):
    tok = tiny_tokenizer()
    expected = build_classification_dataset(tok, rows(), max_length=16)
    calls = count_encodings(monkeypatch)
    first = cached_classification_dataset(tok, rows(), 16, "train", tmp_path)
    second = cached_classification_dataset(tok, rows(), 16, "train", tmp_path)
    assert calls == [len(TEXTS)]  # encoded once, then loaded
    for dataset in (first, second):
        assert dataset.input_ids == expected.input_ids and dataset.labels == expected.labels
    out = capsys.readouterr().out
    assert "encoded 5 rows and cached them" in out and "loaded 5 encoded rows" in out
    assert "1 rows were truncated at 16 tokens" in out  # truncation is said on the cached path too


def test_encode_splits_uses_the_cache_only_when_given_a_folder(tmp_path, monkeypatch, capsys):
    tok = tiny_tokenizer()
    splits = Splits(rows(), rows(TEXTS[:2]), rows(TEXTS[3:]))
    calls = count_encodings(monkeypatch)
    plain = encode_splits(tok, splits, 32)
    assert calls == [] and not list(tmp_path.iterdir())  # no cache folder: the plain path, nothing written
    encode_splits(tok, splits, 32, tmp_path)
    cached = encode_splits(tok, splits, 32, tmp_path)
    assert calls == [5, 2, 2] and sorted(p.name for p in tmp_path.iterdir()) == ["test.pt", "train.pt", "val.pt"]
    for name in ("train", "val", "test"):
        assert getattr(cached, name).input_ids == getattr(plain, name).input_ids
    assert "val: loaded 2 encoded rows" in capsys.readouterr().out


def test_cache_file_holds_plain_tensors_that_load_with_weights_only(tmp_path):
    tok = tiny_tokenizer()
    cached_classification_dataset(tok, rows(), 64, "test", tmp_path)
    record = torch.load(tmp_path / "test.pt", weights_only=True)
    assert set(record) == {"format", "key", "input_ids", "offsets", "labels", "truncated"}
    assert record["input_ids"].dtype == torch.int32 and record["labels"].tolist() == [0, 1, 0, 1, 0]
    assert record["offsets"].shape == (len(TEXTS) + 1,)
    assert not list(tmp_path.glob(".*.partial"))  # the temporary file was renamed into place


@pytest.mark.parametrize("change", ["text", "label", "max_length", "tokenizer"])
def test_stale_cache_is_rebuilt_never_reused(tmp_path, monkeypatch, capsys, change):
    tok = tiny_tokenizer()
    cached_classification_dataset(tok, rows(), 16, "train", tmp_path)
    calls = count_encodings(monkeypatch)
    new_rows, max_length, new_tok = rows(), 16, tok
    if change == "text":
        new_rows[1] = LabeledText("완전히 다른 리뷰", new_rows[1].label)
    elif change == "label":
        new_rows[0] = LabeledText(new_rows[0].text, 1)
    elif change == "max_length":
        max_length = 8
    else:  # lower-casing changes the normalizer, hence the ids of 'A' and 'a'
        new_tok = BertTokenizer.from_pretrained(EMBEDDED_TOKENIZER_DIR, do_lower_case=True)
    rebuilt = cached_classification_dataset(new_tok, new_rows, max_length, "train", tmp_path)
    assert calls == [len(TEXTS)]
    assert "feature cache is stale" in capsys.readouterr().out
    expected = build_classification_dataset(new_tok, new_rows, max_length)
    assert rebuilt.input_ids == expected.input_ids and rebuilt.labels == expected.labels


def test_key_sees_text_boundaries_but_not_leftover_truncation_state():
    tok = tiny_tokenizer()
    assert feature_key(["ab", "c"], [0, 0], tok, 16) != feature_key(["a", "bc"], [0, 0], tok, 16)
    before = feature_key(TEXTS, [0] * 5, tok, 16)
    tok(TEXTS, truncation=True, max_length=4, padding=True)  # transformers leaves this state on the backend
    assert tok.backend_tokenizer.truncation is not None
    assert feature_key(TEXTS, [0] * 5, tok, 16) == before


def test_unreadable_cache_is_rebuilt(tmp_path, capsys):
    tok = tiny_tokenizer()
    (tmp_path / "train.pt").write_bytes(b"not a torch file")
    dataset = cached_classification_dataset(tok, rows(), 16, "train", tmp_path)
    assert "unreadable feature cache" in capsys.readouterr().out
    assert load_features(tmp_path / "train.pt", feature_key(TEXTS, [0, 1, 0, 1, 0], tok, 16)) is not None
    assert len(dataset) == len(TEXTS)


def test_save_and_load_keep_the_truncation_count(tmp_path):
    tok = tiny_tokenizer()
    encoded = encode_texts(tok, TEXTS, 16)
    save_features(tmp_path / "x.pt", "k", encoded, [1] * 5)
    loaded, labels = load_features(tmp_path / "x.pt", "k")
    assert loaded.truncated == encoded.truncated == 1 and loaded.input_ids == encoded.input_ids and labels == [1] * 5
    assert load_features(tmp_path / "x.pt", "other key") is None
    assert load_features(tmp_path / "missing.pt", "k") is None


def test_fast_encoding_equals_the_tokenizer_call_even_after_truncating_calls():
    tok = tiny_tokenizer()
    reference = tok(TEXTS, add_special_tokens=True)["input_ids"]
    assert encode_texts(tok, TEXTS, 512).input_ids == reference
    tok(TEXTS, truncation=True, max_length=4, padding="max_length")  # leaves truncation + padding on the backend
    assert tok.backend_tokenizer.truncation is not None and tok.backend_tokenizer.padding is not None
    assert encode_texts(tok, TEXTS, 512).input_ids == reference


@needs_shared_data
@needs_kcbert
def test_fast_encoding_equals_the_tokenizer_call_on_real_nsmc_with_kcbert():
    tok = load_tokenizer(CourseSettings(smoke=True, model_dir=str(KCBERT_DIR)))
    texts = [r.text for r in NsmcReader().read(SHARED_DATA / "nsmc" / "ratings_test.txt")[:5000]]
    assert encode_texts(tok, texts, 300).input_ids == tok(texts, add_special_tokens=True)["input_ids"]
