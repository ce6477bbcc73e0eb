"""Exercises of the task and inference notebooks (10-24): each judge recomputes the right answer itself."""

from __future__ import annotations

from .exercises import Exercise

TASK_EXERCISES: tuple[Exercise, ...] = ()
