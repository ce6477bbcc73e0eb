"""One training-throughput measurement in a fresh process, so its peak memory is its own.

Called by benchmarks/run.py as `python benchmarks/train_worker.py '<json config>'`; prints `RESULT {json}`.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from typing import Any

import torch
from common import kcbert_config_source, peak_rss_mib  # first: puts the checkout on sys.path
from lightning.pytorch.callbacks import Callback, ModelCheckpoint
from torch.utils.data import DataLoader

from helpers.core.data import ClassificationDataset, make_dataloader, pad_rows
from helpers.core.features import load_features
from helpers.core.models import TINY_BERT
from helpers.core.settings import CourseSettings
from helpers.core.tasks import ClassificationTask
from helpers.core.training import build_trainer


class StaticPaddingCollator:
    """The predecessor's batches: every row padded to max_length, whatever the batch holds."""

    def __init__(self, pad_token_id: int, max_length: int) -> None:
        self.pad_token_id, self.max_length = pad_token_id, max_length

    def __call__(self, batch: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        ids = [row["input_ids"] for row in batch]
        return {"input_ids": pad_rows(ids, self.pad_token_id, self.max_length),
                "attention_mask": pad_rows([[1] * len(r) for r in ids], 0, self.max_length),
                "labels": torch.tensor([row["labels"] for row in batch], dtype=torch.long)}


class MeasuredTask(ClassificationTask):
    """ClassificationTask that counts each batch's rows, real tokens and fed tokens before it leaves the CPU."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__(model)
        self.batch_tokens: list[tuple[int, int, int]] = []

    def on_before_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        mask = batch["attention_mask"]
        self.batch_tokens.append((mask.shape[0], int(mask.sum()), mask.numel()))
        return batch


class StepTimer(Callback):
    """Wall time of the steps after `warmup` steps, with the GPU synchronised at both ends."""

    def __init__(self, warmup: int, steps: int) -> None:
        self.warmup, self.steps, self.seen = warmup, steps, 0
        self.fit_start = self.start = self.elapsed = self.warmup_s = 0.0

    @staticmethod
    def now() -> float:
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        return time.perf_counter()

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        self.fit_start = self.now()

    def on_train_batch_start(self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int) -> None:
        if self.seen == self.warmup:
            self.start = self.now()
            self.warmup_s = self.start - self.fit_start
        self.seen += 1

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        if self.seen == self.warmup + self.steps:
            self.elapsed = self.now() - self.start


def build_model(kind: str, vocab_size: int) -> torch.nn.Module:
    """A randomly initialised 2-label BERT: the course's tiny smoke shape or KcBERT-base's exact shape."""
    from transformers import BertConfig, BertForSequenceClassification

    if kind == "tiny":
        config = BertConfig(vocab_size=vocab_size, max_position_embeddings=300, num_labels=2, **TINY_BERT)
    else:
        source = kcbert_config_source()
        config = (BertConfig.from_pretrained(source, num_labels=2) if source else
                  BertConfig(vocab_size=30000, max_position_embeddings=300, num_labels=2))
    return BertForSequenceClassification(config)


def build_loader(config: dict[str, Any], dataset: ClassificationDataset) -> DataLoader:
    """Static padding in random order (the predecessor) or the course's loader (random or length-grouped)."""
    if config["padding"] == "static":
        return DataLoader(dataset, batch_size=config["batch_size"], shuffle=True,
                          generator=torch.Generator().manual_seed(config["seed"]),
                          collate_fn=StaticPaddingCollator(config["pad_token_id"], config["max_length"]))
    return make_dataloader(dataset, config["batch_size"], config["pad_token_id"], shuffle=True,
                           length_grouped=config["padding"] == "grouped", seed=config["seed"])


def measure(config: dict[str, Any], output_dir: str) -> dict[str, Any]:
    """Train `warmup + steps` steps with the course's Trainer and return throughput and peak memory."""
    if config["threads"]:
        torch.set_num_threads(config["threads"])
    encoded, labels = load_features(config["features"], config["key"])
    dataset = ClassificationDataset(encoded.input_ids, labels)
    task = MeasuredTask(build_model(config["model"], config["vocab_size"]))
    if config["compile"]:
        task.model = torch.compile(task.model, dynamic=True)
    settings = CourseSettings(precision=config["precision"], seed=config["seed"], batch_size=config["batch_size"],
                              output_dir=output_dir, resume=False)
    timer = StepTimer(config["warmup"], config["steps"])
    trainer = build_trainer(settings, callbacks=[timer], accelerator=config["device"], devices=1, logger=False,
                            max_epochs=-1, max_steps=config["warmup"] + config["steps"])
    # Checkpoint writing is not what is measured here (and is gigabytes at KcBERT-base's size).
    trainer.callbacks = [c for c in trainer.callbacks if not isinstance(c, ModelCheckpoint)]
    if not config["tf32"] and torch.cuda.is_available():  # the predecessor's exact fp32 matmuls
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    trainer.fit(task, build_loader(config, dataset))
    timed = task.batch_tokens[config["warmup"] : config["warmup"] + config["steps"]]
    rows, real, fed = (sum(t[i] for t in timed) for i in range(3))
    seconds = timer.elapsed
    return {**config, "precision_used": str(trainer.precision), "torch_threads": torch.get_num_threads(),
            "seconds": seconds, "warmup_s": timer.warmup_s, "samples_per_s": rows / seconds,
            "real_tokens_per_s": real / seconds, "fed_tokens_per_s": fed / seconds,
            "mean_fed_length": fed / max(rows, 1), "peak_rss_mib": peak_rss_mib(),
            "gpu_max_allocated_bytes": torch.cuda.max_memory_allocated() if torch.cuda.is_available() else None}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="nlpbook-bench-") as folder:
        print("RESULT " + json.dumps(measure(json.loads(sys.argv[1]), folder)), flush=True)
