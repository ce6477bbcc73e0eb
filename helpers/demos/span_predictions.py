"""Checked span predictions for the demos (NER entities, QA answers) and their evaluation pictures' numbers."""

from __future__ import annotations

from typing import Any, Sequence

from helpers.core.data import make_dataloader
from helpers.core.input_checks import InputProblem, require_text, token_count, truncation_note, unknown_note
from helpers.ner.alignment import model_scheme
from helpers.ner.pipeline import encode_tagged, entity_report, predict_entities
from helpers.question_answering.features import check_window_room
from helpers.question_answering.metrics import best_over_golds, exact_match
from helpers.question_answering.pipeline import answer_question

LOW_CONFIDENCE = 0.3  # below this share of the n-best mass, the answer comes with a warning
QA_DOC_STRIDE = 64


def find_entities(model: Any, tokenizer: Any, text: str, max_length: int = 128) -> dict[str, Any]:
    """Entity spans of one checked sentence (each inside the text) with notes on truncation and unknown characters."""

    require_text(text, "문장")
    entities = predict_entities(model, tokenizer, [text], max_length)[0]
    notes = [truncation_note(tokenizer, text, max_length, "문장"), unknown_note(tokenizer, text, "문장")]
    if notes[0]:
        notes[0] += " 잘린 뒷부분의 개체명은 찾지 않았습니다."
    rows = [{"개체명": text[s.start : s.end], "유형": s.label, "시작": s.start, "끝": s.end} for s in entities]
    return {"text": text, "entities": entities, "rows": rows, "notes": [n for n in notes if n]}


def window_count(tokenizer: Any, question: str, context: str, max_length: int, stride: int) -> int:
    """How many overlapping windows of at most `max_length` tokens the context is split into."""
    encoded = tokenizer(question, context, truncation="only_second", max_length=max_length, stride=stride,
                        return_overflowing_tokens=True, verbose=False)
    return len(encoded["input_ids"])


def check_question_room(tokenizer: Any, question: str, max_length: int, stride: int) -> None:
    """InputProblem when the question is so long that no context window fits beside it."""

    try:
        check_window_room(tokenizer, [question], max_length, stride)
    except ValueError:
        raise InputProblem(f"질문이 {token_count(tokenizer, question) - 2} 토큰으로 너무 깁니다. 문맥을 함께 넣을 "
                           f"자리가 없으니 {max(1, max_length - stride - 4)} 토큰보다 짧게 줄여 주세요.") from None


def answer_checked(model: Any, tokenizer: Any, question: str, context: str, max_length: int = 256,
                   doc_stride: int = QA_DOC_STRIDE, n_best: int = 5) -> dict[str, Any]:
    """The best answer and n-best list for one checked (question, context), with notes a learner should read."""

    require_text(context, "문맥")
    require_text(question, "질문")
    check_question_room(tokenizer, question, max_length, doc_stride)
    result = answer_question(model, tokenizer, question, context, max_length, doc_stride, n_best)
    windows = window_count(tokenizer, question, context, max_length, doc_stride)
    notes = [unknown_note(tokenizer, question, "질문"), unknown_note(tokenizer, context, "문맥")]
    if windows > 1:
        notes.append(f"문맥이 길어 한 번에 넣을 수 없으므로 {doc_stride} 토큰씩 겹치는 창 {windows}개로 나눠 살펴보고, "
                     "모든 창의 후보 중 가장 좋은 답을 골랐습니다.")
    if not result["text"]:
        raise InputProblem("문맥에서 답이 될 구간을 찾지 못했습니다. 질문이나 문맥을 바꿔 보세요.")
    if result["probability"] < LOW_CONFIDENCE:
        notes.append(f"확신이 낮습니다(후보 중 확률 {result['probability']:.0%}). 문맥에 답이 없을 수도 있습니다. "
                     "KorQuAD 1.0으로 학습한 모델은 '답 없음'을 배우지 않아 언제나 문맥의 한 구간을 고릅니다.")
    return {**result, "context": context, "notes": [n for n in notes if n]}


def qa_confidence(model: Any, tokenizer: Any, examples: Sequence[Any], max_length: int = 256,
                  doc_stride: int = QA_DOC_STRIDE) -> list[dict[str, Any]]:
    """Per question: the predicted answer, its probability and score, and whether it exactly matches a gold answer."""
    from tqdm.auto import tqdm


    rows = []
    for example in tqdm(examples, desc="answering", unit="question"):
        best = answer_question(model, tokenizer, example.question, example.context, max_length, doc_stride)
        golds = [a.text for a in example.answers]
        rows.append({"question": example.question, "gold": golds[0] if golds else "", "predicted": best["text"],
                     "probability": best["probability"], "score": best["score"],
                     "exact": bool(best_over_golds(exact_match, best["text"], golds)) if golds else False})
    return rows


def entity_report_on_rows(model: Any, tokenizer: Any, sentences: Sequence[Any], max_length: int = 128,
                          batch_size: int = 32) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per entity type of a token classifier on tagged sentences."""

    label2id = {label: int(i) for label, i in model.config.label2id.items()}
    dataset = encode_tagged(tokenizer, sentences, label2id, max_length, "test", model_scheme(model))
    return entity_report(model, make_dataloader(dataset, batch_size, tokenizer.pad_token_id))



def answer_rows(model: Any, tokenizer: Any, pairs: Sequence[tuple[str, str]], max_length: int = 256,
                doc_stride: int = QA_DOC_STRIDE) -> list[dict[str, Any]]:
    """One CSV-ready row per (context, question): the best answer, its character span, score and probability."""

    rows = []
    for context, question in pairs:
        best = answer_question(model, tokenizer, question, context, max_length, doc_stride)
        rows.append({"context": context, "question": question, "answer": best["text"], "start": best["start"],
                     "end": best["end"], "score": best["score"], "probability": best["probability"]})
    return rows


def entity_rows(model: Any, tokenizer: Any, texts: Sequence[str], max_length: int = 128) -> list[dict[str, Any]]:
    """One CSV-ready row per sentence: the sentence and its entities (text, type, character span)."""

    return [{"text": text, "entities": [{"entity": text[s.start : s.end], "type": s.label, "start": s.start,
                                         "end": s.end} for s in spans]}
            for text, spans in zip(texts, predict_entities(model, tokenizer, texts, max_length))]
