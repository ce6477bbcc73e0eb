"""The Lightning Trainer factory: precision per device, checkpoints, CSV log, resume after a disconnect."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback, TQDMProgressBar
from lightning.pytorch.plugins.io import TorchCheckpointIO
from lightning.pytorch.utilities import rank_zero_only

from helpers.core.checkpoints import BestWeightsCheckpoint, KeptCSVLogger, LastCheckpoint, load_best_weights
from helpers.core.devices import pick_precision, pick_strategy, to_inference_device
from helpers.core.resume import ResumePoint
from helpers.core.run_guard import RunRecord, guarded_fit
from helpers.core.settings import CourseSettings, trainer_settings

DEFAULT_CHECKPOINT_MINUTES = 10.0  # last.ckpt at least this often during an epoch


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


class CompileModel(Callback):
    """Compiles the task's model with torch.compile (dynamic shapes: every batch has its own length) before fit."""

    def __init__(self, backend: str = "inductor") -> None:
        self.backend = backend

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        if stage == "fit" and not getattr(pl_module.model, "_compiled_call_impl", None):
            pl_module.model.compile(dynamic=True, backend=self.backend)  # in place: state_dict keys stay the same


def progress_bar(settings: CourseSettings, enabled: bool) -> list[Callback]:
    """The TQDM bar (tqdm.auto: a widget in Colab/JupyterLab, text in a terminal), or none when disabled."""
    return [TQDMProgressBar(refresh_rate=1 if settings.smoke else 20)] if enabled else []


def device_options(settings: CourseSettings, options: dict[str, Any]) -> dict[str, Any]:
    """Accelerator, devices, nodes, strategy and precision (taken out of `options` where given there): the CPU in
    smoke runs, else what is there; `ddp_notebook` for several GPUs in a notebook; bf16 or fp16 mixed on a GPU."""
    if torch.cuda.is_available():  # flags only: setting them does not initialise CUDA
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    accelerator = options.pop("accelerator", "cpu" if settings.smoke else "auto")
    devices = options.pop("devices", "auto")
    strategy = pick_strategy(options.pop("strategy", "auto"), devices, accelerator)
    precision = pick_precision(settings.precision, accelerator, strategy if isinstance(strategy, str) else "")
    return dict(accelerator=accelerator, devices=devices, num_nodes=options.pop("num_nodes", 1), strategy=strategy,
                precision=options.pop("precision", precision))


def course_defaults(settings: CourseSettings) -> dict[str, Any]:
    """The course's other Trainer options: epochs and steps, gradient clipping at norm 1.0, how often to log."""
    return dict(
        max_epochs=settings.epochs, max_steps=settings.max_steps, gradient_clip_val=1.0,
        log_every_n_steps=1 if settings.smoke else 10, enable_model_summary=not settings.smoke, deterministic=False,
        # helpers.core.data's training batch samplers split whole batches between DDP processes themselves; Lightning's
        # DistributedSampler would reshuffle them (losing length grouping) and pad evaluation with repeated rows.
        use_distributed_sampler=False,
    )


def build_trainer(settings: CourseSettings, monitor: str = "val_acc", mode: str = "max",
                  callbacks: list[Callback] | None = None, devices: Any = None, strategy: str | None = None,
                  num_nodes: int | None = None, checkpoint_every_n_steps: int | None = None,
                  checkpoint_every_minutes: float | None = None, **trainer_kwargs: Any) -> L.Trainer:
    """A Trainer with the course defaults; the Trainer settings (accelerator, devices, ...) and keyword arguments
    override them.

    `devices`, `strategy`, `num_nodes` and any other Trainer option pass through to Lightning. Besides the best
    checkpoint, last.ckpt is written every `checkpoint_every_n_steps` steps, else every `checkpoint_every_minutes`
    (default 10; 0 turns it off), so that a disconnect mid-epoch loses minutes, not the epoch.
    """
    options = {**trainer_settings(settings), **trainer_kwargs}
    given = dict(devices=devices, strategy=strategy, num_nodes=num_nodes,
                 checkpoint_every_n_steps=checkpoint_every_n_steps, checkpoint_every_minutes=checkpoint_every_minutes)
    options.update({k: v for k, v in given.items() if v is not None})
    every_n_steps = options.pop("checkpoint_every_n_steps", None)
    every_minutes = options.pop("checkpoint_every_minutes", DEFAULT_CHECKPOINT_MINUTES)
    interval = None if every_n_steps or not every_minutes else timedelta(minutes=every_minutes)
    L.seed_everything(settings.seed, workers=True, verbose=False)
    device = device_options(settings, options)
    logger = options.pop("logger", KeptCSVLogger(settings.output_dir, name="logs", version=log_version(settings)))
    folder = checkpoint_dir(settings)
    return L.Trainer(
        callbacks=[
            # The best weights only (a third of a full checkpoint: no AdamW moments), after each validation; the
            # first checkpoint callback, so it is `trainer.checkpoint_callback` (see best_or_current).
            BestWeightsCheckpoint(folder, monitor, mode),
            # last.ckpt, all a resume needs: at each validation, at the end, every N steps or minutes.
            LastCheckpoint(folder, every_n_train_steps=every_n_steps or None, train_time_interval=interval),
            ResumePoint(),  # epoch, batches done and RNG states in each checkpoint: a resume goes on mid-epoch
            RunRecord(settings),  # stores in each checkpoint what was trained, so another run does not resume from it
            *progress_bar(settings, options.get("enable_progress_bar", True)),
            *([CompileModel()] if settings.compile_model else []),
            *(callbacks or []),
        ],
        logger=logger,  # metrics.csv per run part, for the learning curves
        plugins=options.pop("plugins", [AtomicCheckpointIO()]),  # a checkpoint: to a temporary file, then renamed
        **device, **{**course_defaults(settings), **options},
    )


def log_version(settings: CourseSettings) -> int:
    """CSV log version: 0 for a fresh run (older logs are removed when it starts), the next number when resuming."""
    logs = Path(settings.output_dir) / "logs"
    versions = sorted(logs.glob("version_*"), key=lambda p: int(p.name.split("_")[1]))
    return len(versions) if resuming(settings) else 0


def remove_stale_logs(settings: CourseSettings) -> None:
    """Delete an older run's CSV logs before a fresh run (the logger appends); called under the folder's lock."""
    if rank_zero_only.rank != 0:  # a DDP run's other processes start while rank 0 may already be logging
        return
    for stale in (Path(settings.output_dir) / "logs").glob("version_*"):
        shutil.rmtree(stale, ignore_errors=True)


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
    return settings.resume and last_checkpoint(settings) is not None


def fit_or_resume(trainer: L.Trainer, task: L.LightningModule, train_loader: Any, val_loader: Any,
                  settings: CourseSettings) -> None:
    """Run Trainer.fit, resuming from last.ckpt when an earlier run left one (and saying so)."""
    point = next((c for c in trainer.callbacks if isinstance(c, ResumePoint)), None)
    if point is not None and hasattr(train_loader, "resume_point"):
        train_loader.resume_point = point  # lets the loader start mid-epoch where the checkpoint stopped
    last = last_checkpoint(settings) if resuming(settings) else None
    with guarded_fit(settings, task, last):  # locks output_dir; an unreadable or foreign last.ckpt stops here
        if last is None:
            remove_stale_logs(settings)
        else:
            rank_zero_only(print)(f"{last}에서 이어서 학습합니다 (resuming from {last}). 처음부터 하려면 그 파일을 지우거나 "
                                  "resume=False로 설정하세요. 이미 끝난 학습은 epochs를 늘려야 더 학습합니다.")
        trainer.fit(task, train_loader, val_loader, ckpt_path=str(last) if last else None, weights_only=True)
    # Keep the best weights in this process too: under a fork launcher (ddp_notebook, ddp_fork) only the workers
    # would load them for evaluation, and the notebook would go on saving and predicting with the last epoch's.
    best = load_best_weights(trainer, task)
    if best is not None:
        rank_zero_only(print)(f"가장 좋은 체크포인트의 가중치를 불러왔습니다 | best weights loaded from {best}")


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
    metrics = evaluate(task, eval_loader, ckpt_path=best_or_current(trainer), verbose=False, weights_only=True)[0]
    if trainer.is_global_zero:  # Lightning leaves the model on the CPU: predict and plot on the GPU if there is one
        to_inference_device(task)
    return metrics, trainer.is_global_zero
