"""What a run leaves on disk: the best weights, a current last.ckpt to resume from, and a training log kept whole."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.fabric.loggers.logger import rank_zero_experiment
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.loggers.csv_logs import ExperimentWriter


def format_size(size: int) -> str:
    """A byte count as MB or GB with one decimal."""
    return f"{size / 1e9:.2f} GB" if size >= 1e9 else f"{size / 1e6:.1f} MB"


class SizeReportingCheckpoint(ModelCheckpoint):
    """A ModelCheckpoint that says how large each file it writes is (a Colab's Google Drive holds 15 GB)."""

    def _save_checkpoint(self, trainer: L.Trainer, filepath: str) -> None:
        super()._save_checkpoint(trainer, filepath)
        path = Path(filepath)
        if trainer.is_global_zero and path.is_file():
            print(f"체크포인트 저장 {path.name}: {format_size(path.stat().st_size)} | checkpoint written")


class BestWeightsCheckpoint(SizeReportingCheckpoint):
    """`best-epoch=E-step=S.ckpt`: the weights of the best validation so far, without the optimizer's state."""

    def __init__(self, dirpath: str | Path, monitor: str, mode: str) -> None:
        super().__init__(dirpath=dirpath, filename="best-{epoch}-{step}", monitor=monitor, mode=mode, save_top_k=1,
                         save_weights_only=True, enable_version_counter=False)


class LastCheckpoint(SizeReportingCheckpoint):
    """`last.ckpt` with everything a resume needs, rewritten at every validation, at the end and every N steps/min.

    Lightning's own `save_last` rewrites it at a validation only when a new best was saved, so with the timed
    checkpoint off a re-run would resume from an older step and train some steps twice.
    """

    def __init__(self, dirpath: str | Path, every_n_train_steps: int | None = None,
                 train_time_interval: Any = None) -> None:
        super().__init__(dirpath=dirpath, save_top_k=0, save_last=True, every_n_train_steps=every_n_train_steps,
                         train_time_interval=train_time_interval, enable_version_counter=False)

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._should_save_on_train_epoch_end(trainer):  # validation once per epoch: save after the epoch ends
            self.save_last_now(trainer)

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not self._should_save_on_train_epoch_end(trainer):  # validation several times per epoch
            self.save_last_now(trainer)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.save_last_now(trainer)

    def save_last_now(self, trainer: L.Trainer) -> None:
        """Write last.ckpt unless this step's is already written (or we are not fitting)."""
        if not self._should_skip_saving_checkpoint(trainer):
            self._save_last_checkpoint(trainer, self._monitor_candidates(trainer))


def load_best_weights(trainer: L.Trainer, task: L.LightningModule) -> str | None:
    """Load the best checkpoint's weights into `task` in this process; return its path (None when there is none)."""
    callback = trainer.checkpoint_callback
    path = getattr(callback, "best_model_path", "") or None
    if path is None or not Path(path).is_file():
        return None
    state = torch.load(path, map_location="cpu", weights_only=True)["state_dict"]
    task.load_state_dict(state)
    return path


class AppendingExperimentWriter(ExperimentWriter):
    """Lightning's CSV writer, except that it continues an existing metrics.csv instead of deleting it."""

    def _check_log_dir_exists(self) -> None:
        if os.path.isfile(self.metrics_file_path):  # carry on with its columns; new ones rewrite the header
            with open(self.metrics_file_path, newline="", encoding="utf-8") as file:
                self.metrics_keys = sorted(csv.DictReader(file).fieldnames or [])


class KeptCSVLogger(CSVLogger):
    """A CSVLogger whose metrics.csv survives evaluation after fit.

    Under a fork launcher (ddp_notebook, ddp_fork) each fit, validate and test call runs in fresh processes with a
    fresh writer, and Lightning's writer deletes metrics.csv when it starts: the test call erased the training log.
    """

    @property
    @rank_zero_experiment
    def experiment(self) -> ExperimentWriter:
        if self._experiment is None:
            os.makedirs(self.root_dir, exist_ok=True)
            self._experiment = AppendingExperimentWriter(log_dir=self.log_dir)
        return self._experiment
