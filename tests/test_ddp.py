"""The command-line entry point trains with DDP on 2 CPU processes (gloo) and writes each checkpoint once."""

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
import torch

from helpers.core.devices import pick_precision, pick_strategy
from helpers.core.settings import CourseSettings
from helpers.core.training import build_trainer

ROOT = Path(__file__).resolve().parents[1]
TASK = "document-classification"
# Loaded by every Python process started with this folder on PYTHONPATH (the DDP child too): it records each
# checkpoint write with the writing process's rank, without changing the entry point under test.
WRITE_LOGGER = '''
import os
import torch.distributed as dist
from helpers.core.training import AtomicCheckpointIO

_save = AtomicCheckpointIO.save_checkpoint

def save_and_log(self, checkpoint, path, storage_options=None):
    rank = dist.get_rank() if dist.is_initialized() else -1
    with open(os.environ["CHECKPOINT_WRITE_LOG"], "a") as log:
        log.write(f"{rank} {os.path.basename(path)}\\n")
    return _save(self, checkpoint, path, storage_options)

AtomicCheckpointIO.save_checkpoint = save_and_log
'''


def test_two_cpu_processes_train_with_ddp_and_only_rank_zero_writes(tmp_path):
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "sitecustomize.py").write_text(WRITE_LOGGER)
    writes = tmp_path / "checkpoint-writes.txt"
    env = {k: v for k, v in os.environ.items()
           if k not in ("NLPBOOK_CORPUS_ROOT", "NLPBOOK_MODEL_DIR", "NLPBOOK_CHECKPOINT_ROOT")}
    env.update(NLPBOOK_OUTPUT_ROOT=str(tmp_path / "out"), PYTHONPATH=f"{tmp_path / 'hooks'}{os.pathsep}{ROOT}",
               CHECKPOINT_WRITE_LOG=str(writes), OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "helpers.train", TASK, "--smoke", "--accelerator", "cpu", "--devices", "2",
               "--strategy", "ddp", "--set", "limit_train_rows=64", "--set", "limit_eval_rows=32"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]

    assert f"[rank 0] {TASK} finished" in done.stdout and f"[rank 1] {TASK} finished" in done.stdout
    assert "Initializing distributed: GLOBAL_RANK: 1, MEMBER: 2/2" in output
    assert done.stdout.count("test accuracy") == 1  # the report (and the saved model) come from rank 0 only

    folder = tmp_path / "out" / TASK
    checkpoints = sorted(p.name for p in (folder / "checkpoints").iterdir())
    assert checkpoints == ["best-epoch=0-step=2.ckpt", "last.ckpt"]  # no second copy, no .partial leftovers
    last = torch.load(folder / "checkpoints" / "last.ckpt", weights_only=True)
    assert last["global_step"] == 2  # 64 rows / (2 processes x 16 per batch): each rank saw half the rows
    written = writes.read_text().split("\n")[:-1]
    assert {line.split()[0] for line in written} == {"0"}  # every write came from rank 0, none from rank 1
    assert written.count("0 best-epoch=0-step=2.ckpt") == 1 and "0 last.ckpt" in written
    assert (folder / "model" / "model.safetensors").is_file()


def test_trainer_factory_passes_devices_strategy_nodes_and_any_trainer_option(tmp_path):
    settings = CourseSettings(smoke=True, output_dir=str(tmp_path), accumulate_grad_batches=2, devices=1)  # as the CLI
    trainer = build_trainer(settings, enable_progress_bar=False)
    assert trainer.accumulate_grad_batches == 2 and trainer.num_devices == 1 and trainer.num_nodes == 1
    trainer = build_trainer(settings, devices=2, strategy="ddp", num_nodes=1, enable_progress_bar=False)
    assert trainer.num_devices == 2 and type(trainer.strategy).__name__ == "DDPStrategy"  # the argument wins
    every = [c for c in trainer.checkpoint_callbacks if c.save_top_k == 0]
    assert len(every) == 1 and every[0]._train_time_interval.total_seconds() == 600  # last.ckpt every 10 minutes
    trainer = build_trainer(settings, checkpoint_every_minutes=0, enable_progress_bar=False)
    best, last = trainer.checkpoint_callbacks  # the best weights, and last.ckpt at each validation and the end only
    assert best.save_weights_only and last._train_time_interval is None and last._every_n_train_steps == 0


def test_several_gpus_in_a_notebook_use_ddp_notebook(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    assert [pick_strategy("auto", d) for d in ("auto", 2, "0,1", [0, 1], 1)] == ["ddp_notebook"] * 4 + ["auto"]
    assert pick_strategy("ddp", 2) == "ddp" and pick_strategy("auto", 2, accelerator="cpu") == "auto"
    monkeypatch.delitem(sys.modules, "ipykernel")
    assert pick_strategy("auto", 2) == "auto"  # a script can start plain DDP itself


@pytest.mark.parametrize("capability, expected", [((7, 5), "16-mixed"), ((8, 0), "bf16-mixed")])
def test_precision_follows_the_gpu_and_cpu_stays_32_bit(monkeypatch, capability, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a: capability)
    assert pick_precision("auto") == expected  # a T4 is 7.5: no bf16
    assert pick_precision("auto", accelerator="cpu") == "32-true"
    assert pick_precision("32-true") == "32-true"
