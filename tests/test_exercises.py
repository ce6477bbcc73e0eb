"""Every exercise's check says 정답 to its solution and 아직 to a wrong answer, with a hint."""

import pytest

from helpers.exercises.book import all_exercises, check
from helpers.exercises.checks import judge_answer

EXERCISES = all_exercises()


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_the_solution_is_right_and_a_wrong_answer_is_not_yet(key, capsys):
    exercise = EXERCISES[key]
    assert judge_answer(exercise, exercise.solution()).right, key
    verdict = judge_answer(exercise, exercise.wrong)
    assert not verdict.right and verdict.message, key
    assert check(key, ...).right is False and "아직" in capsys.readouterr().out


def test_an_unknown_exercise_names_the_known_ones():
    with pytest.raises(KeyError, match="unknown"):
        check("99-nothing", 1)
