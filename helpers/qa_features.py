"""Extractive QA features: sliding windows over long contexts, answer tokens from character offsets, n-best decoding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from torch.utils.data import Dataset

from .korquad import QaExample


@dataclass
class QaFeatures:
    """Windows of (question, context part): token ids, where the context is, and the answer tokens (0 = [CLS])."""

    input_ids: list[list[int]]
    token_type_ids: list[list[int]]
    offsets: list[np.ndarray]  # (tokens, 2) character span of each token in the context; empty if not kept
    context_spans: list[tuple[int, int]]  # first and last token index of the context in each window
    example_index: list[int]  # which example each window comes from
    start_positions: list[int]
    end_positions: list[int]
    answers_in_a_window: int = 0  # examples whose answer lies wholly inside at least one window
    answers_exact: int = 0  # ... and whose answer tokens give back exactly the gold text

    def __len__(self) -> int:
        return len(self.input_ids)


def answer_tokens(offsets: Sequence[tuple[int, int]], first: int, last: int, start_char: int,
                  end_char: int) -> tuple[int, int]:
    """Tokens holding the first and last answer character, or (0, 0) ([CLS]) when the window misses the answer."""
    if offsets[first][0] > start_char or offsets[last][1] < end_char:
        return 0, 0
    start = first
    while offsets[start][1] <= start_char:  # skip tokens that end before the answer (an answer at char 0 is real)
        start += 1
    end = last
    while offsets[end][0] >= end_char:  # skip tokens that begin after it
        end -= 1
    return (start, end) if start <= end else (0, 0)  # (0, 0) too when no token covers the answer's characters


def check_window_room(tokenizer: Any, questions: Sequence[str], max_length: int, stride: int) -> None:
    """Raise ValueError when the longest question leaves no room for `stride` overlapping context tokens."""
    longest = max(len(ids) for ids in tokenizer(list(questions), add_special_tokens=False)["input_ids"])
    if longest + 3 + stride >= max_length:
        raise ValueError(f"a question of {longest} tokens plus doc_stride={stride} does not fit max_seq_length="
                         f"{max_length}: raise max_seq_length or lower doc_stride")


def build_qa_features(tokenizer: Any, examples: Sequence[QaExample], max_length: int, stride: int,
                      name: str = "examples", keep_offsets: bool = True, verbose: bool = True) -> QaFeatures:
    """Tokenise question + context into overlapping windows (context truncated only) with answer token labels."""
    check_window_room(tokenizer, [e.question for e in examples], max_length, stride)
    enc = tokenizer([e.question for e in examples], [e.context for e in examples], truncation="only_second",
                    max_length=max_length, stride=stride, return_overflowing_tokens=True,
                    return_offsets_mapping=True, return_attention_mask=False)
    features = QaFeatures([], [], [], [], [], [], [])
    fits, exact = set(), set()
    for i, example_index in enumerate(enc["overflow_to_sample_mapping"]):
        context = [t for t, s in enumerate(enc.sequence_ids(i)) if s == 1]
        first, last = context[0], context[-1]
        offsets = np.asarray(enc["offset_mapping"][i], dtype=np.int32)
        example = examples[example_index]
        answer = example.answers[0] if example.answers else None  # no answer when predicting
        start, end = answer_tokens(offsets, first, last, answer.start, answer.end) if answer else (0, 0)
        if start:
            fits.add(example_index)
            if span_text(example, offsets, start, end) == answer.text.strip():
                exact.add(example_index)
        features.input_ids.append(enc["input_ids"][i])
        features.token_type_ids.append(enc["token_type_ids"][i])
        features.offsets.append(offsets if keep_offsets else np.empty((0, 2), np.int32))
        features.context_spans.append((first, last))
        features.example_index.append(example_index)
        features.start_positions.append(start)
        features.end_positions.append(end)
    features.answers_in_a_window, features.answers_exact = len(fits), len(exact)
    if verbose:
        print(f"{name}: {len(examples):,} questions -> {len(features):,} windows of at most {max_length} tokens "
              f"(stride {stride}); the answer tokens give back the exact answer text for {len(exact):,} "
              f"({100 * len(exact) / max(1, len(examples)):.1f}%), the answer lies inside a window for {len(fits):,}")
    return features


class QaFeatureDataset(Dataset):
    """QA windows as unpadded rows; `feature_index` lets evaluation map logits back to their window."""

    def __init__(self, features: QaFeatures) -> None:
        self.features = features

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, index: int) -> dict[str, Any]:
        f = self.features
        return {"input_ids": f.input_ids[index], "token_type_ids": f.token_type_ids[index],
                "start_positions": f.start_positions[index], "end_positions": f.end_positions[index],
                "feature_index": index}

    def lengths(self) -> list[int]:
        """Number of tokens of each window."""
        return [len(ids) for ids in self.features.input_ids]


def span_text(example: QaExample, offsets: Sequence[tuple[int, int]], start: int, end: int) -> str:
    """The context text from the first character of token `start` to the last of token `end`."""
    return example.context[offsets[start][0] : offsets[end][1]]


def window_candidates(start_logits: np.ndarray, end_logits: np.ndarray, span: tuple[int, int], n_best: int,
                      max_answer_length: int) -> list[tuple[float, int, int]]:
    """(score, start, end) of the best valid spans of one window: inside the context, start <= end, not too long."""
    first, last = span
    starts = first + np.argsort(start_logits[first : last + 1])[::-1][:n_best]
    ends = first + np.argsort(end_logits[first : last + 1])[::-1][:n_best]
    scores = start_logits[starts][:, None] + end_logits[ends][None, :]
    length = ends[None, :] - starts[:, None] + 1
    valid = (length >= 1) & (length <= max_answer_length)
    rows, cols = np.nonzero(valid)
    return [(float(scores[r, c]), int(starts[r]), int(ends[c])) for r, c in zip(rows, cols)]


def decode_answers(examples: Sequence[QaExample], features: QaFeatures, start_logits: Sequence[np.ndarray],
                   end_logits: Sequence[np.ndarray], n_best: int = 20,
                   max_answer_length: int = 30) -> list[list[dict[str, Any]]]:
    """The n best answers of each example over all its windows, as text with character spans and probabilities."""
    candidates: list[list[tuple[float, int, int, int]]] = [[] for _ in examples]
    for i, example_index in enumerate(features.example_index):
        if start_logits[i] is None:  # this window was not evaluated
            continue
        for score, start, end in window_candidates(np.asarray(start_logits[i]), np.asarray(end_logits[i]),
                                                   features.context_spans[i], n_best, max_answer_length):
            candidates[example_index].append((score, i, start, end))
    results = []
    for example, found in zip(examples, candidates):
        found.sort(key=lambda c: c[0], reverse=True)
        top = found[:n_best]
        weights = np.exp(np.array([c[0] for c in top]) - top[0][0]) if top else np.array([])
        answers = [{"text": span_text(example, features.offsets[i], s, e), "start": features.offsets[i][s][0],
                    "end": features.offsets[i][e][1], "score": score, "probability": float(w / weights.sum())}
                   for (score, i, s, e), w in zip(top, weights)]
        results.append(answers or [{"text": "", "start": 0, "end": 0, "score": float("-inf"), "probability": 0.0}])
    return results
