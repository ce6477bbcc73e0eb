"""Sentence generation: a GPT-2 language model on sentiment-prefixed NSMC reviews, perplexity, and decoding."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import Any, Sequence

import torch
from torchmetrics import MeanMetric

from helpers.core.corpora import NSMC_LABELS, LabeledText
from helpers.core.data import ClassificationDataset, encode_texts
from helpers.core.devices import to_inference_device
from helpers.core.loaders import make_loaders
from helpers.core.models import evaluation_mode, save_model
from helpers.core.plots import epoch_table, plot_learning_curves
from helpers.core.settings import CourseSettings, SettingsError
from helpers.core.splits import Splits, read_nsmc_splits
from helpers.core.tasks import FineTuningTask
from helpers.core.training import fit_and_evaluate, metrics_csv
from helpers.generation.models import KOGPT2_NAME, load_generation_model, load_generation_tokenizer, offline_generation

# One setting per decoding method; each is shown on the same prompts in the notebook's decoding tour.
DECODING_STRATEGIES: dict[str, dict[str, Any]] = {
    "greedy": {"do_sample": False},
    "beam search": {"do_sample": False, "num_beams": 5, "early_stopping": True},
    "top-k": {"do_sample": True, "top_k": 50},
    "top-p": {"do_sample": True, "top_k": 0, "top_p": 0.92},
    "temperature": {"do_sample": True, "top_k": 0, "temperature": 0.7},
    "repetition penalty": {"do_sample": False, "repetition_penalty": 1.5},
    "no-repeat n-gram": {"do_sample": False, "no_repeat_ngram_size": 3},
}


def prefixed_texts(rows: Sequence[LabeledText]) -> list[str]:
    """Each review with its sentiment word in front ("긍정 ..." / "부정 ..."), the prefix that steers generation."""
    return [sentiment_prompt(NSMC_LABELS[r.label], r.text) for r in rows]


def sentiment_prompt(sentiment: str, start: str = "") -> str:
    """The prompt for a review of the given sentiment ("긍정" or "부정"), optionally with its first words."""
    if sentiment not in NSMC_LABELS:
        raise ValueError(f"sentiment {sentiment!r}: use one of {', '.join(NSMC_LABELS)}")
    return f"{sentiment} {start.strip()}".rstrip()


def build_lm_dataset(tokenizer: Any, texts: Sequence[str], max_length: int,
                     name: str = "texts") -> ClassificationDataset:
    """Token ids (`</s> text </s>`) whose labels are the ids themselves; the collator masks padding with -100."""
    encoded = encode_texts(tokenizer, texts, max_length, name)
    return ClassificationDataset(encoded.input_ids, labels=encoded.input_ids)


def token_nll(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed next-token negative log-likelihood and the number of predicted tokens (labels -100 skipped)."""
    targets = labels[:, 1:]
    total = torch.nn.functional.cross_entropy(logits[:, :-1].flatten(0, 1).float(), targets.flatten(),
                                              ignore_index=-100, reduction="sum")
    return total, (targets != -100).sum()


def evaluate_perplexity(model: Any, loader: Any) -> dict[str, float]:
    """Mean loss over all real tokens of a loader (token-weighted, not a mean of batch means) and exp of it."""
    device = to_inference_device(model)
    total, count = 0.0, 0
    with evaluation_mode(model):
        for batch in loader:
            batch = {k: v.to(device) for k, v in batch.items()}
            nll, n = token_nll(model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits,
                               batch["labels"])
            total, count = total + float(nll), count + int(n)
    loss = total / max(1, count)
    return {"loss": loss, "perplexity": math.exp(loss), "tokens": count}


class LanguageModelTask(FineTuningTask):
    """Trains a causal language model; validation and test report token-weighted loss and perplexity."""

    def __init__(self, model: torch.nn.Module, learning_rate: float = 5e-5, weight_decay: float = 0.01,
                 warmup_ratio: float = 0.1) -> None:
        super().__init__()
        self.model = model
        self.save_hyperparameters(ignore=["model"])
        self.val_nll, self.test_nll = MeanMetric(), MeanMetric()

    def _accumulate(self, batch: dict[str, torch.Tensor], metric: MeanMetric) -> None:
        logits = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        total, count = token_nll(logits, batch["labels"])
        metric.update(total / count.clamp(min=1), weight=count)

    def _report(self, metric: MeanMetric, stage: str) -> None:
        loss = metric.compute()
        # compute() already pooled every rank's tokens, so sync_dist averages equal numbers (and keeps DDP quiet).
        self.log(f"{stage}_loss", loss, prog_bar=True, sync_dist=True)
        self.log(f"{stage}_ppl", loss.exp(), prog_bar=True, sync_dist=True)
        metric.reset()

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._accumulate(batch, self.val_nll)

    def on_validation_epoch_end(self) -> None:
        self._report(self.val_nll, "val")

    def test_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._accumulate(batch, self.test_nll)

    def on_test_epoch_end(self) -> None:
        self._report(self.test_nll, "test")



def generate_ids(model: Any, tokenizer: Any, prompt: str, max_new_tokens: int = 40, seed: int = 7,
                 num_return_sequences: int = 1, **options: Any) -> torch.Tensor:
    """Token ids (`</s>` + prompt + continuation) for each returned sequence; the same seed, the same ids."""
    from transformers import set_seed

    device = to_inference_device(model)
    ids = [tokenizer.bos_token_id] + tokenizer(prompt, add_special_tokens=False)["input_ids"]
    input_ids = torch.tensor([ids], device=device)
    set_seed(seed)
    with evaluation_mode(model):
        return model.generate(input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens=max_new_tokens,
                              num_return_sequences=num_return_sequences, pad_token_id=tokenizer.pad_token_id,
                              eos_token_id=tokenizer.eos_token_id, **options)


def generate_text(model: Any, tokenizer: Any, prompt: str, max_new_tokens: int = 40, seed: int = 7,
                  num_return_sequences: int = 1, **options: Any) -> list[str]:
    """Continue `prompt` with the given decoding options (see DECODING_STRATEGIES) and return the texts."""
    out = generate_ids(model, tokenizer, prompt, max_new_tokens, seed, num_return_sequences, **options)
    return [readable_text(tokenizer.decode(row, skip_special_tokens=True)).strip() for row in out]


def readable_text(text: str) -> str:
    """Decoded text without U+FFFD (bytes that never completed a character) and control characters (tab, newline kept).

    A whole sequence is decoded at once, so the bytes of one character split over several byte-level tokens come
    together first; what is left over cannot become a character and is dropped.
    """
    return "".join(c for c in text if c != "\ufffd" and (c in "\t\n" or unicodedata.category(c) not in ("Cc", "Cs")))


def show_generations(model: Any, tokenizer: Any, prompts: Sequence[str], strategy: str, seed: int = 7,
                     **changes: Any) -> dict[str, str]:
    """Print and return the text each prompt gives with one named decoding strategy (options changeable)."""
    options = {**DECODING_STRATEGIES[strategy], **changes}
    print(f"[{strategy}] {options}")
    results = {}
    for prompt in prompts:
        results[prompt] = generate_text(model, tokenizer, prompt, seed=seed, **options)[0]
        print(f"  {prompt!r:>14} -> {results[prompt]}")
    return results


def build_generation_task(settings: CourseSettings, tokenizer: Any) -> LanguageModelTask:
    """The GPT-2 (KoGPT2, or the tiny offline one) wrapped in its Lightning task with the settings' optimizer options."""
    return LanguageModelTask(load_generation_model(settings, tokenizer), settings.learning_rate,
                             settings.weight_decay, settings.warmup_ratio)


def run_generation(settings: CourseSettings) -> dict[str, float]:
    """Train a GPT-2 on prefixed NSMC reviews, report validation/test perplexity, sample, save the model."""
    if not offline_generation(settings) and settings.pretrained_model_name == CourseSettings.pretrained_model_name:
        raise SettingsError(f"generation needs a GPT-2 model, not {settings.pretrained_model_name}: set "
                            f"pretrained_model_name='{KOGPT2_NAME}' (command line: --set pretrained_model_name="
                            f"{KOGPT2_NAME} --set output_dir=outputs/sentence-generation)")
    rows = read_nsmc_splits(settings)
    texts = Splits(*(prefixed_texts(getattr(rows, name)) for name in ("train", "val", "test")))
    tokenizer = load_generation_tokenizer(settings, texts.train)
    datasets = Splits(*(build_lm_dataset(tokenizer, getattr(texts, name), settings.max_seq_length, name)
                        for name in ("train", "val", "test")))
    loaders = make_loaders(datasets, tokenizer, settings)
    task = build_generation_task(settings, tokenizer)
    metrics, reporting = fit_and_evaluate(settings, task, loaders.train, loaders.val, loaders.test,
                                          monitor="val_loss", mode="min")
    if not reporting:  # in a multi-GPU (DDP) run only the main process plots, saves and reports
        return metrics
    print(epoch_table(metrics_csv(settings), ("val_loss", "val_ppl")))
    plot = Path(settings.output_dir) / "learning_curves.png"
    plot_learning_curves(metrics_csv(settings), save_to=plot, metrics=("loss", "ppl"))
    for sentiment in NSMC_LABELS:
        show_generations(task.model, tokenizer, [sentiment_prompt(sentiment)], "top-p", seed=settings.seed)
    saved = save_model(task, tokenizer, Path(settings.output_dir) / "model")
    print(f"테스트 손실(test loss) {metrics['test_loss']:.3f}, perplexity {metrics['test_ppl']:.1f}; 학습 곡선: {plot}; "
          f"모델: {saved}")
    return metrics
