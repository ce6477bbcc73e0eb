"""Which tokens the [CLS] token attends to: attention weights of one input, per layer, as a heat map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from helpers.core.devices import to_inference_device
from helpers.core.models import in_evaluation_mode
from helpers.core.plots import save_figure


@in_evaluation_mode
def cls_attention(model: Any, tokenizer: Any, text: str, pair: str | None = None,
                  max_length: int = 128) -> tuple[list[str], np.ndarray]:
    """Tokens of the input and the attention row of [CLS] in each layer, averaged over heads: (layers, tokens)."""
    device = to_inference_device(model)
    batch = tokenizer(text, pair, truncation=True, max_length=max_length, return_tensors="pt").to(device)
    previous = model.config._attn_implementation
    model.set_attn_implementation("eager")  # fused attention (sdpa) does not hand out its weights
    try:
        attentions = model(**batch, output_attentions=True).attentions
    finally:
        model.set_attn_implementation(previous)
    rows = torch.stack([layer[0, :, 0, :] for layer in attentions])  # (layers, heads, tokens): the [CLS] query
    tokens = tokenizer.convert_ids_to_tokens(batch["input_ids"][0].tolist())
    return tokens, rows.mean(1).float().cpu().numpy()


def plot_cls_attention(tokens: list[str], weights: np.ndarray, save_to: str | Path | None = None,
                       title: str = "attention of [CLS] to each token, % (mean over heads)"):
    """Heat map: one row per layer (and their mean), one column per token, darker = more attention."""
    import matplotlib.pyplot as plt


    table = 100 * np.vstack([weights, weights.mean(0, keepdims=True)])  # percent of each row
    names = [f"layer {i + 1}" for i in range(len(weights))] + ["mean"]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.55 * len(tokens) + 1.5), 0.45 * len(names) + 1.8))
    image = ax.imshow(table, cmap="Oranges", aspect="auto", vmin=0)
    ax.set_xticks(range(len(tokens)), tokens, rotation=60, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.axhline(len(weights) - 0.5, color="white", linewidth=2)
    if len(tokens) <= 40:  # write the weights in when they still fit, in percent of the row
        for (i, j), value in np.ndenumerate(table):
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=7,
                    color="white" if value > 0.6 * table.max() else "black")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.03, label="% of the row")
    return save_figure(fig, save_to)
