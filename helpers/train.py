"""Command-line training: `python -m helpers.train TASK [--smoke] [--set name=value ...] [--devices N ...]`."""

from __future__ import annotations

import argparse
import os
from typing import Any, Callable

from lightning.pytorch.utilities import rank_zero_only

from helpers import classification, generation, ner, pair_classification, question_answering
from helpers.core.run_guard import LEARNER_ERRORS, output_lock
from helpers.core.setting_rules import parse_setting_text, setting_fields
from helpers.core.settings import (SMOKE_ENV, TASK_SETTINGS, TRAINER_SETTINGS, CourseSettings, SettingsError,
                                   settings_for_task)


def task_registry() -> dict[str, Callable[[CourseSettings], dict[str, float]]]:
    """Task name -> function that runs its whole pipeline from settings."""
    return {"document-classification": classification.run, "pair-classification": pair_classification.run,
            "ner": ner.run, "question-answering": question_answering.run, "generation": generation.run}


def settable_names(task: str) -> list[str]:
    """The settings `--set` may change for `task` (smoke has its own flag, --smoke)."""
    return [name for name in setting_fields(TASK_SETTINGS[task]) if name != "smoke"]


def parse_assignment(task: str, text: str) -> tuple[str, Any]:
    """Turn `name=value` into a setting of `task` in its field's type, with a clear error for unknown names."""
    name, sep, raw = text.partition("=")
    valid = settable_names(task)
    if not sep or name not in valid:
        what = "expected name=value" if not sep else f"{name!r} is not a setting of {task}"
        raise SettingsError(f"--set {text!r}: {what}; the settings of {task} are: {', '.join(valid)}")
    return name, parse_setting_text(TASK_SETTINGS[task], name, raw)


def device_count_arg(text: str) -> int | str:
    """`--devices` value: a number, "auto", or a comma-separated list of GPU ids."""
    return int(text) if text.lstrip("-").isdigit() else text


def add_trainer_arguments(parser: argparse.ArgumentParser) -> None:
    """Options that say where and how to train: devices, strategy, nodes, accelerator, resuming."""
    group = parser.add_argument_group("devices (passed to lightning.Trainer)")
    group.add_argument("--accelerator", default=None, help="cpu, gpu or auto (smoke runs default to cpu)")
    group.add_argument("--devices", type=device_count_arg, default=None,
                       help="devices per node: a number, auto, or GPU ids such as 0,1")
    group.add_argument("--strategy", default=None, help="auto, ddp, ddp_spawn, fsdp, ... (default auto)")
    group.add_argument("--num-nodes", type=int, default=None, help="machines taking part (SLURM, torchrun)")
    group.add_argument("--accumulate-grad-batches", type=int, default=None,
                       help="add up the gradients of N batches per step (a smaller batch_size, same effective batch)")
    group.add_argument("--checkpoint-every-n-steps", type=int, default=None,
                       help="also write last.ckpt every N training steps (default: every 10 minutes)")
    group.add_argument("--no-resume", action="store_true", help="start over even if last.ckpt exists")


def trainer_options(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given by the device options (accelerator, devices, ...) and --no-resume."""
    options = {name: getattr(args, name) for name in TRAINER_SETTINGS if getattr(args, name) is not None}
    return {**options, "resume": False} if args.no_resume else options


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Parse the command line, build settings and run the chosen task (in every process of a DDP run)."""
    tasks = task_registry()
    parser = argparse.ArgumentParser(prog="python -m helpers.train", description=__doc__)
    parser.add_argument("task", choices=sorted(tasks))
    parser.add_argument("--smoke", action="store_true", help=f"tiny offline run (same as {SMOKE_ENV}=1)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override one setting, e.g. --set epochs=3 (repeatable)")
    parser.add_argument("--extra", action="append", default=[], help=argparse.SUPPRESS)  # gone: says to use --set
    add_trainer_arguments(parser)
    args = parser.parse_args(argv)
    if args.smoke:
        os.environ[SMOKE_ENV] = "1"
    if args.extra:
        parser.error(f"--extra is gone: every option is a setting now; write --set {args.extra[0]} instead")
    try:
        changes = dict(parse_assignment(args.task, a) for a in args.set)
        settings = settings_for_task(args.task, **{**trainer_options(args), **changes})
    except SettingsError as err:
        parser.error(str(err))
    rank_zero_only(print)(settings.describe())
    try:
        with output_lock(settings.output_dir):  # a second run into the same folder stops before reading anything
            metrics = tasks[args.task](settings)
    except LEARNER_ERRORS as err:
        raise SystemExit(f"error: {err}") from None
    print(f"[rank {rank_zero_only.rank}] {args.task} finished")  # one line per process in a DDP run
    return metrics


if __name__ == "__main__":
    main()
