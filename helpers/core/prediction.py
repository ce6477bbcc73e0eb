"""Predicting labels of texts (or text pairs) with a sequence classifier."""

from __future__ import annotations

from typing import Any, Sequence

from helpers.core.devices import to_inference_device
from helpers.core.models import in_evaluation_mode


@in_evaluation_mode
def predict_texts(model: Any, tokenizer: Any, texts: Sequence[str], max_length: int = 128,
                  batch_size: int = 64) -> list[dict[str, Any]]:
    """Label and class probabilities for each text, batched and padded per batch."""
    device = to_inference_device(model)
    id2label = model.config.id2label
    results: list[dict[str, Any]] = []
    for start in range(0, len(texts), batch_size):
        chunk = list(texts[start : start + batch_size])
        batch = tokenizer(chunk, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        probs = model(**batch.to(device)).logits.float().softmax(-1).cpu()
        for text, p in zip(chunk, probs):
            best = int(p.argmax())
            results.append({"text": text, "label": id2label[best],
                            "probabilities": {id2label[i]: float(v) for i, v in enumerate(p)}})
    return results
