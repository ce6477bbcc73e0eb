"""Memory and speed of building tokenised datasets: today's compact token rows against the old Python lists.

    python benchmarks/memory.py                        # NSMC-like rows and KorNLI-like pairs at 200k and 1M rows,
                                                       # KorQuAD-like windows from 20k and 60k questions
    python benchmarks/memory.py --only nsmc --sizes 200000

Each build runs in a fresh subprocess, so one build's memory never shows in another's numbers. Rows are the
corpora of ../shared repeated to the size asked (NSMC train + test; KorNLI's XNLI dev + test pairs; KorQuAD dev
questions, cut into 384-token windows with stride 128 as for training, no offsets kept). Printed per build:
seconds (wall clock, and CPU time of all threads: steadier on a busy machine), rows/s, tokens, retained
memory (resident memory after the build minus before it, as a learner's runtime shows it; "trimmed": after
malloc_trim gave freed heap memory back) in MiB, in bytes per token and per token per field (input_ids, plus
token_type_ids for pairs and windows), peak resident memory above the start, and peak / retained.
The lists are skipped (and said so) where they would need more memory than this machine can spare.
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")  # as in a course run (the test suite turns it off)

import argparse  # noqa: E402
import ctypes  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from common import REPO, bench_tokenizer, corpus_root, describe_sources  # noqa: E402

sys.path.insert(0, str(REPO / "tests"))  # the old list-based builders, kept there as the tests' reference

import list_reference as old  # noqa: E402

from helpers.core.corpora import NsmcReader
from helpers.core.data import build_classification_dataset
from helpers.core.token_rows import TokenRows
from helpers.pair_classification.corpus import read_kornli
from helpers.pair_classification.encoding import encode_pairs
from helpers.question_answering.corpus import read_korquad
from helpers.question_answering.features import build_qa_features

SCENARIOS = {"nsmc": (200_000, 1_000_000), "pairs": (200_000, 1_000_000), "qa": (20_000, 60_000)}
FIELDS = {"nsmc": 1, "pairs": 2, "qa": 2}  # token fields per row: input_ids (+ token_type_ids)
LIST_LIMIT = {"nsmc": 1_000_000, "pairs": 200_000, "qa": 20_000}  # larger list builds need > 8 GB here
PEAK_CONSTANT_MIB = 100  # the goal's constant: one chunk's Python objects, the tokenizer's own buffers
QA_LENGTH, QA_STRIDE = 384, 128


def repeated(rows: list[Any], size: int) -> list[Any]:
    """`rows` repeated (and cut) to `size` items."""
    return (rows * (size // len(rows) + 1))[:size]


def source_rows(scenario: str, size: int) -> list[Any]:
    """The scenario's input rows, read from the corpora and repeated to `size`."""
    root = corpus_root()
    if scenario == "nsmc":
        rows = [r for name in ("ratings_train.txt", "ratings_test.txt")
                for r in NsmcReader().read(root / "nsmc" / name, verbose=False)]
    elif scenario == "pairs":
        rows = [r for name in ("xnli.dev.ko.tsv", "xnli.test.ko.tsv")
                for r in read_kornli(root / "kornli" / name, verbose=False)]
    else:
        rows = read_korquad(root / "korquad" / "KorQuAD_v1.0_dev.json", verbose=False)
    return repeated(rows, size)


def build(scenario: str, impl: str, tokenizer: Any, rows: list[Any]) -> tuple[Any, int, int]:
    """Build the dataset one way; (dataset, rows built, tokens)."""
    if scenario == "nsmc":
        dataset = (build_classification_dataset(tokenizer, rows, 128, "train") if impl == "compact" else
                   old.classification_dataset(tokenizer, [r.text for r in rows], [r.label for r in rows], 128))
        return dataset, len(dataset), int(sum(dataset.lengths()))
    if scenario == "pairs":
        dataset = encode_pairs(tokenizer, rows, 128, "train") if impl == "compact" else \
            old.pair_dataset(tokenizer, rows, 128)
        return dataset, len(dataset), int(sum(dataset.lengths()))
    features = (build_qa_features(tokenizer, rows, QA_LENGTH, QA_STRIDE, "train", keep_offsets=False,
                                  verbose=False) if impl == "compact" else
                old.qa_features(tokenizer, rows, QA_LENGTH, QA_STRIDE, keep_offsets=False))
    return features, len(features), sum(len(ids) for ids in features.input_ids)


def resident_mib(trim: bool = False) -> tuple[float, float]:
    """(current, peak) resident memory of this process in MiB; `trim`: after giving freed heap memory back."""
    gc.collect()
    if trim:
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc: freed memory may stay counted
            pass
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds() -> float:
    """User + system CPU seconds of this process, all its threads (the Rust tokenizer's too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker(scenario: str, size: int, impl: str) -> dict[str, Any]:
    """One build in this (fresh) process, measured."""
    tokenizer = bench_tokenizer()
    rows = source_rows(scenario, size)
    before, _ = resident_mib(trim=True)
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current resident size
    start, cpu = time.perf_counter(), cpu_seconds()
    dataset, built, tokens = build(scenario, impl, tokenizer, rows)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    after, peak = resident_mib()  # what a learner's runtime shows
    trimmed, _ = resident_mib(trim=True)  # less what the allocator held on to after freeing it
    arrays = [getattr(dataset, field, None) for field in ("input_ids", "token_type_ids")]
    own = sum(a.nbytes for a in arrays if isinstance(a, TokenRows))  # the compact arrays themselves
    return {"scenario": scenario, "size": size, "impl": impl, "rows": built, "tokens": tokens, "seconds": seconds,
            "cpu_seconds": cpu, "retained_mib": after - before,
            "trimmed_mib": trimmed - before, "peak_mib": peak - before, "arrays_mib": own / 2**20}


def run_in_subprocess(scenario: str, size: int, impl: str) -> dict[str, Any]:
    """worker() in a fresh interpreter; its JSON line back."""
    done = subprocess.run([sys.executable, __file__, "--worker", scenario, str(size), impl], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{scenario} {size} {impl} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def table_row(r: dict[str, Any]) -> str:
    """One markdown table row of a measured build."""
    per_token = r["retained_mib"] * 2**20 / r["tokens"]
    fields = FIELDS[r["scenario"]]
    return (f"| {r['scenario']} | {r['size']:,} | {r['rows']:,} | {r['impl']} | {r['seconds']:.1f} | "
            f"{r['cpu_seconds']:.1f} | "
            f"{r['rows'] / r['seconds']:,.0f} | {r['tokens'] / 1e6:.1f} M | {r['retained_mib']:,.0f} | "
            f"{r['trimmed_mib']:,.0f} | "
            f"{per_token:.1f} | {per_token / fields:.1f} | {r['peak_mib']:,.0f} | "
            f"{r['peak_mib'] / max(r['retained_mib'], 1):.2f} |")


def goal_line(r: dict[str, Any], lists: dict[str, Any] | None) -> str:
    """Whether a compact build meets the issue's goal (and how its speed compares with the lists)."""
    per_field = r["retained_mib"] * 2**20 / r["tokens"] / FIELDS[r["scenario"]]
    peak_ok = r["peak_mib"] <= 1.5 * r["retained_mib"] + PEAK_CONSTANT_MIB
    speed = (f"; {lists['seconds'] / r['seconds']:.2f}x the lists' speed "
             f"({lists['cpu_seconds'] / r['cpu_seconds']:.2f}x in CPU time)") if lists else ""
    return (f"{r['scenario']} {r['size']:,}: {per_field:.1f} B/token/field ({'≤' if per_field <= 8 else '>'} 8), "
            f"peak {r['peak_mib']:,.0f} MiB {'≤' if peak_ok else '>'} 1.5 × {r['retained_mib']:,.0f} + "
            f"{PEAK_CONSTANT_MIB}{speed}")


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """Measure every (scenario, size, implementation) in its own process and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(SCENARIOS), nargs="+", default=list(SCENARIOS))
    parser.add_argument("--sizes", type=int, nargs="+", help="rows (questions for qa) instead of the defaults")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]), args.worker[2])))
        return []
    print(describe_sources())
    print("| data | size | rows | kept as | build s | CPU s | rows/s | tokens | retained MiB | trimmed MiB | B/token "
          "| B/token/field | peak MiB | peak/retained |\n" + "|---" * 14 + "|", flush=True)
    results, goals = [], []
    for scenario in args.only:
        for size in args.sizes or SCENARIOS[scenario]:
            measured = {}
            for impl in ("lists", "compact"):
                if impl == "lists" and size > LIST_LIMIT[scenario]:
                    print(f"| {scenario} | {size:,} | | lists | skipped: would need more memory than this machine "
                          "has to spare | | | | | | | | | |", flush=True)
                    continue
                measured[impl] = run_in_subprocess(scenario, size, impl)
                results.append(measured[impl])
                print(table_row(measured[impl]), flush=True)
            goals.append(goal_line(measured["compact"], measured.get("lists")))
    print("\n".join(["", "goal: ≤ 8 bytes per token per field retained, peak ≤ 1.5 × retained + a constant, "
                     "at least the lists' speed", *goals]))
    return results


if __name__ == "__main__":
    main()
