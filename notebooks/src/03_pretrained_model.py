# Source of notebooks/03_pretrained_model.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 3. 사전학습 모델: KcBERT 불러오기
#
# KcBERT는 네이버 뉴스 댓글로 사전학습한 한국어 BERT입니다. 구어체와 신조어가 많은 영화 리뷰에 잘 맞습니다.
# 이 노트북에서는 모델 설정(config)을 보고, 문서 분류용 헤드를 얹은 `BertForSequenceClassification`을 만들어
# 파라미터 수를 세고, 문장 하나를 넣어 출력이 어떻게 생겼는지 확인합니다.

# %% id=cell-03
from helpers.settings import settings_from_env

settings = settings_from_env()
print(settings.pretrained_model_name, "| 로컬 모델 폴더:", settings.model_dir, "| 스모크:", settings.smoke)

# %% [markdown] id=cell-04
# ## 모델 설정(config)
# 설정에는 층 수, 은닉 크기, 어휘 수, 최대 위치(문장 길이) 같은 모델의 '모양'이 들어 있습니다.
# KcBERT-base는 12층, 은닉 크기 768, 어휘 30,000개, 최대 300 토큰입니다. 스모크 실행에서는 같은 구조의 2층짜리 작은 모델을 씁니다.

# %% id=cell-05
from helpers.models import load_config

config = load_config(settings)
for key in ("num_hidden_layers", "hidden_size", "num_attention_heads", "vocab_size", "max_position_embeddings"):
    print(f"{key:>24} = {getattr(config, key)}")

# %% [markdown] id=cell-06
# ## 분류 모델 만들기
# `load_sequence_classifier`는 사전학습 가중치를 불러오고, 그 위에 무작위로 초기화한 분류 층(긍정/부정 2개 출력)을 얹습니다.
# 레이블 이름은 모델 설정의 `id2label`에 저장되므로, 저장한 모델을 나중에 불러와도 레이블 이름이 그대로 남습니다.

# %% id=cell-07
from helpers.corpora import NSMC_LABELS
from helpers.models import count_parameters, load_sequence_classifier

model = load_sequence_classifier(settings, NSMC_LABELS)
print(type(model).__name__, "| id2label:", model.config.id2label)
print(f"학습할 파라미터 수: {count_parameters(model):,}")

# %% [markdown] id=cell-08
# ## 파라미터는 어디에 있나
# 대부분의 파라미터는 단어 임베딩과 트랜스포머 층에 있고, 새로 붙인 분류 층은 아주 작습니다.
# 파인튜닝은 이 큰 본체를 조금씩 고치면서 작은 분류 층을 새로 학습하는 과정입니다.

# %% id=cell-09
parts = {"embeddings": 0, "encoder": 0, "pooler": 0, "classifier": 0}
for name, param in model.named_parameters():
    for part in parts:
        if part in name:
            parts[part] += param.numel()
for part, n in parts.items():
    print(f"{part:>11}: {n:>12,}")

# %% [markdown] id=cell-10
# ## 한 번 통과시켜 보기(forward)
# 문장을 토큰 번호로 바꾸는 토크나이저는 다음 노트북에서 자세히 봅니다. 여기서는 불러와서 바로 씁니다.
# 출력 `logits`의 모양은 (문장 수, 레이블 수)이고, softmax를 취하면 각 레이블의 확률이 됩니다.
# 아직 분류 층을 학습하지 않았으므로 확률은 50% 근처입니다.

# %% id=cell-11
import torch

from helpers.models import load_tokenizer

tokenizer = load_tokenizer(settings)
batch = tokenizer(["이 영화 정말 재밌어요", "시간 아까운 영화"], padding=True, return_tensors="pt")
model.eval()
with torch.no_grad():
    logits = model(**batch).logits
print("logits 모양:", tuple(logits.shape))
print("확률:", logits.softmax(-1).round(decimals=3).tolist())

# %% [markdown] id=cell-12
# 다음 노트북에서는 토크나이저가 문장을 어떻게 자르고 번호로 바꾸는지 살펴봅니다.
