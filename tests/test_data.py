import torch

from helpers.corpora import LabeledText
from helpers.data import (LengthGroupedSampler, build_classification_dataset, collate_dynamic_padding,
                          encode_texts, make_dataloader, padding_report)
from helpers.models import load_tokenizer
from helpers.settings import CourseSettings


def tiny_tokenizer():
    return load_tokenizer(CourseSettings(smoke=True))


def test_collate_pads_to_the_longest_row_of_the_batch():
    batch = [{"input_ids": [2, 10, 11, 3], "labels": 1}, {"input_ids": [2, 12, 3], "labels": 0},
             {"input_ids": [2, 13, 14, 15, 16, 3], "labels": 1}]
    out = collate_dynamic_padding(batch, pad_token_id=0)
    assert out["input_ids"].shape == (3, 6)
    assert out["input_ids"][1].tolist() == [2, 12, 3, 0, 0, 0]
    assert out["attention_mask"].tolist() == [[1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 0, 0], [1] * 6]
    assert out["labels"].tolist() == [1, 0, 1]
    assert all(t.dtype == torch.long for t in out.values())


def test_collate_pads_token_types_and_per_token_labels():
    batch = [{"input_ids": [2, 5, 3], "token_type_ids": [0, 0, 0], "labels": [-100, 4, -100]},
             {"input_ids": [2, 5, 3, 6, 3], "token_type_ids": [0, 0, 0, 1, 1], "labels": [-100, 1, -100, 2, -100]}]
    out = collate_dynamic_padding(batch, pad_token_id=0)
    assert out["token_type_ids"].tolist() == [[0, 0, 0, 0, 0], [0, 0, 0, 1, 1]]
    assert out["labels"][0].tolist() == [-100, 4, -100, -100, -100]


def test_encoding_has_no_padding_and_reports_truncation(capsys):
    tok = tiny_tokenizer()
    enc = encode_texts(tok, ["짧은 리뷰", "조금 더 긴 리뷰 문장 " * 20], max_length=16)
    assert enc.truncated == 1
    assert len(enc.input_ids[1]) == 16 and enc.input_ids[1][-1] == tok.sep_token_id
    assert len(enc.input_ids[0]) < 16 and tok.pad_token_id not in enc.input_ids[0]
    assert "1 of 2 rows longer than max_seq_length=16" in capsys.readouterr().out


def test_dataloader_batches_are_padded_per_batch_not_to_max_length():
    tok = tiny_tokenizer()
    rows = [LabeledText("좋아요 " * (i % 7 + 1), i % 2) for i in range(40)]
    dataset = build_classification_dataset(tok, rows, max_length=128)
    loader = make_dataloader(dataset, batch_size=8, pad_token_id=tok.pad_token_id)
    for i, batch in enumerate(loader):
        longest = max(dataset.lengths()[i * 8:(i + 1) * 8])
        assert batch["input_ids"].shape == (8, longest) and longest < 128


def test_length_grouped_sampler_is_a_shuffled_permutation_of_similar_lengths():
    lengths = [(i * 37) % 101 + 3 for i in range(1000)]
    sampler = LengthGroupedSampler(lengths, batch_size=10, seed=1)
    order = list(sampler)
    assert sorted(order) == list(range(1000))
    spread = [max(lengths[j] for j in order[i:i + 10]) - min(lengths[j] for j in order[i:i + 10])
              for i in range(0, 1000, 10)]
    assert sum(spread) / len(spread) < 10  # random batches would spread by ~90 tokens
    sampler.set_epoch(1)
    assert list(sampler) != order


def test_padding_report_counts_tokens():
    report = padding_report([3, 5, 10, 2], batch_size=2, max_length=16)
    assert report == {"real_tokens": 20, "padded_to_max_length": 64, "padded_to_longest_in_batch": 30}
