"""The pretraining study's table: per side and size, the chosen learning rate and test accuracy over seeds."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any, Sequence

STUDY_RESULTS_FILE = Path(__file__).resolve().parent.parent / "results" / "pretraining_study.json"
SIDES = ("scratch", "pretrained")


def read_runs(path: Path) -> list[dict[str, Any]]:
    """Fine-tune results of one side (JSON lines); an absent file is no runs."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def summarise(runs: Sequence[dict[str, Any]], size: int) -> dict[str, Any] | None:
    """Learning rate the first seed's validation accuracy chose, and test accuracy of every seed run at it."""
    rows = [r for r in runs if r["rows"] == size]
    if not rows:
        return None
    first_seed = min(r["seed"] for r in rows)
    chosen = max((r for r in rows if r["seed"] == first_seed), key=lambda r: r["val_acc"])["lr"]
    tests = [r["test_acc"] for r in sorted(rows, key=lambda r: r["seed"]) if r["lr"] == chosen]
    grid = {str(lr): round(max(r["val_acc"] for r in rows if r["lr"] == lr and r["seed"] == first_seed), 4)
            for lr in sorted({r["lr"] for r in rows if r["seed"] == first_seed})}
    return {"rows": size, "lr": chosen, "seeds": len(tests), "test_acc": [round(t, 4) for t in tests],
            "mean": round(statistics.mean(tests), 4),
            "std": round(statistics.stdev(tests), 4) if len(tests) > 1 else 0.0,
            "min": round(min(tests), 4), "max": round(max(tests), 4), "first_seed_val_acc_by_lr": grid}


def decide(table: dict[str, dict[str, dict[str, Any]]], sizes: Sequence[int]) -> dict[str, Any]:
    """Ship the pretrained weights only if, at every size, its worst seed beats scratch's best (3 seeds each)."""
    reasons, ship = [], True
    for size in sizes:
        s, p = table["scratch"].get(str(size)), table["pretrained"].get(str(size))
        if s is None or p is None or s["seeds"] < 3 or p["seeds"] < 3:
            ship = False
            reasons.append(f"{size} rows: fewer than 3 seeds on a side, no decision possible")
            continue
        gap = p["mean"] - s["mean"]
        beyond = p["min"] > s["max"]
        ship = ship and beyond
        reasons.append(f"{size} rows: pretrained {p['mean']:.3f} vs scratch {s['mean']:.3f} ({gap * 100:+.1f} points); "
                       f"pretrained worst seed {p['min']:.3f} {'>' if beyond else '<='} scratch best seed "
                       f"{s['max']:.3f}")
    return {"ship_pretrained_weights": ship, "rule": "pretrained min over seeds > scratch max over seeds at "
            "every size", "reasons": reasons}


def write_results(out_dir: Path, results_file: Path = STUDY_RESULTS_FILE) -> dict[str, Any]:
    """Summarise the raw runs in `out_dir` into the committed results JSON (and print the table)."""
    pretraining = json.loads((out_dir / "pretraining.json").read_text())
    runs = {side: read_runs(out_dir / f"{side}.jsonl") for side in SIDES}
    sizes = sorted({r["rows"] for side in SIDES for r in runs[side]})
    table = {side: {str(n): summary for n in sizes if (summary := summarise(runs[side], n))} for side in SIDES}
    results = {"pretraining": pretraining, "table": table, "decision": decide(table, sizes),
               "runs": [r for side in SIDES for r in runs[side]]}
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(markdown_table(results))
    print("\n".join(results["decision"]["reasons"]))
    return results


def load_results(results_file: Path = STUDY_RESULTS_FILE) -> dict[str, Any]:
    """The committed results of the study (measured once; the smoke notebook shows them without re-running)."""
    return json.loads(results_file.read_text())


def markdown_table(results: dict[str, Any]) -> str:
    """Markdown table: rows, then per side the chosen LR and test accuracy mean ± std [min-max] over seeds."""
    lines = ["| fine-tuning rows | scratch: LR | scratch: test accuracy | pretrained: LR | pretrained: test accuracy "
             "| difference |", "|---|---|---|---|---|---|"]
    sizes = sorted({int(n) for side in SIDES for n in results["table"][side]})
    for size in sizes:
        cells = []
        for side in SIDES:
            r = results["table"][side].get(str(size))
            cells += ([f"{r['lr']:g}", f"{r['mean']:.3f} ± {r['std']:.3f} [{r['min']:.3f}–{r['max']:.3f}], "
                       f"{r['seeds']} seeds"] if r else ["–", "not run"])
        s, p = (results["table"][side].get(str(size)) for side in SIDES)
        difference = f"{(p['mean'] - s['mean']) * 100:+.1f} points" if s and p else "–"
        lines.append(f"| {size:,} | " + " | ".join(cells) + f" | {difference} |")
    return "\n".join(lines)
