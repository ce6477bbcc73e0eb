"""The Lightning Trainer factory: precision per device, checkpoints, CSV log, resume after a disconnect."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback, ModelCheckpoint, TQDMProgressBar
from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.plugins.io import TorchCheckpointIO

from .settings import CourseSettings


def pick_precision(requested: str = "auto") -> str:
    """bf16-mixed on GPUs that have bf16 (Ampere+), 16-mixed on older ones such as a T4, 32-true on CPU."""
    if requested != "auto":
        return requested
    if torch.cuda.is_available():
        major, _ = torch.cuda.get_device_capability()
        return "bf16-mixed" if major >= 8 else "16-mixed"
    return "32-true"


def in_notebook() -> bool:
    """True inside a Jupyter or Colab kernel."""
    return "ipykernel" in sys.modules


def pick_strategy(strategy: str, devices: Any) -> str:
    """`ddp_notebook` for several GPUs inside a notebook (plain DDP cannot start there), else as given."""
    if strategy != "auto" or not torch.cuda.is_available() or not in_notebook():
        return strategy
    n = torch.cuda.device_count() if devices in ("auto", -1) else (devices if isinstance(devices, int) else len(devices))
    return "ddp_notebook" if n > 1 else strategy


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes each checkpoint to a temporary file and renames it, so an interrupted write never looks valid."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any = None) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.partial")
        with open(tmp, "wb") as f:
            torch.save(checkpoint, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)


def checkpoint_dir(settings: CourseSettings) -> Path:
    """Folder of the best and last checkpoints (put it on Google Drive in Colab to survive disconnects)."""
    return Path(settings.extra.get("checkpoint_dir") or Path(settings.output_dir) / "checkpoints")


def build_trainer(settings: CourseSettings, monitor: str = "val_acc", mode: str = "max",
                  callbacks: list[Callback] | None = None, devices: Any = "auto", strategy: str = "auto",
                  num_nodes: int = 1, **trainer_kwargs: Any) -> L.Trainer:
    """A Trainer with the course defaults; `devices`, `strategy`, `num_nodes` and any Trainer option pass through."""
    L.seed_everything(settings.seed, workers=True, verbose=False)
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    best = ModelCheckpoint(dirpath=checkpoint_dir(settings), filename="best-{epoch}-{step}", monitor=monitor,
                           mode=mode, save_top_k=1, save_last=True)
    options: dict[str, Any] = dict(
        accelerator="cpu" if settings.smoke else "auto",
        devices=devices, num_nodes=num_nodes, strategy=pick_strategy(strategy, devices),
        precision=pick_precision(settings.precision),
        max_epochs=settings.epochs, max_steps=settings.max_steps,
        logger=CSVLogger(settings.output_dir, name="logs", version=log_version(settings)),
        # tqdm.auto draws notebook widgets in Colab/JupyterLab and text bars in a terminal.
        callbacks=[best, TQDMProgressBar(refresh_rate=1 if settings.smoke else 20), *(callbacks or [])],
        plugins=[AtomicCheckpointIO()],
        gradient_clip_val=1.0, log_every_n_steps=1 if settings.smoke else 10,
        enable_model_summary=not settings.smoke, deterministic=False,
    )
    options.update(trainer_kwargs)
    return L.Trainer(**options)


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
    last = last_checkpoint(settings) if resuming(settings) else None
    if last is not None:
        print(f"resuming from {last} (delete it, or pass extra={{'resume': False}}, to start over)")
    trainer.fit(task, train_loader, val_loader, ckpt_path=str(last) if last else None)


def best_or_current(trainer: L.Trainer) -> str | None:
    """`"best"` when a best checkpoint was saved, else None (evaluate the weights in memory)."""
    callback = trainer.checkpoint_callback
    return "best" if callback is not None and getattr(callback, "best_model_path", "") else None
