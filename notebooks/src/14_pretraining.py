# Source of notebooks/14_pretraining.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 14. 사전학습 실험: 작은 BERT를 직접 사전학습하면 도움이 될까?
#
# 지금까지는 `beomi/kcbert-base`처럼 **이미 사전학습된** 모델을 가져와 파인튜닝했습니다. 빠른 점검 모드의 작은 BERT(2층,
# 은닉 128)는 가중치가 무작위인 채로 바로 파인튜닝했고요. 그렇다면 이 작은 모델도 파인튜닝 전에 리뷰 글을 잔뜩 읽혀
# **마스크 언어 모델(MLM)** 로 사전학습하면 더 잘할까요? 이 노트북은 그 질문을 직접 재 봅니다.
#
# 이 노트북을 마치면 MLM 사전학습이 무엇을 배우는지 설명하고, 사전학습한 모델과 무작위 모델을 공정하게(같은 행, 시드 여러 개,
# 양쪽 학습률을 따로 골라) 비교해, 시드 편차보다 큰 차이만 결론으로 삼을 수 있습니다. 순서는 다음과 같습니다.
#
# 1. MLM이 무엇을 학습하는지(토큰 15%를 가리고 맞히기) 봅니다.
# 2. 작은 BERT를 NSMC 리뷰로 MLM 사전학습합니다. 파인튜닝에 쓰는 리뷰는 사전학습 글에서 뺍니다(NSMC는 CC0).
# 3. 사전학습한 모델과 **같은 구조의 무작위 모델(scratch)** 을 같은 행으로 파인튜닝해 테스트 정확도를 비교합니다.
# 4. 이 저장소에서 제대로 잰 결과표(시드 3개, 학습 1,000행과 4,000행, 양쪽 모두 학습률을 따로 고름)를 읽고,
#    무엇이 결론을 정하는지 이야기합니다.
#
# 빠른 점검 모드(`NLPBOOK_SMOKE=1`)는 1분이 안 걸리는 축소판이고, 표는 미리 잰 결과 파일(`helpers/results/pretraining_study.json`)에서
# 읽습니다. 전체 실험은 아래 명령으로 다시 돌릴 수 있습니다(CPU 두 개로 약 한 시간).

# %% [markdown] id=cell-03
# ## 1. 설정
# `NLPBOOK_SMOKE=1`이면 사전학습 15초, 파인튜닝 2 에폭의 축소판입니다. 그렇지 않으면 사전학습 시간을 늘리고
# 전체 NSMC 말뭉치(`NLPBOOK_CORPUS_ROOT/nsmc`, 없으면 내장 표본)를 씁니다.

# %% id=cell-04
import os
from pathlib import Path

import torch

from helpers.core.settings import CORPUS_ROOT_ENV, SMOKE_ENV, env_flag

smoke = env_flag(SMOKE_ENV)
corpus_root = os.environ.get(CORPUS_ROOT_ENV)
nsmc_dir = Path(corpus_root) / "nsmc" if corpus_root and (Path(corpus_root) / "nsmc").is_dir() else None
pretrain_seconds = 15 if smoke else 10 * 60
fine_tune_epochs = 2 if smoke else 10
out_dir = Path("outputs/pretraining-lesson")
torch.manual_seed(0)
print(f"빠른 점검 모드 {smoke}, 전체 NSMC {nsmc_dir or '없음(내장 표본 사용)'}, 사전학습 {pretrain_seconds}초")

# %% [markdown] id=cell-05
# ## 2. 데이터: 파인튜닝 행과 사전학습 글을 나누기
# 파인튜닝 행은 내장 표본의 학습 행(앞 1,000행), 테스트는 내장 표본의 테스트 행입니다. 사전학습 글은 **레이블을 쓰지 않는**
# 다른 리뷰입니다. 전체 말뭉치가 있으면 NSMC 학습 파일에서 표본·검증 행을 뺀 약 14만 개, 없으면 표본의 나머지 행입니다.
# 같은 문장이 사전학습과 테스트에 모두 들어가지 않도록 표본의 글은 모두 뺍니다.

# %% id=cell-06
from helpers.pretraining.study import SIZES, load_study_tokenizer, study_data, tiny_config

data = study_data(nsmc_dir)
train_rows = data.train[: SIZES[0]]
tokenizer = load_study_tokenizer()
print(f"파인튜닝 {len(train_rows):,}행, 검증 {len(data.val):,}행, 테스트 {len(data.test):,}행, "
      f"사전학습 리뷰 {len(data.mlm_texts):,}개")

# %% [markdown] id=cell-07
# ## 3. MLM: 가리고 맞히기
# BERT의 사전학습은 문장의 토큰 15%를 골라 그중 80%는 `[MASK]`로, 10%는 아무 토큰으로 바꾸고, 10%는 그대로 둔 뒤 원래
# 토큰을 맞히게 합니다. 레이블은 사람이 붙이지 않습니다. 글 자체가 정답이므로 리뷰만 많으면 얼마든지 학습할 수 있습니다.
# 리뷰들은 `[CLS] 리뷰1 [SEP] 리뷰2 [SEP] ...`처럼 이어 붙여 128토큰짜리 블록으로 자릅니다(패딩이 없어 계산을 낭비하지 않습니다).

# %% id=cell-08
from helpers.pretraining.mlm import mask_tokens, pack_into_blocks

rows = tokenizer(data.mlm_texts, add_special_tokens=False)["input_ids"]
blocks = pack_into_blocks(rows, 128, tokenizer.cls_token_id, tokenizer.sep_token_id)
inputs, labels = mask_tokens(blocks[:1], len(tokenizer), tokenizer.mask_token_id, tokenizer.all_special_ids,
                             torch.Generator().manual_seed(0))
print("원래 블록:", tokenizer.decode(blocks[0][:40]))
print("가린 입력:", tokenizer.decode(inputs[0][:40]))
print(f"맞힐 토큰 {int((labels != -100).sum())}개 / {labels.shape[1]}개, 블록 {len(blocks):,}개")

# %% [markdown] id=cell-09
# ## 4. 사전학습
# `pretrain_mlm`은 정해진 **시간** 동안 블록을 돌며 학습합니다(에폭마다 가리는 자리는 새로 뽑습니다). 학습률은 처음 200
# 스텝 동안 올렸다가 마감 시각에 0이 되도록 내립니다. 가린 토큰의 손실과 정확도가 어떻게 변하는지 보세요.

# %% id=cell-10
from transformers import BertForMaskedLM

from helpers.pretraining.mlm import encoder_weights, pretrain_mlm

mlm_model = BertForMaskedLM(tiny_config(tokenizer))
history = pretrain_mlm(mlm_model, blocks, tokenizer.all_special_ids, tokenizer.mask_token_id, pretrain_seconds,
                       batch_size=64, learning_rate=1e-3, log_every=5 if smoke else 100, report=print)
encoder = encoder_weights(mlm_model)
print(f"{history.steps} 스텝, {history.blocks_seen / len(blocks):.2f} 에폭, {history.seconds:.0f}초")

# %% [markdown] id=cell-11
# ## 5. 같은 행으로 두 모델 파인튜닝하기
# 구조가 같은 분류 모델 두 개를 같은 시드로 만들고, 하나에만 사전학습한 인코더 가중치를 넣습니다(풀러와 분류 층은 둘 다
# 새것). 같은 1,000행, 같은 에폭으로 학습하고, 검증 정확도가 가장 좋은 에폭의 가중치로 테스트합니다.

# %% id=cell-12
from transformers import BertForSequenceClassification

from helpers.pretraining.mlm import accuracy, fine_tune, load_encoder
from helpers.pretraining.study import encode

train, val, test = (encode(tokenizer, rows) for rows in (train_rows, data.val, data.test))
scores = {}
for side in ("scratch", "pretrained"):
    torch.manual_seed(0)
    model = BertForSequenceClassification(tiny_config(tokenizer))
    if side == "pretrained":
        load_encoder(model, encoder)
    result = fine_tune(model, train, val, tokenizer.pad_token_id, learning_rate=1e-3, epochs=fine_tune_epochs)
    scores[side] = accuracy(model, *test, tokenizer.pad_token_id)
    print(f"{side:>10}: 검증 {result['val_acc']:.3f} (에폭 {result['best_epoch']}), 테스트 {scores[side]:.3f}")

# %% [markdown] id=cell-13
# 한 번의 실행, 한 시드의 차이는 우연일 수 있습니다. 시드만 바꿔도 정확도가 1~2점씩 움직이기 때문입니다. 그래서 결론은
# 아래처럼 **여러 시드**로, 양쪽 모두 **학습률을 따로 골라**(한쪽에만 맞춘 학습률은 불공평합니다) 재야 내릴 수 있습니다.

# %% [markdown] id=cell-14
# ## 6. 제대로 잰 결과
# `python -m helpers.pretraining.study`로 잰 결과입니다. 작은 BERT를 NSMC 리뷰 약 14만 개(파인튜닝·검증·테스트 행 제외)로
# CPU 한 코어에서 정해진 시간 동안 MLM 사전학습하고, 사전학습 모델과 scratch 모델을 각각 학습 1,000행과 4,000행으로 파인튜닝했습니다.
# 학습률은 {1e-4, 3e-4, 1e-3, 3e-3} 중 첫 시드의 **검증** 정확도로 고르고(테스트는 고르는 데 쓰지 않습니다), 그 학습률로 시드 3개의
# 테스트 정확도(표본 테스트 2,000행)를 평균 ± 표준편차 [최소–최대]로 적었습니다.

# %% id=cell-15
from IPython.display import Markdown, display

from helpers.pretraining.report import load_results, markdown_table

results = load_results()
pre = results["pretraining"]
print(f"사전학습: 리뷰 {pre['reviews']:,}개 = 블록 {pre['blocks']:,}개, {pre['minutes']}분, {pre['steps']:,} 스텝 "
      f"({pre['epochs']} 에폭)")
display(Markdown(markdown_table(results)))
for reason in results["decision"]["reasons"]:
    print(reason)
print("사전학습 가중치를 기본 모델로 싣는가:", results["decision"]["ship_pretrained_weights"])

# %% id=cell-16
import matplotlib.pyplot as plt

from helpers.core.plots import use_korean_font

use_korean_font()
log = pre["log"]
fig, ax = plt.subplots(1, 2, figsize=(9, 3))
ax[0].plot([e["step"] for e in log], [e["mlm_loss"] for e in log])
ax[0].set(xlabel="스텝", ylabel="MLM 손실", title="사전학습 손실")
ax[1].plot([e["step"] for e in log], [e["masked_accuracy"] for e in log])
ax[1].set(xlabel="스텝", ylabel="가린 토큰 정확도", title="가린 토큰 맞히기")
fig.tight_layout()
out_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(out_dir / "mlm_curve.png")

# %% [markdown] id=cell-17
# ## 7. 사전학습에 필요한 것
# 결정 규칙은 실험 전에 정해 두었습니다. **두 크기 모두에서** 사전학습 모델의 가장 나쁜 시드가 scratch의 가장 좋은 시드보다
# 나을 때만 사전학습 가중치를 오프라인 기본 모델로 싣습니다. 잰 결과는 그 반대였습니다. 1,000행에서는 사전학습 쪽이 약 4.5점
# **낮았고**(시드 편차보다 큰 차이), 4,000행에서는 차이가 없었습니다. 그래서 가중치는 싣지 않고, 이 노트북은 "사전학습이 무엇을
# 필요로 하는가"를 보여 주는 수업으로 남습니다. 표와 곡선에서 읽을 점은 다음과 같습니다.
#
# - **글의 양과 계산량**: KcBERT는 뉴스 댓글 약 12GB를 GPU로 오래 학습했습니다. 여기서는 리뷰 약 400만 토큰을 CPU 한 스레드로
#   30분이 안 되게, 세 에폭 남짓 읽혔습니다. 가린 토큰 정확도는 15% 근처에서 거의 멈췄는데, 이는 흔한 음절을 찍는 수준이라
#   문맥을 거의 쓰지 못한다는 뜻입니다. 이런 인코더는 무작위 인코더보다 나을 것이 없고, 오히려 파인튜닝이 벗어나야 할 치우친
#   출발점이 될 수 있습니다(1,000행에서 낮아진 까닭으로 보이지만, 이 실험이 원인까지 증명하지는 않습니다).
# - **모델 크기와 어휘**: 2층·은닉 128의 모델은 담을 수 있는 것이 적고, 음절 어휘(토큰 5천 개)는 단어를 음절로 쪼개므로 더 긴
#   문맥을 봐야 뜻을 압니다.
# - **파인튜닝 데이터가 많을수록 차이가 줄어듭니다**: 레이블이 붙은 행이 늘면 scratch도 같은 정보를 직접 배웁니다. 4,000행에서
#   두 모델이 같아진 것이 그 예입니다.
# - **공정한 비교**: 같은 행, 같은 구조, 양쪽 각각 고른 학습률, 여러 시드. 처음 시드 하나로 잰 시험에서는 1,000행에서 +4.5점이
#   나왔지만, 제대로 재니 결론이 뒤집혔습니다. 시드 하나짜리 차이는 결론이 아닙니다.
#
# 실제로 사전학습이 큰 효과를 내는 것은 이 조건들(아주 많은 글, 큰 모델, 긴 계산)이 갖춰질 때입니다. 그래서 이 과정은 KcBERT처럼
# 크게 사전학습한 모델을 가져와 파인튜닝합니다.
#
# 전체 실험 다시 돌리기:
#
# ```
# python -m helpers.pretraining.study pretrain --nsmc data/nsmc --minutes 28
# python -m helpers.pretraining.study finetune --nsmc data/nsmc --side scratch
# python -m helpers.pretraining.study finetune --nsmc data/nsmc --side pretrained
# python -m helpers.pretraining.study table
# ```

# %% [markdown] id=summary
# ## 정리
# - MLM은 토큰 15%를 가리고 맞히게 해 인코더에 문맥을 가르칩니다. 작은 모델·적은 글·짧은 계산으로는 가린 토큰 정확도가
#   15% 근처에서 멈췄고, 그 인코더는 무작위 인코더보다 낫지 않았습니다.
# - 같은 행, 같은 구조, 양쪽 각각 고른 학습률, 시드 3개로 재니 1,000행에서는 사전학습 쪽이 낮고 4,000행에서는 같았습니다:
#   시드 하나짜리 차이는 결론이 아닙니다.
# - 그래서 이 과정은 크게 사전학습된 KcBERT를 가져와 파인튜닝합니다.
#
# **다음**: 20 노트북(문서 분류 추론)에서 07 노트북이 저장한 모델로 데모를 만듭니다.
