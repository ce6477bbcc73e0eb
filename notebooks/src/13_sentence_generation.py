# Source of notebooks/13_sentence_generation.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 13. 문장 생성: KoGPT2로 감성 리뷰 쓰기
#
# GPT-2는 앞의 토큰들을 보고 **다음 토큰**을 예측하는 언어 모델입니다. 이 노트북에서는 SKT의 한국어 GPT-2인
# `skt/kogpt2-base-v2`를 NSMC 영화 리뷰로 더 학습시킵니다. 각 리뷰 앞에 감성 단어("긍정 " 또는 "부정 ")를 붙여 학습하므로,
# 학습이 끝나면 "긍정"으로 시작하게 하면 긍정 리뷰를, "부정"으로 시작하게 하면 부정 리뷰를 이어 쓰게 됩니다.
# 마지막에는 같은 프롬프트로 여러 디코딩 방법(greedy, 빔 서치, top-k, top-p, temperature, 반복 벌점)을 비교합니다.
#
# 이 노트북을 마치면 다음을 할 수 있습니다.
#
# - 감성 단어를 앞에 붙인 리뷰로 GPT-2 언어 모델을 더 학습시켜, 생성의 방향을 접두어로 조절하기
# - 패딩을 -100으로 가린 레이블을 만들고, 실제 토큰 수로 가중한 perplexity를 계산하기
# - 같은 모델로 디코딩 방법(greedy, 빔 서치, 샘플링, 반복 벌점)을 바꿔 가며 글을 비교하기

# %% [markdown] id=drive-mount
# ### Colab: 드라이브 연결
# Colab은 노트북마다 런타임이 따로라서, 01 노트북의 드라이브 셀을 여기서 다시 실행해야 체크포인트가 드라이브에 남고
# 런타임이 끊겨도 `last.ckpt`에서 이어 학습할 수 있습니다. Colab이 아니면 이 셀은 건너뜁니다.

# %% id=drive-mount-code
import os
import sys

if "google.colab" in sys.modules:
    from google.colab import drive

    drive.mount("/content/drive")
    os.environ["NLPBOOK_CHECKPOINT_ROOT"] = "/content/drive/MyDrive/nlpbook-checkpoints"
else:
    print("Colab이 아니라서 드라이브 연결을 건너뜁니다: 체크포인트는 이 컴퓨터의 폴더에 저장됩니다.")

# %% [markdown] id=cell-03
# ## 1절. 설정
# 사전학습 모델 이름만 KoGPT2로 바꾸고, 결과는 `outputs/sentence-generation`에 저장합니다.
# NSMC 리뷰는 140자 이하로 짧아서 `max_seq_length` 128이면 충분합니다.
# 빠른 점검 모드(`NLPBOOK_SMOKE=1`, 01 노트북 참고)이나 `offline=True`(`GenerationSettings`의 필드)에서는 허브에 접속하지 않고,
# 로컬 NSMC 글로 학습한 바이트 수준 BPE 토크나이저와 2층짜리 작은 GPT-2를 씁니다.
# 실제 실행은 NSMC 학습 리뷰 약 14만 개로 1 에폭(약 4,500 스텝)이고, Colab T4에서 대략 20~40분 걸립니다(KoGPT2는
# KcBERT-base보다 조금 크고 어휘가 5만 개라 언어 모델 헤드가 무겁습니다). 잰 값이 아니라 어림값이니 진행 막대를 보세요.

# %% id=cell-04
from helpers.core.settings import settings_for_task

settings = settings_for_task("generation")
print(settings.describe())

# %% [markdown] id=cell-05
# ## 2절. 말뭉치: 감성 단어를 앞에 붙인 NSMC 리뷰
# 문서 분류에서 쓴 NSMC 읽기 함수를 그대로 씁니다(모든 행을 읽고, 학습 데이터에서 검증 데이터를 떼어 냅니다).
# 그리고 레이블 0/1을 "부정"/"긍정"이라는 글자로 바꿔 리뷰 앞에 붙입니다. 이 접두어가 생성의 방향을 정하는 손잡이가 됩니다.

# %% id=cell-06
from helpers.core.splits import Splits, read_nsmc_splits
from helpers.generation.pipeline import prefixed_texts

rows = read_nsmc_splits(settings)
texts = Splits(*(prefixed_texts(getattr(rows, name)) for name in ("train", "val", "test")))
for text in texts.train[:5]:
    print(text)

# %% [markdown] id=cell-07
# ## 3절. 토크나이저
# KoGPT2의 토크나이저는 `PreTrainedTokenizerFast`이고, 특수 토큰을 직접 지정해야 합니다. `</s>`가 문장의 시작(bos)과
# 끝(eos)을 함께 맡고, 배치를 채우는 `<pad>`, 모르는 글자 `<unk>`, `<mask>`가 있습니다.
# 학습 때 모델이 보는 형태 그대로 `</s> 리뷰 </s>`가 되도록, 토크나이저가 글 양 끝에 `</s>`를 붙이게 해 둡니다.
# 끝의 `</s>`를 배워야 모델이 알맞은 곳에서 생성을 멈춥니다.
#
# 오프라인(점검) 실행에는 KoGPT2 파일이 없으므로, 학습 리뷰로 **바이트 수준 BPE** 토크나이저를 같은 특수 토큰으로 직접
# 학습해 `output_dir`에 저장해 두고 다음 실행에서 다시 씁니다.

# %% id=cell-08
from helpers.generation.models import load_generation_tokenizer

tokenizer = load_generation_tokenizer(settings, texts.train)
print(type(tokenizer).__name__, f"어휘 {len(tokenizer):,}개")
print({name: getattr(tokenizer, name) for name in ("bos_token", "eos_token", "pad_token", "unk_token", "mask_token")})
ids = tokenizer(texts.train[0])["input_ids"]
print(ids)
print(tokenizer.convert_ids_to_tokens(ids))
print(repr(tokenizer.decode(ids)))

# %% [markdown] id=cell-09
# ## 4절. 사전학습 모델: `GPT2LMHeadModel`
# 트랜스포머 디코더 위에 어휘 크기만큼의 점수를 내는 언어 모델 헤드가 붙어 있습니다.

# %% id=cell-10
from helpers.generation.models import load_generation_model
from helpers.core.models import count_parameters

model = load_generation_model(settings, tokenizer)
print(f"{model.config.n_layer}층, 은닉 {model.config.n_embd}, 학습할 파라미터 {count_parameters(model):,}개")

# %% [markdown] id=cell-11
# ## 5절. 데이터로더: 레이블 = 입력, 단 패딩은 -100
# 언어 모델의 정답은 입력 그 자체입니다(모델이 내부에서 한 칸 밀어 "다음 토큰"을 맞히게 합니다). 그런데 배치를 같은 길이로
# 맞추려고 채운 `<pad>`까지 정답에 넣으면 모델은 "패딩 다음엔 패딩"이라는 쓸모없는 것을 배우고, 손실과 perplexity도 실제보다
# 좋아 보입니다. 그래서 동적 패딩 콜레이터가 패딩 자리의 레이블을 **-100**으로 채우고,
# 손실 계산은 -100을 건너뜁니다.
#
# 아래 셀의 `build_lm_dataset`은 이 코스의 라이브러리(`helpers.generation.pipeline`)에 있는 함수를 **그대로** 옮긴 것입니다
# (테스트가 라이브러리 코드와 글자 하나까지 같은지 확인합니다). 리뷰마다 `</s> 리뷰 </s>`의 토큰 번호를 한 번만 만들고,
# 레이블 자리에는 **같은 번호 배열**을 그대로 넘깁니다(복사하지 않습니다). 패딩은 아직 없습니다. 배치를 만들 때 05 노트북에서 본
# 동적 패딩 콜레이터(`collate_dynamic_padding`)가 `input_ids`는 `<pad>`로, 레이블은 -100으로 채웁니다.

# %% id=lm-dataset tags=["library:helpers.generation.pipeline"]
from typing import Any, Sequence

from helpers.core.data import ClassificationDataset, encode_texts


def build_lm_dataset(tokenizer: Any, texts: Sequence[str], max_length: int,
                     name: str = "texts") -> ClassificationDataset:
    """Token ids (`</s> text </s>`) whose labels are the ids themselves; the collator masks padding with -100."""
    encoded = encode_texts(tokenizer, texts, max_length, name)
    return ClassificationDataset(encoded.input_ids, labels=encoded.input_ids)

# %% [markdown] id=lm-dataset-demo-md
# 위에서 정의한 함수로 데이터를 만들고, 패딩이 가장 많은 행의 입력과 레이블을 나란히 봅니다. 뒤쪽의 `<pad>` 번호가 레이블에서는 -100입니다.

# %% id=cell-12
from helpers.core.loaders import make_loaders

datasets = Splits(*(build_lm_dataset(tokenizer, getattr(texts, name), settings.max_seq_length, name)
                    for name in ("train", "val", "test")))
loaders = make_loaders(datasets, tokenizer, settings)
batch = next(iter(loaders.val))
row = int(batch["attention_mask"].sum(-1).argmin())  # the row with the most padding
print("input_ids:", batch["input_ids"][row].tolist())
print("labels:   ", batch["labels"][row].tolist())

# %% [markdown] id=cell-13
# ## 6절. 태스크: 손실과 perplexity
# 학습 손실은 실제 토큰에 대한 다음 토큰 예측의 교차 엔트로피입니다. 검증에서는 **perplexity = exp(실제 토큰 전체에 대한 평균 손실)**
# 을 보고합니다. 배치마다 토큰 수가 다르므로 배치 손실의 평균이 아니라, 검증 데이터 전체의 토큰 수로 가중한 평균을 씁니다.
# perplexity는 "모델이 다음 토큰을 평균 몇 개 중에서 고민하는가"로 읽을 수 있습니다. 아래 "학습 전" 값이 어휘 크기와
# 비슷하게 나온다면 그것은 빠른 점검 모드의 **무작위로 초기화한** 작은 모델이기 때문입니다(모든 토큰에 거의 같은 확률을 주므로).
# 사전학습된 KoGPT2는 이미 한국어를 알아서 학습 전에도 perplexity가 어휘 크기(약 5만)보다 훨씬 낮은 곳에서 시작합니다.

# %% [markdown] id=lm-nll-md
# ### 다음 토큰 손실: `token_nll`
# 모델의 출력 `logits[:, t]`는 `t`번째 토큰 **다음** 토큰의 점수입니다. 그래서 `token_nll`은 점수의 마지막 칸과 레이블의
# 첫 칸을 버려 한 칸 어긋나게 맞춘 뒤, 레이블이 -100인 자리를 뺀(`ignore_index=-100`) 교차 엔트로피를 **합**으로 구하고,
# 예측한 실제 토큰 수를 함께 돌려줍니다. 합과 개수를 따로 두어야 배치마다 토큰 수가 달라도 전체 평균을 정확히 낼 수 있습니다.

# %% id=lm-nll tags=["library:helpers.generation.pipeline"]
import torch


def token_nll(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed next-token negative log-likelihood and the number of predicted tokens (labels -100 skipped)."""
    targets = labels[:, 1:]
    total = torch.nn.functional.cross_entropy(logits[:, :-1].flatten(0, 1).float(), targets.flatten(),
                                              ignore_index=-100, reduction="sum")
    return total, (targets != -100).sum()

# %% [markdown] id=lm-nll-demo-md
# 위의 배치로 확인합니다. 레이블의 패딩을 -100으로 가리지 않으면(입력을 그대로 레이블로 쓰면) 세는 토큰이 패딩만큼 늘어납니다.

# %% id=lm-nll-demo
from helpers.core.models import evaluation_mode

with evaluation_mode(model):
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
masked_total, masked_count = token_nll(logits, batch["labels"])
unmasked_total, unmasked_count = token_nll(logits, batch["input_ids"])
print(f"패딩을 가린 레이블: 토큰 {int(masked_count):,}개, 토큰당 손실 {float(masked_total / masked_count):.3f}")
print(f"가리지 않은 레이블: 토큰 {int(unmasked_count):,}개, 토큰당 손실 {float(unmasked_total / unmasked_count):.3f}")

# %% [markdown] id=lm-task-md
# ### LightningModule: `LanguageModelTask`
# 학습 단계와 옵티마이저는 06 노트북에서 본 `FineTuningTask`의 것을 물려받습니다(학습 손실은 모델이 레이블로 계산합니다).
# 검증과 테스트에서는 배치마다 `token_nll`로 토큰당 평균 손실을 구해 **실제 토큰 수를 가중치로** `MeanMetric`에 쌓고,
# 에폭이 끝나면 그 평균(`val_loss`)과 exp를 취한 perplexity(`val_ppl`)를 기록합니다. 그래서 짧은 리뷰로 채워진 배치와 긴
# 리뷰의 배치가 토큰 수만큼씩 반영됩니다.

# %% id=lm-task tags=["library:helpers.generation.pipeline"]
from torchmetrics import MeanMetric

from helpers.core.tasks import FineTuningTask


class LanguageModelTask(FineTuningTask):
    """Trains a causal language model; validation and test report token-weighted loss and perplexity."""

    def __init__(self, model: torch.nn.Module, learning_rate: float = 5e-5, weight_decay: float = 0.01,
                 warmup_ratio: float = 0.1) -> None:
        super().__init__()
        self.model = model
        self.save_hyperparameters(ignore=["model"])
        self.val_nll, self.test_nll = MeanMetric(), MeanMetric()

    def _accumulate(self, batch: dict[str, torch.Tensor], metric: MeanMetric) -> None:
        logits = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        total, count = token_nll(logits, batch["labels"])
        metric.update(total / count.clamp(min=1), weight=count)

    def _report(self, metric: MeanMetric, stage: str) -> None:
        loss = metric.compute()
        # compute() already pooled every rank's tokens, so sync_dist averages equal numbers (and keeps DDP quiet).
        self.log(f"{stage}_loss", loss, prog_bar=True, sync_dist=True)
        self.log(f"{stage}_ppl", loss.exp(), prog_bar=True, sync_dist=True)
        metric.reset()

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._accumulate(batch, self.val_nll)

    def on_validation_epoch_end(self) -> None:
        self._report(self.val_nll, "val")

    def test_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._accumulate(batch, self.test_nll)

    def on_test_epoch_end(self) -> None:
        self._report(self.test_nll, "test")

# %% [markdown] id=lm-task-make-md
# 학습 전 perplexity를 재고, 위에서 정의한 클래스로 태스크를 만듭니다.

# %% id=cell-14
from helpers.generation.pipeline import evaluate_perplexity

before = evaluate_perplexity(model, loaders.val)
print(f"학습 전 검증 손실 {before['loss']:.3f}, perplexity {before['perplexity']:.1f} (실제 토큰 {before['tokens']:,}개)")
task = LanguageModelTask(model, settings.learning_rate, settings.weight_decay, settings.warmup_ratio)

# %% [markdown] id=cell-15
# ## 7절. 학습
# 검증 손실이 가장 낮은 체크포인트를 남기도록 `monitor="val_loss"`, `mode="min"`으로 Trainer를 만듭니다.
# 아래 표는 에폭마다의 검증 손실과 perplexity입니다.

# %% id=cell-16
from helpers.core.plots import epoch_table
from helpers.core.training import build_trainer, fit_or_resume, metrics_csv

trainer = build_trainer(settings, monitor="val_loss", mode="min")
fit_or_resume(trainer, task, loaders.train, loaders.val, settings)
print(epoch_table(metrics_csv(settings), ("val_loss", "val_ppl")))

# %% [markdown] id=cell-17
# ## 8절. 평가
# 가장 좋은 체크포인트로 한 번도 보지 않은 테스트 리뷰의 손실과 perplexity를 잽니다.
# 실제 실행에서 기대할 결과: NSMC 리뷰는 짧고 말투가 독특해서(신조어, "ㅋㅋ", 맞춤법을 벗어난 표기) 사전학습된 KoGPT2도
# 처음에는 perplexity가 높습니다. 한 에폭 학습하면 6절에서 잰 학습 전 값보다 뚜렷이 낮아져야 합니다. 얼마나 낮아지는지는
# 토크나이저와 전처리에 따라 달라서 공개된 기준값은 없으니, 학습 전 값과 비교해 읽으세요.

# %% id=cell-18
from pathlib import Path

from helpers.core.plots import plot_learning_curves
from helpers.core.training import best_or_current

metrics = trainer.test(task, loaders.test, ckpt_path=best_or_current(trainer), verbose=False)[0]
print(f"테스트 손실 {metrics['test_loss']:.3f}, perplexity {metrics['test_ppl']:.1f}")
plot_learning_curves(metrics_csv(settings), save_to=Path(settings.output_dir) / "learning_curves.png",
                     metrics=("loss", "ppl"));

# %% [markdown] id=cell-19
# ## 9절. 디코딩 둘러보기
# 모델은 다음 토큰의 확률 분포만 줍니다. 그 분포에서 실제로 토큰을 어떻게 고를지가 **디코딩**입니다.
# 모든 방법을 같은 프롬프트(긍정·부정 각각 "이 영화"로 시작)에 적용해 비교합니다. 무작위 샘플링을 쓰는 방법도 `seed`를
# 고정하면 매번 같은 글이 나옵니다. (빠른 점검 모드의 작은 모델은 거의 배우지 못해 글이 엉성합니다. 실제 KoGPT2로 학습하면
# 차이가 뚜렷하게 보입니다.)

# %% id=cell-20
from helpers.generation.pipeline import DECODING_STRATEGIES, sentiment_prompt, show_generations

prompts = [sentiment_prompt("긍정", "이 영화"), sentiment_prompt("부정", "이 영화")]
generator = task.model
print(list(DECODING_STRATEGIES))

# %% [markdown] id=cell-21
# ### greedy
# 스텝마다 확률이 가장 높은 토큰 하나를 고릅니다. 빠르고 항상 같은 결과지만, 같은 구절을 되풀이하기 쉽습니다.

# %% id=cell-22
show_generations(generator, tokenizer, prompts, "greedy");

# %% [markdown] id=cell-23
# ### 빔 서치(beam search)
# 확률이 높은 후보 문장 `num_beams`개(여기서는 5)를 동시에 키워 나가다가 점수가 가장 높은 문장을 고릅니다. 점수는 로그
# 확률의 합을 길이로 나눈 값이라(`length_penalty=1.0`), 단순히 짧은 문장이 유리하지는 않습니다. greedy보다 전체적으로
# 그럴듯하지만, 흔히 보는 실패는 무난하고 밋밋한 글, 그리고 같은 구절의 반복입니다.

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
# 분포가 뾰족하면 후보가 적고, 평평하면 많아져서 k를 고정하는 것보다 자연스럽습니다. nucleus 샘플링을 제안한 논문
# (Holtzman et al., 2020)도 0.9~0.95 언저리의 값을 썼습니다. 확률이 아주 낮은 꼬리 토큰 수만 개를 잘라 내면서도 다양성은 남깁니다.

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
# ### 반복 벌점(repetition penalty)
# 이미 나온 토큰의 점수(logit)를 `repetition_penalty`(여기서는 1.5)로 깎습니다. 빼는 것이 아니라, 양수 점수는 1.5로
# **나누고** 음수 점수는 1.5를 **곱해서** 어느 쪽이든 그 토큰이 덜 뽑히게 합니다. 프롬프트의 토큰도 "이미 나온 토큰"에
# 들어갑니다. greedy에 더해 같은 말이 되풀이되는 것을 줄입니다. 1.2 안팎이 흔히 쓰는 값이고, 여기서는 차이가 잘 보이도록
# 조금 세게 1.5를 썼습니다. 너무 크면 조사처럼 꼭 다시 나와야 하는 토큰까지 막혀 글이 어색해집니다.

# %% id=cell-32
show_generations(generator, tokenizer, prompts, "repetition penalty");

# %% [markdown] id=cell-33
# ### n-gram 반복 금지(no-repeat n-gram)
# 이미 나온 `no_repeat_ngram_size`(3)개짜리 토큰 묶음이 다시 나오지 못하게 막습니다. 반복을 확실히 없애지만,
# 꼭 되풀이해야 하는 표현(이름 등)까지 막을 수 있습니다.

# %% id=cell-34
show_generations(generator, tokenizer, prompts, "no-repeat n-gram");

# %% [markdown] id=cell-35
# ## 10절. 모델 저장과 다시 불러오기
# `save_pretrained`로 가중치와 설정, 토크나이저를 저장하고, 다시 불러와 같은 시드로 생성하면 같은 글이 나옵니다.

# %% id=cell-36
from transformers import GPT2LMHeadModel

from helpers.core.models import save_model
from helpers.generation.pipeline import generate_text

saved = save_model(task, tokenizer, Path(settings.output_dir) / "model")
reloaded = GPT2LMHeadModel.from_pretrained(saved).to(next(task.model.parameters()).device)  # same device, same draws
options = DECODING_STRATEGIES["top-p"]
print(generate_text(reloaded, tokenizer, prompts[0], seed=1, **options))
print(generate_text(task.model, tokenizer, prompts[0], seed=1, **options))

# %% [markdown] id=exercises-13
# ## 11절. 연습 문제
# 답은 `...` 자리에 쓰고 실행하세요. `check`가 정답인지 판정하고, 틀리면 힌트를 보여 줍니다.

# %% id=exercises-13-setup
from helpers.exercises.book import check
from helpers.exercises.tasks import BATCH_LOSSES, PENALTY, SEEN_LOGITS

print("(실제 토큰 수, 토큰당 평균 손실):", BATCH_LOSSES, "| 점수:", SEEN_LOGITS, "| 벌점:", PENALTY)

# %% [markdown] id=exercise-13-perplexity
# ### 연습 1. 토큰 수로 가중한 perplexity
# 검증 데이터가 `BATCH_LOSSES`의 두 배치뿐이라면 검증 perplexity는 얼마일까요? 6절에서 본 방식대로 계산하세요.

# %% id=exercise-13-perplexity-code
answer = ...  # 여기에 답을 쓰세요
check("13-perplexity", answer)

# %% [markdown] id=exercise-13-repetition-penalty
# ### 연습 2. 반복 벌점 계산하기
# 이미 나온 두 토큰의 점수가 `SEEN_LOGITS`일 때, 반복 벌점 `PENALTY`를 적용한 뒤의 두 점수를 `[a, b]`로 답하세요.

# %% id=exercise-13-repetition-penalty-code
answer = ...  # 여기에 답을 쓰세요
check("13-repetition-penalty", answer)

# %% [markdown] id=exercise-13-deterministic
# ### 연습 3. 결정적인 디코딩
# `DECODING_STRATEGIES`의 방법 가운데 `seed`를 바꿔도 언제나 같은 글을 쓰는 방법의 이름을 모두 골라 집합
# (`{"greedy", ...}`)으로 답하세요. 9절의 결과에서 seed를 바꿔 확인해 봐도 좋습니다.

# %% id=exercise-13-deterministic-code
answer = ...  # 여기에 답을 쓰세요
check("13-deterministic", answer)

# %% [markdown] id=cell-37
# ## 정리
# - 리뷰 앞에 감성 단어를 붙여 학습하면, 그 단어로 생성의 방향을 조절할 수 있습니다.
# - 레이블은 입력과 같되 패딩 자리는 -100으로 가려야 패딩을 배우지 않습니다.
# - perplexity는 실제 토큰 전체의 평균 손실에 exp를 취한 값입니다(배치 손실의 평균이 아닙니다). 어휘 크기와 비슷한 값은
#   무작위 모델에서만 나옵니다.
# - 디코딩 방법에 따라 같은 모델도 전혀 다른 글을 씁니다. 결정적(greedy, 빔)인지, 샘플링(top-k, top-p, temperature)인지,
#   반복을 어떻게 막는지(반복 벌점, no-repeat n-gram)를 보고 고르세요.
# - 한 번에 끝까지 돌리려면 `python -m helpers.train generation --set pretrained_model_name=skt/kogpt2-base-v2 --set output_dir=outputs/sentence-generation`을 쓰면 됩니다.
#
# 다음: 저장한 모델로 프롬프트와 슬라이더를 바꿔 가며 글을 써 보는 데모는 **24 노트북**(`24_generation_inference.ipynb`)에 있습니다.
