# Source of notebooks/03_pretrained_model.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 3. 사전학습 모델: KcBERT 불러오기
#
# KcBERT는 네이버 뉴스 댓글로 사전학습한 한국어 BERT입니다. 구어체와 신조어가 많은 영화 리뷰에 잘 맞습니다.
# 이 노트북에서는 모델 설정(config)을 보고, 문서 분류용 헤드를 얹은 `BertForSequenceClassification`을 만들어
# 파라미터 수를 세고, 문장 하나를 넣어 출력이 어떻게 생겼는지 확인합니다.
#
# **이 노트북을 마치면 할 수 있는 것**
# - 사전학습(프리트레인, pretraining)의 마스크 언어 모델이 무엇을 배우는지 설명할 수 있습니다.
# - 모델 설정을 읽고, 분류 헤드를 얹은 모델을 만들어 파라미터가 어디에 있는지 셀 수 있습니다.
# - 모델 출력 `logits`를 확률로 바꿔 읽을 수 있습니다.
#
# **사전학습: 마스크 언어 모델.** BERT는 레이블 없는 문장 수억 개로 미리 학습합니다. 입력 토큰의 15%를 골라(그중 80%는
# `[MASK]`로, 10%는 무작위 토큰으로 바꾸고 10%는 그대로 둡니다) 원래 토큰을 맞히게 하면, 모델은 앞뒤 문맥으로 단어의 뜻과
# 문장 구조를 익힙니다. 파인튜닝은 이렇게 익힌 표현 위에 작은 층을 얹어 우리 과제(긍정/부정)에 맞게 조금 더 학습하는 것입니다.

# %% id=cell-03
from helpers.core.settings import settings_from_env

settings = settings_from_env()
print(settings.pretrained_model_name, "| 로컬 모델 폴더:", settings.model_dir, "| 빠른 점검 모드:", settings.smoke)

# %% [markdown] id=cell-04
# ## 1절. 모델 설정(config)
# 설정에는 층 수, 은닉 크기, 어휘 수, 최대 위치(문장 길이) 같은 모델의 '모양'이 들어 있습니다.
# KcBERT-base는 12층, 은닉 크기 768, 어휘 30,000개, 최대 300 토큰입니다.
#
# 설정은 `BertConfig.from_pretrained(출처)`로 읽습니다. 출처는 허브의 모델 이름(`beomi/kcbert-base`)이거나, 같은 파일이 든
# 로컬 폴더(`model_dir`)입니다. 빠른 점검 모드에서는 같은 구조의 2층짜리 작은 BERT를 무작위 가중치로 한 번 만들어 로컬 폴더에
# 저장해 두고(`tiny_model_dir`), 실제 모델과 똑같이 그 폴더에서 `from_pretrained`로 불러옵니다.
# `config_changes`로 넘긴 값(예: 레이블 수)은 읽은 설정 위에 덮어씁니다. 문장 길이 설정 `max_seq_length`가 모델의 최대 위치보다 길면
# 학습 도중이 아니라 여기서 바로 설정 이름이 적힌 오류를 냅니다.
# 아래 셀은 `helpers/core/models.py`의 함수와 글자 하나까지 같은 코드입니다. 강좌의 모든 과제가 이 함수로 모델을 불러옵니다.

# %% id=load-config tags=["library:helpers.core.models"]
from typing import Any

from transformers import BertConfig

from helpers.core.models import tiny_model_dir
from helpers.core.settings import CourseSettings, SettingsError


def model_source(settings: CourseSettings) -> str:
    """Where the model comes from: the tiny random BERT saved locally (smoke), the local model folder, or the hub."""
    if settings.smoke:
        return str(tiny_model_dir(settings))
    return settings.model_dir or settings.pretrained_model_name


def load_config(settings: CourseSettings, **config_changes: Any) -> BertConfig:
    """The model's config (layers, sizes, vocabulary) with `config_changes` applied; checks max_seq_length."""
    source = model_source(settings)
    config = BertConfig.from_pretrained(source, **config_changes)
    if settings.max_seq_length > config.max_position_embeddings:
        raise SettingsError(f"max_seq_length={settings.max_seq_length} exceeds max_position_embeddings="
                            f"{config.max_position_embeddings} of {source}")
    return config

# %% id=cell-05
config = load_config(settings)
print("출처:", model_source(settings))
for key in ("num_hidden_layers", "hidden_size", "num_attention_heads", "vocab_size", "max_position_embeddings"):
    print(f"{key:>24} = {getattr(config, key)}")

# %% [markdown] id=cell-06
# ## 2절. 분류 모델 만들기
# `BertForSequenceClassification.from_pretrained`처럼 과제용 모델 클래스의 `from_pretrained`를 부르면 사전학습 가중치를 불러오고,
# 그 위에 무작위로 초기화한 분류 층(긍정/부정 2개 출력)을 얹습니다. 아래 `load_pretrained`는 모델 클래스를 인자로 받아
# `model_class.from_pretrained(출처, config=설정)`을 부르는 함수라서, 10–12의 다른 과제도 클래스만 바꿔 같은 함수를 씁니다.
# 분류 층은 `settings.seed`로 초기화하므로 같은 시드면 같은 분류 층이 나옵니다. 불러올 때 transformers가 출력하는
# LOAD REPORT에는 체크포인트에 없어서 새로 만든 분류 층(`classifier.`)의 가중치가 `MISSING`으로, 사전학습 때 쓰고 분류에는 쓰지 않는
# 층(`cls.`로 시작하는 마스크 언어 모델 헤드)의 가중치가 `UNEXPECTED`로 나옵니다. 분류 층을 새로 얹었으니 둘 다 정상입니다.
# `from_pretrained`는 모델을 평가 모드(드롭아웃 꺼짐)로 돌려주므로, 마지막에 `train()`으로 학습 모드로 되돌립니다.
# 가중치 파일이 없는 로컬 폴더를 주면 사전학습 없이 무작위로 초기화한 모델이 된다는 것을 크게 경고합니다.
#
# 분류 층이 읽는 것은 풀러(pooler) 출력입니다. 마지막 층의 `[CLS]` 벡터를 다시 선형 층과 tanh에 통과시킨 값입니다.
# 레이블 이름은 모델 설정의 `id2label`에 저장되므로, 저장한 모델을 나중에 불러와도 레이블 이름이 그대로 남습니다.

# %% id=load-model tags=["library:helpers.core.models"]
from pathlib import Path

import torch
from transformers import BertForSequenceClassification

from helpers.core.models import freshly_initialised, has_weights


def load_pretrained(model_class: Any, settings: CourseSettings, **config_changes: Any) -> Any:
    """`model_class` (BERT with a task head) with pretrained weights and a new head drawn from settings.seed."""
    config = load_config(settings, **config_changes)
    torch.manual_seed(settings.seed)  # the same seed gives the same new head
    source = model_source(settings)
    if Path(source).is_dir() and not has_weights(source):
        return freshly_initialised(model_class, config, source)
    model = model_class.from_pretrained(source, config=config)
    # from_pretrained returns the model in eval mode, and Lightning 2 keeps the mode it finds: without this,
    # fine-tuning would run with dropout switched off.
    return model.train()


def load_sequence_classifier(settings: CourseSettings, labels: tuple[str, ...]) -> BertForSequenceClassification:
    """A BertForSequenceClassification with len(labels) outputs, whose config stores the label names (id2label)."""
    id2label = dict(enumerate(labels))
    return load_pretrained(BertForSequenceClassification, settings, num_labels=len(labels), id2label=id2label,
                           label2id={v: k for k, v in id2label.items()})

# %% id=cell-07
from helpers.core.corpora import NSMC_LABELS
from helpers.core.models import count_parameters

model = load_sequence_classifier(settings, NSMC_LABELS)
print(type(model).__name__, "| id2label:", model.config.id2label, "| 학습 모드:", model.training)
print(f"학습할 파라미터 수: {count_parameters(model):,}")

# %% [markdown] id=direct-call-md
# `load_sequence_classifier`가 결국 부르는 것은 transformers의 한 줄입니다. 같은 시드로 그 한 줄을 직접 불러 보면
# 분류 층까지 모든 가중치가 위 모델과 똑같습니다.

# %% id=direct-call
torch.manual_seed(settings.seed)
direct = BertForSequenceClassification.from_pretrained(model_source(settings), config=model.config)
same = all(torch.equal(a, b) for a, b in zip(direct.state_dict().values(), model.state_dict().values()))
print("직접 부른 모델과 가중치가 모두 같은가:", same)

# %% [markdown] id=cell-08
# ## 3절. 파라미터는 어디에 있나
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
# ## 4절. 한 번 통과시켜 보기(forward)
# 문장을 토큰 번호로 바꾸는 토크나이저는 다음 노트북에서 자세히 봅니다. 여기서는 불러와서 바로 씁니다.
# 출력 `logits`의 모양은 (문장 수, 레이블 수)이고, softmax를 취하면 각 레이블의 확률이 됩니다.
# 아직 분류 층을 학습하지 않았으므로 확률은 50% 근처입니다.

# %% id=cell-11
import torch

from helpers.core.models import load_tokenizer

tokenizer = load_tokenizer(settings)
batch = tokenizer(["이 영화 정말 재밌어요", "시간 아까운 영화"], padding=True, return_tensors="pt")
model.eval()
with torch.no_grad():
    logits = model(**batch).logits
print("logits 모양:", tuple(logits.shape))
print("확률:", logits.softmax(-1).round(decimals=3).tolist())

# %% [markdown] id=cell-12
# ## 5절. 연습 문제
# `...` 자리에 답을 쓰고 셀을 실행하면 정답인지 아닌지와 힌트가 출력됩니다.
#
# **문제 1.** KcBERT-base(은닉 크기 768)에 NSMC용 분류 층(레이블 2개)을 얹으면, 새로 학습하는 분류 층의 파라미터는 몇 개일까요?
# (빠른 점검 모드의 작은 모델로 3절의 `classifier` 줄을 보고 규칙을 찾은 뒤 768에 적용해 보세요.)

# %% id=exercise-03-classifier
from helpers.exercises.book import check

answer = ...  # 여기에 답을 쓰세요
check("03-classifier-parameters", answer)

# %% [markdown] id=exercise-03-embeddings-md
# **문제 2.** KcBERT-base의 `embeddings` 부분(어휘 30,000개, 은닉 크기 768, 최대 위치 300, 문장 구분 2가지)에는 파라미터가 몇 개
# 있을까요? 3절의 `embeddings` 줄이 무엇으로 이루어졌는지 `model.bert.embeddings`를 출력해 보고 계산하세요.

# %% id=exercise-03-embeddings
answer = ...  # 여기에 답을 쓰세요
check("03-embedding-parameters", answer)

# %% [markdown] id=summary
# ## 정리
# - KcBERT는 마스크 언어 모델로 사전학습한 12층 BERT이고, 파라미터 대부분은 임베딩과 트랜스포머 층에 있습니다.
# - 설정은 `BertConfig.from_pretrained`로, 모델은 `BertForSequenceClassification.from_pretrained`로 불러옵니다(빠른 점검 모드에서는
#   로컬 폴더에 저장한 작은 무작위 BERT를 같은 방법으로 불러옵니다).
# - 분류 모델은 풀러 출력 위에 무작위로 초기화한 작은 분류 층을 얹은 것이며, 학습 전 확률은 50% 근처입니다.
#
# 다음 노트북 **04 토크나이저**에서는 토크나이저가 문장을 어떻게 자르고 번호로 바꾸는지 살펴봅니다.
