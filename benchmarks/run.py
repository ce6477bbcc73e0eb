"""Speed benchmark of the course's data and training paths against the predecessor's configuration (issue 6).

    python benchmarks/run.py           # every table (minutes on 2 CPU cores); the GPU part runs when CUDA is there
    python benchmarks/run.py --quick   # fewer steps and a smaller predecessor sample
"""

from __future__ import annotations

import os

# The Rust tokenizer's batch parallelism; the test suite turns it off, real runs should not (set before imports).
os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Sequence  # noqa: E402

import torch  # noqa: E402
from common import NSMC_REAL_ROWS, PREDECESSOR_BUILD_S, bench_tokenizer, corpus_root, describe_sources, peak_rss_mib  # noqa: E402
from torch.utils.data import RandomSampler  # noqa: E402

from helpers.core.corpora import NsmcReader
from helpers.core.data import encode_texts, tokens_fed
from helpers.core.features import cached_classification_dataset, feature_key, save_features
from helpers.core.sampling import LengthGroupedSampler

MAX_LENGTH, BATCH_SIZE, SEED, EPOCH_ROWS = 128, 32, 7, 150_000
WORKER = Path(__file__).resolve().with_name("train_worker.py")


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print an aligned plain-text table."""
    cells = [[str(h) for h in headers]] + [[f"{c:,.1f}" if isinstance(c, float) else
                                            f"{c:,}" if isinstance(c, int) else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    print(f"\n## {title}")
    for n, r in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def predecessor_rows_per_s(tokenizer: Any, texts: Sequence[str]) -> float:
    """The predecessor's build: one tokenizer call per review, padded to 128, then tensors; rows per second."""
    start = time.perf_counter()
    rows = [tokenizer(t, max_length=MAX_LENGTH, padding="max_length", truncation=True) for t in texts]
    features = {k: torch.tensor([r[k] for r in rows]) for k in ("input_ids", "attention_mask", "token_type_ids")}
    assert features["input_ids"].shape == (len(texts), MAX_LENGTH)
    return len(texts) / (time.perf_counter() - start)


def feature_build(tokenizer: Any, cache_dir: Path, sample_rows: int) -> dict[str, Any]:
    """Time reading + batched encoding of NSMC train and test (cold), the cache save, and read + cache load (warm)."""
    start = time.perf_counter()
    splits = NsmcReader().read_splits(corpus_root(), verbose=False)
    read_s = time.perf_counter() - start
    encoded = {name: encode_texts(tokenizer, [r.text for r in rows], MAX_LENGTH, name) for name, rows in splits.items()}
    cold_s = time.perf_counter() - start
    cold_rss = peak_rss_mib()
    start = time.perf_counter()
    keys = {}
    for name, rows in splits.items():
        labels = [r.label for r in rows]
        keys[name] = feature_key([r.text for r in rows], labels, tokenizer, MAX_LENGTH)
        save_features(cache_dir / f"{name}.pt", keys[name], encoded[name], labels)
    save_s = time.perf_counter() - start
    start = time.perf_counter()
    warm = {name: cached_classification_dataset(tokenizer, rows, MAX_LENGTH, name, cache_dir)
            for name, rows in NsmcReader().read_splits(corpus_root(), verbose=False).items()}
    warm_s = time.perf_counter() - start
    assert all(warm[n].input_ids == encoded[n].input_ids for n in warm), "cache round trip changed the ids"
    sample = [r.text for r in splits["train"][:sample_rows]]
    return {"rows": sum(len(r) for r in splits.values()), "train_rows": len(splits["train"]), "read_s": read_s,
            "cold_s": cold_s, "cold_peak_rss_mib": cold_rss, "save_s": save_s, "warm_s": warm_s,
            "predecessor_rows_per_s": predecessor_rows_per_s(tokenizer, sample), "predecessor_sample": len(sample),
            "train_lengths": encoded["train"].lengths(), "train_key": keys["train"],
            "truncated": {n: e.truncated for n, e in encoded.items()}}


def padding_tokens(lengths: list[int]) -> dict[str, int]:
    """Tokens fed per epoch: real, pad to max length, longest-in-batch (random order), length-grouped."""
    random_order = list(RandomSampler(range(len(lengths)), generator=torch.Generator().manual_seed(SEED)))
    grouped_order = list(LengthGroupedSampler(lengths, BATCH_SIZE, SEED))
    return {"real tokens (no padding)": sum(lengths), f"pad to max length ({MAX_LENGTH})": len(lengths) * MAX_LENGTH,
            "pad to longest in batch (random order)": tokens_fed(lengths, random_order, BATCH_SIZE),
            "length-grouped batches (our default)": tokens_fed(lengths, grouped_order, BATCH_SIZE)}


def training_configs(device: str, quick: bool, common: dict[str, Any]) -> list[dict[str, Any]]:
    """Predecessor baseline first, then the course's settings, on one device."""
    if device == "cpu":
        base = dict(common, device="cpu", model="tiny", precision="32-true", tf32=False, compile=False,
                    warmup=5, steps=20 if quick else 60)
        return [dict(base, name="static-128 fp32 (predecessor)", padding="static"),
                dict(base, name="dynamic, random order", padding="random"),
                dict(base, name="dynamic, length-grouped (default)", padding="grouped")]
    base = dict(common, device="cuda", model="kcbert-base", precision="auto", tf32=True, compile=False,
                warmup=20, steps=50 if quick else 200)
    return [dict(base, name="static-128 fp32 (predecessor)", padding="static", precision="32-true", tf32=False),
            dict(base, name="auto precision, dynamic, random order", padding="random"),
            dict(base, name="auto precision, length-grouped (default)", padding="grouped"),
            dict(base, name="default + torch.compile(dynamic=True)", padding="grouped", compile=True, warmup=40)]


def run_worker(config: dict[str, Any]) -> dict[str, Any] | None:
    """Run one measurement in a fresh process; print its error output and return None if it fails."""
    print(f"  measuring {config['device']}: {config['name']} ...", flush=True)
    done = subprocess.run([sys.executable, str(WORKER), json.dumps(config)], capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    print(f"  FAILED (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return None


def training_rows(results: list[dict[str, Any]]) -> list[list[Any]]:
    """Table rows of training results; ratios against the first (baseline) row."""
    base = results[0]["samples_per_s"]
    rows = []
    for r in results:
        memory = (f"{r['gpu_max_allocated_bytes'] / 2**20:,.0f} GPU" if r["gpu_max_allocated_bytes"] is not None
                  else f"{r['peak_rss_mib']:,.0f} RSS")
        rows.append([r["name"], r["precision_used"], r["mean_fed_length"], r["samples_per_s"],
                     r["real_tokens_per_s"], r["fed_tokens_per_s"], EPOCH_ROWS / r["samples_per_s"], memory,
                     f"{r['samples_per_s'] / base:.2f}x"])
    return rows


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the options and run the benchmark with its feature cache in a temporary folder."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer training steps, smaller predecessor sample")
    parser.add_argument("--skip-training", action="store_true", help="only the feature build and token counts")
    parser.add_argument("--devices", choices=["all", "cpu", "cuda"], default="all",
                        help="which training measurements to run (default: CPU, and GPU when CUDA is there)")
    parser.add_argument("--threads", type=int, help="torch CPU threads for training (default: torch's own choice)")
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nlpbook-features-") as cache_dir:
        return run_benchmark(args, Path(cache_dir))


def run_benchmark(args: argparse.Namespace, cache_dir: Path) -> dict[str, Any]:
    """Run every part, print the tables, then the ratios against the predecessor's configuration."""
    cuda = torch.cuda.is_available()
    print(f"# benchmark: python {platform.python_version()}, torch {torch.__version__}, {os.cpu_count()} CPU cores "
          f"(load average {os.getloadavg()[0]:.1f}), TOKENIZERS_PARALLELISM={os.environ['TOKENIZERS_PARALLELISM']}, "
          f"GPU: {torch.cuda.get_device_name() if cuda else 'none'}")
    print(describe_sources())
    tokenizer = bench_tokenizer()
    build = feature_build(tokenizer, cache_dir, 2_000 if args.quick else 10_000)
    rows, pred_rate = build["rows"], build["predecessor_rows_per_s"]
    print_table(f"NSMC feature build, train + test ({rows:,} rows, max_length {MAX_LENGTH})",
                ["method", "seconds", "rows/s", "peak RSS MiB"],
                [[f"predecessor: per-row calls, padded (measured on {build['predecessor_sample']:,} rows, "
                  "extrapolated)", rows / pred_rate, pred_rate, "-"],
                 ["ours, cold: read + one batched encode", build["cold_s"], rows / build["cold_s"],
                  build["cold_peak_rss_mib"]],
                 ["ours, warm: read + feature cache load", build["warm_s"], rows / build["warm_s"], "-"]])
    print(f"(reading alone {build['read_s']:.1f} s; writing the cache {build['save_s']:.1f} s; "
          f"rows truncated at {MAX_LENGTH}: {build['truncated']})")

    lengths = build["train_lengths"]
    fed = padding_tokens(lengths)
    static = fed[f"pad to max length ({MAX_LENGTH})"]
    print_table(f"Tokens fed per epoch: NSMC train, {len(lengths):,} rows, batch {BATCH_SIZE} (median length "
                f"{statistics.median(lengths):.0f}, mean {statistics.mean(lengths):.1f})",
                ["padding", "tokens", "% of max-length", "padding share"],
                [[name, n, f"{100 * n / static:.1f}%", f"{100 * (1 - fed['real tokens (no padding)'] / n):.1f}%"]
                 for name, n in fed.items()])

    trained: dict[str, list[dict[str, Any]]] = {}
    if not args.skip_training:
        common = dict(features=str(cache_dir / "train.pt"), key=build["train_key"], vocab_size=len(tokenizer),
                      pad_token_id=tokenizer.pad_token_id, batch_size=BATCH_SIZE, max_length=MAX_LENGTH, seed=SEED,
                      threads=args.threads)
        devices = [d for d in ("cpu", "cuda") if args.devices in ("all", d) and (d == "cpu" or cuda)]
        if not cuda and args.devices != "cpu":
            print("\nno CUDA device: the GPU part (KcBERT-base shape, static-128 fp32 against bf16/16-mixed with "
                  "length-grouped dynamic padding) is skipped")
        for device in devices:
            results = [r for r in map(run_worker, training_configs(device, args.quick, common)) if r]
            if results:
                trained[device] = results
                model = "tiny 2-layer BERT" if device == "cpu" else "KcBERT-base shape, random weights"
                print_table(f"Training throughput on {device} ({model}, batch {BATCH_SIZE}, "
                            f"{results[0]['steps']} timed steps after {results[0]['warmup']} warm-up, "
                            f"{results[0]['torch_threads']} torch threads)",
                            ["configuration", "precision", "mean len", "samples/s", "real tok/s", "fed tok/s",
                             "epoch s (150k)", "peak MiB", "vs baseline"], training_rows(results))

    print("\n## Ratios against the predecessor (static-128 fp32, per-row feature build)")
    if rows == NSMC_REAL_ROWS:
        print(f"feature build, cold : {PREDECESSOR_BUILD_S / build['cold_s']:5.1f}x faster than the predecessor's "
              f"{PREDECESSOR_BUILD_S} s (goal >= 10x)")
        print(f"feature build, warm : {PREDECESSOR_BUILD_S / build['warm_s']:5.1f}x faster")
    print(f"feature build, cold : {rows / pred_rate / build['cold_s']:5.1f}x faster than the per-row build "
          "measured in this run")
    for name, n in fed.items():
        if n != static:
            print(f"tokens per epoch    : {static / n:5.2f}x fewer than padding to {MAX_LENGTH}: {name}")
    for device, results in trained.items():
        for r in results[1:]:
            print(f"training on {device:<4}    : {r['samples_per_s'] / results[0]['samples_per_s']:5.2f}x "
                  f"samples/s with {r['name']}")
        if device == "cuda":
            best = max(results, key=lambda r: r["samples_per_s"])
            print(f"GPU goal            : {best['samples_per_s'] / results[0]['samples_per_s']:.2f}x (goal >= 5x), "
                  f"one 150k-review epoch ~{EPOCH_ROWS / best['samples_per_s']:.0f} s (goal <= 60 s) "
                  f"with {best['name']}")
    report = {"feature_build": {k: v for k, v in build.items() if k != "train_lengths"}, "tokens_fed": fed,
              "training": trained}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
