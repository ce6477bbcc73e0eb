"""Pictures: learning curves from the CSV log, token-length histograms, and Hangul-capable fonts."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Sequence

import matplotlib

KOREAN_FONTS = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic",
                "AppleGothic", "UnDotum")


def use_korean_font() -> str | None:
    """Pick an installed font with Hangul for matplotlib; None (and a hint) when there is none."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in KOREAN_FONTS:
        if name in installed:
            matplotlib.rcParams["font.family"] = name
            matplotlib.rcParams["axes.unicode_minus"] = False
            return name
    print("No Korean font found: Hangul in plots may show as boxes. On Colab run "
          "`!apt-get -qq install fonts-nanum` and restart the runtime; elsewhere install Nanum or Noto CJK fonts.")
    return None


def read_metrics(paths: str | Path | Sequence[str | Path]) -> dict[str, list[tuple[int, float]]]:
    """Read Lightning CSV logs (parts of one run, oldest first) into {metric: [(step, value), ...]}."""
    series: dict[str, list[tuple[int, float]]] = {}
    for path in [paths] if isinstance(paths, (str, Path)) else paths:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            step = int(float(row.get("step") or 0))
            for key, value in row.items():
                if key in ("step", "epoch") or value in ("", None):
                    continue
                number = float(value)
                if math.isfinite(number):
                    series.setdefault(key, []).append((step, number))
    return series


def plot_learning_curves(path: str | Path | Sequence[str | Path], save_to: str | Path | None = None,
                         metrics: Sequence[str] = ("loss", "acc")):
    """Plot train (per step) and validation (per epoch) curves of each metric from CSV logs."""
    import matplotlib.pyplot as plt

    series = read_metrics(path)
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for stage, style in (("train", "-"), ("val", "o-")):
            points = series.get(f"{stage}_{metric}", [])
            if points:
                steps, values = zip(*points)
                ax.plot(steps, values, style, label=f"{stage}_{metric}", alpha=0.8)
        ax.set_xlabel("step")
        ax.set_title(metric)
        ax.legend()
    fig.tight_layout()
    if save_to:
        Path(save_to).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(save_to, dpi=100)
    return fig


def plot_token_lengths(lengths: Sequence[int], max_length: int = 128, title: str = "tokens per row"):
    """Histogram of token counts with the median and a static max_length marked."""
    import matplotlib.pyplot as plt

    ordered = sorted(lengths)
    median = ordered[len(ordered) // 2]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.hist(lengths, bins=range(0, max(max(lengths), max_length) + 4, 2), color="tab:blue", alpha=0.8)
    ax.axvline(median, color="tab:green", linestyle="--", label=f"median {median}")
    ax.axvline(max_length, color="tab:red", linestyle=":", label=f"max_length {max_length}")
    ax.set_xlabel("tokens")
    ax.set_ylabel("rows")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig
