"""Extractive QA features: sliding windows over long contexts, answer tokens from character offsets, n-best decoding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from torch.utils.data import Dataset

from helpers.core.token_rows import RowsBuilder, TokenRows, progress_chunks
from helpers.question_answering.corpus import QaExample

QA_CHUNK = 200  # questions per tokenizer call: about 100,000 tokens of windows with their offsets


@dataclass
class QaFeatures:
    """Windows of (question, context part): token ids, where the context is, and the answer tokens (0 = [CLS])."""

    input_ids: TokenRows
    token_type_ids: TokenRows
    offsets: TokenRows  # rows of (tokens, 2): character span of each token in the context; empty if not kept
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


class QaFeatureBuilder:
    """Windows of chunk after chunk of examples, gathered into compact rows (the per-window numbers as lists)."""

    def __init__(self, expected_rows: int, keep_offsets: bool) -> None:
        self.ids, self.types = RowsBuilder(np.int32, expected_rows), RowsBuilder(np.int8, expected_rows)
        self.offsets, self.keep_offsets = RowsBuilder(np.int32, expected_rows, width=2), keep_offsets
        self.spans, self.example_index, self.starts, self.ends = [], [], [], []
        self.fits, self.exact = set(), set()

    def add_chunk(self, tokenizer: Any, examples: Sequence[QaExample], first_index: int, max_length: int,
                  stride: int) -> None:
        """Tokenise question + context of `examples` (numbered from first_index) into windows with answer tokens."""
        enc = tokenizer([e.question for e in examples], [e.context for e in examples], truncation="only_second",
                        max_length=max_length, stride=stride, return_overflowing_tokens=True,
                        return_offsets_mapping=True, return_attention_mask=False)
        offsets_rows = []
        for i, local_index in enumerate(enc["overflow_to_sample_mapping"]):
            context = [t for t, s in enumerate(enc.sequence_ids(i)) if s == 1]  # segment 1: the context's tokens
            offsets = np.asarray(enc["offset_mapping"][i], dtype=np.int32)
            self.add_window(examples[local_index], first_index + local_index, offsets, (context[0], context[-1]))
            offsets_rows.append(offsets if self.keep_offsets else offsets[:0])
        self.ids.extend(enc["input_ids"])
        self.types.extend(enc["token_type_ids"])
        self.offsets.extend(offsets_rows)

    def add_window(self, example: QaExample, example_index: int, offsets: np.ndarray,
                   span: tuple[int, int]) -> None:
        """Record one window: its context tokens `span`, its example, and the tokens of the answer (0, 0 if absent)."""
        answer = example.answers[0] if example.answers else None  # no answer when predicting
        start, end = answer_tokens(offsets, *span, answer.start, answer.end) if answer else (0, 0)
        if start:
            self.fits.add(example_index)
            if span_text(example, offsets, start, end) == answer.text.strip():
                self.exact.add(example_index)
        self.spans.append(span)
        self.example_index.append(example_index)
        self.starts.append(start)
        self.ends.append(end)

    def finish(self) -> QaFeatures:
        """All windows gathered so far as QaFeatures."""
        features = QaFeatures(self.ids.finish(), self.types.finish(), self.offsets.finish(), self.spans,
                              self.example_index, self.starts, self.ends)
        features.answers_in_a_window, features.answers_exact = len(self.fits), len(self.exact)
        return features


def build_qa_features(tokenizer: Any, examples: Sequence[QaExample], max_length: int, stride: int,
                      name: str = "examples", keep_offsets: bool = True, verbose: bool = True) -> QaFeatures:
    """Tokenise question + context into overlapping windows (context truncated only) with answer token labels,
    QA_CHUNK examples per tokenizer call, into compact rows."""
    builder = QaFeatureBuilder(len(examples), keep_offsets)
    for start in range(0, len(examples), QA_CHUNK):  # every question is checked before any window is built
        check_window_room(tokenizer, [e.question for e in examples[start : start + QA_CHUNK]], max_length, stride)
    chunks = progress_chunks(examples, QA_CHUNK, name, "questions") if verbose else \
        (examples[i : i + QA_CHUNK] for i in range(0, len(examples), QA_CHUNK))
    done = 0
    for chunk in chunks:
        builder.add_chunk(tokenizer, chunk, done, max_length, stride)
        done += len(chunk)
    features = builder.finish()
    exact, fits = features.answers_exact, features.answers_in_a_window
    if verbose:
        print(f"{name}: {len(examples):,} questions -> {len(features):,} windows of at most {max_length} tokens "
              f"(stride {stride}); the answer tokens give back the exact answer text for {exact:,} "
              f"({100 * exact / max(1, len(examples)):.1f}%), the answer lies inside a window for {fits:,}")
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
        return self.features.input_ids.lengths().tolist()


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
    return [best_answers(example, features, found, n_best) for example, found in zip(examples, candidates)]


def best_answers(example: QaExample, features: QaFeatures, candidates: Sequence[tuple[float, int, int, int]],
                 n_best: int) -> list[dict[str, Any]]:
    """The n highest-scoring (score, window, start, end) candidates of one example as answers whose probabilities
    are a softmax over those n; one empty answer when there is no candidate."""
    top = sorted(candidates, key=lambda c: c[0], reverse=True)[:n_best]
    if not top:
        return [{"text": "", "start": 0, "end": 0, "score": float("-inf"), "probability": 0.0}]
    weights = np.exp(np.array([c[0] for c in top]) - top[0][0])
    return [{"text": span_text(example, features.offsets[i], s, e), "start": features.offsets[i][s][0],
             "end": features.offsets[i][e][1], "score": score, "probability": float(w / weights.sum())}
            for (score, i, s, e), w in zip(top, weights)]
