"""Run safety: a damaged or foreign last.ckpt stops a run with one clear message; one run per output folder."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import Callback
from torch_threads import one_torch_thread  # noqa: F401  (a fixture)

from helpers.classification.pipeline import encode_splits
from helpers.core.loaders import make_loaders
from helpers.core.models import load_tokenizer
from helpers.core.run_guard import LOCK_NAME, CheckpointProblem, OutputFolderBusy, output_lock
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, SMOKE_OVERRIDES, CourseSettings
from helpers.core.splits import read_nsmc_splits
from helpers.core.tasks import build_task
from helpers.core.training import build_trainer, fit_or_resume, last_checkpoint

ROOT = Path(__file__).resolve().parents[1]
STEPS = 4  # 32 training rows in batches of 8, one epoch
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run_settings(folder: Path, **changes) -> CourseSettings:
    """Tiny CPU settings on the embedded sample corpus."""
    values = {**SMOKE_OVERRIDES, "smoke": True, "corpus_root_dir": str(EMBEDDED_SAMPLE_ROOT),
              "output_dir": str(folder / "outputs"), "epochs": 1, "batch_size": 8, "limit_train_rows": 32,
              "limit_eval_rows": 8, **changes}
    return CourseSettings(**values)


class Fail(Callback):
    """Raises at the first training step, like a crash in the middle of a run."""

    def on_train_batch_end(self, trainer, *args) -> None:
        raise RuntimeError("simulated crash")


def train(settings: CourseSettings, callbacks=None) -> L.Trainer:
    """The document-classification pipeline's fit (or resume) on the settings."""
    L.seed_everything(settings.seed, verbose=False)
    tokenizer = load_tokenizer(settings)
    loaders = make_loaders(encode_splits(tokenizer, read_nsmc_splits(settings), settings.max_seq_length),
                           tokenizer, settings)
    trainer = build_trainer(settings, callbacks=callbacks, enable_progress_bar=False, enable_model_summary=False)
    fit_or_resume(trainer, build_task(settings), loaders.train, loaders.val, settings)
    return trainer


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[CourseSettings, bytes]:
    """Settings of one finished tiny run and the bytes of its last.ckpt."""
    settings = run_settings(tmp_path_factory.mktemp("finished"))
    assert train(settings).global_step == STEPS
    return settings, last_checkpoint(settings).read_bytes()


def with_checkpoint(folder: Path, content: bytes, **changes) -> CourseSettings:
    """Settings of a new run whose checkpoint folder holds `content` as last.ckpt."""
    settings = run_settings(folder, **changes)
    path = Path(settings.output_dir) / "checkpoints" / "last.ckpt"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    return settings


def random_bytes() -> bytes:
    generator = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, (4096,), generator=generator, dtype=torch.uint8).numpy().tobytes()


DAMAGED = {  # name -> how the file was damaged, from the bytes of a good checkpoint
    "empty": lambda good: b"",
    "truncated": lambda good: good[: len(good) // 2],
    "cut_at_the_end": lambda good: good[:-100],
    "random_bytes": lambda good: random_bytes(),
    "text": lambda good: b"<html>Google Drive: quota exceeded</html>",
}


@pytest.mark.parametrize("damage", sorted(DAMAGED))
def test_damaged_checkpoint_gives_one_clear_message(tmp_path, capsys, finished, damage):
    settings = with_checkpoint(tmp_path, DAMAGED[damage](finished[1]))
    path = last_checkpoint(settings)
    with pytest.raises(CheckpointProblem) as raised:
        train(settings)
    message = str(raised.value)
    assert message.startswith(f"cannot resume from {path}: "), message
    assert "--no-resume" in message and "resume=False" in message and "Delete it" in message
    assert "weights_only" not in message and "unsafe" not in message.lower()  # never a hint at unsafe loading
    assert raised.value.__cause__ is None and raised.value.__suppress_context__  # no torch traceback chained
    assert "resuming from" not in capsys.readouterr().out
    assert not (Path(settings.output_dir) / LOCK_NAME).exists()  # the lock is released on the way out


def test_a_checkpoint_that_is_no_lightning_checkpoint_is_refused(tmp_path):
    settings = run_settings(tmp_path)
    path = Path(settings.output_dir) / "checkpoints" / "last.ckpt"
    path.parent.mkdir(parents=True)
    torch.save([1, 2, 3], path)
    with pytest.raises(CheckpointProblem, match="damaged or incomplete"):
        train(settings)


@pytest.mark.parametrize("change, difference", [
    ({"max_seq_length": 32}, "max_seq_length: 64 in the checkpoint, 32 in this run"),
    ({"learning_rate": 5e-4}, "learning_rate: 0.001 in the checkpoint, 0.0005 in this run"),
    ({"pretrained_model_name": "beomi/kcbert-large"},
     "pretrained_model_name: 'beomi/kcbert-base' in the checkpoint, 'beomi/kcbert-large' in this run"),
    ({"corpus_name": "custom", "custom_file": str(EMBEDDED_SAMPLE_ROOT / "nsmc" / "x.tsv")},
     "corpus_name: 'nsmc' in the checkpoint, 'custom' in this run"),
])
def test_a_run_with_other_settings_does_not_resume_from_the_checkpoint(tmp_path, capsys, finished, change,
                                                                         difference):
    settings = with_checkpoint(tmp_path, finished[1], **change)
    with pytest.raises(CheckpointProblem) as raised:
        fit_or_resume(build_trainer(settings, enable_progress_bar=False), build_task(settings), [], [], settings)
    message = str(raised.value)
    assert message.startswith(f"{last_checkpoint(settings)} was written by a different run"), message
    assert difference in message, message
    assert "--no-resume" in message and "resume=False" in message
    assert "resuming from" not in capsys.readouterr().out


def test_other_labels_are_named(tmp_path, finished):
    settings = with_checkpoint(tmp_path, finished[1])
    task = build_task(settings, labels=("나쁨", "좋음"))
    with pytest.raises(CheckpointProblem, match=re.escape("labels: ['부정', '긍정'] in the checkpoint, "
                                                          "['나쁨', '좋음'] in this run")):
        fit_or_resume(build_trainer(settings, enable_progress_bar=False), task, [], [], settings)


def test_the_same_run_with_more_epochs_resumes(tmp_path, capsys, finished):
    settings = with_checkpoint(tmp_path, finished[1], epochs=2)
    assert train(settings).global_step == 2 * STEPS
    assert f"resuming from {last_checkpoint(settings)}" in capsys.readouterr().out
    saved = torch.load(last_checkpoint(settings), weights_only=True)
    assert saved["callbacks"]["RunRecord"]["max_seq_length"] == settings.max_seq_length
    assert saved["callbacks"]["RunRecord"]["labels"] == ["부정", "긍정"]


def without_record(content: bytes, folder: Path) -> bytes:
    """The checkpoint as an older version of the course wrote it: no RunRecord state."""
    path = folder / "old.ckpt"
    path.write_bytes(content)
    checkpoint = torch.load(path, weights_only=True)
    del checkpoint["callbacks"]["RunRecord"]
    torch.save(checkpoint, path)
    return path.read_bytes()


def test_an_older_checkpoint_resumes_when_its_weights_fit_and_is_refused_when_not(tmp_path, capsys, finished):
    old = without_record(finished[1], tmp_path)
    fits = with_checkpoint(tmp_path / "fits", old, epochs=2)
    assert train(fits).global_step == 2 * STEPS
    assert "does not record which run wrote it" in capsys.readouterr().out
    other = with_checkpoint(tmp_path / "other", old)
    task = build_task(other, labels=("a", "b", "c"))
    with pytest.raises(CheckpointProblem, match=r"classifier\.weight: shape \(2, \d+\) in the checkpoint, "
                                                r"\(3, \d+\) in this run"):
        fit_or_resume(build_trainer(other, enable_progress_bar=False), task, [], [], other)


HOLD = """
import sys, time
from helpers.core.run_guard import output_lock
with output_lock(sys.argv[1]):
    print("holding", flush=True)
    time.sleep(60)
"""


def test_a_second_run_into_a_busy_folder_stops_at_once(tmp_path):
    settings = run_settings(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, settings.output_dir], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "holding"
        live_log = Path(settings.output_dir) / "logs" / "version_0" / "metrics.csv"  # the holder's log, being written
        live_log.parent.mkdir(parents=True)
        live_log.write_text("step\n0\n")
        started = time.monotonic()
        with pytest.raises(OutputFolderBusy) as raised:
            train(settings)
        message = str(raised.value)
        assert message.startswith(f"output folder {settings.output_dir} is in use by another training run "
                                  f"(pid {holder.pid} on {socket.gethostname()}, started "), message
        assert str(Path(settings.output_dir) / LOCK_NAME) in message
        assert not (Path(settings.output_dir) / "checkpoints").exists()  # nothing of the first run overwritten
        assert (Path(settings.output_dir) / "logs" / "version_0" / "metrics.csv").read_text() == "step\n0\n"
        assert time.monotonic() - started < 30
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path, capsys):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    settings = run_settings(tmp_path)
    lock = Path(settings.output_dir) / LOCK_NAME
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"pid": int(dead.stdout), "host": socket.gethostname(), "started": "yesterday"}))
    assert train(settings).global_step == STEPS
    assert f"taking over the lock of {settings.output_dir} from a run that no longer runs (pid {int(dead.stdout)}" \
        in capsys.readouterr().out
    assert not lock.exists()  # released at the end


def test_a_lock_of_another_machine_is_not_taken_over(tmp_path):
    folder = tmp_path / "shared-disk"
    folder.mkdir()
    (folder / LOCK_NAME).write_text(json.dumps({"pid": 1, "host": "other-machine", "started": "now"}))
    with pytest.raises(OutputFolderBusy, match="pid 1 on other-machine"):
        with output_lock(folder):
            pass
    assert (folder / LOCK_NAME).exists()


def test_the_lock_is_released_when_training_fails_and_the_cell_can_run_again(tmp_path):
    settings = run_settings(tmp_path)
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(settings, callbacks=[Fail()])
    assert not (Path(settings.output_dir) / LOCK_NAME).exists()
    shutil.rmtree(Path(settings.output_dir) / "checkpoints", ignore_errors=True)
    assert train(settings).global_step == STEPS  # the same process (a notebook kernel) runs the cell again


def test_nested_locks_of_one_process_and_ddp_workers_share_the_main_lock(tmp_path, monkeypatch):
    with output_lock(tmp_path):
        holder = json.loads((tmp_path / LOCK_NAME).read_text())
        assert holder["pid"] == os.getpid() and holder["host"] == socket.gethostname() and holder["started"]
        with output_lock(tmp_path):  # e.g. the command line's lock around fit_or_resume's
            pass
        assert (tmp_path / LOCK_NAME).exists()  # still held by the outer block
        monkeypatch.setenv("LOCAL_RANK", "1")  # a DDP worker process: it neither takes nor checks the lock
        (tmp_path / LOCK_NAME).write_text(json.dumps({"pid": 1, "host": "elsewhere", "started": "now"}))
        with output_lock(tmp_path):
            pass
        monkeypatch.delenv("LOCAL_RANK")
        (tmp_path / LOCK_NAME).write_text(json.dumps(holder))
    assert not (tmp_path / LOCK_NAME).exists()


def test_the_command_line_prints_the_message_without_a_traceback(tmp_path, monkeypatch):
    from helpers.train import main

    monkeypatch.delenv("NLPBOOK_OUTPUT_ROOT", raising=False)
    settings = with_checkpoint(tmp_path, b"")
    with pytest.raises(SystemExit) as raised:
        main(["document-classification", "--smoke", "--set", f"output_dir={settings.output_dir}",
              "--set", f"corpus_root_dir={EMBEDDED_SAMPLE_ROOT}", "--set", "limit_train_rows=32"])
    assert str(raised.value.code).startswith(f"error: cannot resume from {last_checkpoint(settings)}: it is empty")
    assert not (Path(settings.output_dir) / LOCK_NAME).exists()


def test_a_second_command_line_run_stops_before_reading_anything(tmp_path, monkeypatch, capsys):
    from helpers.train import main

    monkeypatch.delenv("NLPBOOK_OUTPUT_ROOT", raising=False)
    out = tmp_path / "outputs"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(SystemExit) as raised:
            main(["document-classification", "--smoke", "--set", f"output_dir={out}"])
        assert str(raised.value.code).startswith(f"error: output folder {out} is in use by another training run "
                                                 f"(pid {holder.pid} on ")
        assert "read " not in capsys.readouterr().out  # no corpus was read
    finally:
        holder.kill()
        holder.wait()


def test_an_old_unreadable_lock_is_replaced_and_a_fresh_one_is_respected(tmp_path, capsys):
    lock = tmp_path / LOCK_NAME
    lock.write_text("")  # a run that died between creating its lock and writing it
    os.utime(lock, (time.time() - 60, time.time() - 60))
    with output_lock(tmp_path):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert f"note: removing the unreadable lock file {lock}" in capsys.readouterr().out
    lock.write_text("{")  # being written by another run right now
    with pytest.raises(OutputFolderBusy, match="a run whose lock file cannot be read"):
        with output_lock(tmp_path):
            pass
