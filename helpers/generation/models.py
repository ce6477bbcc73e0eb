"""KoGPT2 tokenizer and model, or an offline stand-in: a byte-level BPE trained on local text and a tiny GPT-2."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Sequence

from helpers.core.settings import CourseSettings, as_task_settings

KOGPT2_NAME = "skt/kogpt2-base-v2"
# KoGPT2's special tokens: </s> starts and ends every text, <pad> fills batches (and is masked out of the loss).
KOGPT2_SPECIAL = dict(bos_token="</s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>")
KOGPT2_VOCAB_HEAD = ["<s>", "</s>", "<usr>", "<pad>", "<sys>", "<unk>", "<mask>"]  # its first ids, in order
TINY_GPT2 = dict(n_layer=2, n_head=2, n_embd=128)


def offline_generation(settings: CourseSettings) -> bool:
    """True when no hub download is wanted: smoke mode, or offline=True (a GenerationSettings option)."""
    return settings.smoke or as_task_settings(settings, "generation").offline


def add_text_boundaries(tokenizer: Any) -> Any:
    """Make the tokenizer wrap each text as `</s> text </s>` (add_special_tokens=True), as the model is trained."""
    from tokenizers.processors import TemplateProcessing

    eos = tokenizer.eos_token
    tokenizer.backend_tokenizer.post_processor = TemplateProcessing(
        single=f"{eos} $A {eos}", special_tokens=[(eos, tokenizer.eos_token_id)])
    return tokenizer


def train_byte_level_bpe(texts: Sequence[str], vocab_size: int) -> Any:
    """A byte-level BPE tokenizer (PreTrainedTokenizerFast) trained on `texts` with KoGPT2's special tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=KOGPT2_VOCAB_HEAD,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    bpe.train_from_iterator(texts, trainer)
    return add_text_boundaries(PreTrainedTokenizerFast(tokenizer_object=bpe, **KOGPT2_SPECIAL))


def texts_digest(texts: Sequence[str]) -> str:
    """A short fingerprint of a list of texts (names the cached tokenizer built from them)."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8") + b"\n")
    return digest.hexdigest()[:10]


def local_bpe_tokenizer(texts: Sequence[str], folder: str | Path, vocab_size: int = 8000) -> Any:
    """The byte-level BPE of `texts`, trained once and cached under `folder` (reloaded when the texts match)."""
    from transformers import PreTrainedTokenizerFast

    cache = Path(folder) / f"bpe-tokenizer-{texts_digest(texts)}-{vocab_size}"
    if (cache / "tokenizer.json").is_file():
        print(f"바이트 수준 BPE 토크나이저를 불러왔습니다: {cache} (loaded from cache)")
        return add_text_boundaries(PreTrainedTokenizerFast.from_pretrained(cache, **KOGPT2_SPECIAL))
    tokenizer = train_byte_level_bpe(texts, vocab_size)
    tokenizer.save_pretrained(cache)
    print(f"문장 {len(texts):,}개로 바이트 수준 BPE 토크나이저(토큰 {len(tokenizer):,}개)를 학습해 {cache}에 저장했습니다")
    return tokenizer


def is_gpt2_folder(folder: str | None) -> bool:
    """True when `folder` holds a GPT-2 config.json (NLPBOOK_MODEL_DIR may point at a BERT model instead)."""
    config = Path(folder) / "config.json" if folder else None
    return bool(config and config.is_file() and json.loads(config.read_text()).get("model_type") == "gpt2")


def generation_source(settings: CourseSettings) -> str:
    """The local GPT-2 folder (NLPBOOK_MODEL_DIR) if it is one, else the hub name (skt/kogpt2-base-v2)."""
    if is_gpt2_folder(settings.model_dir):
        return str(settings.model_dir)
    if settings.model_dir:
        print(f"{settings.model_dir}는 GPT-2 모델 폴더가 아니라서 {settings.pretrained_model_name}를 씁니다 (is not a GPT-2 model folder)")
    return settings.pretrained_model_name


def load_generation_tokenizer(settings: CourseSettings, texts: Sequence[str] = ()) -> Any:
    """KoGPT2's tokenizer with its special tokens, or offline a byte-level BPE trained on `texts` (cached)."""
    from transformers import PreTrainedTokenizerFast

    if offline_generation(settings):
        if not texts:
            raise ValueError("offline generation needs the training texts to build its byte-level BPE tokenizer")
        vocab_size = as_task_settings(settings, "generation").bpe_vocab_size
        return local_bpe_tokenizer(texts, settings.output_dir, vocab_size)
    return add_text_boundaries(PreTrainedTokenizerFast.from_pretrained(generation_source(settings), **KOGPT2_SPECIAL))


def load_generation_model(settings: CourseSettings, tokenizer: Any) -> Any:
    """GPT2LMHeadModel: pretrained KoGPT2, or offline a tiny random GPT-2 sized to the tokenizer."""
    from transformers import GPT2Config, GPT2LMHeadModel

    ids = dict(bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
               pad_token_id=tokenizer.pad_token_id)
    if offline_generation(settings):
        config = GPT2Config(vocab_size=len(tokenizer), n_positions=max(256, settings.max_seq_length), **TINY_GPT2,
                            **ids)
        print(f"오프라인: 무작위 가중치의 작은 {config.n_layer}층 GPT-2 (n_embd {config.n_embd})")
        return GPT2LMHeadModel(config)
    # from_pretrained returns eval mode and Lightning 2 keeps the mode it finds: without train(), KoGPT2 would be
    # fine-tuned with dropout switched off.
    return GPT2LMHeadModel.from_pretrained(generation_source(settings), **ids).train()
