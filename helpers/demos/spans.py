"""Demos whose answer is a span of the input: named entities in a sentence, an answer in a context."""

from __future__ import annotations

import html
from typing import Any

from helpers.demos.span_predictions import QA_DOC_STRIDE, answer_checked, find_entities
from helpers.demos.widgets import (
    Demo,
    build_demo,
    message_html,
    notes_html,
    single_text_bad_inputs,
    table_html,
    text_area,
)
from helpers.ner.pipeline import ENTITY_COLORS, highlight_entities
from helpers.question_answering.pipeline import highlight_answer

ENTITY_NAMES = {"PS": "사람", "LC": "장소", "OG": "기관", "DT": "날짜", "TI": "시간", "QT": "수량"}
# The demo sentences and the entities the first-piece scheme (11 notebook) gives back: whole words, particles included.
# They are new sentences in the style of the embedded KMOU sample (its names, places and dates, no sample sentence), so
# the stand-in model, which learns only that sample, finds their entities too.
NER_EXAMPLES = {
    "누리통신은 다음 주 월요일 오후 3시에 강릉에서 문을 연다.":
        (("누리통신은", "OG"), ("다음 주 월요일", "DT"), ("오후 3시에", "TI"), ("강릉에서", "LC")),
    "강도윤은 지난해 가족과 함께 울릉도로 이사했다.": (("강도윤은", "PS"), ("지난해", "DT"), ("울릉도로", "LC")),
}
NER_EXAMPLE = next(iter(NER_EXAMPLES))
# The demo's passage, question and answer, new text in the style of the embedded KorQuAD sample (written for the
# course), so the stand-in answers it too. QA_CONTEXT, a real-world passage, is what the exercises and bad inputs use.
QA_EXAMPLE_CONTEXT = ("1998년 봄 조류학자 한지우가 섬 남쪽 바위 절벽에서 검은목도요를 처음 관찰하였다. 이 새는 해마다 갈매기섬에 "
                      "찾아와 알을 낳는다. 그 뒤 남쪽 절벽 일대는 '검은목도요 보호구역'으로 지정되었다.")
QA_EXAMPLE_QUESTION = "갈매기섬에서 검은목도요를 처음 관찰한 사람은?"
QA_EXAMPLE_ANSWER = "조류학자 한지우"
QA_CONTEXT = ("세종대왕은 조선의 제4대 국왕이다. 1443년 집현전 학자들과 함께 훈민정음을 창제하였고, 1446년에 이를 반포하였다. "
              "훈민정음은 오늘날 한글이라고 불린다.")
QA_QUESTION = "훈민정음을 반포한 해는?"

NER_BAD_INPUTS = single_text_bad_inputs("text", "김철수 씨는 2023년 3월 서울시청에서 회의를 했다. " * 30,
                                        "홍길동 🙂 씨가 ㋡ 부산 𠜎 에 갔다")
QA_BAD_INPUTS = {
    "빈 문맥": {"context": "", "question": QA_QUESTION},
    "공백만 있는 질문": {"context": QA_CONTEXT, "question": "   "},
    "모델 한도보다 긴 문맥": {"context": "오늘은 특별한 일이 없었다. " * 80 + QA_CONTEXT, "question": QA_QUESTION},
    "너무 긴 질문": {"context": QA_CONTEXT, "question": "훈민정음을 만든 사람은 누구인가 " * 40},
    "문맥에 답이 없는 질문": {"context": QA_CONTEXT, "question": "에펠탑의 높이는 몇 미터인가?"},
    "이모지와 드문 글자": {"context": QA_CONTEXT + " 😀 ㋡", "question": "훈민정음을 만든 왕은 𠜎?"},
}


def entity_legend_html(types: list[str]) -> str:
    """One coloured chip per entity type, with its Korean name."""

    chips = [f'<span style="background:{ENTITY_COLORS.get(t, "#dddddd")};padding:1px 6px;margin-right:6px;'
             f'border-radius:4px">{t} {ENTITY_NAMES.get(t, "")}</span>' for t in types]
    return f'<div style="margin:4px 0;font-size:90%">{"".join(chips)}</div>'


def entities_html(result: dict[str, Any], types: list[str]) -> str:
    """The sentence with entities coloured by type, a legend, the table of spans and any notes."""

    parts = [highlight_entities(result["text"], result["entities"]), entity_legend_html(types)]
    if result["rows"]:
        parts.append(table_html(result["rows"], ["개체명", "유형", "시작", "끝"]))
    else:
        parts.append(message_html("찾은 개체명이 없습니다."))
    return "".join(parts) + notes_html(result["notes"])


def build_ner_demo(model: Any, tokenizer: Any, max_length: int = 128, example: str = NER_EXAMPLE) -> Demo:
    """A sentence box -> the sentence with entity spans coloured by type, and a table of the spans."""
    types = list(dict.fromkeys(label.split("-", 1)[1] for label in model.config.id2label.values() if "-" in label))

    def render(text: str) -> str:
        return entities_html(find_entities(model, tokenizer, text, max_length), types)

    return build_demo({"text": text_area(example, "문장")}, render, "개체명 인식: 문장 속 사람·장소·기관·날짜 등을 찾습니다",
                      button_label="개체명 찾기")


def answer_html(result: dict[str, Any]) -> str:
    """The answer with its score, the context with the answer highlighted, the n-best table and any notes."""

    head = (f'<div style="font-size:120%;margin:4px 0">답: <b>{html.escape(result["text"])}</b> '
            f'<span style="color:#868e96;font-size:80%">(확률 {result["probability"]:.1%}, 점수 '
            f'{result["score"]:.2f})</span></div>')
    marked = highlight_answer(result["context"], (result["start"], result["end"]))
    context = f'<div style="line-height:1.8;margin:6px 0">{marked}</div>'
    rows = [{"순위": i + 1, "답 후보": a["text"], "확률": f"{a['probability']:.1%}", "점수": f"{a['score']:.2f}"}
            for i, a in enumerate(result["n_best"])]
    return head + notes_html(result["notes"]) + context + table_html(rows, ["순위", "답 후보", "확률", "점수"])


def build_qa_demo(model: Any, tokenizer: Any, max_length: int = 256, doc_stride: int = QA_DOC_STRIDE,
                  context: str = QA_EXAMPLE_CONTEXT, question: str = QA_EXAMPLE_QUESTION) -> Demo:
    """A context and a question -> the answer highlighted in the context, its score and the n-best list."""
    import ipywidgets as widgets

    def render(context: str, question: str) -> str:
        return answer_html(answer_checked(model, tokenizer, question, context, max_length, doc_stride))

    controls = {"context": text_area(context, "문맥", 6),
                "question": widgets.Text(value=question, description="질문", layout=widgets.Layout(width="95%"),
                                         style={"description_width": "80px"})}
    return build_demo(controls, render, "질의응답: 문맥에서 질문의 답이 되는 구간을 찾습니다", button_label="답 찾기")
