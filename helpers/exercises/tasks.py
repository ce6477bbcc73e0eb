"""Exercises of the task and inference notebooks (10-24): each judge recomputes the right answer itself.

Answers are about the embedded sample (`sample_settings`: the smoke settings on `EMBEDDED_SAMPLE_ROOT`, the tiny
tokenizer), so a check gives the same verdict in a smoke run, a real run on Colab and the test suite.
"""

from __future__ import annotations

import contextlib
import io
import math
from typing import Any, Callable

import torch
from transformers.generation.logits_process import (
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopPLogitsWarper,
)

from helpers.core.models import load_tokenizer
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, SMOKE_OVERRIDES, TASK_DEFAULTS, TASK_SETTINGS, CourseSettings
from helpers.demos.spans import QA_CONTEXT, QA_QUESTION
from helpers.exercises.checks import Exercise, Verdict, close_to, not_yet, right
from helpers.generation.pipeline import DECODING_STRATEGIES
from helpers.pair_classification.corpus import read_pair_splits
from helpers.pair_classification.pipeline import majority_share
from helpers.question_answering.corpus import Answer, QaExample
from helpers.question_answering.features import build_qa_features
from helpers.question_answering.metrics import char_f1, exact_match

NLI_EXAMPLE = ("아이들이 공원에서 축구를 하고 있다.", "아이들이 밖에서 놀고 있다.")
NEGATIONS = ("않", "없")
QA_PREDICTION, QA_GOLD = "1443년에", "1443년"
LONG_QA_CONTEXT = " ".join([QA_CONTEXT] * 10)
LONG_PREMISE, SHORT_HYPOTHESIS, PAIR_LIMIT = "오늘은 맑고 바람이 시원하다. " * 10, "날씨가 좋다", 32
UNK_TEXT = "⍼⍼를 봤다 ㋡ 정말 재밌어요"
BATCH_LOSSES = ((10, 2.0), (30, 3.0))  # (real tokens, mean loss per token) of two validation batches
SEEN_LOGITS, PENALTY = (3.0, -2.0), 1.5
NEXT_PROBABILITIES, TOP_P = (0.5, 0.3, 0.15, 0.05), 0.92
CLASS_LOGITS = (0.5, 2.0)  # (부정, 긍정)
TEMPERATURE_LOGITS, TEMPERATURE = (2.0, 1.0, 0.0), 0.5


def sample_settings(task: str) -> CourseSettings:
    """The smoke settings of `task` on the embedded sample, whatever NLPBOOK_* says (exercise answers are fixed)."""
    return TASK_SETTINGS[task](**{**SMOKE_OVERRIDES, **TASK_DEFAULTS[task], "smoke": True,
                                 "corpus_root_dir": str(EMBEDDED_SAMPLE_ROOT)})


def quietly(compute: Callable[[], Any]) -> Any:
    """Run `compute` without its progress prints (a check prints only its verdict)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return compute()


def sample_pairs() -> Any:
    """The embedded KLUE-NLI sample's train/validation/test pairs."""
    return quietly(lambda: read_pair_splits(sample_settings("pair-classification")))


def negation_contradiction_share() -> float:
    """Share of contradictions among the sample's training hypotheses with a negation (a hypothesis-only rule)."""
    negated = [r for r in sample_pairs().train if any(word in r.hypothesis for word in NEGATIONS)]
    return sum(r.label == 2 for r in negated) / len(negated)


def hypothesis_segment_tokens() -> int:
    """Tokens with token_type_id 1 (the hypothesis and its [SEP]) in NLI_EXAMPLE."""
    return sum(load_tokenizer(sample_settings("pair-classification"))(*NLI_EXAMPLE)["token_type_ids"])


def truncated_pair_lengths() -> tuple[int, int]:
    """(premise, hypothesis) tokens left after `longest_first` truncation to PAIR_LIMIT, specials excluded."""
    tokenizer = load_tokenizer(sample_settings("pair-classification"))
    types = tokenizer(LONG_PREMISE, SHORT_HYPOTHESIS, truncation="longest_first", max_length=PAIR_LIMIT)
    segments = types["token_type_ids"]
    return segments.count(0) - 2, segments.count(1) - 1


def qa_windows(stride: int) -> Any:
    """The windows of QA_QUESTION over LONG_QA_CONTEXT with the sample's tokenizer and max_seq_length."""
    settings = sample_settings("question-answering")
    answer = Answer("1446년", LONG_QA_CONTEXT.index("1446년"))
    example = QaExample("exercise", QA_QUESTION, LONG_QA_CONTEXT, (answer,))
    return build_qa_features(load_tokenizer(settings), [example], settings.max_seq_length, stride, verbose=False)


def window_length_and_step() -> tuple[int, int]:
    """Context tokens in the first window, and how many context tokens the second window starts after it."""
    features = qa_windows(64)
    (first0, last0), (first1, _) = features.context_spans[0], features.context_spans[1]
    start_of_second = features.offsets[1][first1][0]
    step = next(k for k in range(first0, last0 + 1) if features.offsets[0][k][0] == start_of_second) - first0
    return last0 - first0 + 1, step


def window_counts() -> tuple[int, int]:
    """How many windows LONG_QA_CONTEXT needs with doc_stride 64 and with doc_stride 128."""
    return len(qa_windows(64)), len(qa_windows(128))


def token_weighted_perplexity() -> float:
    """exp of the mean loss over all real tokens of BATCH_LOSSES."""
    return math.exp(sum(n * loss for n, loss in BATCH_LOSSES) / sum(n for n, _ in BATCH_LOSSES))


def penalised_logits() -> list[float]:
    """SEEN_LOGITS after transformers' repetition penalty PENALTY (both tokens already generated)."""
    processor = RepetitionPenaltyLogitsProcessor(PENALTY)
    return processor(torch.tensor([[0, 1]]), torch.tensor([SEEN_LOGITS]))[0].tolist()


def deterministic_strategies() -> set[str]:
    """The decoding strategies that never sample, so every run writes the same text."""
    return {name for name, options in DECODING_STRATEGIES.items() if not options.get("do_sample")}


def top_p_kept() -> int:
    """How many of NEXT_PROBABILITIES survive transformers' top-p filter at TOP_P."""
    scores = TopPLogitsWarper(TOP_P)(None, torch.tensor([NEXT_PROBABILITIES]).log())
    return int(torch.isfinite(scores).sum())


def softmax_first(logits: tuple[float, ...], temperature: float = 1.0, index: int = 0) -> float:
    """Probability of token `index` after dividing `logits` by `temperature` (transformers' warper) and softmax."""
    scores = TemperatureLogitsWarper(temperature)(None, torch.tensor([logits]))
    return float(scores.softmax(-1)[0, index])


def unk_count() -> int:
    """[UNK] tokens of UNK_TEXT with the course's (sample) tokenizer."""
    return load_tokenizer(sample_settings("document-classification")).tokenize(UNK_TEXT).count("[UNK]")


def same_number(expected: Callable[[], float], tolerance: float, hint: str) -> Callable[[Any], Verdict]:
    """A judge: right when the answer is within `tolerance` of `expected()`."""
    return lambda answer: right() if close_to(answer, expected(), tolerance) else not_yet(hint)


def same_value(expected: Callable[[], Any], hint: str, shape: Callable[[Any], Any] = lambda a: a) -> Callable:
    """A judge: right when `shape(answer)` equals `expected()`."""
    return lambda answer: right() if shape(answer) == expected() else not_yet(hint)


def same_numbers(expected: Callable[[], tuple], tolerance: float, hint: str) -> Callable[[Any], Verdict]:
    """A judge: right when the answer is a sequence of numbers, each within `tolerance` of `expected()`'s."""
    def judge(answer: Any) -> Verdict:
        wanted = expected()
        ok = len(answer) == len(wanted) and all(close_to(a, w, tolerance) for a, w in zip(answer, wanted))
        return right() if ok else not_yet(hint)
    return judge


def exercise(key: str, question: str, judge: Callable[[Any], Verdict], solution: Callable[[], Any],
             wrong: Any) -> Exercise:
    """An Exercise (keyword-free, to keep the table below short)."""
    return Exercise(key, question, judge, solution, wrong)


TASK_EXERCISES: tuple[Exercise, ...] = (
    exercise("10-majority", "내장 표본 테스트 데이터에서 늘 가장 흔한 레이블만 답할 때의 정확도",
             same_number(lambda: majority_share(sample_pairs().test), 0.005,
                         "테스트 쌍의 레이블을 Counter로 세어, 가장 많은 레이블의 수를 전체 쌍 수로 나누세요. "
                         "레이블은 두 개가 아니라 세 개입니다."),
             lambda: majority_share(sample_pairs().test), 0.5),
    exercise("10-segments", "NLI_EXAMPLE을 토큰화했을 때 token_type_ids가 1인 토큰 수",
             same_value(hypothesis_segment_tokens, "`sum(encoded['token_type_ids'])`를 세어 보세요. 가설 뒤의 "
                        "마지막 [SEP]도 세그먼트 1입니다."),
             hypothesis_segment_tokens, 12),
    exercise("10-hypothesis-only", "부정어(않·없)가 든 학습 가설 가운데 모순(contradiction)의 비율",
             same_number(negation_contradiction_share, 0.01,
                         "`rows.train`에서 가설에 '않' 또는 '없'이 든 쌍만 고른 뒤, 그 가운데 label이 2(모순)인 "
                         "쌍의 비율을 구하세요."),
             negation_contradiction_share, 1 / 3),
    exercise("12-em-f1", f"예측 {QA_PREDICTION!r}, 정답 {QA_GOLD!r}의 (EM, F1)",
             same_numbers(lambda: (exact_match(QA_PREDICTION, QA_GOLD), char_f1(QA_PREDICTION, QA_GOLD)), 0.01,
                          "EM은 정규화한 두 문자열이 같을 때만 1입니다. F1은 공백을 뺀 글자 단위로 겹친 글자 수에서 "
                          "정밀도(겹침/예측 글자 수)와 재현율(겹침/정답 글자 수)을 구해 조화 평균을 내세요."),
             lambda: (exact_match(QA_PREDICTION, QA_GOLD), char_f1(QA_PREDICTION, QA_GOLD)), (1.0, 0.909)),
    exercise("12-window-step", "doc_stride 64에서 첫 창의 지문 토큰 수와, 이웃한 창 시작점 사이의 거리(토큰)",
             same_numbers(window_length_and_step, 0,
                          "`features.context_spans[0]`로 첫 창의 지문 토큰 수를 세세요. 토크나이저의 `stride`는 "
                          "겹치는 토큰 수이므로, 다음 창은 (창의 지문 토큰 수 - 겹침)만큼 뒤에서 시작합니다."),
             window_length_and_step, (242, 64)),
    exercise("13-perplexity", "BATCH_LOSSES 두 배치를 합친 검증 perplexity",
             same_number(token_weighted_perplexity, 0.05,
                         "배치 평균의 평균이 아니라, 배치마다 (토큰 수 × 평균 손실)을 더해 전체 토큰 수로 나눈 뒤 "
                         "exp를 취하세요."),
             token_weighted_perplexity, math.exp(2.5)),
    exercise("13-repetition-penalty", "이미 나온 두 토큰의 점수 SEEN_LOGITS에 반복 벌점 1.5를 적용한 점수",
             same_numbers(penalised_logits, 0.01,
                          "반복 벌점는 1.5를 빼지 않습니다. 양수 점수는 1.5로 나누고, 음수 점수는 1.5를 곱합니다."),
             penalised_logits, [1.5, -3.5]),
    exercise("13-deterministic", "seed와 상관없이 언제나 같은 글을 쓰는 DECODING_STRATEGIES의 이름들(집합)",
             same_value(deterministic_strategies, "`DECODING_STRATEGIES`에서 `do_sample`이 False인 방법을 모두 "
                        "고르세요. 반복 벌점와 n-gram 반복 금지도 greedy 위에서 동작합니다.", set),
             deterministic_strategies, {"greedy", "beam search"}),
    exercise("20-unk", "UNK_TEXT를 토큰화했을 때 나오는 [UNK]의 개수",
             same_value(unk_count, "`tokenizer.tokenize(UNK_TEXT).count('[UNK]')`로 세어 보세요. 어휘 조각으로 "
                        "나눌 수 없는 단어는 글자마다가 아니라 단어 전체가 [UNK] 하나가 됩니다."),
             unk_count, 3),
    exercise("20-softmax", "두 레이블의 점수 CLASS_LOGITS = (부정 0.5, 긍정 2.0)일 때 긍정 확률",
             same_number(lambda: softmax_first(CLASS_LOGITS, index=1), 0.005,
                         "softmax: exp(2.0) / (exp(0.5) + exp(2.0))을 계산하세요."),
             lambda: softmax_first(CLASS_LOGITS, index=1), 0.75),
    exercise("21-truncation", f"LONG_PREMISE와 SHORT_HYPOTHESIS를 max_length={PAIR_LIMIT}로 자를 때 남는 "
             "(전제 토큰 수, 가설 토큰 수), 특수 토큰 제외",
             same_numbers(truncated_pair_lengths, 0,
                          "`truncation='longest_first'`는 더 긴 쪽(전제)부터 자릅니다. token_type_ids에서 0과 1을 "
                          "세고 [CLS]·[SEP] 세 개를 빼세요."),
             truncated_pair_lengths, (27, 2)),
    exercise("23-windows", "LONG_QA_CONTEXT에 필요한 창의 수: (doc_stride 64일 때, 128일 때)",
             same_numbers(window_counts, 0,
                          "`build_qa_features`를 doc_stride 64와 128로 두 번 불러 `len(features)`를 세세요. 겹침이 "
                          "클수록 창이 조금씩만 나아가므로 창이 많아집니다."),
             window_counts, (6, 4)),
    exercise("24-top-p", f"확률 {NEXT_PROBABILITIES}에 top_p={TOP_P}를 적용할 때 남는 후보 수",
             same_value(top_p_kept, "큰 확률부터 더해 누적 확률이 top_p를 넘는 순간의 토큰까지 남깁니다. "
                        "0.5, 0.8, 0.95 …"),
             top_p_kept, 2),
    exercise("24-temperature", f"점수 {TEMPERATURE_LOGITS}를 temperature {TEMPERATURE}로 나눈 뒤 1등 토큰의 확률",
             same_number(lambda: softmax_first(TEMPERATURE_LOGITS, TEMPERATURE), 0.005,
                         "점수를 temperature로 나누면 (4, 2, 0)이 됩니다. 여기에 softmax를 취하세요."),
             lambda: softmax_first(TEMPERATURE_LOGITS, TEMPERATURE), softmax_first(TEMPERATURE_LOGITS)),
)
