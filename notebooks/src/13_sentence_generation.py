# Source of notebooks/13_sentence_generation.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 13. 문장 생성: KoGPT2로 감성 리뷰 쓰기
#
# GPT-2는 앞의 토큰들을 보고 **다음 토큰**을 예측하는 언어 모델입니다. 이 노트북에서는 SKT의 한국어 GPT-2인
# `skt/kogpt2-base-v2`를 NSMC 영화 리뷰로 더 학습시킵니다. 각 리뷰 앞에 감성 단어("긍정 " 또는 "부정 ")를 붙여 학습하므로,
# 학습이 끝나면 "긍정"으로 시작하게 하면 긍정 리뷰를, "부정"으로 시작하게 하면 부정 리뷰를 이어 쓰게 됩니다.
# 마지막에는 같은 프롬프트로 여러 디코딩 방법(greedy, 빔 서치, top-k, top-p, temperature, 반복 억제)을 비교합니다.

# %% [markdown] id=cell-03
# ## 1. 설정
# 사전학습 모델 이름만 KoGPT2로 바꾸고, 결과는 `outputs/sentence-generation`에 저장합니다.
# NSMC 리뷰는 140자 이하로 짧아서 `max_seq_length` 128이면 충분합니다.
# 스모크 실행(`NLPBOOK_SMOKE=1`)이나 `extra={"offline": True}`에서는 허브에 접속하지 않고, 로컬 NSMC 글로 학습한
# 바이트 수준 BPE 토크나이저와 2층짜리 작은 GPT-2를 씁니다.

# %% id=cell-04
from helpers.settings import settings_for_task

settings = settings_for_task("generation")
print(settings.describe())

# %% [markdown] id=cell-05
# ## 2. 말뭉치: 감성 단어를 앞에 붙인 NSMC 리뷰
# 문서 분류에서 쓴 NSMC 읽기 함수를 그대로 씁니다(모든 행을 읽고, 학습 데이터에서 검증 데이터를 떼어 냅니다).
# 그리고 레이블 0/1을 "부정"/"긍정"이라는 글자로 바꿔 리뷰 앞에 붙입니다. 이 접두어가 생성의 방향을 정하는 손잡이가 됩니다.

# %% id=cell-06
from helpers.document_classification import Splits, read_nsmc_splits
from helpers.generation import prefixed_texts

rows = read_nsmc_splits(settings)
texts = Splits(*(prefixed_texts(getattr(rows, name)) for name in ("train", "val", "test")))
for text in texts.train[:5]:
    print(text)

# %% [markdown] id=cell-07
# ## 3. 토크나이저
# KoGPT2의 토크나이저는 `PreTrainedTokenizerFast`이고, 특수 토큰을 직접 지정해야 합니다. `</s>`가 문장의 시작(bos)과
# 끝(eos)을 함께 맡고, 배치를 채우는 `<pad>`, 모르는 글자 `<unk>`, `<mask>`가 있습니다.
# 학습 때 모델이 보는 형태 그대로 `</s> 리뷰 </s>`가 되도록, 토크나이저가 글 양 끝에 `</s>`를 붙이게 해 둡니다.
# 끝의 `</s>`를 배워야 모델이 알맞은 곳에서 생성을 멈춥니다.
#
# 오프라인(스모크) 실행에는 KoGPT2 파일이 없으므로, 학습 리뷰로 **바이트 수준 BPE** 토크나이저를 같은 특수 토큰으로 직접
# 학습해 `output_dir`에 저장해 두고 다음 실행에서 다시 씁니다.

# %% id=cell-08
from helpers.kogpt2 import load_generation_tokenizer

tokenizer = load_generation_tokenizer(settings, texts.train)
print(type(tokenizer).__name__, f"어휘 {len(tokenizer):,}개")
print({name: getattr(tokenizer, name) for name in ("bos_token", "eos_token", "pad_token", "unk_token", "mask_token")})
ids = tokenizer(texts.train[0])["input_ids"]
print(ids)
print(tokenizer.convert_ids_to_tokens(ids))
print(repr(tokenizer.decode(ids)))

# %% [markdown] id=cell-09
# ## 4. 사전학습 모델: `GPT2LMHeadModel`
# 트랜스포머 디코더 위에 어휘 크기만큼의 점수를 내는 언어 모델 헤드가 붙어 있습니다.

# %% id=cell-10
from helpers.kogpt2 import load_generation_model
from helpers.models import count_parameters

model = load_generation_model(settings, tokenizer)
print(f"{model.config.n_layer}층, 은닉 {model.config.n_embd}, 학습할 파라미터 {count_parameters(model):,}개")

# %% [markdown] id=cell-11
# ## 5. 데이터로더: 레이블 = 입력, 단 패딩은 -100
# 언어 모델의 정답은 입력 그 자체입니다(모델이 내부에서 한 칸 밀어 "다음 토큰"을 맞히게 합니다). 그런데 배치를 같은 길이로
# 맞추려고 채운 `<pad>`까지 정답에 넣으면 모델은 "패딩 다음엔 패딩"이라는 쓸모없는 것을 배우고, 손실과 perplexity도 실제보다
# 좋아 보입니다(이전 버전의 실수였습니다). 그래서 동적 패딩 콜레이터가 패딩 자리의 레이블을 **-100**으로 채우고,
# 손실 계산은 -100을 건너뜁니다.

# %% id=cell-12
from helpers.document_classification import make_loaders
from helpers.generation import build_lm_dataset

datasets = Splits(*(build_lm_dataset(tokenizer, getattr(texts, name), settings.max_seq_length, name)
                    for name in ("train", "val", "test")))
loaders = make_loaders(datasets, tokenizer, settings)
batch = next(iter(loaders.val))
row = int(batch["attention_mask"].sum(-1).argmin())  # the row with the most padding
print("input_ids:", batch["input_ids"][row].tolist())
print("labels:   ", batch["labels"][row].tolist())

# %% [markdown] id=cell-13
# ## 6. 태스크: 손실과 perplexity
# 학습 손실은 실제 토큰에 대한 다음 토큰 예측의 교차 엔트로피입니다. 검증에서는 **perplexity = exp(실제 토큰 전체에 대한 평균 손실)**
# 을 보고합니다. 배치마다 토큰 수가 다르므로 배치 손실의 평균이 아니라, 검증 데이터 전체의 토큰 수로 가중한 평균을 씁니다.
# perplexity는 "모델이 다음 토큰을 평균 몇 개 중에서 고민하는가"로 읽을 수 있습니다. 학습 전 무작위 모델은 어휘 크기와 비슷합니다.

# %% id=cell-14
from helpers.generation import LanguageModelTask, evaluate_perplexity

before = evaluate_perplexity(model, loaders.val)
print(f"학습 전 검증 손실 {before['loss']:.3f}, perplexity {before['perplexity']:.1f} (실제 토큰 {before['tokens']:,}개)")
task = LanguageModelTask(model, settings.learning_rate, settings.weight_decay, settings.warmup_ratio)

# %% [markdown] id=cell-15
# ## 7. 학습
# 검증 손실이 가장 낮은 체크포인트를 남기도록 `monitor="val_loss"`, `mode="min"`으로 Trainer를 만듭니다.
# 아래 표는 에폭마다의 검증 손실과 perplexity입니다.

# %% id=cell-16
from helpers.plots import epoch_table
from helpers.training import build_trainer, fit_or_resume, metrics_csv

trainer = build_trainer(settings, monitor="val_loss", mode="min")
fit_or_resume(trainer, task, loaders.train, loaders.val, settings)
print(epoch_table(metrics_csv(settings), ("val_loss", "val_ppl")))

# %% [markdown] id=cell-17
# ## 8. 평가
# 가장 좋은 체크포인트로 한 번도 보지 않은 테스트 리뷰의 손실과 perplexity를 잽니다.

# %% id=cell-18
from pathlib import Path

from helpers.plots import plot_learning_curves
from helpers.training import best_or_current

metrics = trainer.test(task, loaders.test, ckpt_path=best_or_current(trainer), verbose=False)[0]
print(f"테스트 손실 {metrics['test_loss']:.3f}, perplexity {metrics['test_ppl']:.1f}")
plot_learning_curves(metrics_csv(settings), save_to=Path(settings.output_dir) / "learning_curves.png",
                     metrics=("loss", "ppl"));

# %% [markdown] id=cell-19
# ## 9. 디코딩 둘러보기
# 모델은 다음 토큰의 확률 분포만 줍니다. 그 분포에서 실제로 토큰을 어떻게 고를지가 **디코딩**입니다.
# 모든 방법을 같은 프롬프트(긍정·부정 각각 "이 영화"로 시작)에 적용해 비교합니다. 무작위 샘플링을 쓰는 방법도 `seed`를
# 고정하면 매번 같은 글이 나옵니다. (스모크 실행의 작은 모델은 거의 배우지 못해 글이 엉성합니다. 실제 KoGPT2로 학습하면
# 차이가 뚜렷하게 보입니다.)

# %% id=cell-20
from helpers.generation import DECODING_STRATEGIES, sentiment_prompt, show_generations

prompts = [sentiment_prompt("긍정", "이 영화"), sentiment_prompt("부정", "이 영화")]
generator = task.model
print(list(DECODING_STRATEGIES))

# %% [markdown] id=cell-21
# ### greedy
# 매 걸음 확률이 가장 높은 토큰 하나를 고릅니다. 빠르고 항상 같은 결과지만, 같은 구절을 되풀이하기 쉽습니다.

# %% id=cell-22
show_generations(generator, tokenizer, prompts, "greedy");

# %% [markdown] id=cell-23
# ### 빔 서치(beam search)
# 확률이 높은 후보 문장 `num_beams`개를 동시에 키워 나가다가 전체 확률이 가장 높은 문장을 고릅니다.
# greedy보다 전체적으로 그럴듯하지만 무난하고 짧은 글을 고르는 경향이 있습니다.

# %% id=cell-24
show_generations(generator, tokenizer, prompts, "beam search");

# %% [markdown] id=cell-25
# ### top-k 샘플링
# 확률이 높은 `top_k`개 토큰만 남기고 그 안에서 확률에 비례해 무작위로 뽑습니다. 다양하지만, k가 고정이라
# 분포가 뾰족할 때도 엉뚱한 토큰이 섞일 수 있습니다.

# %% id=cell-26
show_generations(generator, tokenizer, prompts, "top-k");

# %% [markdown] id=cell-27
# ### top-p(nucleus) 샘플링
# 확률이 높은 순서로 더해 누적 확률이 `top_p`(여기서는 0.92)를 넘을 때까지의 토큰만 남기고 뽑습니다.
# 분포가 뾰족하면 후보가 적고, 평평하면 많아져서 k를 고정하는 것보다 자연스럽습니다.

# %% id=cell-28
show_generations(generator, tokenizer, prompts, "top-p");

# %% [markdown] id=cell-29
# ### temperature
# 뽑기 전에 점수를 `temperature`로 나눕니다. 1보다 작으면 분포가 뾰족해져 안전하고 단조로운 글이,
# 1보다 크면 평평해져 창의적이지만 엉뚱한 글이 나옵니다. 0.7과 1.3을 비교해 봅니다.

# %% id=cell-30
show_generations(generator, tokenizer, prompts, "temperature");
show_generations(generator, tokenizer, prompts, "temperature", temperature=1.3);

# %% [markdown] id=cell-31
# ### 반복 억제(repetition penalty)
# 이미 나온 토큰의 점수를 `repetition_penalty`(1.5)만큼 깎습니다. greedy에 더해 같은 말이 되풀이되는 것을 줄입니다.

# %% id=cell-32
show_generations(generator, tokenizer, prompts, "repetition penalty");

# %% [markdown] id=cell-33
# ### n-gram 반복 금지(no-repeat n-gram)
# 이미 나온 `no_repeat_ngram_size`(3)개짜리 토큰 묶음이 다시 나오지 못하게 막습니다. 반복을 확실히 없애지만,
# 꼭 되풀이해야 하는 표현(이름 등)까지 막을 수 있습니다.

# %% id=cell-34
show_generations(generator, tokenizer, prompts, "no-repeat n-gram");

# %% [markdown] id=cell-35
# ## 10. 모델 저장과 다시 불러오기
# `save_pretrained`로 가중치와 설정, 토크나이저를 저장하고, 다시 불러와 같은 시드로 생성하면 같은 글이 나옵니다.

# %% id=cell-36
from transformers import GPT2LMHeadModel

from helpers.document_classification import save_model
from helpers.generation import generate_text

saved = save_model(task, tokenizer, Path(settings.output_dir) / "model")
reloaded = GPT2LMHeadModel.from_pretrained(saved).to(next(task.model.parameters()).device)  # same device, same draws
options = DECODING_STRATEGIES["top-p"]
print(generate_text(reloaded, tokenizer, prompts[0], seed=1, **options))
print(generate_text(task.model, tokenizer, prompts[0], seed=1, **options))

# %% [markdown] id=cell-37
# ## 정리
# - 리뷰 앞에 감성 단어를 붙여 학습하면, 그 단어로 생성의 방향을 조절할 수 있습니다.
# - 레이블은 입력과 같되 패딩 자리는 -100으로 가려야 패딩을 배우지 않습니다.
# - perplexity는 실제 토큰 전체의 평균 손실에 exp를 취한 값입니다(배치 손실의 평균이 아닙니다).
# - 디코딩 방법에 따라 같은 모델도 전혀 다른 글을 씁니다. 결정적(greedy, 빔)인지, 샘플링(top-k, top-p, temperature)인지,
#   반복을 어떻게 막는지(repetition penalty, no-repeat n-gram)를 보고 고르세요.
# - 한 번에 끝까지 돌리려면 `python -m helpers.train generation --set pretrained_model_name=skt/kogpt2-base-v2 --set output_dir=outputs/sentence-generation`을 쓰면 됩니다.
