import random

import numpy as np
import pytest
import torch
from lightning.fabric.utilities.distributed import DistributedSamplerWrapper
from torch.utils.data import Dataset

from helpers.core.corpora import LabeledText
from helpers.core.data import (
    build_classification_dataset,
    collate_dynamic_padding,
    encode_texts,
    make_dataloader,
    padding_report,
    tokens_fed,
)
from helpers.core.models import load_tokenizer
from helpers.core.sampling import LengthGroupedSampler, ShuffledBatchSampler
from helpers.core.settings import CourseSettings


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


class RowsOfLength(Dataset):
    """Rows whose token ids are their own index repeated `length` times: a batch tells which rows it holds."""

    def __init__(self, lengths) -> None:
        self._lengths = lengths

    def __len__(self) -> int:
        return len(self._lengths)

    def __getitem__(self, index: int) -> dict:
        return {"input_ids": [index + 1] * int(self._lengths[index]), "labels": index % 2}

    def lengths(self):
        return self._lengths


def spread(lengths, batch) -> int:
    """Longest minus shortest row of a batch."""
    return max(lengths[i] for i in batch) - min(lengths[i] for i in batch)


def rows_of(batch: dict) -> list[int]:
    """Row indexes of a collated RowsOfLength batch."""
    return [int(ids[0]) - 1 for ids in batch["input_ids"]]


def test_length_grouped_sampler_yields_whole_shuffled_batches_of_similar_lengths():
    lengths = np.array([(i * 37) % 101 + 3 for i in range(1000)])  # numpy lengths, as a compact dataset gives them
    sampler = LengthGroupedSampler(lengths, batch_size=10, seed=1)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 100 and all(len(b) == 10 for b in batches)
    assert sorted(i for b in batches for i in b) == list(range(1000))
    assert sum(spread(lengths, b) for b in batches) / len(batches) < 10  # random batches would spread by ~90 tokens
    sampler.set_epoch(1)
    assert list(sampler) != batches


def test_a_short_group_stays_one_batch_and_does_not_shift_the_later_ones():
    """1,005 rows in batches of 10, chunks of 500: one batch of 5 lands mid-epoch; the rest stay aligned."""
    lengths = [random.Random(i).randint(3, 100) for i in range(1005)]
    loader = make_dataloader(RowsOfLength(lengths), batch_size=10, pad_token_id=0, shuffle=True,
                             length_grouped=True, seed=7)
    batches = [rows_of(b) for b in loader]
    expected = list(LengthGroupedSampler(lengths, 10, seed=7))
    assert batches == expected  # the loader serves the sampler's batches as they are, not re-cut
    assert sorted(len(b) for b in batches) == [5] + [10] * 100
    assert 0 < [len(b) for b in batches].index(5) < len(batches) - 1  # mid-epoch, the case that used to shift
    assert max(spread(lengths, b) for b in batches if len(b) == 10) <= 6  # (the 5 rows of the last chunk: any)
    flat_recut = [i for b in expected for i in b]  # what a DataLoader cutting a flat index stream fed
    assert tokens_fed(lengths, batches, 10) < 0.95 * tokens_fed(lengths, flat_recut, 10)  # 51,980 vs 57,340


def padding_share(lengths, batches) -> float:
    """Fraction of the tokens fed that are padding."""
    return 1 - sum(lengths[i] for b in batches for i in b) / tokens_fed(lengths, batches, 0)


@pytest.mark.parametrize("grouped", [True, False])
def test_each_process_takes_whole_batches_of_one_shared_order(grouped):
    lengths = [random.Random(i).randint(3, 100) for i in range(1005)]
    make = ((lambda r: LengthGroupedSampler(lengths, 10, seed=3, num_replicas=3, rank=r)) if grouped
            else (lambda r: ShuffledBatchSampler(len(lengths), 10, seed=3, num_replicas=3, rank=r)))
    shares = [list(make(rank)) for rank in range(3)]
    order = make(0).epoch_batches()  # 101 batches: 34 per process, the first of the order repeated once
    assert [len(s) for s in shares] == [len(make(r)) for r in range(3)] == [34, 34, 34]  # DDP steps in lockstep
    assert [b for round_ in zip(*shares) for b in round_] == order + order[:1]
    assert sorted(i for s in shares for b in s for i in b) == sorted(list(range(1005)) + order[0])
    if grouped:
        assert max(padding_share(lengths, s) for s in shares) < 0.05


def test_lightnings_wrapper_around_the_old_flat_stream_undid_the_grouping():
    """Before: DDP wrapped the flat grouped stream in a shuffling DistributedSamplerWrapper; measured per process."""
    lengths = [random.Random(i).randint(3, 100) for i in range(1005)]
    flat = [i for b in LengthGroupedSampler(lengths, 10, seed=3).epoch_batches() for i in b]
    for rank in range(2):
        wrapped = list(DistributedSamplerWrapper(flat, num_replicas=2, rank=rank, shuffle=True, seed=3))
        assert padding_share(lengths, [wrapped[i : i + 10] for i in range(0, len(wrapped), 10)]) > 0.3
        own = list(LengthGroupedSampler(lengths, 10, seed=3, num_replicas=2, rank=rank))
        assert padding_share(lengths, own) < 0.05


def fake_cuda_that_must_not_start(monkeypatch) -> list:
    """A machine with a GPU whose CUDA must not be initialised here; returns the list of pin calls seen."""
    pinned: list = []

    def never(*args, **kwargs):
        raise AssertionError("CUDA was initialised in this process")

    def record_pin(data, device=None):
        pinned.append(device)
        if not torch.cuda.is_initialized():
            never()
        return data

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.accelerator, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "_lazy_init", never)
    monkeypatch.setattr(torch.utils.data._utils.pin_memory, "pin_memory", record_pin)
    return pinned


@pytest.mark.parametrize("shuffle", [True, False])
def test_drawing_a_batch_before_training_does_not_pin_or_start_cuda(monkeypatch, shuffle):
    pinned = fake_cuda_that_must_not_start(monkeypatch)
    loader = make_dataloader(RowsOfLength([3, 5, 4, 6]), batch_size=2, pad_token_id=0, shuffle=shuffle)
    assert len([rows_of(b) for b in loader]) == 2  # a notebook drawing batches before fit
    assert pinned == [] and not loader.pin_memory
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)  # in Lightning's fit, the model on the GPU
    assert len(list(loader)) == 2 and len(pinned) == 2 and loader.pin_memory


def test_padding_report_counts_tokens():
    report = padding_report([3, 5, 10, 2], batch_size=2, max_length=16)
    assert report == {"real_tokens": 20, "padded_to_max_length": 64, "padded_to_longest_in_batch": 30}
    assert tokens_fed([3, 5, 10, 2], [[2, 3], [0], [1]], batch_size=2) == 20 + 3 + 5  # batches as given
