"""Exercises a learner can check: each notebook's exercises, their checks, and a Korean verdict with a hint.

A notebook's exercise cell ends with `check("05-padding", answer)` (`helpers.exercises.book`). The check recomputes
what is right from the course's own code and data (never from the notebook's variables), so the same check works in
a fresh kernel, and the test suite runs every check against its solution and against a wrong answer. The exercises
themselves live in `exercises_stages.py` (notebooks 01-07) and `exercises_tasks.py` (10-24).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Verdict:
    """Whether an answer is right, and what to say about it."""

    right: bool
    message: str

    def _ipython_display_(self) -> None:
        """Show nothing as a cell's value: `check` has already printed the verdict."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id (`NN-name`), what it asks (Korean), how to judge an answer, its solution, a wrong answer.

    `solution()` computes the right answer with the course's code (the test suite checks `judge(solution())` is
    right and `judge(wrong)` is not); learners never see it in the lesson cells.
    """

    key: str
    question: str
    judge: Callable[[Any], Verdict]
    solution: Callable[[], Any]
    wrong: Any


def right(message: str = "") -> Verdict:
    """A right answer, with an optional remark."""
    return Verdict(True, message)


def not_yet(hint: str) -> Verdict:
    """A wrong or incomplete answer, with a hint in Korean."""
    return Verdict(False, hint)


def close_to(value: Any, expected: float, tolerance: float) -> bool:
    """True when `value` is a number within `tolerance` of `expected`."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value - expected) <= tolerance


def judge_answer(exercise: Exercise, answer: Any) -> Verdict:
    """The verdict on `answer`; an answer still left as `...` is 'not yet' with a nudge, a malformed one too."""
    if answer is Ellipsis:
        return not_yet("`...` 자리에 답을 쓰고 다시 실행하세요.")
    try:
        return exercise.judge(answer)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as err:
        return not_yet(f"답의 모양이 예상과 다릅니다 ({type(err).__name__}: {err}). 문제의 설명을 다시 읽어 보세요.")


def show_verdict(verdict: Verdict) -> Verdict:
    """Print the verdict in Korean: 정답 or 아직, with the hint."""
    head = "✅ 정답입니다!" if verdict.right else "🔁 아직입니다."
    print(f"{head} {verdict.message}".rstrip())
    return verdict
