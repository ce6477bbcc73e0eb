"""End-to-end runs of the document-classification pipeline with a tiny model."""

import csv

import pytest
import torch
from safetensors.torch import load_file
from shared_data import KCBERT_DIR, SHARED_DATA, needs_kcbert, needs_shared_data

from helpers.classification.pipeline import run_document_classification
from helpers.core.settings import CourseSettings


def smoke_settings(tmp_path, **changes):
    base = dict(smoke=True, corpus_root_dir=str(tmp_path.parent / "unused"), output_dir=str(tmp_path / "run"),
                batch_size=16, max_seq_length=64, learning_rate=1e-3, precision="32-true", val_fraction=0.2)
    base.update(changes)
    return CourseSettings(**base)


def test_sample_corpus_run_steps_the_lr_checkpoints_and_saves(tmp_path):
    from helpers.core.settings import EMBEDDED_SAMPLE_ROOT

    settings = smoke_settings(tmp_path, corpus_root_dir=str(EMBEDDED_SAMPLE_ROOT), epochs=2,
                              limit_train_rows=320, limit_eval_rows=80)
    metrics = run_document_classification(settings)
    assert 0.0 <= metrics["test_acc"] <= 1.0
    out = tmp_path / "run"
    with open(out / "logs" / "version_0" / "metrics.csv", newline="") as f:
        lrs = [float(r["lr"]) for r in csv.DictReader(f) if r.get("lr")]
    assert len(lrs) == 40  # 320 rows / 16 per batch * 2 epochs, one logged LR per step
    assert lrs[0] < max(lrs) and lrs[-1] < max(lrs) / 4  # warmup then decay: the schedule really steps
    assert (out / "checkpoints" / "last.ckpt").is_file()
    assert len(list((out / "checkpoints").glob("best-*.ckpt"))) == 1
    assert (out / "learning_curves.png").stat().st_size > 10_000
    weights = load_file(out / "model" / "model.safetensors")
    assert any(k.endswith("classifier.weight") for k in weights)
    ckpt = torch.load(out / "checkpoints" / "last.ckpt", weights_only=True)
    assert ckpt["global_step"] == 40


@pytest.mark.learning
@needs_shared_data
@needs_kcbert
def test_tiny_model_from_scratch_learns_nsmc_clearly_above_chance(tmp_path):
    settings = smoke_settings(tmp_path, corpus_root_dir=str(SHARED_DATA), epochs=1, batch_size=32,
                              limit_train_rows=4000, limit_eval_rows=1000, val_fraction=0.05,
                              model_dir=str(KCBERT_DIR))
    metrics = run_document_classification(settings)
    # chance is 0.50 on this balanced corpus; a 2-layer model from scratch reaches about 0.7 here
    assert metrics["test_acc"] > 0.60, metrics
