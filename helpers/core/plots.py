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
    if not installed.intersection(KOREAN_FONTS):  # installed after matplotlib built its font cache (Colab apt-get)
        installed |= register_korean_font_files()
    for name in KOREAN_FONTS:
        if name in installed:
            matplotlib.rcParams["font.family"] = name
            matplotlib.rcParams["axes.unicode_minus"] = False
            return name
    print("한글 글꼴이 없어 그림의 한글이 네모로 보일 수 있습니다. Colab에서는 글꼴 설치 셀을 실행한 뒤 이 셀을 다시 "
          "실행하세요. 로컬에서는 나눔 또는 Noto CJK 글꼴을 설치하세요(Debian/Ubuntu: sudo apt-get install "
          "fonts-nanum, macOS·Windows에는 AppleGothic·맑은 고딕이 있습니다).")
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


def plot_confusion_matrix(matrix: Sequence[Sequence[int]], labels: Sequence[str],
                          save_to: str | Path | None = None, title: str = "gold (rows) vs predicted (columns)"):
    """Heat map of a confusion matrix (rows: gold label, columns: predicted label) with counts written in."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.6 * len(labels) + 2, 1.4 * len(labels) + 1.5))
    image = ax.imshow(matrix, cmap="Blues")
    top = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            ax.text(j, i, str(count), ha="center", va="center", color="white" if count > top / 2 else "black")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.046)
    return save_figure(fig, save_to)


def plot_entity_scores(report: dict[str, dict[str, float]], save_to: str | Path | None = None):
    """Bars of precision, recall and F1 per entity type from {type: {"precision", "recall", "f1", "support"}}."""
    import matplotlib.pyplot as plt

    types = list(report)
    fig, ax = plt.subplots(figsize=(1.2 * len(types) + 3, 3.5))
    for k, metric in enumerate(("precision", "recall", "f1")):
        ax.bar([i + (k - 1) * 0.27 for i in range(len(types))], [report[t][metric] for t in types], 0.27,
               label=metric)
    ax.set_xticks(range(len(types)), [f"{t}\n(n={int(report[t]['support'])})" for t in types])
    ax.set_ylim(0, 1)
    ax.set_title("entity-level scores per type")
    ax.legend()
    return save_figure(fig, save_to)


def save_figure(fig, save_to: str | Path | None):
    """Lay out `fig`, write it to `save_to` (folders created) when given, and return it."""
    fig.tight_layout()
    if save_to:
        Path(save_to).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(save_to, dpi=100)
    return fig


def epoch_table(paths: str | Path | Sequence[str | Path], names: Sequence[str]) -> str:
    """A text table of metrics logged once per validation (one row per epoch), read from the CSV logs."""
    logged = read_metrics(paths)
    series = {name: dict(logged.get(name, [])) for name in names}
    steps = sorted({step for values in series.values() for step in values})
    lines = ["epoch   step  " + "  ".join(f"{name:>10}" for name in names)]
    for epoch, step in enumerate(steps, start=1):
        cells = [f"{series[n][step]:>10.3f}" if step in series[n] else f"{'-':>10}" for n in names]
        lines.append(f"{epoch:>5} {step:>6}  " + "  ".join(cells))
    return "\n".join(lines)


KOREAN_FONT_FILES = ("nanum", "notosanscjk", "notosanskr", "notoserifcjk", "malgun", "applegothic", "undotum")


def register_korean_font_files() -> set[str]:
    """Add Hangul font files installed on the system but missing from matplotlib's cache; return their names."""
    from matplotlib import font_manager

    names = set()
    for path in font_manager.findSystemFonts():
        if any(key in Path(path).name.lower().replace("-", "").replace("_", "") for key in KOREAN_FONT_FILES):
            try:
                font_manager.fontManager.addfont(path)
                names.add(font_manager.FontProperties(fname=path).get_name())
            except (OSError, RuntimeError, ValueError):  # an unreadable or collection file: skip it, keep looking
                continue
    return names


def plot_score_distribution(groups: dict[str, Sequence[float]], xlabel: str = "probability of the best answer",
                            save_to: str | Path | None = None, bins: int = 20, title: str = "score distribution"):
    """Overlaid histograms of one score for several groups (e.g. right and wrong answers), with their means."""
    import matplotlib.pyplot as plt

    values = [v for group in groups.values() for v in group]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    edges = [low + (high - low) * i / bins for i in range(bins + 1)] if high > low else bins
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for (name, group), color in zip(groups.items(), ("tab:green", "tab:red", "tab:blue", "tab:orange")):
        if group:
            ax.hist(group, bins=edges, alpha=0.55, color=color, label=f"{name} (n={len(group)})")
            ax.axvline(sum(group) / len(group), color=color, linestyle="--")
        else:  # still named in the legend, so an empty group is seen to be empty
            ax.bar([], [], color=color, alpha=0.55, label=f"{name} (n=0)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    ax.set_title(title)
    ax.legend()
    return save_figure(fig, save_to)


def plot_next_token_probabilities(tokens: Sequence[str], probabilities: dict[float, Sequence[float]],
                                  save_to: str | Path | None = None, title: str = "next-token probabilities"):
    """Grouped bars: the likeliest next tokens, one bar per temperature (flatter when hotter)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6.0, 0.8 * len(tokens) + 2), 3.5))
    width = 0.8 / max(1, len(probabilities))
    for k, (temperature, values) in enumerate(probabilities.items()):
        ax.bar([i + (k - (len(probabilities) - 1) / 2) * width for i in range(len(tokens))], values, width,
               label=f"temperature {temperature}")
    names = ["(byte piece)" if "\ufffd" in t else repr(t.strip() or t)[1:-1] for t in tokens]  # part of a character
    ax.set_xticks(range(len(tokens)), names, rotation=30, ha="right")
    ax.set_ylabel("probability")
    ax.set_title(title)
    ax.legend()
    return save_figure(fig, save_to)
