"""Resuming exactly where an interrupted run stopped: the position in the data and the random-number state."""

from __future__ import annotations

import random
from typing import Any

import lightning as L
import torch
import torch.distributed as dist
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.utilities import rank_zero_only

from helpers.core.sampling import process_rank_and_count


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


def capture_rng_of_every_process() -> list[dict[str, Any]]:
    """capture_rng of each DDP process, by rank (collective: every process must call it), or of this one alone."""
    state = capture_rng()
    rank, world = process_rank_and_count()
    if world == 1:
        return [state]
    states: list[Any] = [None] * world
    dist.all_gather_object(states, state)
    return states


def own_rng_state(saved: dict[str, Any]) -> dict[str, Any] | None:
    """The generator states this process saved: its rank's entry of "rng_by_rank", else the single "rng"."""
    by_rank = saved.get("rng_by_rank")
    rank, world = process_rank_and_count()
    if by_rank is not None and len(by_rank) == world:
        return by_rank[rank]
    return saved.get("rng")  # a checkpoint of an older version, or of a run on another number of processes


class ResumePoint(Callback):
    """Saves the epoch, the batches done in it and the RNG states in each checkpoint, and restores them on resume.

    Lightning restores weights, optimizer, LR schedule and step counters, but a plain DataLoader would start the
    interrupted epoch again from its first batch and dropout would draw other masks. With this callback (and a
    helpers.core.data.ResumableDataLoader) a resumed run trains on the same batches with the same masks as an
    uninterrupted one. Under DDP every process saves and gets back its own generator states (they differ: each
    process draws dropout masks for its own batches).
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
        # Lightning calls this in every process and writes rank 0's dict, so rank 0's holds all processes' states.
        states = capture_rng_of_every_process()
        return {"epoch": self.epoch, "batches": self.batches, "rng": states[0], "rng_by_rank": states}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        # Called in every process while the checkpoint is restored, before the training data iterator is created.
        self.epoch, self.batches = state_dict["epoch"], state_dict["batches"]
        self.skip, self.resumed = self.batches, True
        self._rng_to_restore = own_rng_state(state_dict)

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
