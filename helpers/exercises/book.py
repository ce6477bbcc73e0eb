"""Every exercise of the course by id, and `check`, the one call a notebook's exercise cell makes."""

from __future__ import annotations

from typing import Any

from helpers.exercises.checks import Exercise, Verdict, judge_answer, show_verdict
from helpers.exercises.ner import NER_EXERCISES
from helpers.exercises.stages import STAGE_EXERCISES
from helpers.exercises.tasks import TASK_EXERCISES


def all_exercises() -> dict[str, Exercise]:
    """The exercises of all notebooks by id (an id used twice is an error)."""
    found: dict[str, Exercise] = {}
    for exercise in (*STAGE_EXERCISES, *TASK_EXERCISES, *NER_EXERCISES):
        if exercise.key in found:
            raise ValueError(f"exercise id {exercise.key!r} is used twice")
        found[exercise.key] = exercise
    return found


def check(key: str, answer: Any) -> Verdict:
    """Judge a learner's answer to exercise `key` and print 정답 or 아직 with a hint."""
    exercises = all_exercises()
    if key not in exercises:
        raise KeyError(f"exercise {key!r} is unknown; the exercises are {', '.join(sorted(exercises))}")
    return show_verdict(judge_answer(exercises[key], answer))
