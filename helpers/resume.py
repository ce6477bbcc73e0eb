"""Resuming exactly where an interrupted run stopped: the position in the data and the random-number state."""

from __future__ import annotations

import random
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.utilities import rank_zero_only


def capture_rng() -> dict[str, Any]:
    """The states of Python's and torch's random-number generators (CPU and every GPU)."""
    state: dict[str, Any] = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    """Put back the generator states captured by capture_rng (GPU states only when the GPUs match)."""
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    cuda = state.get("cuda")
    if cuda is not None and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


class ResumePoint(Callback):
    """Saves the epoch, the batches done in it and the RNG states in each checkpoint, and restores them on resume.

    Lightning restores weights, optimizer, LR schedule and step counters, but a plain DataLoader would start the
    interrupted epoch again from its first batch and dropout would draw other masks. With this callback (and a
    helpers.data.ResumableDataLoader) a resumed run trains on the same batches with the same masks as an
    uninterrupted one.
    """

    def __init__(self) -> None:
        self.epoch, self.batches, self.skip = 0, 0, 0
        self.resumed = False
        self._rng_to_restore: dict[str, Any] | None = None

    def start_epoch(self, batches_per_epoch: int) -> tuple[int, int]:
        """Epoch whose order a new data iterator should draw and how many batches it should skip (used once)."""
        epoch, skip, self.skip = self.epoch, self.skip, 0
        if skip >= batches_per_epoch:  # saved at the end of an epoch: the next one starts from its first batch
            epoch, skip = epoch + 1, 0
        return epoch, skip

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "batches": self.batches, "rng": capture_rng()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        # Called while the checkpoint is restored, before the training data iterator is created.
        self.epoch, self.batches = state_dict["epoch"], state_dict["batches"]
        self.skip, self.resumed = self.batches, True
        self._rng_to_restore = state_dict.get("rng")

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not self.resumed:
            return
        total = trainer.num_training_batches
        where = (f"at the start of epoch {self.epoch + 1}" if self.batches >= total
                 else f"in epoch {self.epoch} after {self.batches} of its {total} batches")
        rank_zero_only(print)(f"끊긴 자리에서 이어서 학습: resumed {where} (global step {trainer.global_step})")

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.epoch, self.batches = trainer.current_epoch, 0

    def on_train_batch_start(self, trainer: L.Trainer, pl_module: L.LightningModule, batch: Any,
                             batch_idx: int) -> None:
        if self._rng_to_restore is not None:  # the RNG state of the moment the checkpoint was written
            restore_rng(self._rng_to_restore)
            self._rng_to_restore = None

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        self.batches += 1  # runs before ModelCheckpoint's hook: Lightning always calls checkpoint callbacks last
