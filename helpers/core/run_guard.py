"""Run safety: one run per output folder (a lock file), and resuming only from a readable checkpoint of the same run."""

from __future__ import annotations

import json
import os
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback

from helpers.core.corpora import CorpusFormatError, EmptySplitError
from helpers.core.setting_rules import setting_fields
from helpers.core.settings import CourseSettings, SettingsError

LOCK_NAME = "run.lock"
RANK_VARIABLES = ("RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "SLURM_PROCID")  # set in DDP worker processes
# The settings that make a checkpoint belong to one run; epochs, max_steps, precision, devices, workers and
# folders may change between the parts of a resumed run.
RECORDED_SETTINGS = ("pretrained_model_name", "corpus_name", "max_seq_length", "batch_size", "learning_rate",
                     "weight_decay", "warmup_ratio", "seed", "val_fraction", "limit_train_rows", "length_grouped")
# Also recorded: the custom-corpus settings and a task's own settings (those of NerSettings, ...).
CUSTOM_CORPUS_SETTINGS = ("custom_file", "custom_test_file", "text_column", "text_pair_column", "label_column",
                          "labels")
WAYS_ON = ("To start over instead, delete it, or run without resuming: --no-resume on the command line, "
           "resume=False in the notebook's settings.")


class OutputFolderBusy(RuntimeError):
    """Another live run holds the output folder's lock; the message names the folder and the holder."""


class CheckpointProblem(RuntimeError):
    """last.ckpt cannot be resumed from (unreadable, or written by another run); the message says what to do."""


# Errors whose message says all a learner needs: the command line prints them without a traceback.
LEARNER_ERRORS = (CorpusFormatError, EmptySplitError, SettingsError, CheckpointProblem, OutputFolderBusy)


@dataclass(frozen=True)
class LockHolder:
    """What a lock file says about the run that holds it."""

    pid: int
    host: str
    started: str

    def describe(self) -> str:
        """`pid 123 on host, started ...` for messages."""
        return f"pid {self.pid} on {self.host}, started {self.started}"


def is_main_process() -> bool:
    """False in the worker processes of a multi-GPU (DDP) run, which share the main process's lock."""
    return all(os.environ.get(name, "0") == "0" for name in RANK_VARIABLES)


def read_holder(path: Path) -> LockHolder | None:
    """The holder written in a lock file, or None when the file is gone, empty or not a lock's JSON."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LockHolder(int(data["pid"]), str(data["host"]), str(data["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def pid_alive(pid: int) -> bool:
    """True when a process with this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def create_lock(path: Path) -> bool:
    """Create the lock file holding this process's pid, host and start time; False if it already exists."""
    holder = {"pid": os.getpid(), "host": socket.gethostname(),
              "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(holder, f)
    return True


def busy_message(folder: Path, path: Path, holder: LockHolder | None) -> str:
    """Why this run stops: which folder, which run holds it, and the ways on."""
    who = holder.describe() if holder else "a run whose lock file cannot be read"
    return (f"output folder {folder} is in use by another training run ({who}; lock file {path}). Two runs in one "
            "folder would mix their logs, checkpoints and saved model. Wait until that run ends, or give this run "
            f"its own output_dir. If no run uses the folder any more (its machine went away), delete {path}.")


def take_lock(folder: Path, attempts: int = 5) -> bool:
    """Take `folder`'s lock: True when this call created it, False when this process holds it already.

    A lock of a process that no longer runs on this machine is taken over with a notice; a live holder, or one
    on another machine (whose process cannot be checked), raises OutputFolderBusy.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    for _ in range(attempts):
        if create_lock(path):
            return True
        holder = read_holder(path)
        if holder is None:
            try:
                age = time.time() - path.stat().st_mtime
            except FileNotFoundError:
                continue  # its holder just released it
            if age < 5:
                time.sleep(0.2)  # another run is writing its lock this very moment
                continue
            print(f"note: removing the unreadable lock file {path}")
        elif holder.host != socket.gethostname() or (holder.pid != os.getpid() and pid_alive(holder.pid)):
            raise OutputFolderBusy(busy_message(folder, path, holder))
        elif holder.pid == os.getpid():
            return False  # an enclosing call of this process holds it (e.g. the command line's)
        else:
            print(f"note: taking over the lock of {folder} from a run that no longer runs ({holder.describe()})")
        path.unlink(missing_ok=True)
    raise OutputFolderBusy(busy_message(folder, path, read_holder(path)))


def release_lock(folder: Path) -> None:
    """Remove `folder`'s lock if this process holds it."""
    path = folder / LOCK_NAME
    holder = read_holder(path)
    if holder is not None and holder.pid == os.getpid() and holder.host == socket.gethostname():
        path.unlink(missing_ok=True)


@contextmanager
def output_lock(folder: str | Path) -> Iterator[None]:
    """Hold the lock of an output folder for the block (main process only); released also on error."""
    folder = Path(folder)
    owned = is_main_process() and take_lock(folder)
    try:
        yield
    finally:
        if owned:
            release_lock(folder)


def run_record(settings: CourseSettings, task: L.LightningModule) -> dict[str, Any]:
    """What makes a run this run: task, model, labels, size, max length and the settings that change the model."""
    config = getattr(getattr(task, "model", None), "config", None)
    labels = getattr(config, "id2label", None) or {}
    record: dict[str, Any] = {"task": type(task).__name__,
                              "labels": [str(labels[i]) for i in sorted(labels)],
                              "parameters": sum(p.numel() for p in task.parameters())}
    task_own = [name for name in setting_fields(type(settings)) if name not in setting_fields(CourseSettings)]
    record.update({name: getattr(settings, name) for name in RECORDED_SETTINGS})
    record["corpus_and_task_settings"] = {name: getattr(settings, name)
                                          for name in [*CUSTOM_CORPUS_SETTINGS, *task_own]}
    return record


class RunRecord(Callback):
    """Stores the run_record of the run in every checkpoint, so that another run does not resume from it."""

    def __init__(self, settings: CourseSettings) -> None:
        self.settings = settings
        self.record: dict[str, Any] = {}

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        self.record = run_record(self.settings, pl_module)

    def state_dict(self) -> dict[str, Any]:
        return dict(self.record)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        pass  # compared with this run's record by check_resume before fitting


def unreadable_message(path: Path) -> str:
    """The one message for a checkpoint that cannot be loaded (no library internals, no unsafe-loading hint)."""
    size = path.stat().st_size if path.is_file() else 0
    what = "it is empty (0 bytes)" if size == 0 else "it is damaged or incomplete"
    return (f"cannot resume from {path}: {what}, e.g. cut off by an interrupted copy or a Google Drive sync. "
            f"Delete it and run again (training starts over), or keep it and run without resuming: --no-resume "
            "on the command line, resume=False in the notebook's settings.")


def read_checkpoint(path: Path) -> dict[str, Any]:
    """A Lightning checkpoint loaded safely (tensors and plain values only, memory-mapped), or CheckpointProblem."""
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception:  # torch raises RuntimeError, EOFError, UnpicklingError, ValueError, OSError ...
        raise CheckpointProblem(unreadable_message(path)) from None
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("state_dict"), dict):
        raise CheckpointProblem(unreadable_message(path))  # e.g. another program's file named last.ckpt
    return checkpoint


def record_differences(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """`name: X in the checkpoint, Y in this run` for each recorded value that differs."""
    return [f"{name}: {saved.get(name)!r} in the checkpoint, {current.get(name)!r} in this run"
            for name in dict.fromkeys([*saved, *current]) if saved.get(name) != current.get(name)]


def weight_differences(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Weights missing from, extra in, or shaped differently in the checkpoint than in this run's model."""
    found = [f"{k}: missing in the checkpoint" for k in current if k not in saved]
    found += [f"{k}: not in this run's model" for k in saved if k not in current]
    found += [f"{k}: shape {tuple(saved[k].shape)} in the checkpoint, {tuple(current[k].shape)} in this run"
              for k in current if k in saved and tuple(saved[k].shape) != tuple(current[k].shape)]
    return found


def foreign_message(path: Path, differences: list[str]) -> str:
    """Why a checkpoint of another run is not resumed from, and the ways on."""
    shown = "\n  ".join(differences[:10]) + (f"\n  ... and {len(differences) - 10} more" if len(differences) > 10
                                             else "")
    return (f"{path} was written by a different run, so this run does not resume from it:\n  {shown}\n"
            f"To resume it, run again with the settings of that run. {WAYS_ON} Or give this run its own output_dir "
            "(and checkpoint_dir).")


def check_resume(path: Path, settings: CourseSettings, task: L.LightningModule) -> None:
    """Raise CheckpointProblem unless `path` is a readable checkpoint written by a run like this one."""
    checkpoint = read_checkpoint(path)
    saved = checkpoint.get("callbacks", {}).get(RunRecord.__qualname__)
    if saved is not None:
        differences = record_differences(saved, run_record(settings, task))
    else:  # written before checkpoints recorded their run: the weights must at least fit this model
        differences = weight_differences(checkpoint["state_dict"], task.state_dict())
        if not differences:
            print(f"note: {path} does not record which run wrote it (an older version of the course); its "
                  "weights fit this model, so training resumes from it")
    del checkpoint  # closes the memory map
    if differences:
        raise CheckpointProblem(foreign_message(path, differences))


@contextmanager
def guarded_fit(settings: CourseSettings, task: L.LightningModule, last: Path | None) -> Iterator[None]:
    """Hold the output folder's lock for the block; first refuse a `last` checkpoint that is unreadable or foreign."""
    with output_lock(settings.output_dir):
        if last is not None:
            check_resume(Path(last), settings, task)
        yield
