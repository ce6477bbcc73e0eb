"""What the stage exercises (01-07) work on: the embedded NSMC sample, the tiny practice vocabulary, fixed inputs.

The same in every environment (Colab, local, CI), so an exercise's answer does not depend on which model or corpus
a notebook loaded.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

from helpers.core.corpora import NsmcReader
from helpers.core.models import EMBEDDED_TOKENIZER_DIR
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT

NSMC_TRAIN_FILE_ROWS = 150_000  # ratings_train.txt of the real NSMC
KCBERT_HIDDEN_SIZE = 768  # hidden_size in beomi/kcbert-base's config.json
KCBERT_SHAPE = {"vocab_size": 30_000, "hidden_size": KCBERT_HIDDEN_SIZE, "max_position_embeddings": 300,
                "type_vocab_size": 2}  # beomi/kcbert-base's config.json
SLANG_REVIEWS = ("존잼 ㅎㅎ 👍👍", "이 영화 漢字 ㄹㅇ 명작", "⍼⍼를 봤는데 최악", "배우 연기 ㄷㄷ 㷇 대박")
LOWERED_REVIEW = "이 영화 정말 재밌어요ㅋㅋ"
PAIR = ("영화 좋아요", "정말 재밌어요")
PADDING_BATCH_SIZES = (8, 32, 128)
SCHEDULE = {"learning_rate": 5e-5, "total_steps": 1000, "warmup_steps": 100}
F1_LABELS = (1, 1, 1, 1, 0, 0, 0, 0, 0, 0)
F1_PREDICTIONS = (1, 0, 0, 0, 0, 0, 0, 0, 0, 0)


def practice_tokenizer(lower_case: bool = False) -> Any:
    """The tiny practice WordPiece vocabulary the exercises use (cased unless `lower_case`)."""
    from transformers import BertTokenizer

    return BertTokenizer.from_pretrained(str(EMBEDDED_TOKENIZER_DIR), do_lower_case=lower_case)


def sample_nsmc() -> dict[str, list]:
    """The embedded NSMC sample's train and test rows (its reading report silenced)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return NsmcReader().read_splits(str(EMBEDDED_SAMPLE_ROOT))


def sample_token_lengths() -> list[int]:
    """Tokens per review (with [CLS] and [SEP], at most 128) of the embedded NSMC sample's train file, in order."""
    texts = [row.text for row in sample_nsmc()["train"]]
    return [len(ids) for ids in practice_tokenizer()(texts, truncation=True, max_length=128)["input_ids"]]
