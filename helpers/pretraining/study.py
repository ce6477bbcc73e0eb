"""Does MLM pretraining help the tiny BERT on NSMC? Pretrain, fine-tune it and a scratch twin, tabulate by seed.

Command line (the full study needs the whole NSMC corpus, e.g. `../shared/data/nsmc`):

    python -m helpers.pretraining.study pretrain --nsmc ../shared/data/nsmc --minutes 25
    python -m helpers.pretraining.study finetune --nsmc ../shared/data/nsmc --side scratch
    python -m helpers.pretraining.study finetune --nsmc ../shared/data/nsmc --side pretrained
    python -m helpers.pretraining.study table
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import torch

from helpers.core.corpora import LabeledText, NsmcReader
from helpers.core.models import EMBEDDED_TOKENIZER_DIR, TINY_BERT
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT
from helpers.pretraining.mlm import accuracy, encoder_weights, fine_tune, load_encoder, pack_into_blocks, pretrain_mlm
from helpers.pretraining.report import STUDY_RESULTS_FILE, write_results

SIZES = (1000, 4000)
SEEDS = (0, 1, 2)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3)
EPOCHS = {1000: 10, 4000: 5}  # about 320 and 630 optimizer steps at batch 32
MAX_LENGTH = 128
VAL_ROWS = 1000
VAL_SEED = 4321


@dataclass
class StudyData:
    """Fine-tuning rows (the embedded sample's train rows), validation rows, test rows and MLM texts."""

    train: list[LabeledText]
    val: list[LabeledText]
    test: list[LabeledText]
    mlm_texts: list[str]


def study_data(nsmc_dir: str | Path | None) -> StudyData:
    """The embedded sample's train/test rows; validation and MLM text from the rest of NSMC train (or the sample)."""
    reader = NsmcReader()
    sample = reader.read_splits(EMBEDDED_SAMPLE_ROOT, verbose=False)
    if nsmc_dir is None:  # smoke: no full corpus, so pretrain on the sample rows that fine-tuning leaves out
        return StudyData(sample["train"][:SIZES[0]], sample["train"][SIZES[0]:SIZES[0] + 200], sample["test"],
                         [r.text for r in sample["train"][SIZES[0] + 200:]])
    seen = {r.text for r in sample["train"]} | {r.text for r in sample["test"]}
    rest = [r for r in reader.read(Path(nsmc_dir) / "ratings_train.txt", verbose=False) if r.text not in seen]
    random.Random(VAL_SEED).shuffle(rest)
    val = rest[:VAL_ROWS]
    held = {r.text for r in val}
    mlm = [r.text for r in rest[VAL_ROWS:] if r.text.strip() and r.text not in held]
    return StudyData(sample["train"], val, sample["test"], mlm)


def load_study_tokenizer() -> Any:
    """The embedded tiny WordPiece tokenizer the smoke model uses."""
    from transformers import BertTokenizer

    return BertTokenizer.from_pretrained(str(EMBEDDED_TOKENIZER_DIR), do_lower_case=False)


def tiny_config(tokenizer: Any, num_labels: int = 2) -> Any:
    """The tiny BERT config of smoke runs (helpers.core.models.TINY_BERT) for this tokenizer."""
    from transformers import BertConfig

    return BertConfig(vocab_size=len(tokenizer), max_position_embeddings=300, num_labels=num_labels, **TINY_BERT)


def encode(tokenizer: Any, rows: Sequence[LabeledText]) -> tuple[list[list[int]], list[int]]:
    """Token ids (with [CLS]/[SEP], truncated at MAX_LENGTH) and labels."""
    ids = tokenizer([r.text for r in rows], truncation=True, max_length=MAX_LENGTH)["input_ids"]
    return ids, [r.label for r in rows]


def run_pretraining(data: StudyData, out_dir: Path, minutes: float, seed: int = 0, batch_size: int = 64,
                    learning_rate: float = 1e-3) -> dict[str, Any]:
    """MLM-pretrain the tiny BERT for `minutes`; save the encoder (safetensors) and the history (JSON)."""
    from safetensors.torch import save_file
    from transformers import BertForMaskedLM

    tokenizer = load_study_tokenizer()
    rows = tokenizer(data.mlm_texts, add_special_tokens=False)["input_ids"]
    blocks = pack_into_blocks(rows, MAX_LENGTH, tokenizer.cls_token_id, tokenizer.sep_token_id)
    torch.manual_seed(seed)
    model = BertForMaskedLM(tiny_config(tokenizer))
    print(f"pretraining on {len(data.mlm_texts):,} reviews = {len(blocks):,} blocks of {MAX_LENGTH} tokens "
          f"for {minutes} min")
    history = pretrain_mlm(model, blocks, tokenizer.all_special_ids, tokenizer.mask_token_id, minutes * 60,
                           batch_size, learning_rate, seed=seed, report=lambda e: print(e, flush=True))
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(encoder_weights(model), str(out_dir / "encoder.safetensors"))
    summary = {"reviews": len(data.mlm_texts), "blocks": len(blocks), "block_size": MAX_LENGTH,
               "minutes": minutes, "steps": history.steps, "blocks_seen": history.blocks_seen,
               "epochs": round(history.blocks_seen / len(blocks), 2), "log": history.log}
    (out_dir / "pretraining.json").write_text(json.dumps(summary, indent=1))
    return summary


def one_fine_tune(data: StudyData, encoder: dict[str, torch.Tensor] | None, size: int, learning_rate: float,
                  seed: int, epochs: int) -> dict[str, Any]:
    """Fine-tune one classifier (pretrained encoder or random) on the first `size` rows; val and test accuracy."""
    from transformers import BertForSequenceClassification

    tokenizer = load_study_tokenizer()
    torch.manual_seed(seed)
    model = BertForSequenceClassification(tiny_config(tokenizer))
    if encoder is not None:
        load_encoder(model, encoder)
    start = time.perf_counter()
    result = fine_tune(model, encode(tokenizer, data.train[:size]), encode(tokenizer, data.val),
                       tokenizer.pad_token_id, learning_rate, epochs, seed=seed)
    test = accuracy(model, *encode(tokenizer, data.test), tokenizer.pad_token_id)
    return {"rows": size, "lr": learning_rate, "seed": seed, "epochs": epochs, "test_acc": test,
            "seconds": round(time.perf_counter() - start, 1), **result}


def run_fine_tunes(data: StudyData, side: str, out_dir: Path, sizes: Sequence[int] = SIZES,
                   seeds: Sequence[int] = SEEDS, learning_rates: Sequence[float] = LEARNING_RATES,
                   full_grid: bool = True) -> Path:
    """Fine-tunes of one side, appended to <out_dir>/<side>.jsonl as each finishes.

    The first seed runs at every learning rate; the one with its best validation accuracy is the side's choice
    (the test accuracy plays no part in it). With `full_grid` every seed also runs at every rate, otherwise the
    other seeds run at the chosen rate only (cheaper, for the larger size).
    """
    encoder = None
    if side == "pretrained":
        from safetensors.torch import load_file

        encoder = load_file(str(out_dir / "encoder.safetensors"))
    path = out_dir / f"{side}.jsonl"
    out_dir.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        first = [record(path, side, one_fine_tune(data, encoder, size, lr, seeds[0], EPOCHS[size]))
                 for lr in learning_rates]
        chosen = max(first, key=lambda r: r["val_acc"])["lr"]
        for seed in seeds[1:]:
            for lr in learning_rates if full_grid else [chosen]:
                record(path, side, one_fine_tune(data, encoder, size, lr, seed, EPOCHS[size]))
    return path


def record(path: Path, side: str, result: dict[str, Any]) -> dict[str, Any]:
    """Print one fine-tune's result and append it (with its side) to a JSON-lines file."""
    result = {"side": side, **result}
    print(json.dumps(result), flush=True)
    with path.open("a") as f:
        f.write(json.dumps(result) + "\n")
    return result


def main(argv: list[str] | None = None) -> None:
    """`pretrain`, `finetune --side scratch|pretrained` or `table` (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m helpers.pretraining.study", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("pretrain", "finetune", "table"))
    parser.add_argument("--nsmc", default=None, help="folder of the full NSMC corpus (default: the embedded sample)")
    parser.add_argument("--out", default="outputs/pretraining-study", help="folder for weights and raw results")
    parser.add_argument("--minutes", type=float, default=25.0, help="wall-clock minutes of MLM pretraining")
    parser.add_argument("--side", choices=("scratch", "pretrained"), default="scratch")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--lrs", type=float, nargs="+", default=list(LEARNING_RATES))
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the study shares a small CPU)")
    parser.add_argument("--chosen-lr-only", action="store_true",
                        help="seeds after the first run at the learning rate the first seed chose, not at every one")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    out_dir = Path(args.out)
    if args.step == "table":
        write_results(out_dir, STUDY_RESULTS_FILE)
        return
    data = study_data(args.nsmc)
    print(f"{len(data.train):,} fine-tuning rows, {len(data.val):,} validation, {len(data.test):,} test, "
          f"{len(data.mlm_texts):,} reviews for pretraining")
    if args.step == "pretrain":
        run_pretraining(data, out_dir, args.minutes)
    else:
        run_fine_tunes(data, args.side, out_dir, args.sizes, args.seeds, args.lrs, not args.chosen_lr_only)


if __name__ == "__main__":
    main()
