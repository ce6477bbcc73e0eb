"""Character entity spans <-> subword BIO labels, under the first-subword (default) or all-subword scheme.

"first": each word's first subword carries the word's BIO label; the word's continuation pieces (`##...`) are
left unlabelled (-100) like special and padding tokens, and a prediction covers whole words.
"all": every subword carries a label, so an entity can end inside a word (`임수경` in `임수경을`).
Words are the tokenizer's own pre-tokenised words (split at spaces and punctuation).
"""

from __future__ import annotations

from typing import Any, Sequence

from helpers.core.settings import CourseSettings, SettingsError, as_task_settings
from helpers.ner.corpora import EntitySpan, TaggedSentence

LABEL_SCHEMES = {
    "first": "each word's first subword carries the label, its continuation pieces are ignored (-100)",
    "all": "every subword carries a label (B- on an entity's first subword, I- on the rest)",
}
SCHEME_SETTING = "ner_label_subwords"  # NerSettings field; the model config stores the scheme under it too


def check_scheme(scheme: str) -> str:
    """The scheme itself when it is "first" or "all"; otherwise a SettingsError naming the setting."""
    if scheme not in LABEL_SCHEMES:
        choices = "; ".join(f"{name!r}: {meaning}" for name, meaning in LABEL_SCHEMES.items())
        raise SettingsError(f"{SCHEME_SETTING}={scheme!r} is unknown; use {choices} "
                            f"(command line: --set {SCHEME_SETTING}=all)")
    return scheme


def label_scheme(settings: CourseSettings) -> str:
    """The settings' subword labelling scheme: NerSettings.ner_label_subwords ("first" unless set)."""
    return check_scheme(as_task_settings(settings, "ner").ner_label_subwords)


def model_scheme(model: Any) -> str:
    """The labelling scheme a token classifier was trained with (stored in its config; "first" if absent)."""
    return check_scheme(getattr(model.config, SCHEME_SETTING, "first"))


def continuation_flags(word_ids: Sequence[int | None]) -> list[bool]:
    """True at a word's continuation pieces: tokens of the same pre-tokenised word as the token before."""
    return [w is not None and i > 0 and word_ids[i - 1] == w for i, w in enumerate(word_ids)]


def add_continuation(encoded: Any) -> Any:
    """Store each row's continuation flags under "continuation" in a fast tokenizer's BatchEncoding."""
    encoded["continuation"] = [continuation_flags(encoded.word_ids(i)) for i in range(len(encoded["input_ids"]))]
    return encoded


def tokenize_chunk_with_offsets(tokenizer: Any, texts: Sequence[str], max_length: int) -> tuple[Any, int]:
    """Tokenise texts with character offsets and continuation flags, cutting rows over max_length; also how many
    were cut."""
    options = dict(return_offsets_mapping=True, return_special_tokens_mask=True, return_attention_mask=False,
                   return_token_type_ids=False)
    encoded = add_continuation(tokenizer(list(texts), truncation=False, **options))
    long = [i for i, ids in enumerate(encoded["input_ids"]) if len(ids) > max_length]
    if long:
        cut = add_continuation(tokenizer([texts[i] for i in long], truncation=True, max_length=max_length,
                                         **options))
        for key in encoded:
            for i, row in zip(long, cut[key]):
                encoded[key][i] = row
    return encoded, len(long)


def say_truncated(name: str, cut: int, total: int, max_length: int) -> None:
    """Print how many sentences were cut at max_length (nothing when none were)."""
    if cut:
        print(f"{name}: 문장 {total:,}개 중 max_seq_length={max_length} 토큰보다 긴 {cut:,}개를 잘랐습니다")


def tokenize_with_offsets(tokenizer: Any, texts: Sequence[str], max_length: int, name: str = "sentences") -> Any:
    """Tokenise texts with character offsets and continuation flags; rows over max_length are cut (said)."""
    encoded, cut = tokenize_chunk_with_offsets(tokenizer, texts, max_length)
    say_truncated(name, cut, len(texts), max_length)
    return encoded


def unlabelled(special: Sequence[int], continuation: Sequence[bool], scheme: str) -> list[bool]:
    """Positions that get no label (-100): special tokens, and in the "first" scheme continuation pieces."""
    skip_pieces = check_scheme(scheme) == "first"
    return [bool(s) or (skip_pieces and c) for s, c in zip(special, continuation)]


def token_tags(offsets: Sequence[tuple[int, int]], entities: Sequence[EntitySpan],
               skipped: Sequence[int]) -> list[str | None]:
    """BIO tag of each labelled token from the entity that owns its first character; None at skipped tokens.

    Offsets come from the fast tokenizer, so an [UNK] token still covers its own characters and the
    tags after it do not shift. The first labelled token of an entity gets B-, its later labelled tokens I-.
    """
    owner = {c: k for k, span in enumerate(entities) for c in range(span.start, span.end)}
    tags: list[str | None] = []
    previous = None
    for (start, _), skip in zip(offsets, skipped):
        if skip:
            tags.append(None)
            continue
        k = owner.get(start)
        tags.append("O" if k is None else f"{'I' if k == previous else 'B'}-{entities[k].label}")
        previous = k
    return tags


def entities_from_tags(offsets: Sequence[tuple[int, int]], tags: Sequence[str | None]) -> list[EntitySpan]:
    """Character spans of BIO-tagged tokens, read strictly: B-X opens, I-X extends, an orphan I-X is dropped."""
    spans: list[list] = []
    current = None
    for (start, end), tag in zip(offsets, tags):
        kind, _, label = (tag or "O").partition("-")
        if kind == "I" and current is not None and current[2] == label:
            current[1] = end
        elif kind == "B":
            current = [start, end, label]
            spans.append(current)
        else:
            current = None
    return [EntitySpan(*s) for s in spans]


def whole_word_tags(tags: Sequence[str | None], continuation: Sequence[bool]) -> list[str | None]:
    """Continuation pieces take their word's tag as I-X (O stays O); whatever was predicted there is ignored."""
    out: list[str | None] = []
    word_tag = "O"
    for tag, piece in zip(tags, continuation):
        if piece:
            out.append("O" if word_tag == "O" else "I-" + word_tag.partition("-")[2])
        else:
            out.append(tag)
            word_tag = tag or "O"
    return out


def decode_entities(offsets: Sequence[tuple[int, int]], tags: Sequence[str | None], continuation: Sequence[bool],
                    scheme: str) -> list[EntitySpan]:
    """Entity spans of one row's token tags under a scheme ("first": each entity covers whole words)."""
    if check_scheme(scheme) == "first":
        tags = whole_word_tags(tags, continuation)
    return entities_from_tags(offsets, tags)


def label_units(offsets: Sequence[tuple[int, int]], continuation: Sequence[bool], scheme: str) -> list[list[int]]:
    """Character spans one label covers: every token ("all") or every word, pieces joined ("first")."""
    units: list[list[int]] = []
    joined = check_scheme(scheme) == "first"
    for (start, end), piece in zip(offsets, continuation):
        if joined and piece and units:
            units[-1][1] = end
        elif start != end:  # special tokens have empty offsets
            units.append([start, end])
    return units


def unreachable_entities(offsets: Sequence[tuple[int, int]], entities: Sequence[EntitySpan],
                         continuation: Sequence[bool], scheme: str) -> list[EntitySpan]:
    """Entities whose start or end lies inside a labelled unit (a token, or a word in the "first" scheme):
    no labels give them back exactly (e.g. `정부` in the token `정부가`)."""
    units = label_units(offsets, continuation, scheme)
    starts, ends = {s for s, _ in units}, {e for _, e in units}
    return [span for span in entities if span.start not in starts or span.end not in ends]


def alignment_report(tokenizer: Any, sentences: Sequence[TaggedSentence], max_length: int = 512,
                     scheme: str = "first") -> dict[str, Any]:
    """How many entities a labelling scheme cannot give back, because a token or word straddles their boundary."""
    encoded = tokenize_with_offsets(tokenizer, [s.text for s in sentences], max_length)
    examples, total = [], 0
    for sentence, offsets, continuation in zip(sentences, encoded["offset_mapping"], encoded["continuation"]):
        total += len(sentence.entities)
        lost = unreachable_entities(offsets, sentence.entities, continuation, scheme)
        examples += [(sentence, span) for span in lost]
    return {"scheme": scheme, "entities": total, "unreachable": len(examples),
            "share": len(examples) / max(1, total), "examples": examples}
