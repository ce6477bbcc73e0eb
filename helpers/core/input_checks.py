"""Checks of what a learner types into a demo: empty text, text over the model's limit, characters unknown to it."""

from __future__ import annotations

from typing import Any, Sequence


class InputProblem(ValueError):
    """An input a demo cannot predict; the message tells the learner why and what to do."""


def subject(word: str) -> str:
    """`word` with its subject particle: 이 after a final consonant (문장이), 가 after a vowel (전제가)."""
    last = word[-1:]
    has_final = "가" <= last <= "힣" and (ord(last) - ord("가")) % 28 != 0
    return word + ("이" if has_final else "가")


def require_text(text: Any, what: str = "입력") -> str:
    """The text itself, or InputProblem when it is missing, empty or only whitespace."""
    if text is None or not isinstance(text, str) or text == "":
        raise InputProblem(f"{subject(what)} 비어 있습니다. 내용을 입력한 뒤 다시 실행하세요.")
    if not text.strip():
        raise InputProblem(f"{what}에 공백 문자만 있습니다. 글자가 있는 문장을 입력하세요.")
    return text


def input_problem(*texts: Any, names: Sequence[str] = ("입력",)) -> str | None:
    """The message for the first missing, empty or whitespace-only text, or None when every text has content."""
    for i, text in enumerate(texts):
        try:
            require_text(text, names[min(i, len(names) - 1)])
        except InputProblem as problem:
            return str(problem)
    return None


def unknown_characters(tokenizer: Any, text: str) -> list[str]:
    """The pieces of `text` the tokenizer can only turn into its unknown token ([UNK]), in order, once each."""
    unk = tokenizer.unk_token_id
    if unk is None:
        return []
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    pieces = [text[s:e] for i, (s, e) in zip(encoded["input_ids"], encoded["offset_mapping"]) if i == unk]
    return list(dict.fromkeys(pieces))


def unknown_note(tokenizer: Any, text: str, what: str = "입력") -> str | None:
    """A sentence naming the characters that became [UNK], or None when every character is known."""
    pieces = unknown_characters(tokenizer, text)
    if not pieces:
        return None
    shown = ", ".join(repr(p) for p in pieces[:8]) + (" ..." if len(pieces) > 8 else "")
    return (f"{what}에 모델의 어휘에 없는 글자가 있습니다: {shown}. 이 글자들은 {tokenizer.unk_token}(모르는 토큰) "
            "하나로 바뀌므로 모델이 서로 구별하지 못합니다.")


def token_count(tokenizer: Any, text: str, pair: str | None = None) -> int:
    """Tokens of `text` (and `pair`) with the special tokens, untruncated."""
    return len(tokenizer(text, pair, truncation=False, verbose=False)["input_ids"])


def kept_characters(tokenizer: Any, text: str, max_length: int) -> int:
    """How many leading characters of `text` survive truncation to `max_length` tokens (specials included)."""
    encoded = tokenizer(text, truncation=True, max_length=max_length, return_offsets_mapping=True,
                        return_special_tokens_mask=True)
    ends = [e for (_, e), special in zip(encoded["offset_mapping"], encoded["special_tokens_mask"]) if not special]
    return max(ends, default=0)


def truncation_note(tokenizer: Any, text: str, max_length: int, what: str = "입력") -> str | None:
    """A sentence saying that and where `text` is cut at `max_length` tokens, or None when it fits."""
    total = token_count(tokenizer, text)
    if total <= max_length:
        return None
    kept = kept_characters(tokenizer, text, max_length)
    return (f"{subject(what)} {total} 토큰이라 모델 한도 {max_length} 토큰을 넘습니다. 앞의 {kept}자(전체 {len(text)}자)까지만 "
            "보고 예측했습니다. 나머지는 무시됩니다.")


def pair_truncation_note(tokenizer: Any, first: str, second: str, max_length: int) -> str | None:
    """A sentence saying that a pair over `max_length` tokens is cut from its longer side, or None."""
    total = token_count(tokenizer, first, second)
    if total <= max_length:
        return None
    return (f"두 문장을 합치면 {total} 토큰이라 모델 한도 {max_length} 토큰을 넘습니다. 더 긴 문장의 뒷부분부터 잘라 "
            "한도에 맞춘 뒤 예측했습니다.")


def text_notes(tokenizer: Any, text: str, max_length: int, what: str = "입력") -> list[str]:
    """Every note about one checked text: truncation and unknown characters."""
    notes = [truncation_note(tokenizer, text, max_length, what), unknown_note(tokenizer, text, what)]
    return [n for n in notes if n]
