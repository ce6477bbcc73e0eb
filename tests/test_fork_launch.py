"""Several GPUs in a notebook (ddp_notebook) and the fork launcher from the command line (ddp_fork).

A fork-launched run trains in child processes: the notebook's (or script's) own process must not have initialised
CUDA before, must end up holding the weights that were evaluated, and must keep the whole training log.
"""

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest
import torch
from nbclient import NotebookClient
from transformers import AutoModelForSequenceClassification

from helpers.classification.pipeline import encode_splits
from helpers.core.loaders import make_loaders
from helpers.core.models import load_tokenizer
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, SMOKE_OVERRIDES, CourseSettings
from helpers.core.splits import read_nsmc_splits
from helpers.core.tasks import build_task
from helpers.core.training import build_trainer, fit_or_resume

ROOT = Path(__file__).resolve().parents[1]
TASK = "document-classification"
# Makes epoch 0 the best of every run (a score that falls each epoch), so the best and the last weights differ.
EPOCH_ZERO_BEST = '''
from lightning.pytorch.callbacks import Callback


class EpochZeroBest(Callback):
    def on_validation_epoch_end(self, trainer, pl_module):
        pl_module.log("score", -float(trainer.current_epoch), sync_dist=True)
'''
CLI_HOOK = EPOCH_ZERO_BEST + '''
import helpers.core.training

_build = helpers.core.training.build_trainer


def build_with_epoch_zero_best(settings, monitor="val_acc", mode="max", callbacks=None, **options):
    return _build(settings, "score", "max", [*(callbacks or []), EpochZeroBest()], **options)


helpers.core.training.build_trainer = build_with_epoch_zero_best
'''


def fake_two_gpu_notebook(monkeypatch, tmp_path, capability: str | None):
    """A notebook kernel on a machine with two GPUs whose CUDA must stay uninitialised; returns the calls to it."""
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    initialised = []

    def refuse(*args, **kwargs):
        initialised.append(True)
        raise AssertionError("CUDA was initialised in the notebook's process")

    monkeypatch.setattr(torch.cuda, "_lazy_init", refuse)
    folder = tmp_path / "bin"
    folder.mkdir()
    if capability is not None:  # nvidia-smi of two GPUs of this compute capability
        script = folder / "nvidia-smi"
        script.write_text(f"#!/bin/sh\nprintf '{capability}\\n{capability}\\n'\n")
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}" if capability else str(folder))
    return initialised


def tiny_settings(folder: Path, **changes) -> CourseSettings:
    return CourseSettings(**{**SMOKE_OVERRIDES, "smoke": True, "corpus_root_dir": str(EMBEDDED_SAMPLE_ROOT),
                             "output_dir": str(folder), "limit_train_rows": 64, "limit_eval_rows": 32, **changes})


@pytest.mark.parametrize("capability, precision", [("7.5", "16-mixed"), ("8.0", "bf16-mixed"), (None, "16-mixed")])
def test_nothing_before_the_fork_initialises_cuda(monkeypatch, tmp_path, capability, precision):
    initialised = fake_two_gpu_notebook(monkeypatch, tmp_path, capability)
    settings = tiny_settings(tmp_path / "out", precision="auto")
    tokenizer = load_tokenizer(settings)
    loaders = make_loaders(encode_splits(tokenizer, read_nsmc_splits(settings), settings.max_seq_length),
                           tokenizer, settings)
    task = build_task(settings)
    batch = next(iter(loaders.train))  # the notebooks draw a batch and run a forward pass before training
    task(batch)
    trainer = build_trainer(settings, accelerator="gpu", devices=2, enable_progress_bar=False)
    launched = []
    trainer.strategy.launcher.launch = lambda function, *args, **kwargs: launched.append(function)
    fit_or_resume(trainer, task, loaders.train, loaders.val, settings)  # stops where Lightning would fork
    assert launched and trainer.strategy.launcher._start_method == "fork"
    assert type(trainer.strategy).__name__ == "DDPStrategy" and trainer.num_devices == 2
    assert trainer.precision == precision
    assert initialised == [] and not torch.cuda.is_initialized()


def test_ddp_notebook_in_a_real_kernel_trains_and_the_notebook_holds_the_best_weights(tmp_path):
    out = tmp_path / "out"
    cells = [f'''
import json
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification

from helpers.classification.pipeline import encode_splits
from helpers.core.loaders import make_loaders
from helpers.core.models import save_model
from helpers.core.splits import read_nsmc_splits
from helpers.core.tasks import build_task
from helpers.core.models import load_tokenizer
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, SMOKE_OVERRIDES, CourseSettings
from helpers.core.training import best_or_current, build_trainer, fit_or_resume, metrics_csv

torch.set_num_threads(1)
settings = CourseSettings(**{{**SMOKE_OVERRIDES, "smoke": True, "corpus_root_dir": str(EMBEDDED_SAMPLE_ROOT),
                              "output_dir": {str(out)!r}, "epochs": 3, "limit_train_rows": 64,
                              "limit_eval_rows": 32}})
tokenizer = load_tokenizer(settings)
loaders = make_loaders(encode_splits(tokenizer, read_nsmc_splits(settings), settings.max_seq_length),
                       tokenizer, settings)
task = build_task(settings)
task(next(iter(loaders.train)))
''', EPOCH_ZERO_BEST, '''
trainer = build_trainer(settings, "score", "max", callbacks=[EpochZeroBest()], accelerator="cpu", devices=2,
                        strategy="ddp_notebook", enable_progress_bar=False, checkpoint_every_minutes=0)
fit_or_resume(trainer, task, loaders.train, loaders.val, settings)
metrics = trainer.test(task, loaders.test, ckpt_path=best_or_current(trainer), weights_only=True, verbose=False)[0]
''', '''
folder = Path(settings.output_dir)
best = torch.load(best_or_current(trainer), weights_only=True)["state_dict"]
last = torch.load(folder / "checkpoints" / "last.ckpt", weights_only=True)
# The saved model as a learner reloads it (transformers 5.0 writes LayerNorm weights under legacy names).
saved = AutoModelForSequenceClassification.from_pretrained(save_model(task, tokenizer, folder / "model")).state_dict()
log = metrics_csv(settings)[0].read_text()
report = {
    "memory_equals_best": all(torch.equal(v, best[k]) for k, v in task.state_dict().items() if k in best),
    "saved_equals_best": all(torch.equal(v, best["model." + k]) for k, v in saved.items()),
    "best_differs_from_last": any(not torch.equal(v, last["state_dict"][k]) for k, v in best.items()),
    "checkpoints": sorted(p.name for p in (folder / "checkpoints").iterdir()),
    "last_step": last["global_step"], "test_acc": metrics["test_acc"],
    "train_rows": sum(1 for line in log.splitlines()[1:] if ",," not in line or "train_loss" in line),
    "header": log.splitlines()[0], "lines": len(log.splitlines()),
    "strategy": type(trainer.strategy).__name__, "start": trainer.strategy.launcher._start_method,
}
print("REPORT" + json.dumps(report))
''']
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    env_before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = f"{ROOT}{os.pathsep}{env_before}" if env_before else str(ROOT)
    try:
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ.pop("PYTHONPATH") if env_before is None else os.environ.update(PYTHONPATH=env_before)
    text = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    report = json.loads(text.split("REPORT", 1)[1])
    assert report["strategy"] == "DDPStrategy" and report["start"] == "fork"
    assert report["checkpoints"] == ["best-epoch=0-step=2.ckpt", "last.ckpt"]  # one best, written once
    assert report["last_step"] == 6  # 3 epochs x 64 rows / (2 processes x 16 per batch)
    assert report["best_differs_from_last"]  # else the next two checks could not tell best from last
    assert report["memory_equals_best"] and report["saved_equals_best"]
    assert "train_loss" in report["header"] and "val_acc" in report["header"] and "test_acc" in report["header"]
    assert report["lines"] >= 1 + 6 + 3 + 1  # header, a row per step, per validation, and the test row


def test_ddp_fork_from_the_command_line_saves_the_evaluated_model_and_keeps_the_log(tmp_path):
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "sitecustomize.py").write_text(CLI_HOOK)
    env = {k: v for k, v in os.environ.items()
           if k not in ("NLPBOOK_CORPUS_ROOT", "NLPBOOK_MODEL_DIR", "NLPBOOK_CHECKPOINT_ROOT")}
    env.update(NLPBOOK_OUTPUT_ROOT=str(tmp_path / "out"), PYTHONPATH=f"{tmp_path / 'hooks'}{os.pathsep}{ROOT}",
               OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "helpers.train", TASK, "--smoke", "--accelerator", "cpu", "--devices", "2",
               "--strategy", "ddp_fork", "--set", "epochs=3", "--set", "limit_train_rows=64",
               "--set", "limit_eval_rows=32", "--checkpoint-every-n-steps", "0"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert done.stdout.count("test accuracy") == 1
    folder = tmp_path / "out" / TASK
    best_path = folder / "checkpoints" / "best-epoch=0-step=2.ckpt"
    best = torch.load(best_path, weights_only=True)["state_dict"]
    last = torch.load(folder / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    saved = AutoModelForSequenceClassification.from_pretrained(folder / "model").state_dict()  # as a learner reloads it
    assert any(not torch.equal(v, last[k]) for k, v in best.items())
    assert all(torch.equal(v, best["model." + k]) for k, v in saved.items())  # the evaluated (best) model
    log = (folder / "logs" / "version_0" / "metrics.csv").read_text().splitlines()
    header = log[0].split(",")
    assert {"train_loss", "val_acc", "test_acc"} <= set(header)
    rows = [dict(zip(header, line.split(","))) for line in log[1:]]
    assert sum(1 for r in rows if r["train_loss"]) == 6 and sum(1 for r in rows if r["val_acc"]) == 3
    assert sum(1 for r in rows if r["test_acc"]) == 1
    assert (folder / "learning_curves.png").stat().st_size > 10_000  # curves drawn from the kept log
