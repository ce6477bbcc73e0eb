"""Length-grouped batching: tokens fed per epoch and padding per DDP process, then accuracy with and without it.

First, on the whole NSMC training file with the KcBERT tokenizer (batch 32), tokens per epoch for each seed
before (the grouped rows as one flat stream that the DataLoader cut into batches again, and under DDP that
Lightning's DistributedSamplerWrapper reshuffled) and after (whole batches, shared out between processes).
Then the course's NSMC pipeline with a tiny BERT on CPU, both ways, for each seed.

    python benchmarks/length_grouping.py                      # 9,600 training rows (300 steps), 2,000 test rows
    python benchmarks/length_grouping.py --seeds 1 2 --train-rows 3200
    python benchmarks/length_grouping.py --tokens-only --seeds 7 1 2
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import torch  # noqa: E402
from common import corpus_root, describe_sources, tokenizer_dir  # noqa: E402
from lightning.fabric.utilities.distributed import DistributedSamplerWrapper  # noqa: E402
from transformers import BertTokenizer  # noqa: E402

from helpers.classification.pipeline import run_document_classification
from helpers.core.corpora import NsmcReader
from helpers.core.data import encode_texts, tokens_fed
from helpers.core.sampling import LengthGroupedSampler
from helpers.core.settings import SMOKE_OVERRIDES, CourseSettings

BATCH_SIZE, MAX_LENGTH, PROCESSES = 32, 128, 2


def nsmc_train_lengths() -> list[int]:
    """Token counts of the NSMC training rows with the KcBERT tokenizer, special tokens included, cut at 128."""
    tokenizer = BertTokenizer.from_pretrained(str(tokenizer_dir()), do_lower_case=False)
    rows = NsmcReader().read_splits(corpus_root(), verbose=False)["train"]
    with contextlib.redirect_stdout(io.StringIO()):  # the truncation note
        return encode_texts(tokenizer, [r.text for r in rows], MAX_LENGTH).lengths()


def cut(order: list[int]) -> list[list[int]]:
    """A flat index stream cut into batches, as a DataLoader with a plain sampler does."""
    return [order[i : i + BATCH_SIZE] for i in range(0, len(order), BATCH_SIZE)]


def padding_share(lengths: list[int], batches: list[list[int]]) -> float:
    """Fraction of the tokens fed that are padding."""
    return 1 - sum(lengths[i] for b in batches for i in b) / tokens_fed(lengths, batches, BATCH_SIZE)


def tokens_per_epoch(lengths: list[int], seed: int) -> dict[str, Any]:
    """One seed's epoch: tokens fed before and after on one process, and padding per process under DDP."""
    batches = LengthGroupedSampler(lengths, BATCH_SIZE, seed).epoch_batches()
    flat = [i for b in batches for i in b]
    wrapped = [cut(list(DistributedSamplerWrapper(flat, num_replicas=PROCESSES, rank=r, shuffle=True, seed=seed)))
               for r in range(PROCESSES)]
    shares = [list(LengthGroupedSampler(lengths, BATCH_SIZE, seed, num_replicas=PROCESSES, rank=r))
              for r in range(PROCESSES)]
    return {"before": tokens_fed(lengths, flat, BATCH_SIZE), "after": tokens_fed(lengths, batches, BATCH_SIZE),
            "ddp_before": [padding_share(lengths, b) for b in wrapped],
            "ddp_after": [padding_share(lengths, b) for b in shares],
            "ddp_tokens_before": sum(tokens_fed(lengths, b, BATCH_SIZE) for b in wrapped),
            "ddp_tokens_after": sum(tokens_fed(lengths, b, BATCH_SIZE) for b in shares)}


def report_tokens(seeds: list[int], row_counts: list[int]) -> None:
    """Print tokens fed per epoch and padding per process for each seed and training-set size."""
    lengths = nsmc_train_lengths()
    print(f"\ntokens fed per epoch, NSMC train, KcBERT tokenizer, batch {BATCH_SIZE}, max {MAX_LENGTH} tokens "
          f"(before: flat stream cut again; DDP before: Lightning's DistributedSamplerWrapper, {PROCESSES} processes)")
    for rows in row_counts:
        part = lengths[:rows]
        print(f"{len(part):,} rows, {sum(part):,} real tokens")
        for seed in seeds:
            r = tokens_per_epoch(part, seed)
            ddp = ", ".join(f"{b:.1%} -> {a:.1%}" for b, a in zip(r["ddp_before"], r["ddp_after"]))
            print(f"  seed {seed}: {r['before']:,} before, {r['after']:,} aligned ({r['before'] / r['after'] - 1:+.1%}"
                  f" before); DDP padding per process {ddp}; DDP tokens {r['ddp_tokens_before']:,} -> "
                  f"{r['ddp_tokens_after']:,} ({r['ddp_tokens_before'] / r['ddp_tokens_after'] - 1:+.1%} before)",
                  flush=True)


def run_once(grouped: bool, seed: int, args: argparse.Namespace, work: Path) -> dict[str, float]:
    """One full run (read, encode, train, validate, test) with its output kept quiet; test metrics and seconds."""
    values: dict[str, Any] = {**SMOKE_OVERRIDES, "batch_size": 32, "max_seq_length": 128,
                              "limit_train_rows": args.train_rows, "limit_eval_rows": args.eval_rows}
    settings = CourseSettings(**values, smoke=True, seed=seed, length_grouped=grouped,
                              corpus_root_dir=str(corpus_root()), output_dir=str(work / f"seed{seed}-{grouped}"),
                              model_dir=str(tokenizer_dir()), resume=False,
                              feature_cache_dir=str(work / f"features-seed{seed}"))
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)  # its info lines bypass the redirect below
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        metrics = run_document_classification(settings)
    return {"acc": float(metrics["test_acc"]), "f1": float(metrics["test_f1"]), "seconds": time.perf_counter() - start}


def mean_sd(values: list[float]) -> str:
    """`mean ± sample standard deviation` with four decimals."""
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {spread:.4f}"


def main(argv: list[str] | None = None) -> dict[tuple[bool, int], dict[str, float]]:
    """Train every (setting, seed) pair and print accuracy, macro F1 and time side by side."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--train-rows", type=int, default=9_600)
    parser.add_argument("--eval-rows", type=int, default=2_000)
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's own choice)")
    parser.add_argument("--token-rows", type=int, nargs="+", default=[150_000, 135_000],
                        help="training-set sizes for the tokens-per-epoch part (the first N NSMC rows)")
    parser.add_argument("--tokens-only", action="store_true", help="only the tokens-per-epoch part, no training")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(describe_sources())
    report_tokens(args.seeds, args.token_rows)
    if args.tokens_only:
        return {}
    print(f"\ntiny 2-layer BERT from random weights, {args.train_rows:,} training rows (batch 32, 1 epoch), "
          f"{args.eval_rows:,} validation and test rows, CPU, fp32, {torch.get_num_threads()} torch threads")
    results = {}
    with tempfile.TemporaryDirectory(prefix="nlpbook-grouping-") as work:
        for seed, grouped in ((seed, grouped) for seed in args.seeds for grouped in (False, True)):
            results[grouped, seed] = r = run_once(grouped, seed, args, Path(work))
            print(f"seed {seed}  {'length-grouped' if grouped else 'random order  '}  test acc {r['acc']:.4f}  "
                  f"macro F1 {r['f1']:.4f}  {r['seconds']:.0f} s", flush=True)
    print("\nsetting          test acc (mean ± sd)   macro F1 (mean ± sd)   seconds per run (mean)")
    for grouped in (False, True):
        acc, f1, sec = ([results[grouped, s][k] for s in args.seeds] for k in ("acc", "f1", "seconds"))
        print(f"{'length-grouped' if grouped else 'random order':<16} {mean_sd(acc)}        {mean_sd(f1)}"
              f"        {statistics.mean(sec):.0f}")
    gaps = [results[True, s]["acc"] - results[False, s]["acc"] for s in args.seeds]
    print(f"accuracy difference grouped - random, per seed: {', '.join(f'{g:+.4f}' for g in gaps)}")
    return results


if __name__ == "__main__":
    main()
