"""Notebooks 11 and 22 teach what is true: no wrong statement left, goals, summary, pointer and exercises."""

import re
from pathlib import Path

import pytest

from helpers.exercises.book import all_exercises

SOURCES = Path(__file__).resolve().parents[1] / "notebooks" / "src"
WRONG = ("90%가 넘", "반만 찾", "되살", "걸음", "스모크", "평범한 함수", "이상한 입력", "그렇다고 알")


@pytest.mark.parametrize("name, exercises, pointer", [
    ("11_named_entity_recognition", {"11-entity-scores", "11-labelled-positions"}, "22 노트북"),
    ("22_ner_inference", {"22-unk-count"}, "12 노트북"),
])
def test_the_ner_notebooks_have_their_frame_and_exercises(name, exercises, pointer):
    text = (SOURCES / f"{name}.py").read_text(encoding="utf-8")
    assert [w for w in WRONG if w in text] == [] and not re.search(r"\d+장", text)
    assert "이 노트북을 마치면" in text and "## 정리" in text and f"**다음**: {pointer}" in text
    used = set(re.findall(r'check\("([^"]+)"', text))
    assert used == exercises and used <= set(all_exercises())
    assert all(f'check("{key}", ...)' in text for key in exercises)  # the answers stay for the learner


def test_the_token_accuracy_of_all_o_and_the_worked_example_are_stated_as_measured():
    text = (SOURCES / "11_named_entity_recognition.py").read_text(encoding="utf-8")
    assert "88.1%" in text and "86.3%" in text
    assert "정밀도 0.50" in text and "재현율 0.33" in text and "F1 0.40" in text
