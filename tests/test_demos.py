"""The notebook demos: widgets are built and their callbacks run programmatically, on good and bad inputs."""

import ipywidgets as widgets
import pytest
import torch

from helpers.core.input_checks import InputProblem
from helpers.core.models import load_sequence_classifier, load_tokenizer
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, CourseSettings
from helpers.demos.widgets import (
    DOCUMENT_BAD_INPUTS,
    PAIR_BAD_INPUTS,
    Demo,
    build_demo,
    build_document_demo,
    build_pair_demo,
    classify_document,
    classify_pair,
    html_text,
    safe_html,
    try_inputs,
)

# The module-scoped models are trained once: every test of this file runs on one xdist worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("test_demos")

NSMC = ("부정", "긍정")
NLI = ("entailment", "neutral", "contradiction")
MAX_LENGTH = 32


@pytest.fixture(scope="module")
def settings():
    return CourseSettings(smoke=True, corpus_root_dir=str(EMBEDDED_SAMPLE_ROOT), max_seq_length=MAX_LENGTH)


@pytest.fixture(scope="module")
def tokenizer(settings):
    return load_tokenizer(settings)


@pytest.fixture(scope="module")
def classifiers(settings):
    torch.manual_seed(0)
    return {"document": load_sequence_classifier(settings, NSMC).eval(),
            "pair": load_sequence_classifier(settings, NLI).eval()}


def test_safe_html_turns_problems_and_failures_into_messages():
    def broken(text):
        raise RuntimeError("boom")

    def refusing(text):
        raise InputProblem("입력이 비어 있습니다.")

    assert "RuntimeError" in safe_html(broken, text="x") and "boom" in safe_html(broken, text="x")
    assert html_text(safe_html(refusing, text="")) == "입력이 비어 있습니다."
    assert "&lt;b&gt;" in safe_html(lambda text: __import__("helpers.demos.widgets").demos.widgets.message_html(text), text="<b>")


def test_build_demo_wires_controls_button_and_result():
    box = widgets.Text(value="안녕")
    demo = build_demo({"text": box}, lambda text: f"<i>{text}!</i>", "제목")
    assert isinstance(demo, Demo) and isinstance(demo.widget, widgets.VBox)
    assert demo.widget.children[1] is box and demo.widget.children[-1] is demo.result
    box.value = "반가워"
    demo.button.click()  # what a learner's click does
    assert demo.result.value == "<i>반가워!</i>"
    assert demo.run() == demo.result.value


def test_classify_document_gives_a_distribution_over_the_labels(classifiers, tokenizer):
    result = classify_document(classifiers["document"], tokenizer, "배우들 연기가 좋았다", MAX_LENGTH)
    assert result["label"] in NSMC and list(result["probabilities"]) == list(NSMC)
    assert sum(result["probabilities"].values()) == pytest.approx(1.0, abs=1e-6)
    assert result["label"] == max(result["probabilities"], key=result["probabilities"].get)
    assert result["notes"] == []


def test_document_demo_shows_label_bars_and_messages_for_bad_input(classifiers, tokenizer):
    demo = build_document_demo(classifiers["document"], tokenizer, MAX_LENGTH)
    assert isinstance(demo.controls["text"], widgets.Textarea)
    good = html_text(demo.run())
    assert good.startswith("예측:") and good.count("%") == 2
    shown = {case: html_text(markup) for case, markup in try_inputs(demo, DOCUMENT_BAD_INPUTS).items()}
    assert demo.controls["text"].value == "이 영화 정말 재밌어요 강추!" and html_text(demo.result.value) == good
    assert shown["빈 문자열"] == "문장이 비어 있습니다. 내용을 입력한 뒤 다시 실행하세요."
    assert "공백 문자만" in shown["공백만"] and "예측" not in shown["공백만"]
    assert shown["모델 한도보다 긴 글"].startswith("예측:") and f"한도 {MAX_LENGTH} 토큰" in shown["모델 한도보다 긴 글"]
    assert shown["이모지와 드문 글자"].startswith("예측:") and "[UNK]" in shown["이모지와 드문 글자"]
    assert "Error" not in " ".join(shown.values())


def test_classify_pair_gives_three_probabilities(classifiers, tokenizer):
    result = classify_pair(classifiers["pair"], tokenizer, "아이들이 공원에서 논다.", "아이들이 밖에 있다.", MAX_LENGTH)
    assert (result["premise"], result["hypothesis"]) == ("아이들이 공원에서 논다.", "아이들이 밖에 있다.")
    assert list(result["probabilities"]) == list(NLI) and result["label"] in NLI
    assert sum(result["probabilities"].values()) == pytest.approx(1.0, abs=1e-6)


def test_pair_demo_handles_every_bad_input(classifiers, tokenizer):
    demo = build_pair_demo(classifiers["pair"], tokenizer, MAX_LENGTH)
    assert set(demo.controls) == {"premise", "hypothesis"}
    assert html_text(demo.run()).count("%") == 3
    shown = {case: html_text(markup) for case, markup in try_inputs(demo, PAIR_BAD_INPUTS).items()}
    assert shown["빈 전제"].startswith("전제가 비어 있습니다")
    assert shown["공백만 있는 가설"].startswith("가설에 공백 문자만")
    assert shown["모델 한도보다 긴 쌍"].startswith("예측:") and "더 긴 문장의 뒷부분부터" in shown["모델 한도보다 긴 쌍"]
    assert "[UNK]" in shown["이모지와 드문 글자"] and shown["이모지와 드문 글자"].count("%") == 3


# --- spans: named entities and answers -------------------------------------------------------------------------

from helpers.demos.span_predictions import answer_checked, entity_rows, find_entities
from helpers.demos.spans import NER_BAD_INPUTS, QA_BAD_INPUTS, QA_CONTEXT, QA_QUESTION, build_ner_demo, build_qa_demo


@pytest.fixture(scope="module")
def ner_model(settings):
    from helpers.ner.corpora import KMOU_TYPES
    from helpers.ner.pipeline import bio_labels, load_token_classifier

    model = load_token_classifier(settings, bio_labels(KMOU_TYPES)).eval()
    with torch.no_grad():  # every token says B-PS, so every word piece is an entity: spans to check, always
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([0.0, 5.0] + [0.0] * 9))
    return model


@pytest.fixture(scope="module")
def qa_model(settings):
    from helpers.question_answering.pipeline import load_qa_model

    torch.manual_seed(0)
    return load_qa_model(settings).eval()


def test_find_entities_returns_spans_inside_the_text(ner_model, tokenizer):
    text = "이순신 장군은 1592년 옥포에서 이겼다."
    result = find_entities(ner_model, tokenizer, text, MAX_LENGTH)
    assert result["entities"] and result["notes"] == []
    for span, row in zip(result["entities"], result["rows"]):
        assert 0 <= span.start < span.end <= len(text) and span.label == "PS"
        assert row["개체명"] == text[span.start : span.end] and row["개체명"].strip() == row["개체명"]
    assert [r["entities"] for r in entity_rows(ner_model, tokenizer, [text], MAX_LENGTH)] == [
        [{"entity": r["개체명"], "type": "PS", "start": r["시작"], "end": r["끝"]} for r in result["rows"]]]


def test_long_sentence_finds_entities_only_in_the_kept_part(ner_model, tokenizer):
    from helpers.core.input_checks import kept_characters

    text = "김철수 씨는 서울에서 회의를 했다. " * 20
    result = find_entities(ner_model, tokenizer, text, MAX_LENGTH)
    kept = kept_characters(tokenizer, text, MAX_LENGTH)
    assert max(s.end for s in result["entities"]) <= kept < len(text)
    assert any("뒷부분의 개체명은 찾지 않았습니다" in n for n in result["notes"])


def test_ner_demo_colours_spans_and_handles_bad_input(ner_model, tokenizer):
    demo = build_ner_demo(ner_model, tokenizer, MAX_LENGTH)
    markup = demo.run()
    found = find_entities(ner_model, tokenizer, demo.controls["text"].value, MAX_LENGTH)
    assert markup.count("<mark") == len(found["rows"])
    assert "PS 사람" in html_text(markup) and "<table>" in markup
    shown = {case: html_text(m) for case, m in try_inputs(demo, NER_BAD_INPUTS).items()}
    assert shown["빈 문자열"].startswith("문장이 비어") and shown["공백만"].startswith("문장에 공백 문자만")
    assert "앞의" in shown["모델 한도보다 긴 글"] and "[UNK]" in shown["이모지와 드문 글자"]


def test_answer_checked_gives_a_span_of_the_context(qa_model, tokenizer):
    result = answer_checked(qa_model, tokenizer, QA_QUESTION, QA_CONTEXT, 64, 16)
    assert result["text"] == QA_CONTEXT[result["start"] : result["end"]] and result["text"]
    scores = [a["score"] for a in result["n_best"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 5
    assert sum(a["probability"] for a in result["n_best"]) == pytest.approx(1.0, abs=1e-6)
    assert all(QA_CONTEXT[a["start"] : a["end"]] == a["text"] for a in result["n_best"])


def test_answer_checked_windows_long_context_and_refuses_long_question(qa_model, tokenizer):
    long_context = "오늘은 특별한 일이 없었다. " * 40 + QA_CONTEXT
    result = answer_checked(qa_model, tokenizer, QA_QUESTION, long_context, 64, 16)
    assert long_context[result["start"] : result["end"]] == result["text"]
    assert any("겹치는 창" in n for n in result["notes"])
    with pytest.raises(InputProblem, match="질문이 .* 토큰으로 너무 깁니다"):
        answer_checked(qa_model, tokenizer, "훈민정음 " * 60, QA_CONTEXT, 64, 16)


def test_qa_demo_highlights_the_answer_and_handles_bad_input(qa_model, tokenizer):
    demo = build_qa_demo(qa_model, tokenizer, 64, 16)
    assert isinstance(demo.controls["question"], widgets.Text)
    markup = demo.run()
    assert "background:#ffe066" in markup and "순위" in html_text(markup)
    shown = {case: html_text(m) for case, m in try_inputs(demo, QA_BAD_INPUTS).items()}
    assert shown["빈 문맥"].startswith("문맥이 비어") and shown["공백만 있는 질문"].startswith("질문에 공백 문자만")
    assert "겹치는 창" in shown["모델 한도보다 긴 문맥"] and shown["모델 한도보다 긴 문맥"].startswith("답:")
    assert "너무 깁니다" in shown["너무 긴 질문"]
    # the untrained model spreads its scores, so the answer to an unanswerable question comes with the warning
    assert shown["문맥에 답이 없는 질문"].startswith("답:") and "답이 없을 수도" in shown["문맥에 답이 없는 질문"]
    assert "[UNK]" in shown["이모지와 드문 글자"]
    assert "Error" not in " ".join(shown.values())


# --- generation -------------------------------------------------------------------------------------------------

from helpers.demos.generation import (
    GENERATION_BAD_INPUTS,
    build_generation_demo,
    generate_checked,
    next_token_probabilities,
)


@pytest.fixture(scope="module")
def gpt(tmp_path_factory):
    from helpers.core.corpora import NsmcReader
    from helpers.generation.models import load_generation_model, local_bpe_tokenizer
    from helpers.generation.pipeline import prefixed_texts

    texts = prefixed_texts(NsmcReader().read(EMBEDDED_SAMPLE_ROOT / "nsmc" / "ratings_train.txt", verbose=False)[:200])
    gpt_tokenizer = local_bpe_tokenizer(texts, tmp_path_factory.mktemp("bpe"), vocab_size=600)
    torch.manual_seed(0)
    model = load_generation_model(CourseSettings(smoke=True, max_seq_length=64), gpt_tokenizer).eval()
    return model, gpt_tokenizer


def test_generate_checked_continues_the_prompt_reproducibly(gpt):
    model, tok = gpt
    first = generate_checked(model, tok, "긍정 이 영화는", max_new_tokens=12, seed=3)
    assert first["text"].startswith("긍정 이 영화는") and first["notes"] == []
    assert generate_checked(model, tok, "긍정 이 영화는", max_new_tokens=12, seed=3)["text"] == first["text"]
    assert first["options"] == {"do_sample": True, "temperature": 1.0, "top_k": 50, "top_p": 0.92,
                                "repetition_penalty": 1.2}


def test_long_prompt_keeps_its_end_and_too_long_output_is_refused(gpt):
    model, tok = gpt
    prompt = "긍정 배우들의 연기가 좋았다 " * 80
    result = generate_checked(model, tok, prompt, max_new_tokens=20)
    room = model.config.n_positions - 20 - 1
    assert prompt.endswith(result["prompt"]) and len(result["prompt"]) < len(prompt)
    assert len(tok(result["prompt"], add_special_tokens=False)["input_ids"]) <= room
    assert any("마지막" in n for n in result["notes"])
    with pytest.raises(InputProblem, match="모델 한도"):
        generate_checked(model, tok, "긍정", max_new_tokens=model.config.n_positions)


def test_generation_demo_has_the_sliders_and_handles_bad_input(gpt):
    model, tok = gpt
    demo = build_generation_demo(model, tok)
    assert isinstance(demo.controls["temperature"], widgets.FloatSlider)
    assert isinstance(demo.controls["max_new_tokens"], widgets.IntSlider)
    assert {"top_k", "top_p", "repetition_penalty", "seed"} <= set(demo.controls)
    demo.controls["temperature"].value = 0.5
    demo.controls["top_k"].value = 0
    demo.controls["top_p"].value = 0.92  # a float slider holds 0.9199999999999999; the caption shows 0.92
    before = demo.run()
    assert "temperature=0.5" in html_text(before) and "top_k=0" in html_text(before)
    assert "top_p=0.92," in html_text(before) and "0.919" not in before
    shown = {case: html_text(m) for case, m in try_inputs(demo, GENERATION_BAD_INPUTS).items()}
    assert shown["빈 문자열"].startswith("프롬프트가 비어") and shown["공백만"].startswith("프롬프트에 공백 문자만")
    assert "마지막" in shown["모델 한도보다 긴 글"] and shown["이모지와 드문 글자"].startswith("긍정 😀👍")
    assert "Error" not in " ".join(shown.values())
    # afterwards the live demo shows its own settings and result again, not the last bad input
    assert demo.controls["max_new_tokens"].value == 40 and demo.controls["prompt"].value == "긍정 이 영화는"
    assert demo.result.value == before
    demo.controls["max_new_tokens"].value = 100_000
    assert demo.controls["max_new_tokens"].value == 200  # the slider clamps 100,000 to its maximum


def test_generated_text_never_shows_broken_bytes_or_control_characters(gpt):
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    from helpers.demos.generation import token_label
    from helpers.generation.pipeline import readable_text

    _, tok = gpt
    byte_ids = {b: tok.convert_tokens_to_ids(c) for b, c in bytes_to_unicode().items()}
    whole = [byte_ids[b] for b in "긍정 한".encode()]  # "한" spread over three byte tokens: held back, then joined
    cut = [byte_ids[b] for b in "영".encode()[:2]]  # two of the three bytes of "영": can never become a character
    control = [byte_ids[0x07], byte_ids[0x1B]]  # BEL and ESC
    raw = tok.decode(whole + cut + control + [byte_ids[b] for b in "!\n다".encode()])
    assert "\ufffd" in raw and "\x07" in raw  # what the plain decode gives
    assert readable_text(raw) == "긍정 한!\n다"
    assert token_label(tok, cut[0]) == "바이트 " + f"{'영'.encode()[0]:02X}"
    assert token_label(tok, byte_ids[ord("a")]) == "a"


def test_lower_temperature_sharpens_the_next_token_distribution(gpt):
    model, tok = gpt
    result = next_token_probabilities(model, tok, "긍정 이 영화는", temperatures=(0.5, 1.0, 2.0), top=5)
    assert len(result["tokens"]) == 5
    tops = [result["probabilities"][t][0] for t in (0.5, 1.0, 2.0)]
    assert tops[0] > tops[1] > tops[2]
    for values in result["probabilities"].values():
        assert values == sorted(values, reverse=True) and sum(values) <= 1.0
