"""The Lightning task: a model, its optimizer and LR schedule, and what one step does."""

from __future__ import annotations

import math
from typing import Any

import lightning as L
import torch
from torch.optim.lr_scheduler import LambdaLR
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score

from helpers.core.corpora import NSMC_LABELS
from helpers.core.models import load_sequence_classifier
from helpers.core.settings import CourseSettings


def linear_warmup_decay(optimizer: torch.optim.Optimizer, total_steps: int, warmup_steps: int) -> LambdaLR:
    """LR rises linearly from 0 over warmup_steps, then falls linearly to 0 at total_steps."""
    total_steps, warmup_steps = max(1, total_steps), max(0, warmup_steps)

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / (warmup_steps + 1)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return LambdaLR(optimizer, factor)


def adamw_implementation(device_type: str, clipping: bool) -> dict[str, bool]:
    """How AdamW updates the parameters: one fused CUDA kernel, or foreach (batched) kernels when clipping.

    The fused kernel unscales fp16 gradients inside `step()`, so Lightning's mixed-precision plugin cannot clip
    them first and refuses ("does not allow for gradient clipping ... Are you using a 'fused' optimizer?") at the
    first step under 16-mixed and bf16-mixed. While gradients are clipped the course therefore uses foreach,
    nearly as fast; fused only without clipping. On CPU, PyTorch picks its default.
    """
    if device_type != "cuda":
        return {}
    return {"foreach": True} if clipping else {"fused": True}


def parameter_groups(module: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Trainable weights with weight decay, and biases and LayerNorm weights (1-D) without it."""
    decay, no_decay = [], []
    for param in module.parameters():
        if param.requires_grad:
            (no_decay if param.ndim < 2 else decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def adamw_with_schedule(module: L.LightningModule, learning_rate: float, weight_decay: float,
                        warmup_ratio: float) -> dict[str, Any]:
    """AdamW (no decay on biases and LayerNorm) plus a per-step linear schedule, in Lightning's format."""
    trainer = module._trainer
    clipping = bool(trainer is not None and trainer.gradient_clip_val)
    implementation = adamw_implementation(module.device.type, clipping)
    optimizer = torch.optim.AdamW(parameter_groups(module, weight_decay), lr=learning_rate, **implementation)
    total = trainer.estimated_stepping_batches if trainer is not None else 1000
    total = int(total) if math.isfinite(total) else 1000
    scheduler = linear_warmup_decay(optimizer, total, int(total * warmup_ratio))
    # The schedule must be returned under "lr_scheduler" with interval "step": without "interval" Lightning steps
    # it once per epoch, so a one-epoch run would keep the learning rate at its first warm-up value.
    return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}


class FineTuningTask(L.LightningModule):
    """A pretrained model fine-tuned with AdamW and a per-step schedule; subclasses add their metrics."""

    def forward(self, batch: dict[str, torch.Tensor]) -> Any:
        return self.model(**batch)

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        out = self(batch)
        self.log("train_loss", out.loss, prog_bar=True, batch_size=len(batch["input_ids"]))
        if self.logs_this_step():  # the extras only when the logger writes them: each costs host work per step
            self.log("lr", self.trainer.optimizers[0].param_groups[0]["lr"], on_step=True, on_epoch=False)
            self.log_train_metrics(out, batch)
        return out.loss

    def logs_this_step(self) -> bool:
        """True on the steps whose metrics the logger writes (every `log_every_n_steps`, as Lightning does)."""
        return self.global_step % max(1, self.trainer.log_every_n_steps) == 0

    def log_train_metrics(self, out: Any, batch: dict[str, torch.Tensor]) -> None:
        """Per-step training metrics beyond loss and LR (none by default)."""

    def configure_optimizers(self) -> dict[str, Any]:
        hp = self.hparams
        return adamw_with_schedule(self, hp.learning_rate, hp.weight_decay, hp.warmup_ratio)


class ClassificationTask(FineTuningTask):
    """Fine-tunes a sequence classifier: cross-entropy loss, accuracy and macro-averaged F1 per epoch."""

    def __init__(self, model: torch.nn.Module, learning_rate: float = 5e-5, weight_decay: float = 0.01,
                 warmup_ratio: float = 0.1) -> None:
        super().__init__()
        self.model = model
        self.save_hyperparameters(ignore=["model"])
        n = model.config.num_labels
        # validate_args=False: the labels come from our own collate, so skip torchmetrics' checks on every batch.
        accuracy = dict(num_classes=n, average="micro", validate_args=False)
        f1 = dict(num_classes=n, average="macro", validate_args=False)
        self.train_acc = MulticlassAccuracy(**accuracy)
        self.val_acc, self.val_f1 = MulticlassAccuracy(**accuracy), MulticlassF1Score(**f1)
        self.test_acc, self.test_f1 = MulticlassAccuracy(**accuracy), MulticlassF1Score(**f1)

    def log_train_metrics(self, out: Any, batch: dict[str, torch.Tensor]) -> None:
        self.train_acc(out.logits.argmax(-1), batch["labels"])
        self.log("train_acc", self.train_acc, on_step=True, on_epoch=False, batch_size=len(batch["labels"]))

    def _evaluate(self, batch: dict[str, torch.Tensor], stage: str) -> None:
        out = self(batch)
        preds = out.logits.argmax(-1)
        acc, f1 = (self.val_acc, self.val_f1) if stage == "val" else (self.test_acc, self.test_f1)
        acc(preds, batch["labels"])
        f1(preds, batch["labels"])
        n = len(batch["labels"])
        self.log(f"{stage}_loss", out.loss, prog_bar=True, batch_size=n, sync_dist=True)
        self.log(f"{stage}_acc", acc, prog_bar=True, batch_size=n)
        self.log(f"{stage}_f1", f1, batch_size=n)

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._evaluate(batch, "val")

    def test_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._evaluate(batch, "test")


def build_task(settings: CourseSettings, labels: tuple[str, ...] = NSMC_LABELS) -> ClassificationTask:
    """The classifier wrapped in its Lightning task with the settings' optimizer options."""
    model = load_sequence_classifier(settings, labels)
    return ClassificationTask(model, settings.learning_rate, settings.weight_decay, settings.warmup_ratio)
