"""The Lightning Trainer factory: precision per device, checkpoints, CSV log, resume after a disconnect."""

from __future__ import annotations

import os
import shutil
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback, ModelCheckpoint, TQDMProgressBar
from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.plugins.io import TorchCheckpointIO
from lightning.pytorch.utilities import rank_zero_only

from .resume import ResumePoint
from .settings import CourseSettings

DEFAULT_CHECKPOINT_MINUTES = 10.0  # last.ckpt at least this often during an epoch


def pick_precision(requested: str = "auto", accelerator: str = "auto") -> str:
    """bf16-mixed on GPUs that have bf16 (Ampere+), 16-mixed on older ones such as a T4, 32-true on CPU."""
    if requested != "auto":
        return requested
    if accelerator in ("auto", "gpu", "cuda") and torch.cuda.is_available():
        major, _ = torch.cuda.get_device_capability()
        return "bf16-mixed" if major >= 8 else "16-mixed"
    return "32-true"


def in_notebook() -> bool:
    """True inside a Jupyter or Colab kernel."""
    return "ipykernel" in sys.modules


def count_devices(devices: Any) -> int:
    """How many devices a Trainer `devices` value asks for (1 for "auto" without GPUs)."""
    if devices in ("auto", -1, "-1"):
        return max(1, torch.cuda.device_count())
    if isinstance(devices, str):
        return len([d for d in devices.split(",") if d.strip()]) if "," in devices else int(devices)
    return devices if isinstance(devices, int) else len(devices)


def pick_strategy(strategy: str, devices: Any, accelerator: str = "auto") -> str:
    """`ddp_notebook` for several GPUs inside a notebook (plain DDP cannot start there), else as given."""
    if strategy != "auto" or accelerator == "cpu" or not torch.cuda.is_available() or not in_notebook():
        return strategy
    return "ddp_notebook" if count_devices(devices) > 1 else strategy


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes each checkpoint to a temporary file and renames it, so an interrupted write never looks valid."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any = None) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
        try:
            with open(tmp, "wb") as f:
                torch.save(checkpoint, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)  # atomic: readers see the old file or the complete new one, never half
        finally:
            tmp.unlink(missing_ok=True)


def checkpoint_dir(settings: CourseSettings) -> Path:
    """Folder of the best and last checkpoints (put it on Google Drive in Colab to survive disconnects)."""
    return Path(settings.checkpoint_dir or Path(settings.output_dir) / "checkpoints")


def checkpoint_callbacks(settings: CourseSettings, monitor: str, mode: str, every_n_steps: int | None,
                         every_minutes: float | None) -> list[ModelCheckpoint]:
    """The best checkpoint (and last.ckpt) after each validation, plus last.ckpt every N steps or minutes."""
    # Both write the same last.ckpt (no last-v1.ckpt): whichever saved most recently is the one to resume from.
    common = dict(dirpath=checkpoint_dir(settings), save_last=True, enable_version_counter=False)
    callbacks = [ModelCheckpoint(filename="best-{epoch}-{step}", monitor=monitor, mode=mode, save_top_k=1, **common)]
    if every_n_steps or every_minutes:  # mid-epoch last.ckpt: a disconnect loses minutes, not a whole epoch
        interval = None if every_n_steps else timedelta(minutes=every_minutes or 0)
        callbacks.append(ModelCheckpoint(save_top_k=0, every_n_train_steps=every_n_steps,
                                         train_time_interval=interval, **common))
    return callbacks


def progress_bar(settings: CourseSettings, enabled: bool) -> list[Callback]:
    """The TQDM bar (tqdm.auto: a widget in Colab/JupyterLab, text in a terminal), or none when disabled."""
    return [TQDMProgressBar(refresh_rate=1 if settings.smoke else 20)] if enabled else []


def build_trainer(settings: CourseSettings, monitor: str = "val_acc", mode: str = "max",
                  callbacks: list[Callback] | None = None, devices: Any = None, strategy: str | None = None,
                  num_nodes: int | None = None, checkpoint_every_n_steps: int | None = None,
                  checkpoint_every_minutes: float | None = None, **trainer_kwargs: Any) -> L.Trainer:
    """A Trainer with the course defaults; settings.extra["trainer"] (the CLI) and keyword arguments override them.

    `devices`, `strategy`, `num_nodes` and any other Trainer option pass through to Lightning. Besides the best
    checkpoint, last.ckpt is written every `checkpoint_every_n_steps` steps, else every `checkpoint_every_minutes`
    (default 10; 0 turns it off), so that a disconnect mid-epoch loses minutes, not the epoch.
    """
    options = {**settings.extra.get("trainer", {}), **trainer_kwargs}
    given = dict(devices=devices, strategy=strategy, num_nodes=num_nodes,
                 checkpoint_every_n_steps=checkpoint_every_n_steps, checkpoint_every_minutes=checkpoint_every_minutes)
    options.update({k: v for k, v in given.items() if v is not None})
    every_n_steps = options.pop("checkpoint_every_n_steps", None)
    every_minutes = options.pop("checkpoint_every_minutes", DEFAULT_CHECKPOINT_MINUTES)
    L.seed_everything(settings.seed, workers=True, verbose=False)
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    accelerator = options.pop("accelerator", "cpu" if settings.smoke else "auto")
    devices, strategy = options.pop("devices", "auto"), options.pop("strategy", "auto")
    defaults: dict[str, Any] = dict(
        accelerator=accelerator, devices=devices, num_nodes=options.pop("num_nodes", 1),
        strategy=pick_strategy(strategy, devices, accelerator),
        precision=pick_precision(settings.precision, accelerator),
        max_epochs=settings.epochs, max_steps=settings.max_steps,
        logger=CSVLogger(settings.output_dir, name="logs", version=log_version(settings)),
        callbacks=[ResumePoint(), *progress_bar(settings, options.get("enable_progress_bar", True)),
                   *(callbacks or []), *checkpoint_callbacks(settings, monitor, mode, every_n_steps, every_minutes)],
        plugins=[AtomicCheckpointIO()],
        gradient_clip_val=1.0, log_every_n_steps=1 if settings.smoke else 10,
        enable_model_summary=not settings.smoke, deterministic=False,
    )
    return L.Trainer(**{**defaults, **options})


def log_version(settings: CourseSettings) -> int:
    """CSV log version: 0 for a fresh run (older logs removed), the next number when resuming."""
    logs = Path(settings.output_dir) / "logs"
    versions = sorted(logs.glob("version_*"), key=lambda p: int(p.name.split("_")[1]))
    if resuming(settings):
        return len(versions)
    for stale in versions[1:]:  # logs of an older, resumed chain of runs
        shutil.rmtree(stale)
    return 0


def metrics_csv(settings: CourseSettings) -> list[Path]:
    """The CSV metric logs of this run, oldest first (one per resumed part)."""
    logs = Path(settings.output_dir) / "logs"
    files = [p / "metrics.csv" for p in logs.glob("version_*") if (p / "metrics.csv").is_file()]
    return sorted(files, key=lambda p: int(p.parent.name.split("_")[1]))


def last_checkpoint(settings: CourseSettings) -> Path | None:
    """The `last.ckpt` of an earlier, interrupted run, or None."""
    path = checkpoint_dir(settings) / "last.ckpt"
    return path if path.is_file() else None


def resuming(settings: CourseSettings) -> bool:
    """True when training will continue from an earlier run's last.ckpt."""
    return settings.extra.get("resume", True) and last_checkpoint(settings) is not None


def fit_or_resume(trainer: L.Trainer, task: L.LightningModule, train_loader: Any, val_loader: Any,
                  settings: CourseSettings) -> None:
    """Run Trainer.fit, resuming from last.ckpt when an earlier run left one (and saying so)."""
    point = next((c for c in trainer.callbacks if isinstance(c, ResumePoint)), None)
    if point is not None and hasattr(train_loader, "resume_point"):
        train_loader.resume_point = point  # lets the loader start mid-epoch where the checkpoint stopped
    last = last_checkpoint(settings) if resuming(settings) else None
    if last is not None:
        rank_zero_only(print)(f"{last}에서 이어서 학습합니다 (resuming from {last}). 처음부터 하려면 그 파일을 지우거나 "
                              "extra={'resume': False}를 쓰세요. 이미 끝난 학습은 epochs를 늘려야 더 학습합니다.")
    trainer.fit(task, train_loader, val_loader, ckpt_path=str(last) if last else None, weights_only=True)


def best_or_current(trainer: L.Trainer) -> str | None:
    """Path of the best checkpoint when one was saved, else None (evaluate the weights in memory)."""
    callback = trainer.checkpoint_callback  # the first ModelCheckpoint: the best one of build_trainer
    return getattr(callback, "best_model_path", "") or None


def fit_and_evaluate(settings: CourseSettings, task: L.LightningModule, train_loader: Any, val_loader: Any,
                     eval_loader: Any, stage: str = "test", **trainer_options: Any) -> tuple[dict[str, float], bool]:
    """Build the trainer, fit (or resume), evaluate the best checkpoint; also say if this process reports.

    In a multi-GPU (DDP) run every process trains, but only the main one (the second value, True) should plot,
    save and print.
    """
    trainer = build_trainer(settings, **trainer_options)
    fit_or_resume(trainer, task, train_loader, val_loader, settings)
    evaluate = trainer.test if stage == "test" else trainer.validate
    metrics = evaluate(task, eval_loader, ckpt_path=best_or_current(trainer), verbose=False)[0]
    return metrics, trainer.is_global_zero
