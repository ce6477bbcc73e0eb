"""Exercises of the pipeline-stage notebooks (01-07): each judge recomputes the right answer itself."""

from __future__ import annotations

from .exercises import Exercise

STAGE_EXERCISES: tuple[Exercise, ...] = ()
