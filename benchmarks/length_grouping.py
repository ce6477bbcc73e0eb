"""Does length-grouped batching change results? The course's NSMC pipeline, tiny BERT on CPU, both ways, 3 seeds.

    python benchmarks/length_grouping.py                      # 9,600 training rows (300 steps), 2,000 test rows
    python benchmarks/length_grouping.py --seeds 1 2 --train-rows 3200
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

from helpers.document_classification import run_document_classification  # noqa: E402
from helpers.settings import SMOKE_OVERRIDES, CourseSettings  # noqa: E402


def run_once(grouped: bool, seed: int, args: argparse.Namespace, work: Path) -> dict[str, float]:
    """One full run (read, encode, train, validate, test) with its output kept quiet; test metrics and seconds."""
    values: dict[str, Any] = {**SMOKE_OVERRIDES, "batch_size": 32, "max_seq_length": 128,
                              "limit_train_rows": args.train_rows, "limit_eval_rows": args.eval_rows}
    settings = CourseSettings(**values, smoke=True, seed=seed, length_grouped=grouped,
                              corpus_root_dir=str(corpus_root()), output_dir=str(work / f"seed{seed}-{grouped}"),
                              extra={"model_dir": str(tokenizer_dir()), "resume": False,
                                     "feature_cache_dir": str(work / f"features-seed{seed}")})
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
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(describe_sources())
    print(f"tiny 2-layer BERT from random weights, {args.train_rows:,} training rows (batch 32, 1 epoch), "
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
