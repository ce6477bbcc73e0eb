"""Command-line training: `python -m helpers.train TASK [--smoke] [--set name=value ...]`."""

from __future__ import annotations

import argparse
import dataclasses
import os
from typing import Any, Callable

from .settings import SMOKE_ENV, CourseSettings, SettingsError, settings_from_env


def task_registry() -> dict[str, Callable[[CourseSettings], dict[str, float]]]:
    """Task name -> function that runs its whole pipeline from settings."""
    from .document_classification import run_document_classification

    return {"document-classification": run_document_classification}


def parse_assignment(text: str) -> tuple[str, Any]:
    """Turn `name=value` into a typed settings override, with a clear error for unknown names."""
    name, sep, raw = text.partition("=")
    fields = {f.name: f for f in dataclasses.fields(CourseSettings)}
    if not sep or name not in fields or name in ("extra", "smoke"):
        raise SettingsError(f"--set {text!r}: expected name=value with name one of "
                            f"{', '.join(n for n in fields if n not in ('extra', 'smoke'))}")
    default = fields[name].default
    if raw.lower() == "none":
        return name, None
    if isinstance(default, bool):
        return name, raw.lower() in ("1", "true", "yes", "on")
    if isinstance(default, int) or name.startswith("limit_"):
        return name, int(raw)
    if isinstance(default, float):
        return name, float(raw)
    return name, raw


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Parse the command line, build settings and run the chosen task."""
    tasks = task_registry()
    parser = argparse.ArgumentParser(prog="python -m helpers.train", description=__doc__)
    parser.add_argument("task", choices=sorted(tasks))
    parser.add_argument("--smoke", action="store_true", help=f"tiny offline run (same as {SMOKE_ENV}=1)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override one setting, e.g. --set epochs=3 (repeatable)")
    args = parser.parse_args(argv)
    if args.smoke:
        os.environ[SMOKE_ENV] = "1"
    try:
        settings = settings_from_env(**dict(parse_assignment(a) for a in args.set))
    except SettingsError as err:
        parser.error(str(err))
    print(settings.describe())
    return tasks[args.task](settings)


if __name__ == "__main__":
    main()
