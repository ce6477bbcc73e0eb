"""What each setting may hold: its type, choices and range, read from the dataclass field and its metadata.

A settings field carries its rules in `metadata`: "help" (what it means, shown by describe()), and optionally
"choices" (the allowed values), "minimum" (smallest allowed value), "above" (values must be greater) and "below"
(values must be smaller). The field's type (str, int, float, bool, or a union of them with None) is checked too,
and a command-line text is turned into that type by parse_setting_text.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from typing import Any

NONE_TEXTS = ("none", "null")
TRUE_TEXTS, FALSE_TEXTS = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
TYPE_WORDS = {str: "a non-empty text", int: "an integer", float: "a number", bool: "True or False",
              type(None): "None"}


class SettingsError(ValueError):
    """A setting has a value the course cannot use; the message names the setting."""


def env_flag(name: str) -> bool:
    """Return True when environment variable `name` is set to 1/true/yes/on."""
    value = os.environ.get(name, "").strip().lower()
    if value in ("",) + FALSE_TEXTS:
        return False
    if value in TRUE_TEXTS:
        return True
    raise SettingsError(f"environment variable {name}={os.environ[name]!r}: use 1 or 0")


def setting_fields(settings_class: type) -> dict[str, dataclasses.Field]:
    """Name -> dataclass field of every setting of a settings class."""
    return {spec.name: spec for spec in dataclasses.fields(settings_class)}


def union_members(hint: Any) -> tuple[type, ...]:
    """The types of a type hint, e.g. (int, NoneType) for `int | None`."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return typing.get_args(hint)
    return (hint,)


def setting_kinds(settings_class: type, name: str) -> tuple[type, ...]:
    """The types a setting may hold, e.g. (int, NoneType) for `int | None`."""
    return union_members(typing.get_type_hints(settings_class)[name])


def has_kind(value: Any, kinds: tuple[type, ...]) -> bool:
    """True when `value` is one of `kinds` (a bool is not an int, an int is a float, a text is not empty)."""
    if value is None or isinstance(value, bool):
        return type(value) in kinds
    if isinstance(value, int):
        return int in kinds or float in kinds
    if isinstance(value, str):
        return str in kinds and value != ""
    return any(isinstance(value, kind) for kind in kinds if kind is not type(None))


def in_range(value: Any, rules: Any) -> bool:
    """True when a number lies within the field's minimum/above/below (values of other types pass)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return True
    return (value >= rules.get("minimum", value) and value > rules.get("above", value - 1)
            and value < rules.get("below", value + 1))


def allowed_text(kinds: tuple[type, ...], rules: Any) -> str:
    """The allowed values in words, e.g. "an integer >= 1 or None" or "choose one of 'first', 'all'"."""
    if "choices" in rules:
        return "choose one of " + ", ".join(repr(choice) for choice in rules["choices"])
    bounds = [f"{sign} {rules[key]}" for key, sign in (("minimum", ">="), ("above", ">"), ("below", "<"))
              if key in rules]
    limits = " " + " and ".join(bounds) if bounds else ""
    words = [TYPE_WORDS.get(kind, kind.__name__) + (limits if kind in (int, float) else "")
             for kind in kinds if kind is not type(None)]
    text = " or ".join(words)
    return f"use {text} or None" if type(None) in kinds else f"use {text}"


def check_value(name: str, value: Any, kinds: tuple[type, ...], rules: Any) -> None:
    """Raise SettingsError naming the setting, its value and the allowed values when the value breaks a rule."""
    fits = has_kind(value, kinds) and in_range(value, rules)
    if fits and "choices" in rules and value is not None:
        fits = value in rules["choices"]
    if not fits:
        raise SettingsError(f"{name}={value!r} is not allowed: {allowed_text(kinds, rules)}")


def check_settings(settings: Any) -> None:
    """Check every setting of a settings dataclass against its type (`kinds`) and the rules in its metadata."""
    hints = typing.get_type_hints(type(settings))  # once: the type hints of all fields
    for name, spec in setting_fields(type(settings)).items():
        check_value(name, getattr(settings, name), union_members(hints[name]), spec.metadata)


def parse_value(text: str, kind: type) -> Any:
    """`text` as one type, or ValueError."""
    lowered = text.strip().lower()
    if kind is type(None) and lowered in NONE_TEXTS:
        return None
    if kind is bool and lowered in TRUE_TEXTS + FALSE_TEXTS:
        return lowered in TRUE_TEXTS
    if kind in (int, float, str):
        return kind(text)
    raise ValueError(text)


def parse_setting_text(settings_class: type, name: str, text: str) -> Any:
    """The command-line text of one setting in the setting's own type, e.g. "3" -> 3 for epochs."""
    kinds = setting_kinds(settings_class, name)
    for kind in sorted(kinds, key=lambda k: (k is not type(None), k is str)):  # None first, text last
        try:
            return parse_value(text, kind)
        except ValueError:
            continue
    rules = setting_fields(settings_class)[name].metadata
    raise SettingsError(f"--set {name}={text}: cannot read {text!r} as {name}: {allowed_text(kinds, rules)}")


def settings_table(settings: Any) -> list[tuple[str, str, str]]:
    """(name, value, help) of every setting, in the order the dataclass defines them."""
    return [(name, repr(getattr(settings, name)), spec.metadata.get("help", ""))
            for name, spec in setting_fields(type(settings)).items()]


def format_table(rows: list[tuple[str, str, str]]) -> str:
    """Rows as aligned text columns under a header: setting, value, help."""
    header = ("설정 (setting)", "값 (value)", "설명 (help)")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(2)]
    return "\n".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}" for a, b, c in [header, *rows])
