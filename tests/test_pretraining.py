"""MLM pretraining pieces, the fine-tuning loop, and the study's table and decision."""

import random
import time

import pytest
import torch
from torch_threads import one_torch_thread  # noqa: F401  (a fixture)
from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification

from helpers.pretraining.mlm import (
    MASK_PROBABILITY,
    encoder_weights,
    fine_tune,
    length_grouped_batches,
    load_encoder,
    mask_tokens,
    pack_into_blocks,
    pretrain_mlm,
    time_budget_lr,
)
from helpers.pretraining.report import SIDES, decide, load_results, markdown_table, summarise

CLS, SEP, MASK, PAD = 2, 3, 4, 0


def tiny(vocab_size=40, **changes):
    return BertConfig(vocab_size=vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                      intermediate_size=32, max_position_embeddings=64, **changes)


def test_rows_are_packed_into_full_blocks_with_separators():
    blocks = pack_into_blocks([[10, 11, 12], [13], [14, 15, 16, 17, 18]], 5, CLS, SEP)
    # stream 10 11 12 SEP 13 SEP 14 15 16 17 18 SEP (12 ids) -> 3 blocks of [CLS] + 4; nothing left over
    assert blocks.tolist() == [[CLS, 10, 11, 12, SEP], [CLS, 13, SEP, 14, 15], [CLS, 16, 17, 18, SEP]]
    assert pack_into_blocks([[10, 11, 12, 13, 14]], 4, CLS, SEP).tolist() == [[CLS, 10, 11, 12], [CLS, 13, 14, SEP]]
    with pytest.raises(ValueError, match="do not fill one block"):
        pack_into_blocks([[10]], 8, CLS, SEP)
    with pytest.raises(ValueError, match="block_size=2"):
        pack_into_blocks([[10]], 2, CLS, SEP)


def test_masking_follows_bert_and_never_touches_special_tokens():
    ids = torch.randint(10, 40, (200, 128))
    ids[:, 0], ids[:, 64] = CLS, SEP
    inputs, labels = mask_tokens(ids, 40, MASK, [PAD, CLS, SEP, MASK], torch.Generator().manual_seed(0))
    chosen = labels != -100
    assert abs(chosen.float().mean().item() - MASK_PROBABILITY * 126 / 128) < 0.01
    assert not chosen[:, 0].any() and not chosen[:, 64].any()
    assert torch.equal(labels[chosen], ids[chosen]) and torch.equal(inputs[~chosen], ids[~chosen])
    as_mask = (inputs[chosen] == MASK).float().mean().item()
    kept = (inputs[chosen] == ids[chosen]).float().mean().item()
    assert abs(as_mask - 0.8) < 0.02 and 0.08 < kept < 0.13  # 10 % kept, plus random draws equal to the original
    again = mask_tokens(ids, 40, MASK, [PAD, CLS, SEP, MASK], torch.Generator().manual_seed(0))
    assert torch.equal(again[0], inputs) and torch.equal(again[1], labels)


def test_time_budget_schedule_warms_up_then_reaches_zero_at_the_deadline():
    assert time_budget_lr(1e-3, 0, 10, 0.0, 100.0) == pytest.approx(1e-4)
    assert time_budget_lr(1e-3, 50, 10, 50.0, 100.0) == pytest.approx(5e-4)
    assert time_budget_lr(1e-3, 50, 10, 120.0, 100.0) == 0.0


@pytest.mark.usefixtures("one_torch_thread")
def test_pretraining_stops_at_its_time_budget_and_the_encoder_moves_into_a_classifier():
    torch.manual_seed(0)
    model = BertForMaskedLM(tiny())
    before = {k: v.clone() for k, v in encoder_weights(model).items()}
    blocks = pack_into_blocks([[10 + i % 20 for i in range(j, j + 15)] for j in range(200)], 32, CLS, SEP)
    start = time.perf_counter()
    history = pretrain_mlm(model, blocks, [PAD, CLS, SEP, MASK], MASK, seconds=2.0, batch_size=8,
                           learning_rate=1e-2, warmup_steps=2, log_every=1)
    assert time.perf_counter() - start < 2.0 + 5.0  # the step under way when time is up still finishes
    assert history.steps >= 1 and len(history.log) == history.steps and history.blocks_seen == 8 * history.steps
    weights = encoder_weights(model)
    assert any(not torch.equal(weights[k], before[k]) for k in weights)
    classifier = BertForSequenceClassification(tiny(num_labels=2))
    load_encoder(classifier, weights)
    for name, value in classifier.bert.state_dict().items():
        if not name.startswith("pooler."):
            assert torch.equal(value, weights[name]), name
    partial = {k: v for k, v in weights.items() if "layer.0.output" not in k}
    with pytest.raises(ValueError, match="missing .*layer.0.output.dense.weight.*unexpected .*extra"):
        load_encoder(BertForSequenceClassification(tiny(num_labels=2)), {**partial, "extra": torch.zeros(1)})
    with pytest.raises(ValueError, match="(?s)do not fit.*word_embeddings"):  # another vocabulary size
        load_encoder(BertForSequenceClassification(tiny(vocab_size=50, num_labels=2)), weights)


def test_length_grouped_batches_cover_every_row_once():
    lengths = [random.Random(i).randint(1, 50) for i in range(100)]
    batches = length_grouped_batches(lengths, 8, random.Random(0))
    assert sorted(i for b in batches for i in b) == list(range(100))
    ordered = length_grouped_batches(lengths, 8)
    flat = [lengths[i] for b in ordered for i in b]
    assert flat == sorted(flat)


@pytest.mark.usefixtures("one_torch_thread")
def test_fine_tune_learns_a_separable_toy_task_and_keeps_the_best_epoch():
    rows = [[CLS, 10 + (i % 2) * 10, 5 + i % 3, SEP] for i in range(64)]
    labels = [i % 2 for i in range(64)]
    torch.manual_seed(0)
    model = BertForSequenceClassification(tiny(num_labels=2))
    result = fine_tune(model, (rows, labels), (rows[:16], labels[:16]), PAD, learning_rate=3e-3, epochs=6,
                       batch_size=8)
    assert result["val_acc"] == 1.0 and len(result["val_curve"]) == 6
    assert result["val_curve"][result["best_epoch"] - 1] == max(result["val_curve"])


def run(side, rows, lr, seed, val, test):
    return {"side": side, "rows": rows, "lr": lr, "seed": seed, "val_acc": val, "test_acc": test}


def test_summary_takes_the_rate_the_first_seed_validated_best_and_the_decision_needs_no_overlap():
    scratch = [run("scratch", 1000, 1e-3, 0, 0.70, 0.69), run("scratch", 1000, 3e-4, 0, 0.72, 0.68),
               run("scratch", 1000, 3e-4, 1, 0.71, 0.70), run("scratch", 1000, 3e-4, 2, 0.70, 0.66)]
    summary = summarise(scratch, 1000)
    assert summary["lr"] == 3e-4 and summary["test_acc"] == [0.68, 0.70, 0.66] and summary["seeds"] == 3
    assert summary["mean"] == pytest.approx(0.68) and summary["min"] == 0.66 and summary["max"] == 0.70
    better = {"rows": 1000, "seeds": 3, "mean": 0.75, "min": 0.74, "max": 0.76}
    overlapping = {"rows": 1000, "seeds": 3, "mean": 0.71, "min": 0.69, "max": 0.73}
    assert decide({"scratch": {"1000": summary}, "pretrained": {"1000": better}}, [1000])["ship_pretrained_weights"]
    verdict = decide({"scratch": {"1000": summary}, "pretrained": {"1000": overlapping}}, [1000])
    assert not verdict["ship_pretrained_weights"] and "0.690 <= scratch best seed 0.700" in verdict["reasons"][0]
    assert not decide({"scratch": {"1000": summary}, "pretrained": {}}, [1000])["ship_pretrained_weights"]


def test_committed_results_have_three_seeds_per_side_and_size_and_the_decision_follows_the_rule():
    results = load_results()
    for side in SIDES:
        for size in ("1000", "4000"):
            entry = results["table"][side][size]
            assert entry["seeds"] == 3 and len(entry["test_acc"]) == 3, (side, size)
            assert summarise([r for r in results["runs"] if r["side"] == side], int(size)) == entry
    assert decide(results["table"], [1000, 4000]) == results["decision"]
    assert results["pretraining"]["minutes"] <= 30 and results["pretraining"]["steps"] > 0
    table = markdown_table(results)
    assert table.count("\n") == 3 and "3 seeds" in table
