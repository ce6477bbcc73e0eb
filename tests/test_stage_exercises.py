"""Notebooks 01-07: each opens with its goals, ends with exercises, a summary and the next notebook; ids exist."""

import math
import re
from pathlib import Path

import pytest

from helpers.exercises.book import all_exercises
from helpers.exercises.stages import STAGE_EXERCISES

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "notebooks" / "src").glob("*.py"))
STAGE_SOURCES = [path for path in SOURCES if path.name[:2] in {f"0{n}" for n in range(1, 8)}]
CHECK_CALL = re.compile(r'check\("([^"]+)", answer\)')
NEXT_NOTEBOOK = {"01": "02", "02": "03", "03": "04", "04": "05", "05": "06", "06": "07", "07": "10"}


def used_ids(path: Path) -> list[str]:
    """Exercise ids a notebook source checks, in order."""
    return CHECK_CALL.findall(path.read_text(encoding="utf-8"))


def test_there_are_seven_stage_notebooks():
    assert [path.name[:2] for path in STAGE_SOURCES] == list(NEXT_NOTEBOOK)


@pytest.mark.parametrize("path", STAGE_SOURCES, ids=lambda p: p.name)
def test_a_stage_notebook_has_two_or_three_exercises_of_its_own(path):
    ids = used_ids(path)
    assert 2 <= len(ids) <= 3, (path.name, ids)
    assert all(key.startswith(path.name[:2] + "-") for key in ids), ids
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_exercise_id_a_notebook_checks_exists(path):
    known = all_exercises()
    assert [key for key in used_ids(path) if key not in known] == []


def test_every_stage_exercise_is_used_by_its_notebook():
    used = {key for path in STAGE_SOURCES for key in used_ids(path)}
    assert {exercise.key for exercise in STAGE_EXERCISES} == used


@pytest.mark.parametrize("path", STAGE_SOURCES, ids=lambda p: p.name)
def test_exercise_cells_leave_the_answer_to_the_learner(path):
    answers = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("answer")]
    assert answers and all(line == "answer = ...  # 여기에 답을 쓰세요" for line in answers), answers


@pytest.mark.parametrize("path", STAGE_SOURCES, ids=lambda p: p.name)
def test_a_stage_notebook_opens_with_goals_and_closes_with_a_summary_and_the_next_notebook(path):
    text = path.read_text(encoding="utf-8")
    first_cell = text.split("\n# %%")[1]
    last_cell = text.split("\n# %%")[-1]
    assert "이 노트북을 마치면 할 수 있는 것" in first_cell
    assert "## 정리" in last_cell and f"다음 노트북 **{NEXT_NOTEBOOK[path.name[:2]]} " in last_cell
    assert "걸음" not in text and "macro F1" not in text and "시험 데이터" not in text


def test_solutions_hold_the_values_the_lessons_quote():
    solutions = {exercise.key: exercise.solution() for exercise in STAGE_EXERCISES}
    assert solutions["04-lowercase-unk"] == 4  # '이 영화 정말 재밌어요ㅋㅋ' lower-cased: four [UNK], as with KcBERT
    assert solutions["06-cross-entropy"][0] == pytest.approx(math.log(2), abs=1e-6)
    assert solutions["06-epoch-interval-lr"] == pytest.approx(5e-5 / 101)
    assert solutions["01-validation-rows"] == 7_500 and solutions["07-steps-per-epoch"] == 4_454
    assert solutions["03-embedding-parameters"] == (30_000 + 300 + 2) * 768 + 2 * 768
    assert solutions["07-macro-f1"] == pytest.approx((0.4 + 0.8) / 2, abs=1e-6)
