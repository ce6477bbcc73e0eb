"""Per-step cost of the course's own task and trainer: samples/s now against an older commit of the course.

    python benchmarks/step_cost.py                      # now vs 9349185 (before cheap per-step logging)
    python benchmarks/step_cost.py --before REV --steps 300 --repeats 3

The same script runs twice in fresh processes, once importing `helpers` from a temporary git worktree of the
older commit and once from this checkout: a tiny BERT (the smoke model) on the embedded NSMC sample, batch 32,
`log_every_n_steps=10` as in a real run, no progress bar, one CPU thread. The tiny model's compute is small, so
the host work per step (logging, metric argument checks) shows. On a GPU (`--device cuda`) the script also counts
the host-device synchronisations per step with `torch.cuda.set_sync_debug_mode("warn")`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(steps: int, device: str) -> dict[str, float]:
    """Samples/s of `steps` training steps (after 20 warm-up steps) through build_task and build_trainer."""
    import lightning as L
    import torch
    from lightning.pytorch.callbacks import Callback

    from helpers.classification.pipeline import encode_splits
    from helpers.core.loaders import make_loaders
    from helpers.core.models import load_tokenizer
    from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, SMOKE_OVERRIDES, CourseSettings
    from helpers.core.splits import read_nsmc_splits
    from helpers.core.tasks import build_task
    from helpers.core.training import build_trainer

    class Timer(Callback):
        def __init__(self) -> None:
            self.times: list[float] = []
            self.syncs = 0

        def on_train_batch_end(self, *args) -> None:
            if device == "cuda":
                torch.cuda.synchronize()
            self.times.append(time.perf_counter())

    torch.set_num_threads(1)
    warmup = 20
    settings = CourseSettings(**{**SMOKE_OVERRIDES, "smoke": True, "corpus_root_dir": str(EMBEDDED_SAMPLE_ROOT),
                                 "output_dir": tempfile.mkdtemp(), "batch_size": 32, "limit_train_rows": None,
                                 "epochs": 1000, "max_steps": warmup + steps})
    tokenizer = load_tokenizer(settings)
    loaders = make_loaders(encode_splits(tokenizer, read_nsmc_splits(settings), settings.max_seq_length),
                           tokenizer, settings)
    L.seed_everything(0, verbose=False)
    task = build_task(settings)
    timer = Timer()
    trainer = build_trainer(settings, callbacks=[timer], accelerator=device, enable_progress_bar=False,
                            log_every_n_steps=10, limit_val_batches=0, checkpoint_every_minutes=0,
                            enable_checkpointing=True)
    with warnings.catch_warnings(record=True) as caught:
        if device == "cuda":
            torch.cuda.set_sync_debug_mode("warn")
        trainer.fit(task, loaders.train)
    seconds = timer.times[-1] - timer.times[warmup - 1]
    syncs = sum("synchroniz" in str(w.message) for w in caught)
    return {"samples_per_s": steps * settings.batch_size / seconds, "syncs_per_step": syncs / (warmup + steps)}


def run_in(checkout: Path, steps: int, device: str) -> dict[str, float]:
    """Run `measure` in a fresh process that imports helpers from `checkout`."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "OMP_NUM_THREADS": "1", "NLPBOOK_SMOKE": "1"}
    code = (f"import json, sys; sys.path.insert(0, {str(REPO / 'benchmarks')!r}); from step_cost import measure; "
            f"print('RESULT' + json.dumps(measure({steps}, {device!r})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=checkout, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"measurement in {checkout} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.split("RESULT", 1)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="9349185", help="the older commit to compare with")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        old = Path(folder) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(old), args.before], cwd=REPO, check=True)
        try:
            rows = []
            for _ in range(args.repeats):  # interleaved, so a change in the machine's load hits both sides
                rows.append((run_in(old, args.steps, args.device), run_in(REPO, args.steps, args.device)))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=REPO, check=True)
    print(f"per-step cost, tiny BERT, batch 32, {args.steps} steps, {args.device}; before = {args.before}")
    print(f"{'run':>4} {'before samples/s':>17} {'now samples/s':>14} {'ratio':>6} {'syncs/step before, now':>24}")
    for i, (before, now) in enumerate(rows, 1):
        print(f"{i:>4} {before['samples_per_s']:>17.1f} {now['samples_per_s']:>14.1f} "
              f"{now['samples_per_s'] / before['samples_per_s']:>6.2f} "
              f"{before['syncs_per_step']:>11.2f}, {now['syncs_per_step']:.2f}")
    best_before = max(b["samples_per_s"] for b, _ in rows)
    best_now = max(n["samples_per_s"] for _, n in rows)
    print(f"best of {args.repeats}: {best_before:.1f} -> {best_now:.1f} samples/s ({best_now / best_before:.2f}x)")


if __name__ == "__main__":
    main()
