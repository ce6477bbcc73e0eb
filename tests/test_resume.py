"""Surviving a disconnect: atomic checkpoint writes, an exact resume mid-epoch, and safe loading of what was saved."""

import csv
import json
import multiprocessing
import os
import re
from pathlib import Path

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import Callback
from torch_threads import one_torch_thread  # noqa: F401  (a fixture)

from helpers.classification.pipeline import encode_splits
from helpers.core.data import make_dataloader
from helpers.core.loaders import make_loaders
from helpers.core.models import load_tokenizer, save_model
from helpers.core.settings import (
    EMBEDDED_SAMPLE_ROOT,
    SMOKE_OVERRIDES,
    CourseSettings,
    SettingsError,
    settings_from_env,
)
from helpers.core.splits import read_nsmc_splits
from helpers.core.tasks import build_task
from helpers.core.training import (
    AtomicCheckpointIO,
    build_trainer,
    fit_or_resume,
    last_checkpoint,
    log_version,
    remove_stale_logs,
    resuming,
)

ROOT = Path(__file__).resolve().parents[1]
STEPS_PER_EPOCH, EPOCHS = 6, 2  # 48 training rows in batches of 8


pytestmark = pytest.mark.usefixtures("one_torch_thread")


class Disconnect(Callback):
    """Raises at the end of training step `at`, like a Colab runtime that goes away mid-epoch."""

    def __init__(self, at: int) -> None:
        self.at = at

    def on_train_batch_end(self, trainer, *args) -> None:
        if trainer.global_step == self.at:
            raise RuntimeError("simulated disconnect")


def run_settings(folder: Path, **changes) -> CourseSettings:
    """Tiny CPU settings on the embedded sample corpus; checkpoints in a separate 'drive' folder."""
    values = {**SMOKE_OVERRIDES, "smoke": True, "corpus_root_dir": str(EMBEDDED_SAMPLE_ROOT),
              "output_dir": str(folder / "outputs"), "checkpoint_dir": str(folder / "drive" / "checkpoints"),
              "epochs": EPOCHS, "batch_size": 8, "limit_train_rows": 48, "limit_eval_rows": 16, **changes}
    return CourseSettings(**values)


def train(settings: CourseSettings, every_n_steps: int | None = None, disconnect_at: int | None = None,
          plain_loader: bool = False):
    """Build the document-classification pipeline and fit (or resume); returns (trainer, task, tokenizer)."""
    L.seed_everything(settings.seed, verbose=False)  # the model's initial weights
    tokenizer = load_tokenizer(settings)
    datasets = encode_splits(tokenizer, read_nsmc_splits(settings), settings.max_seq_length)
    loaders = make_loaders(datasets, tokenizer, settings)
    train_loader = loaders.train
    if plain_loader:  # a torch DataLoader: Lightning alone restarts the epoch's data from its first batch
        train_loader = torch.utils.data.DataLoader(datasets.train, batch_sampler=loaders.train.batch_sampler,
                                                   collate_fn=loaders.train.collate_fn)
    task = build_task(settings)
    trainer = build_trainer(settings, callbacks=[Disconnect(disconnect_at)] if disconnect_at else None,
                            checkpoint_every_n_steps=every_n_steps, enable_progress_bar=False)
    fit_or_resume(trainer, task, train_loader, loaders.val, settings)
    return trainer, task, tokenizer


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """Final weights of uninterrupted runs, by length_grouped."""
    cache = {}

    def get(length_grouped: bool):
        if length_grouped not in cache:
            folder = tmp_path_factory.mktemp(f"uninterrupted-{length_grouped}")
            settings = run_settings(folder, length_grouped=length_grouped)
            trainer, task, tokenizer = train(settings)
            assert trainer.global_step == STEPS_PER_EPOCH * EPOCHS
            cache[length_grouped] = (task, tokenizer, folder, end_weights(settings))
        return cache[length_grouped]

    return get


def end_weights(settings: CourseSettings) -> dict[str, torch.Tensor]:
    """The weights at the end of training (last.ckpt; after fit the task itself holds the best epoch's)."""
    state = torch.load(last_checkpoint(settings), weights_only=True)["state_dict"]
    return {k.removeprefix("model."): v for k, v in state.items()}


def logged_steps(settings: CourseSettings, version: int) -> list[int]:
    """Steps of the training rows (those with a learning rate) in one CSV log version."""
    with open(Path(settings.output_dir) / "logs" / f"version_{version}" / "metrics.csv", newline="") as f:
        return [int(r["step"]) for r in csv.DictReader(f) if r.get("lr")]


@pytest.mark.parametrize("length_grouped, every_n_steps, disconnect_at, saved_at, message", [
    (True, 4, 9, 8, "resumed in epoch 1 after 2 of its 6 batches (global step 8)"),  # mid-epoch, second epoch
    (True, None, 8, 6, "resumed at the start of epoch 1 (global step 6)"),  # last.ckpt from the epoch's end
    (False, 4, 5, 4, "resumed in epoch 0 after 4 of its 6 batches (global step 4)"),  # plain shuffle, no grouping
])
def test_interrupted_run_resumes_and_ends_with_the_same_weights(tmp_path, capsys, uninterrupted, length_grouped,
                                                                 every_n_steps, disconnect_at, saved_at, message):
    _, _, _, expected = uninterrupted(length_grouped)
    settings = run_settings(tmp_path, length_grouped=length_grouped)
    with pytest.raises(RuntimeError, match="simulated disconnect"):
        train(settings, every_n_steps, disconnect_at)
    saved = torch.load(last_checkpoint(settings), weights_only=True)
    assert saved["global_step"] == saved_at
    assert resuming(settings)

    capsys.readouterr()
    trainer, task, _ = train(settings, every_n_steps)  # the learner re-runs the notebook
    out = capsys.readouterr().out
    assert f"resuming from {last_checkpoint(settings)}" in out
    assert message in out
    assert trainer.global_step == STEPS_PER_EPOCH * EPOCHS
    assert logged_steps(settings, 1) == list(range(saved_at, STEPS_PER_EPOCH * EPOCHS))  # the count continues
    assert logged_steps(settings, 0)[:saved_at] == list(range(saved_at))
    final = end_weights(settings)
    assert not all(torch.equal(final[k], saved["state_dict"]["model." + k]) for k in final)  # it trained on
    different = [k for k in expected if not torch.equal(final[k], expected[k])]
    assert different == [], f"{len(different)} tensors differ from the uninterrupted run, e.g. {different[:3]}"


def test_without_the_resumable_loader_the_weights_differ(tmp_path, uninterrupted):
    """The control that makes the equality above meaningful: Lightning alone replays the epoch's first batches."""
    _, _, _, expected = uninterrupted(True)
    settings = run_settings(tmp_path)
    with pytest.raises(RuntimeError):
        train(settings, 4, 9, plain_loader=True)
    _, task, _ = train(settings, 4, plain_loader=True)
    final = end_weights(settings)
    assert not all(torch.equal(final[k], expected[k]) for k in expected)


def epochs_drawn(length_grouped: bool, num_workers: int) -> tuple[list, list, list, list]:
    """Batches of epoch 1, of epoch 2, of epoch 2 after skipping 3 batches, and of the epoch after a finished one."""
    from helpers.core.data import ClassificationDataset
    from helpers.core.resume import ResumePoint

    dataset = ClassificationDataset([[1 + i] * (i % 9 + 1) for i in range(40)], [i % 2 for i in range(40)])
    loader = make_dataloader(dataset, 4, 0, shuffle=True, length_grouped=length_grouped, seed=5,
                             num_workers=num_workers)
    loader.resume_point = point = ResumePoint()
    draws = []
    for epoch, skip in ((0, 0), (1, 0), (1, 3), (0, len(loader))):  # (0, all): written at the end of epoch 0
        point.epoch, point.skip = epoch, skip
        draws.append([b["input_ids"].tolist() for b in loader])
    return tuple(draws)


@pytest.mark.parametrize("length_grouped, num_workers", [(True, 0), (False, 0), (True, 2), (False, 2)])
def test_resumable_loader_draws_each_epoch_from_seed_and_epoch_only(length_grouped, num_workers):
    first, second, skipped, after_first = epochs_drawn(length_grouped, num_workers)
    assert first != second
    assert skipped == second[3:]  # restored after 3 batches of epoch 1: the epoch goes on from its 4th batch
    assert after_first == second  # restored at the end of epoch 0: epoch 1 from its first batch
    if num_workers:  # worker processes (persistent) draw the very same batches
        assert (first, second) == epochs_drawn(length_grouped, 0)[:2]


def half_write_then_fail(checkpoint, f, *args, **kwargs):
    """A torch.save that dies half-way, as when the runtime disconnects or the disk fills up."""
    f.write(b"PK\x03\x04 only the first bytes of a checkpoint")
    raise OSError("simulated crash in the middle of torch.save")


def test_interrupted_checkpoint_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "last.ckpt"
    AtomicCheckpointIO().save_checkpoint({"global_step": 3, "w": torch.ones(4)}, path)
    monkeypatch.setattr(torch, "save", half_write_then_fail)
    with pytest.raises(OSError, match="simulated crash"):
        AtomicCheckpointIO().save_checkpoint({"global_step": 4, "w": torch.zeros(4)}, path)
    assert torch.load(path, weights_only=True)["global_step"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.ckpt"]  # the half-written temp file is gone


def test_interrupted_first_write_leaves_no_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setattr(torch, "save", half_write_then_fail)
    with pytest.raises(OSError):
        AtomicCheckpointIO().save_checkpoint({"global_step": 1}, tmp_path / "ckpt" / "last.ckpt")
    assert list((tmp_path / "ckpt").iterdir()) == []


def save_then_die(path: str) -> None:
    """In a child process: start writing a checkpoint and die half-way without any cleanup (like kill -9)."""
    def killed(checkpoint, f, *args, **kwargs):
        f.write(b"PK half a checkpoint")
        f.flush()
        os._exit(9)

    torch.save = killed
    AtomicCheckpointIO().save_checkpoint({"global_step": 4}, path)


def test_a_process_killed_mid_write_leaves_no_valid_looking_file(tmp_path):
    """A hard kill runs no cleanup: the partial file stays, under a name no one resumes from."""
    settings = run_settings(tmp_path)
    folder = Path(settings.checkpoint_dir)
    AtomicCheckpointIO().save_checkpoint({"global_step": 3}, folder / "last.ckpt")
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    child = multiprocessing.get_context(method).Process(target=save_then_die, args=(str(folder / "last.ckpt"),))
    child.start()
    child.join(120)
    assert child.exitcode == 9
    assert torch.load(last_checkpoint(settings), weights_only=True)["global_step"] == 3
    assert len(list(folder.glob(".last.ckpt.*.partial"))) == 1


def test_saved_model_is_safetensors_and_reloads_with_the_same_outputs(tmp_path, uninterrupted):
    from transformers import BertForSequenceClassification

    task, tokenizer, _, _ = uninterrupted(True)
    folder = save_model(task, tokenizer, tmp_path / "model")
    assert (folder / "model.safetensors").is_file()
    assert not list(folder.glob("*.bin"))  # no pickle files
    reloaded = BertForSequenceClassification.from_pretrained(folder, use_safetensors=True).eval()
    batch = tokenizer(["정말 재미있는 영화", "시간이 아까웠다"], padding=True, return_tensors="pt")
    task.model.eval()
    with torch.no_grad():
        assert torch.equal(task.model(**batch).logits, reloaded(**batch).logits)
    assert reloaded.config.id2label == task.model.config.id2label


def test_checkpoint_loads_with_weights_only_and_holds_the_resume_point(uninterrupted):
    _, _, folder, _ = uninterrupted(True)
    saved = torch.load(folder / "drive" / "checkpoints" / "last.ckpt", weights_only=True)
    point = saved["callbacks"]["ResumePoint"]
    assert (point["epoch"], point["batches"]) == (EPOCHS - 1, STEPS_PER_EPOCH)
    assert set(point["rng"]) >= {"python", "torch"}
    assert len(point["rng_by_rank"]) == 1 and torch.equal(point["rng_by_rank"][0]["torch"], point["rng"]["torch"])
    assert len(list((folder / "drive" / "checkpoints").glob("best-*.ckpt"))) == 1


def test_nothing_passes_trust_remote_code():
    code = {str(f): f.read_text(encoding="utf-8") for pattern in ("helpers/**/*.py", "tools/*.py")
            for f in ROOT.glob(pattern)}
    for notebook in ROOT.glob("notebooks/*.ipynb"):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        code[str(notebook)] = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert len(code) > 10
    assert [name for name, text in code.items() if re.search(r"trust_remote_code\s*=", text)] == []


def test_checkpoint_root_gives_each_task_its_own_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("NLPBOOK_CHECKPOINT_ROOT", str(tmp_path / "drive"))
    assert settings_from_env(output_dir="outputs/ner").checkpoint_dir == str(tmp_path / "drive" / "ner")
    assert settings_from_env(checkpoint_dir="/elsewhere").checkpoint_dir == "/elsewhere"
    with pytest.raises(SettingsError, match="checkpoint_dir"):
        CourseSettings(checkpoint_dir="")


def test_resume_false_starts_over_with_fresh_logs(tmp_path):
    settings = run_settings(tmp_path)
    Path(settings.checkpoint_dir).mkdir(parents=True)
    (Path(settings.checkpoint_dir) / "last.ckpt").write_bytes(b"stand-in")
    for version in range(3):
        (Path(settings.output_dir) / "logs" / f"version_{version}").mkdir(parents=True)
    assert resuming(settings) and log_version(settings) == 3  # a resumed part logs into the next version
    fresh = settings.replace(resume=False)
    assert not resuming(fresh) and log_version(fresh) == 0
    remove_stale_logs(fresh)  # what fit_or_resume does for a fresh run, once it holds the folder's lock
    assert list((Path(settings.output_dir) / "logs").iterdir()) == []  # the new run writes version_0 afresh
