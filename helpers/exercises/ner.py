"""Exercises of the NER notebooks (11 training, 22 inference): each judge recomputes the right answer itself."""

from __future__ import annotations

from typing import Any

from helpers.core.models import load_tokenizer
from helpers.core.settings import settings_for_task
from helpers.exercises.checks import Exercise, Verdict, close_to, not_yet, right
from helpers.ner.alignment import tokenize_with_offsets, unlabelled
from helpers.ner.task import EntityScores

SCORE_GOLD = [["B-PS", "I-PS", "O", "B-LC", "O", "B-DT", "I-DT"], ["B-OG", "O", "B-PS"]]
SCORE_PREDICTED = [["B-PS", "I-PS", "O", "B-OG", "O", "B-DT", "O"], ["B-OG", "O", "B-PS"]]
LABEL_SENTENCE = "홍길동은 부산에서 강연했다"
UNK_SENTENCE = "㋡ 표시가 붙은 𠜎 글자는 사전에 없다"


def entity_scores_solution() -> dict[str, float]:
    """Entity-level precision, recall and F1 of SCORE_PREDICTED against SCORE_GOLD, with the course's metric."""
    scores = EntityScores()
    for gold, predicted in zip(SCORE_GOLD, SCORE_PREDICTED):
        scores.update([gold], [predicted])
    return {name: round(float(value), 3) for name, value in scores.compute().items()}


def judge_entity_scores(answer: Any) -> Verdict:
    """Right when precision, recall and F1 are each within 0.01 of the course's metric."""
    expected = entity_scores_solution()
    wrong = [k for k in ("precision", "recall", "f1") if not close_to(answer.get(k), expected[k], 0.01)]
    if not wrong:
        return right("종류와 시작·끝이 모두 맞은 개체만 맞힌 것으로 셉니다.")
    return not_yet(f"{', '.join(wrong)}가 다릅니다. 정답 개체와 예측 개체를 (종류, 시작, 끝)으로 적어 보고, "
                   "둘 다에 있는 것만 세세요. DT는 끝이 다르면 틀린 개체입니다.")


def labelled_positions_solution() -> dict[str, int]:
    """How many tokens of LABEL_SENTENCE get a label (not -100) under each scheme, with the NER notebook's tokenizer."""
    settings = settings_for_task("ner")
    encoded = tokenize_with_offsets(load_tokenizer(settings), [LABEL_SENTENCE], settings.max_seq_length)
    special, pieces = encoded["special_tokens_mask"][0], encoded["continuation"][0]
    return {scheme: sum(not skip for skip in unlabelled(special, pieces, scheme)) for scheme in ("first", "all")}


def judge_labelled_positions(answer: Any) -> Verdict:
    """Right when both counts match the tokenizer's pieces."""
    expected = labelled_positions_solution()
    if answer == expected:
        return right("`first`는 단어마다 한 자리, `all`은 [CLS]·[SEP]을 뺀 모든 조각에 레이블을 붙입니다.")
    return not_yet("tokenizer.tokenize(문장)으로 조각을 보고, `##`로 시작하는 조각이 `first`에서는 -100이 된다는 점을 "
                   "떠올려 보세요. [CLS]와 [SEP]은 두 방식 모두 -100입니다.")


def unk_count_solution() -> int:
    """Number of [UNK] tokens in UNK_SENTENCE with the NER model's tokenizer."""
    tokenizer = load_tokenizer(settings_for_task("ner"))
    return tokenizer.tokenize(UNK_SENTENCE).count(tokenizer.unk_token)


def judge_unk_count(answer: Any) -> Verdict:
    """Right when the count of [UNK] pieces matches."""
    expected = unk_count_solution()
    if answer == expected:
        return right("어휘에 없는 글자가 든 단어는 단어 전체가 [UNK] 하나가 됩니다.")
    return not_yet("tokenizer.tokenize(UNK_SENTENCE)를 출력해 '[UNK]'가 몇 번 나오는지 세어 보세요. "
                   "단어 안의 글자 하나가 어휘에 없으면 그 단어 전체가 [UNK] 하나로 바뀝니다.")


NER_EXERCISES: tuple[Exercise, ...] = (
    Exercise("11-entity-scores", "SCORE_GOLD에 대한 SCORE_PREDICTED의 개체 단위 정밀도·재현율·F1은?",
             judge_entity_scores, entity_scores_solution, {"precision": 0.5, "recall": 0.5, "f1": 0.5}),
    Exercise("11-labelled-positions", "LABEL_SENTENCE에서 레이블을 받는 토큰은 `first`와 `all`에서 각각 몇 개?",
             judge_labelled_positions, labelled_positions_solution, {"first": 1, "all": 1}),
    Exercise("22-unk-count", "UNK_SENTENCE를 모델의 토크나이저로 나누면 [UNK]는 몇 개?",
             judge_unk_count, unk_count_solution, -1),
)
