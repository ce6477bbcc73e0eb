"""Exercises of the pipeline-stage notebooks (01-07): each judge recomputes the right answer itself.

Every judge works from the course's own code and the embedded sample (`EMBEDDED_SAMPLE_ROOT`, the tiny practice
vocabulary), never from a notebook's variables, and stays well under a second: nothing here trains a model.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import torch
from torchmetrics.functional.classification import multiclass_f1_score

from helpers.core.corpora import NSMC_LABELS, split_train_validation
from helpers.core.data import padding_report
from helpers.core.sampling import LengthGroupedSampler
from helpers.core.settings import KNOWN_PRECISIONS, CourseSettings, SettingsError
from helpers.core.tasks import linear_warmup_decay
from helpers.exercises.checks import Exercise, Verdict, close_to, not_yet, right
from helpers.exercises.samples import (
    F1_LABELS,
    F1_PREDICTIONS,
    KCBERT_HIDDEN_SIZE,
    KCBERT_SHAPE,
    LOWERED_REVIEW,
    NSMC_TRAIN_FILE_ROWS,
    PADDING_BATCH_SIZES,
    PAIR,
    SCHEDULE,
    SLANG_REVIEWS,
    practice_tokenizer,
    sample_nsmc,
    sample_token_lengths,
)


def accepted_precisions() -> tuple[str, ...]:
    """The precisions CourseSettings accepts (each one builds, and 'fp16' is refused)."""
    accepted = tuple(p for p in KNOWN_PRECISIONS if CourseSettings(precision=p).precision == p)
    try:
        CourseSettings(precision="fp16")
    except SettingsError:
        return accepted
    raise AssertionError("CourseSettings accepted precision='fp16'")


def judge_precisions(answer: Any) -> Verdict:
    """Right when the answer lists exactly the accepted precisions."""
    if {str(item) for item in answer} == set(accepted_precisions()):
        return right("오류 메시지가 받을 수 있는 값을 모두 알려 주었지요.")
    return not_yet("`CourseSettings(precision=\"fp16\")`의 SettingsError 메시지 끝에 나오는 값을 모두 목록으로 적으세요.")


def validation_rows() -> int:
    """Validation rows carved from NSMC's 150,000 training rows with the default val_fraction."""
    settings = CourseSettings()
    return len(split_train_validation(range(NSMC_TRAIN_FILE_ROWS), settings.val_fraction, settings.seed)[1])


def judge_validation_rows(answer: Any) -> Verdict:
    """Right for the number of validation rows."""
    if answer == validation_rows():
        return right("학습 데이터의 5%를 검증 데이터로 떼어 냅니다.")
    return not_yet("기본 설정의 `val_fraction`을 확인하고 150,000에 곱해 보세요(검증은 학습 데이터에서 뗍니다).")


def majority_accuracy() -> float:
    """Test accuracy of always predicting the sample's most frequent training label."""
    splits = sample_nsmc()
    majority = Counter(row.label for row in splits["train"]).most_common(1)[0][0]
    return sum(row.label == majority for row in splits["test"]) / len(splits["test"])


def judge_majority(answer: Any) -> Verdict:
    """Right for the majority-class accuracy within 0.001."""
    if close_to(answer, majority_accuracy(), 0.001):
        return right("학습한 모델은 적어도 이 값보다 높아야 의미가 있습니다.")
    return not_yet("학습 데이터에서 가장 많은 레이블을 찾고, 테스트 데이터에서 그 레이블의 비율을 0과 1 사이 소수로 구하세요.")


def longest_review() -> int:
    """Characters in the longest review of the sample's training file."""
    return max(len(row.text) for row in sample_nsmc()["train"])


def judge_longest(answer: Any) -> Verdict:
    """Right for the longest review's length in characters."""
    if answer == longest_review():
        return right("NSMC 리뷰는 140자 이하라서 토큰으로도 대부분 짧습니다.")
    return not_yet("`max(len(row.text) for row in ...)`처럼 학습 파일의 글자 수 최댓값을 정수로 구하세요.")


def classifier_parameters() -> int:
    """Weights and biases of the classification layer on KcBERT-base's pooled output for NSMC's labels."""
    return KCBERT_HIDDEN_SIZE * len(NSMC_LABELS) + len(NSMC_LABELS)


def judge_classifier(answer: Any) -> Verdict:
    """Right for the classification layer's parameter count."""
    if answer == classifier_parameters():
        return right("약 1억 개 중 겨우 이만큼만 처음부터 학습합니다.")
    return not_yet("분류 층은 768차원 벡터를 레이블 2개로 바꾸는 선형 층입니다: 가중치 768×2에 편향 2개를 더하세요.")


def embedding_parameters() -> int:
    """Parameters of KcBERT-base's embedding block (words, positions, token types, LayerNorm), counted on a build."""
    from transformers import BertConfig
    from transformers.models.bert.modeling_bert import BertEmbeddings

    config = BertConfig(**KCBERT_SHAPE)
    return sum(param.numel() for param in BertEmbeddings(config).parameters())


def judge_embeddings(answer: Any) -> Verdict:
    """Right for the embedding block's parameter count."""
    if answer == embedding_parameters():
        return right("어휘 3만 개의 단어 임베딩이 대부분이고, 위치·문장 구분 임베딩과 LayerNorm이 조금 더해집니다.")
    return not_yet("단어 임베딩(어휘 수×768)만이 아닙니다: 위치 임베딩(300×768), 문장 구분 임베딩(2×768), "
                   "LayerNorm(가중치 768 + 편향 768)도 더하세요.")


def slang_unknowns() -> int:
    """[UNK] tokens in the slang reviews under the practice vocabulary."""
    tokenizer = practice_tokenizer()
    return sum(tokenizer.tokenize(text).count(tokenizer.unk_token) for text in SLANG_REVIEWS)


def judge_slang(answer: Any) -> Verdict:
    """Right for the number of [UNK] tokens."""
    if answer == slang_unknowns():
        return right("어휘 조각으로 나눌 수 없는 말은 통째로 [UNK] 하나가 됩니다.")
    return not_yet("리뷰마다 `practice.tokenize(text).count(\"[UNK]\")`를 구해 모두 더하세요.")


def lowered_unknowns() -> int:
    """[UNK] tokens of the review once the practice vocabulary lower-cases (NFD splits Hangul into jamo)."""
    tokenizer = practice_tokenizer(lower_case=True)
    return tokenizer.tokenize(LOWERED_REVIEW).count(tokenizer.unk_token)


def judge_lowered(answer: Any) -> Verdict:
    """Right for the [UNK] count after lower-casing."""
    if answer == lowered_unknowns():
        return right("소문자 변환이 악센트를 없애려고 NFD로 풀면 한글 음절이 자모로 갈라지고, 자모 조합은 어휘에 없습니다.")
    return not_yet("`do_lower_case=True`로 불러온 토크나이저로 문장을 나누고 [UNK]를 세세요. 단어 하나가 통째로 [UNK]가 됩니다.")


def padding_shares() -> dict[int, float]:
    """Share of [PAD] among fed tokens in file order, per batch size, on the sample's token lengths."""
    lengths = sample_token_lengths()
    shares = {}
    for size in PADDING_BATCH_SIZES:
        report = padding_report(lengths, size)
        shares[size] = 1 - report["real_tokens"] / report["padded_to_longest_in_batch"]
    return shares


def judge_padding(answer: Any) -> Verdict:
    """Right when each batch size's padding share is within 0.005."""
    expected = padding_shares()
    if set(answer) == set(expected) and all(close_to(answer[k], v, 0.005) for k, v in expected.items()):
        return right("배치가 클수록 가장 긴 문장에 맞춰 채우는 [PAD]가 늘어납니다.")
    return not_yet("배치 크기마다 `padding_report(lengths, 크기)`로 1 - real_tokens / padded_to_longest_in_batch를 "
                   "구해 {8: ..., 32: ..., 128: ...} 사전으로 쓰세요.")


def second_segment_tokens() -> int:
    """Tokens marked 1 in token_type_ids when the practice vocabulary encodes the sentence pair."""
    return sum(practice_tokenizer()(*PAIR)["token_type_ids"])


def judge_segments(answer: Any) -> Verdict:
    """Right for the count of second-segment tokens."""
    if answer == second_segment_tokens():
        return right("두 번째 문장의 토큰과 그 끝의 [SEP]가 1입니다.")
    return not_yet("`practice(\"영화 좋아요\", \"정말 재밌어요\")[\"token_type_ids\"]`에서 1의 개수를 세세요.")


def cross_entropies() -> tuple[float, float]:
    """Loss when the right label gets 0.5, and when a confident wrong guess leaves it 0.01."""
    logits = torch.tensor([[0.5, 0.5], [0.99, 0.01]]).log()
    return tuple(torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1]), reduction="none").tolist())


def judge_losses(answer: Any) -> Verdict:
    """Right when both losses are within 0.01."""
    half, wrong = cross_entropies()
    if len(answer) == 2 and close_to(answer[0], half, 0.01) and close_to(answer[1], wrong, 0.01):
        return right("반반 예측은 ln 2 ≈ 0.693이고, 자신 있게 틀리면 손실이 훨씬 큽니다.")
    return not_yet("cross-entropy 손실은 -ln(정답 레이블의 확률)입니다. (0.5일 때, 0.01일 때) 두 값을 튜플로 쓰세요.")


def epoch_interval_lr() -> float:
    """The learning rate a one-epoch run keeps when the schedule steps once per epoch (no 'interval')."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=SCHEDULE["learning_rate"])
    linear_warmup_decay(optimizer, SCHEDULE["total_steps"], SCHEDULE["warmup_steps"])
    return optimizer.param_groups[0]["lr"]


def judge_interval(answer: Any) -> Verdict:
    """Right within 1 % of the first warm-up learning rate."""
    expected = epoch_interval_lr()
    if close_to(answer, expected, expected * 0.01):
        return right("에폭이 끝날 때까지 스케줄이 한 번도 진행되지 않아 워밍업 첫 값에 머뭅니다.")
    return not_yet("스케줄러를 만든 직후(0스텝)의 학습률을 구하세요: `linear_warmup_decay`의 워밍업 첫 값입니다.")


def macro_f1() -> float:
    """Macro F1 of the exercise's predictions against its labels."""
    return multiclass_f1_score(torch.tensor(F1_PREDICTIONS), torch.tensor(F1_LABELS), num_classes=2,
                               average="macro").item()


def judge_macro_f1(answer: Any) -> Verdict:
    """Right for the macro F1 within 0.005."""
    if close_to(answer, macro_f1(), 0.005):
        return right("레이블마다 F1을 구해 단순 평균하면 매크로 F1입니다.")
    return not_yet("긍정과 부정 각각 정밀도·재현율·F1을 구한 뒤 두 F1을 평균하세요(정확도가 아닙니다).")


def steps_per_epoch() -> int:
    """Optimizer steps in one epoch of the real NSMC run at the default batch size (the course's own sampler)."""
    settings = CourseSettings()
    rows = NSMC_TRAIN_FILE_ROWS - validation_rows()
    return len(LengthGroupedSampler([1] * rows, settings.batch_size, settings.seed))


def judge_steps(answer: Any) -> Verdict:
    """Right for the steps of one epoch."""
    if answer == steps_per_epoch():
        return right("스텝 하나가 배치 하나이고, 에폭 하나는 학습 데이터를 한 번 다 도는 것입니다.")
    return not_yet("검증 데이터를 뗀 학습 행 수를 배치 크기 32로 나누고 올림하세요(마지막 작은 배치도 한 스텝).")


STAGE_EXERCISES: tuple[Exercise, ...] = (
    Exercise("01-precision-values", "precision에 쓸 수 있는 값", judge_precisions, accepted_precisions,
             ["fp16", "fp32"]),
    Exercise("01-validation-rows", "NSMC 검증 행 수", judge_validation_rows, validation_rows, 15_000),
    Exercise("02-majority-accuracy", "다수 레이블 정확도", judge_majority, majority_accuracy, 0.5 + 0.05),
    Exercise("02-longest-review", "가장 긴 리뷰의 글자 수", judge_longest, longest_review, 140 + 1),
    Exercise("03-classifier-parameters", "분류 층 파라미터 수", judge_classifier, classifier_parameters, 768 * 2),
    Exercise("03-embedding-parameters", "임베딩 파라미터 수", judge_embeddings, embedding_parameters,
             30_000 * 768),
    Exercise("04-slang-unk", "신조어 리뷰의 [UNK] 수", judge_slang, slang_unknowns, 0),
    Exercise("04-lowercase-unk", "소문자 변환 뒤 [UNK] 수", judge_lowered, lowered_unknowns, 0),
    Exercise("05-padding-share", "배치 크기별 패딩 비율", judge_padding, padding_shares, {8: 0.1, 32: 0.2, 128: 0.3}),
    Exercise("05-token-type-ids", "두 번째 문장 토큰 수", judge_segments, second_segment_tokens, 3),
    Exercise("06-cross-entropy", "반반 예측과 자신 있게 틀린 예측의 손실", judge_losses, cross_entropies, (0.693, 0.693)),
    Exercise("06-epoch-interval-lr", "interval 없이 머무는 학습률", judge_interval, epoch_interval_lr, 5e-5),
    Exercise("07-macro-f1", "매크로 F1", judge_macro_f1, macro_f1, 0.7),
    Exercise("07-steps-per-epoch", "한 에폭의 스텝 수", judge_steps, steps_per_epoch, 4688),
)
