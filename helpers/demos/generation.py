"""The generation demo: a prompt and decoding sliders -> generated text, plus the next-token distribution."""

from __future__ import annotations

import html
from typing import Any

import torch

from helpers.core.devices import to_inference_device
from helpers.core.input_checks import InputProblem, require_text, unknown_note
from helpers.core.models import in_evaluation_mode
from helpers.demos.widgets import Demo, build_demo, notes_html, single_text_bad_inputs, text_area
from helpers.generation.pipeline import generate_text

GENERATION_EXAMPLE = "긍정 이 영화는"
GENERATION_BAD_INPUTS = {
    **single_text_bad_inputs("prompt", "긍정 배우들의 연기가 정말 좋았고 음악도 훌륭했다 " * 150, "긍정 😀👍 ㋡ 𠜎 최고의"),
    "한도를 넘는 생성 길이": {"prompt": GENERATION_EXAMPLE, "max_new_tokens": 100_000},
}


def position_limit(model: Any) -> int:
    """The most tokens the model can attend over (GPT-2: n_positions)."""
    config = model.config
    return int(getattr(config, "n_positions", None) or config.max_position_embeddings)


def fit_prompt(tokenizer: Any, prompt: str, room: int) -> tuple[str, int]:
    """The prompt, or its end when it has more than `room` tokens; and its token count before cutting."""
    kept, total = prompt, None
    while True:
        encoded = tokenizer(kept, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        count = len(encoded["input_ids"])
        total = count if total is None else total
        if count <= room:
            return kept, total
        kept = kept[max(1, encoded["offset_mapping"][count - room][0]) :]  # start at the first token kept


def generate_checked(model: Any, tokenizer: Any, prompt: str, max_new_tokens: int = 40, temperature: float = 1.0,
                     top_k: int = 50, top_p: float = 0.92, repetition_penalty: float = 1.2,
                     seed: int = 7) -> dict[str, Any]:
    """Sampled continuation of one checked prompt; a prompt too long for the model keeps its end (and says so)."""

    require_text(prompt, "프롬프트")
    limit = position_limit(model)
    room = limit - max_new_tokens - 1  # one position for the </s> every text starts with
    if room < 1:
        raise InputProblem(f"생성 길이 {max_new_tokens} 토큰은 모델 한도 {limit} 토큰을 넘습니다. "
                           f"{limit - 2} 토큰 이하로 줄이세요.")
    kept, total = fit_prompt(tokenizer, prompt, room)
    notes = [unknown_note(tokenizer, prompt, "프롬프트")]
    if kept != prompt:
        notes.append(f"프롬프트가 {total} 토큰이라 생성할 {max_new_tokens} 토큰과 함께 모델 한도 {limit} 토큰에 들어가지 "
                     f"않습니다. 프롬프트의 마지막 {len(kept)}자만 이어서 썼습니다.")
    options = dict(do_sample=True, temperature=round(float(temperature), 4), top_k=int(top_k),
                   top_p=round(float(top_p), 4), repetition_penalty=round(float(repetition_penalty), 4))
    text = generate_text(model, tokenizer, kept, max_new_tokens, int(seed), **options)[0]
    return {"prompt": kept, "text": text, "options": options, "notes": [n for n in notes if n]}


def generation_html(result: dict[str, Any]) -> str:
    """The generated text with the prompt part in grey, the decoding options and any notes."""
    prompt, text = result["prompt"].strip(), result["text"]
    if text.startswith(prompt):
        body = f'<span style="color:#868e96">{html.escape(prompt)}</span>{html.escape(text[len(prompt):])}'
    else:
        body = html.escape(text)
    options = ", ".join(f"{k}={round(v, 2) if isinstance(v, float) else v}" for k, v in result["options"].items())
    return (f'<div style="font-size:115%;line-height:1.7;margin:6px 0">{body}</div>'
            f'<div style="color:#868e96;font-size:85%">{html.escape(options)}</div>' + notes_html(result["notes"]))


def build_generation_demo(model: Any, tokenizer: Any, prompt: str = GENERATION_EXAMPLE) -> Demo:
    """A prompt box and sliders (length, temperature, top-k, top-p, repetition penalty, seed) -> generated text."""
    import ipywidgets as widgets

    style, wide = {"description_width": "130px"}, widgets.Layout(width="60%")
    controls = {
        "prompt": text_area(prompt, "프롬프트", 2),
        "max_new_tokens": widgets.IntSlider(value=40, min=1, max=200, description="최대 생성 토큰", style=style, layout=wide),
        "temperature": widgets.FloatSlider(value=1.0, min=0.1, max=2.0, step=0.1, description="temperature",
                                           style=style, layout=wide),
        "top_k": widgets.IntSlider(value=50, min=0, max=200, description="top-k (0=끔)", style=style, layout=wide),
        "top_p": widgets.FloatSlider(value=0.92, min=0.05, max=1.0, step=0.01, description="top-p", style=style,
                                     layout=wide),
        "repetition_penalty": widgets.FloatSlider(value=1.2, min=1.0, max=2.0, step=0.05, description="반복 벌점",
                                                  style=style, layout=wide),
        "seed": widgets.IntText(value=7, description="seed", style=style),
    }

    def render(**values: Any) -> str:
        return generation_html(generate_checked(model, tokenizer, **values))

    return build_demo(controls, render, "문장 생성: 프롬프트를 이어 쓰고, 슬라이더로 디코딩 방법을 바꿔 봅니다",
                      button_label="생성하기")


@in_evaluation_mode
def next_token_probabilities(model: Any, tokenizer: Any, prompt: str, temperatures: tuple[float, ...] = (0.7, 1.0, 1.5),
                             top: int = 10) -> dict[str, Any]:
    """The `top` most likely next tokens after the prompt and their probability at each temperature."""
    device = to_inference_device(model)
    ids = [tokenizer.bos_token_id] + tokenizer(require_text(prompt, "프롬프트"), add_special_tokens=False)["input_ids"]
    logits = model(input_ids=torch.tensor([ids], device=device)).logits[0, -1].float()
    order = logits.topk(top).indices
    tokens = [token_label(tokenizer, int(i)) for i in order]
    probabilities = {t: (logits / t).softmax(-1)[order].cpu().tolist() for t in temperatures}
    return {"tokens": tokens, "probabilities": probabilities}


def token_label(tokenizer: Any, token_id: int) -> str:
    """A token as text; a byte-level token that is only part of a character is shown as its bytes, never as U+FFFD."""
    text = tokenizer.decode([token_id])
    if "\ufffd" not in text:
        return text
    return "바이트 " + " ".join(f"{b:02X}" for b in token_bytes(tokenizer.convert_ids_to_tokens(token_id)))


def token_bytes(token: str) -> bytes:
    """The bytes a byte-level BPE token stands for (GPT-2's printable-character alphabet)."""
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    return bytes(({c: b for b, c in bytes_to_unicode().items()}).get(c, ord("?")) for c in token)


def generation_rows(model: Any, tokenizer: Any, prompts: list[str], max_new_tokens: int = 40, seed: int = 7,
                    **options: Any) -> list[dict[str, Any]]:
    """One CSV-ready row per prompt: the prompt and its continuation with the given decoding options."""

    return [{"prompt": p, "generated": generate_text(model, tokenizer, p, max_new_tokens, seed, **options)[0]}
            for p in prompts]
