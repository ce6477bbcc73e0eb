"""In-notebook demos with ipywidgets (7 and 8): the widget, its inputs and a callback tests can call directly.

Every demo shows its result, or a clear message for bad input, in an HTML widget: never a traceback.
Only widgets common to ipywidgets 7 (Colab) and 8 are used: Text, Textarea, Button, sliders, HTML, VBox/HBox.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from helpers.core.input_checks import InputProblem, pair_truncation_note, require_text, text_notes, unknown_note
from helpers.core.prediction import predict_texts
from helpers.pair_classification.pipeline import predict_pairs

# The demo pairs and their relations: new pairs in the style of the embedded KLUE-NLI sample (its names, places and
# activities), so the stand-in model, which learns only that sample, can answer them too; none is a sample pair.
PAIR_EXAMPLES = (("한소율은 지난 주말에 바닷가에서 사진을 찍었다.", "한소율은 바닷가에 갔다.", "entailment"),
                 ("한소율은 지난 주말에 바닷가에서 사진을 찍었다.", "한소율은 바닷가에 간 적이 없다.", "contradiction"),
                 ("윤재현은 퇴근 후에 시장에서 과일을 샀다.", "윤재현은 가족과 함께 과일을 샀다.", "neutral"))
MESSAGE_COLORS = {"info": ("#e7f5ff", "#1c7ed6"), "warning": ("#fff4e6", "#e8590c"), "error": ("#fff5f5", "#e03131")}


@dataclass
class Demo:
    """An interactive demo: `widget` to display, its input `controls`, the `result` HTML and the `run` callback."""

    widget: Any
    controls: dict[str, Any]
    button: Any
    result: Any
    run: Callable[..., str]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def message_html(text: str, kind: str = "info") -> str:
    """A coloured box with one message (kind: info, warning or error)."""
    background, border = MESSAGE_COLORS[kind]
    return (f'<div style="background:{background};border-left:4px solid {border};padding:6px 10px;margin:4px 0">'
            f"{html.escape(text)}</div>")


def notes_html(notes: Sequence[str]) -> str:
    """Warning boxes for the notes of a checked input (truncation, unknown characters)."""
    return "".join(message_html(n, "warning") for n in notes)


def probability_bars_html(probabilities: dict[str, float], best: str | None = None) -> str:
    """Horizontal bars, one per label, with the probability written beside each; the best one stands out."""
    rows = []
    for label, p in probabilities.items():
        color = "#1c7ed6" if label == best else "#adb5bd"
        rows.append(f'<div style="display:flex;align-items:center;margin:2px 0">'
                    f'<span style="width:110px">{html.escape(str(label))}</span>'
                    f'<span style="display:inline-block;width:260px;background:#f1f3f5;height:14px">'
                    f'<span style="display:block;width:{100 * p:.1f}%;background:{color};height:14px"></span></span>'
                    f'<span style="margin-left:8px">{100 * p:.1f}%</span></div>')
    return "".join(rows)


def table_html(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """A small HTML table of `rows` with the given columns."""
    head = "".join(f'<th style="text-align:left;padding:2px 8px">{html.escape(c)}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f'<td style="padding:2px 8px">{html.escape(str(r.get(c, "")))}</td>'
                                    for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def safe_html(render: Callable[..., str], **values: Any) -> str:
    """`render(**values)`, or a message box when the input is bad or prediction fails: never an exception."""
    try:
        return render(**values)
    except InputProblem as problem:
        return message_html(str(problem), "warning")
    except Exception as err:  # a demo shows what went wrong instead of a traceback
        return message_html(f"예측하지 못했습니다 ({type(err).__name__}: {err}). 입력을 바꿔 다시 시도하세요.", "error")


def build_demo(controls: dict[str, Any], render: Callable[..., str], title: str, button_label: str = "예측하기",
               extra_rows: Sequence[Any] = ()) -> Demo:
    """Lay out input controls, a button and a result area; the button (or `demo.run()`) calls `render`."""
    import ipywidgets as widgets

    result = widgets.HTML(value=message_html("입력한 뒤 버튼을 누르세요."))
    button = widgets.Button(description=button_label, button_style="primary")

    def run(_: Any = None) -> str:
        result.value = safe_html(render, **{name: c.value for name, c in controls.items()})
        return result.value

    button.on_click(run)
    header = widgets.HTML(value=f"<b>{html.escape(title)}</b>")
    widget = widgets.VBox([header, *controls.values(), *extra_rows, button, result])
    return Demo(widget, controls, button, result, run)


def text_area(value: str, description: str, rows: int = 3) -> Any:
    """A full-width Textarea with a label."""
    import ipywidgets as widgets

    return widgets.Textarea(value=value, description=description, rows=rows,
                            layout=widgets.Layout(width="95%"), style={"description_width": "80px"})


def classify_document(model: Any, tokenizer: Any, text: str, max_length: int = 128) -> dict[str, Any]:
    """Label and probabilities of one checked text, with notes on truncation and unknown characters."""

    require_text(text, "문장")
    result = predict_texts(model, tokenizer, [text], max_length)[0]
    return {**result, "notes": text_notes(tokenizer, text, max_length, "문장")}


def classification_html(result: dict[str, Any]) -> str:
    """The predicted label in large type, the probability bars and any notes."""
    return (f'<div style="font-size:120%;margin:4px 0">예측: <b>{html.escape(result["label"])}</b></div>'
            + probability_bars_html(result["probabilities"], result["label"]) + notes_html(result["notes"]))


def build_document_demo(model: Any, tokenizer: Any, max_length: int = 128,
                        example: str = "이 영화 정말 재밌어요 강추!") -> Demo:
    """A text box -> the predicted label and a probability bar per label."""
    def render(text: str) -> str:
        return classification_html(classify_document(model, tokenizer, text, max_length))

    return build_demo({"text": text_area(example, "문장")}, render, "문서 분류: 문장을 넣고 버튼을 누르세요")


def classify_pair(model: Any, tokenizer: Any, premise: str, hypothesis: str, max_length: int = 128) -> dict[str, Any]:
    """Relation and its three probabilities for one checked (premise, hypothesis) pair, with notes."""

    require_text(premise, "전제")
    require_text(hypothesis, "가설")
    result = predict_pairs(model, tokenizer, [(premise, hypothesis)], max_length)[0]
    notes = [pair_truncation_note(tokenizer, premise, hypothesis, max_length),
             unknown_note(tokenizer, premise, "전제"), unknown_note(tokenizer, hypothesis, "가설")]
    return {**result, "notes": [n for n in notes if n]}


def build_pair_demo(model: Any, tokenizer: Any, max_length: int = 128, premise: str = PAIR_EXAMPLES[0][0],
                    hypothesis: str = PAIR_EXAMPLES[0][1]) -> Demo:
    """Premise and hypothesis boxes -> the relation and its three probabilities."""
    def render(premise: str, hypothesis: str) -> str:
        return classification_html(classify_pair(model, tokenizer, premise, hypothesis, max_length))

    controls = {"premise": text_area(premise, "전제", 2), "hypothesis": text_area(hypothesis, "가설", 2)}
    return build_demo(controls, render, "문장 쌍 분류(자연어 추론): 전제와 가설의 관계를 예측합니다")


def single_text_bad_inputs(field: str, long_text: str, rare_text: str) -> dict[str, dict[str, str]]:
    """The bad inputs every one-text demo is tried with: empty, whitespace only, over the limit, rare characters."""
    return {"빈 문자열": {field: ""}, "공백만": {field: "   \n\t "}, "모델 한도보다 긴 글": {field: long_text},
            "이모지와 드문 글자": {field: rare_text}}


DOCUMENT_BAD_INPUTS = single_text_bad_inputs("text", "배우들 연기가 정말 좋았고 음악도 훌륭했다. " * 60,
                                             "완전 최고예요 😀👍🏻 ㋡ 𠜎 ﷽")
PAIR_BAD_INPUTS = {
    "빈 전제": {"premise": "", "hypothesis": "아이들이 놀고 있다."},
    "공백만 있는 가설": {"premise": "아이들이 공원에서 놀고 있다.", "hypothesis": "  \n "},
    "모델 한도보다 긴 쌍": {"premise": "오늘은 날씨가 맑고 바람이 시원하다. " * 50, "hypothesis": "날씨가 좋다."},
    "이모지와 드문 글자": {"premise": "고양이가 🐈 소파 위에서 잔다 ㋡", "hypothesis": "동물이 자고 있다 𠜎"},
}


def try_inputs(demo: Demo, cases: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Run the demo on each case's values and return {case: result HTML}; then the demo shows its example again."""
    example = {name: control.value for name, control in demo.controls.items()}
    shown = {}
    try:
        for name, values in cases.items():
            for control, value in values.items():
                demo.controls[control].value = value
            shown[name] = demo.run()
    finally:
        for name, value in example.items():
            demo.controls[name].value = value
        demo.run()
    return shown


def html_text(markup: str) -> str:
    """The visible text of an HTML result, for printing and tests."""
    import re

    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))).strip()
