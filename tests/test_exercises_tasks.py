"""The task and inference notebooks (10-24) end with their exercises, and every exercise they check exists."""

import re
from pathlib import Path

import pytest

from helpers.exercises.book import all_exercises
from helpers.exercises.tasks import TASK_EXERCISES

SOURCES = Path(__file__).resolve().parent.parent / "notebooks" / "src"
EXERCISE_COUNTS = {"10": (2, 3), "12": (2, 3), "13": (2, 3), "20": (1, 2), "21": (1, 2), "23": (1, 2), "24": (1, 2)}
CHECK_CALL = re.compile(r'check\("([^"]+)"')


def checked_ids(number: str) -> list[str]:
    """The exercise ids a notebook source passes to check(), in order."""
    (source,) = SOURCES.glob(f"{number}_*.py")
    return CHECK_CALL.findall(source.read_text(encoding="utf-8"))


@pytest.mark.parametrize("number", sorted(EXERCISE_COUNTS))
def test_each_notebook_ends_with_its_own_exercises(number):
    ids = checked_ids(number)
    low, high = EXERCISE_COUNTS[number]
    assert low <= len(ids) <= high, (number, ids)
    assert all(key.startswith(f"{number}-") for key in ids), ids
    assert len(set(ids)) == len(ids), ids


@pytest.mark.parametrize("number", sorted(EXERCISE_COUNTS))
def test_every_checked_id_exists(number):
    known = all_exercises()
    assert [key for key in checked_ids(number) if key not in known] == []


def test_every_task_exercise_is_used_in_its_notebook():
    used = {key for number in EXERCISE_COUNTS for key in checked_ids(number)}
    assert {e.key for e in TASK_EXERCISES} == used


def test_the_exercise_cells_leave_the_answer_open():
    for number in EXERCISE_COUNTS:
        (source,) = SOURCES.glob(f"{number}_*.py")
        text = source.read_text(encoding="utf-8")
        assert text.count("answer = ...") == len(checked_ids(number)), number
        assert ".solution(" not in text, number


WRONG_STATEMENTS = ("이모지처럼 어휘에 없는", "마지막 표현으로 레이블", "(1.5)만큼 깎습니다", "이전 버전의 실수",
                    "무난하고 짧은 글", "학습 전 무작위 모델은 어휘 크기와 비슷", "걸음", "평범한 함수", "이상한 입력",
                    "되살", "조용히 자르지", "7장", "10장", "12장", "13장")


@pytest.mark.parametrize("number", sorted(EXERCISE_COUNTS))
def test_the_corrected_statements_stay_corrected(number):
    (source,) = SOURCES.glob(f"{number}_*.py")
    text = source.read_text(encoding="utf-8")
    assert [wrong for wrong in WRONG_STATEMENTS if wrong in text] == []


def test_what_the_lessons_now_say_is_what_the_code_does():
    from helpers.exercises.tasks import deterministic_strategies, penalised_logits, unk_count, window_length_and_step
    from helpers.question_answering.pipeline import QA_OPTIONS

    assert penalised_logits() == [2.0, -3.0]  # the penalty divides a positive logit and multiplies a negative one
    length, step = window_length_and_step()
    assert step == length - QA_OPTIONS["doc_stride"]  # the course's doc_stride is the overlap, not the step
    assert unk_count() == 2  # "⍼⍼를" is one [UNK] as a whole ("를" is lost), "㋡" another
    assert {"greedy", "beam search"} < deterministic_strategies()
