# Source of notebooks/11_named_entity_recognition.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 11. 개체명 인식: KMOU NER로 KcBERT 파인튜닝하기
#
# 문장에서 사람(PS)·장소(LC)·기관(OG)·날짜(DT)·시간(TI) 같은 **개체명**을 찾아 그 글자 구간과 종류를 맞히는
# 개체명 인식(NER)을 해 봅니다. 문장 전체에 레이블 하나를 붙이던 분류와 달리 **토큰마다** 레이블을 붙이는
# 토큰 분류(token classification)입니다. 말뭉치는 한국해양대학교의 KMOU NER(대안으로 KLUE-NER), 모델은
# `beomi/kcbert-base`입니다. 순서는 문서 분류와 같고(설정 → 말뭉치 → 모델 → 토크나이저 → 데이터로더 → 태스크 →
# 학습 → 평가 → 저장), 핵심은 **글자 단위 정답을 서브워드 토큰에 맞춰 옮기는 방법**과 **개체 단위 평가**입니다.
#
# 이 노트북을 마치면 다음을 할 수 있습니다.
# - 글자 단위 개체 구간을 서브워드 토큰의 BIO 레이블로 옮기고, 두 방식(`first`, `all`)의 차이를 설명합니다.
# - `BertForTokenClassification`을 Lightning으로 파인튜닝하고 개체 단위 정밀도·재현율·F1을 잽니다.
# - 단어 단위 F1과 글자 단위(KLUE) F1을 구별해, 공개된 점수표와 맞는 쪽으로 비교합니다.
#
# 실제 실행(KcBERT-base, KMOU 학습 데이터 2,928문장, 5 에폭)은 Colab T4에서 대략 몇 분이면 끝납니다. 사전학습된 모델은
# 빠른 점검 모드의 작은 모델보다 훨씬 높은 F1을 내며, 공개된 수치와 비교할 때는 KLUE 논문(Park et al., 2021)처럼
# **글자 단위** F1을 보세요(8절).

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
# 빠른 점검 모드(`NLPBOOK_SMOKE=1`, 01 노트북 참고)에서는 작은 모델과 문장 수백 개로 한 에폭만 학습하고, 실제 실행에서는
# KMOU NER 학습 데이터 전체(2,928문장)로 5 에폭 학습합니다. `settings_for_task("ner")`는 NER 과제의 기본값
# (말뭉치 `kmou-ner`, 출력 폴더 `outputs/named-entity-recognition`)에 `NLPBOOK_*` 환경 변수를 더한 설정입니다.
# KLUE-NER로 바꾸려면 `settings_for_task("ner", corpus_name="klue-ner")`로 두면 됩니다.
# 서브워드 레이블 방식(4절에서 설명)은 `settings_for_task("ner", ner_label_subwords="all")`로 바꿀 수 있고, 기본값은 `"first"`입니다.

# %% id=cell-04
from helpers.core.settings import settings_for_task

settings = settings_for_task("ner")
if not settings.smoke:  # a real run: few sentences, so five passes
    settings = settings.replace(epochs=5)
print(settings.describe())

# %% [markdown] id=cell-05
# ## 2절. 말뭉치: KMOU NER 읽기
# KMOU NER은 문장마다 블록 하나입니다. `; 원문`, `$<홍길동:PS>처럼 개체명을 표시한 문장`, 그리고 형태소마다
# `번호⇥형태소⇥품사⇥BIO 태그` 줄이 이어집니다. 형태소(`하`+`ㄴ` ← `한`)는 원문 글자와 1:1로 맞지 않으므로,
# 읽기 함수는 `$` 줄에서 **글자 단위 개체 구간**(시작, 끝, 종류)을 뽑고, 표시를 지운 문장이 `;` 원문과 같은지 확인합니다.
# KLUE-NER(글자마다 BIO 태그가 붙은 형식, 수량 QT 추가)도 같은 모양(문장 + 글자 구간)으로 읽으므로 이후 과정은 하나입니다.
# 파일은 없을 때만 GitHub에서 받고, 형식이 틀린 블록은 파일과 줄 번호를 들어 멈춥니다.
# 형태소 줄과 `$` 줄의 개체 수가 다른 블록(원본의 주석 불일치)은 `$` 줄을 따르고 그 위치를 알려 줍니다.

# %% id=cell-06
from helpers.ner.corpora import read_ner_files

files = read_ner_files(settings.corpus_name, settings.corpus_root_dir)

# %% [markdown] id=cell-07
# 첫 문장과 그 개체 구간을 봅니다. 구간의 글자를 잘라 보면 `$` 줄에 표시된 개체명과 같습니다.
# 아래에는 개체를 색으로 칠한 HTML도 보여 줍니다.

# %% id=cell-08
from IPython.display import HTML, display

from helpers.ner.pipeline import highlight_entities

first = next(iter(files.values()))[0]
print(first.text)
for span in first.entities:
    print(f"  {span.label} {span.start:>3}~{span.end:<3} {first.text[span.start : span.end]!r}")
display(HTML(highlight_entities(first.text, first.entities)))

# %% [markdown] id=cell-09
# 파일별 문장 수와 개체 종류별 개수를 세고, 학습/검증/테스트로 나눕니다. KMOU NER은 세 파일이 모두 있습니다.
# (개발 파일만 있는 KLUE-NER 오프라인 사본이라면 메모리에서 나누고, 어떻게 나눴는지 출력합니다.)

# %% id=cell-10
from collections import Counter

from helpers.core.corpus_files import splits_from_files

for split, sentences in files.items():
    print(split, len(sentences), dict(Counter(e.label for s in sentences for e in s.entities)))
rows = splits_from_files(files, settings)

# %% [markdown] id=cell-11
# ## 3절. 레이블 체계와 모델: BIO 태그, `BertForTokenClassification`
# 토큰마다 붙일 레이블은 **BIO** 방식입니다. 개체의 첫 토큰은 `B-종류`, 이어지는 토큰은 `I-종류`, 개체가 아니면 `O`입니다.
# 종류가 다섯 개면 레이블은 1 + 5 × 2 = 11개입니다. 모델은 BERT의 토큰 출력마다 선형층을 얹은 `BertForTokenClassification`이고,
# 레이블 목록은 모델 설정(`id2label`)에 저장됩니다.

# %% id=cell-12
from helpers.core.models import count_parameters
from helpers.ner.pipeline import NER_CORPORA, bio_labels, load_token_classifier

labels = bio_labels(NER_CORPORA[settings.corpus_name])
label2id = {label: i for i, label in enumerate(labels)}
model = load_token_classifier(settings, labels)
print(model.config.id2label)
print(f"학습할 파라미터 {count_parameters(model):,}개")

# %% [markdown] id=cell-13
# ## 4절. 토크나이저: 글자 구간을 서브워드 레이블로
# fast 토크나이저에 `return_offsets_mapping=True`를 주면 토큰마다 **원문의 글자 위치**(시작, 끝)를 알려 줍니다.
# 토큰의 첫 글자가 어느 개체에 속하는지 보고, 그 개체의 첫 토큰이면 `B-`, 아니면 `I-`, 개체 밖이면 `O`를 붙입니다.
# `[CLS]`·`[SEP]`(그리고 나중에 채울 패딩)은 -100으로 두어 손실과 점수 계산에서 빠지게 합니다.
# 오프셋을 쓰므로 모르는 글자가 `[UNK]` 하나로 바뀌어도 그 토큰은 자기 글자 범위를 그대로 가지고, 뒤의 레이블이 밀리지 않습니다.
#
# ### 레이블을 붙이는 두 가지 방식: `first`(기본값)와 `all`
# 토크나이저는 문장을 먼저 **단어**(공백과 문장부호로 나눈 조각)로 나누고, 단어를 다시 서브워드로 쪼갭니다.
# 단어의 두 번째 조각부터는 `##`가 붙습니다(KcBERT 어휘로 `임수경을` → `임`, `##수`, `##경을`, `소희의` → `소`, `##희`, `##의`).
#
# - **`first`(기본값)**: 단어의 **첫 서브워드에만** BIO 레이블을 붙이고, 이어지는 `##` 조각은 특수 토큰처럼 -100으로 둡니다.
#   예측할 때도 `##` 조각의 예측은 버리고 단어의 태그를 물려받게 하므로(`B-PS`였다면 `I-PS`), 찾은 개체는 언제나
#   **단어 전체**를 덮습니다. 점수도 레이블이 있는 자리(단어의 첫 토큰)만 비교하므로 단어 단위로 매겨집니다.
# - **`all`**: **모든 서브워드**에 레이블을 붙입니다. 개체가 단어 중간에서 끝날 수 있어서, `소희의`처럼 조사가 따로
#   토큰이 되면(`소`, `##희`, `##의`) `소희`만 정확히 돌려받습니다. 하지만 `##경을`처럼 조사가 토큰 안에 붙으면 `all`로도
#   `임수경`을 글자 그대로 돌려받을 수 없습니다.
#
# 설정 `ner_label_subwords`(`NerSettings`의 필드)로 고르고, 고른 방식은 모델 설정(`config.ner_label_subwords`)에 함께 저장되어
# 예측 함수가 같은 방식으로 개체를 복원합니다.

# %% [markdown] id=ner-tags-md
# ### 레이블을 붙이는 코드: `unlabelled`와 `token_tags`
# 아래 셀은 이 코스의 라이브러리(`helpers.ner.alignment`)에 있는 두 함수를 **그대로** 옮긴 것입니다(테스트가 라이브러리
# 코드와 글자 하나까지 같은지 확인합니다). 실행하면 이 노트북은 여기서 정의한 함수를 씁니다.
#
# - `unlabelled`는 레이블을 받지 않을(-100) 자리를 고릅니다. 특수 토큰은 언제나, `##` 조각은 `first` 방식에서만입니다.
# - `token_tags`는 먼저 글자 위치마다 그 글자를 가진 개체의 번호를 적은 표(`owner`)를 만듭니다. 그다음 토큰마다 **첫 글자**의
#   개체를 찾아, 바로 앞의 레이블 받은 토큰과 같은 개체면 `I-`, 새 개체면 `B-`, 개체가 없으면 `O`를 붙입니다. 건너뛰는 자리는
#   `None`이고, 나중에 레이블 번호로 바꿀 때 -100이 됩니다.

# %% id=ner-tags tags=["library:helpers.ner.alignment"]
from typing import Sequence

from helpers.ner.alignment import check_scheme
from helpers.ner.corpora import EntitySpan


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

# %% [markdown] id=ner-tags-demo-md
# 첫 문장을 토큰화하고, 위의 두 함수로 두 방식의 레이블을 붙여 토큰마다 나란히 봅니다.

# %% id=cell-14
from helpers.core.models import load_tokenizer
from helpers.ner.alignment import label_scheme, tokenize_with_offsets

tokenizer = load_tokenizer(settings)
print("이 실행의 레이블 방식:", label_scheme(settings))
encoded = tokenize_with_offsets(tokenizer, [first.text], settings.max_seq_length)
offsets, special, pieces = (encoded[key][0] for key in ("offset_mapping", "special_tokens_mask", "continuation"))
tags = {scheme: [tag or -100 for tag in token_tags(offsets, first.entities, unlabelled(special, pieces, scheme))]
        for scheme in ("first", "all")}
tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"][0])
print(f"{'토큰':>9} {'위치':>7} {'글자':>7} {'first':>6} {'all':>6}")
for i, (token, (start, end)) in enumerate(list(zip(tokens, offsets))[:16]):
    print(f"{token:>10} {start:>3}~{end:<3} {first.text[start:end]!r:>8} {tags['first'][i]:>6} {tags['all'][i]:>6}")

# %% [markdown] id=cell-15
# 한자와 드문 기호가 `[UNK]`가 되는 문장에서도 레이블이 제자리에 붙는지 확인해 봅니다(기본 방식 `first`).
# `decode_entities`는 토큰 레이블을 방식에 맞게 글자 구간으로 되돌립니다.

# %% id=cell-16
from helpers.ner.alignment import decode_entities
from helpers.ner.corpora import EntitySpan, TaggedSentence

odd = TaggedSentence("盧泰愚 대통령은 ⍼⍼를 들고 김민수 씨를 만났다", (EntitySpan(0, 3, "PS"), EntitySpan(16, 19, "PS")))
encoded = tokenize_with_offsets(tokenizer, [odd.text], settings.max_seq_length)
offsets, special, pieces = (encoded[key][0] for key in ("offset_mapping", "special_tokens_mask", "continuation"))
tags = token_tags(offsets, odd.entities, unlabelled(special, pieces, "first"))
print(list(zip(tokenizer.convert_ids_to_tokens(encoded["input_ids"][0]), tags)))
print("복원한 개체:", [(odd.text[e.start : e.end], e.label) for e in decode_entities(offsets, tags, pieces, "first")])

# %% [markdown] id=cell-17
# ### (심화) 토큰 레이블로 개체를 글자 그대로 복원할 수 있을까?
# 처음 읽을 때는 이 부분을 건너뛰고 5절로 가도 됩니다. 8절의 두 F1이 왜 다른지를 여기서 설명합니다.
#
# 개체의 시작이나 끝이 레이블 한 개가 덮는 범위(`all`은 토큰, `first`는 단어) **한가운데**에 있으면, 어떤 레이블을 붙여도
# 그 개체를 글자 그대로 복원할 수 없습니다. 한국어에서는 조사가 앞말과 한 단어로 붙으므로(`정부는`, `팔모정에서`)
# `first` 방식에서는 이런 개체가 아주 많습니다. 이 개체들은 조사까지 포함한 단어(`정부는`)로 배우고 예측됩니다.
# KcBERT 어휘는 조사를 토큰 안에 붙이기도 해서(`정부가`가 토큰 하나) `all` 방식에서도 일부는 복원할 수 없습니다.
#
# 말뭉치 전체에서 잰 비율(KcBERT 어휘)은 다음과 같습니다. 음절마다 토큰인 빠른 점검용 작은 어휘로는 `all`이 1% 미만이고,
# `first`는 단어 경계가 어휘와 상관없으므로 같습니다.
#
# | 말뭉치 | `first`(기본값) | `all` |
# |---|---|---|
# | KMOU NER (개체 7,779개) | 62.3% | 23.7% |
# | KLUE-NER 개발 세트 (개체 14,257개) | 49.8% | 16.8% |
#
# 나머지 개체는 모두 정확히 복원됩니다(테스트에서 확인합니다). 즉 `first`는 표준적이고 단순하지만 개체를 **단어 단위**로
# 돌려주고, 글자 단위 경계가 필요하면 `all`이 낫습니다. 지금 쓰는 토크나이저로 두 방식을 직접 세어 봅니다.

# %% id=cell-18
from helpers.ner.alignment import alignment_report

sentences = [s for split in files.values() for s in split]
reports = {scheme: alignment_report(tokenizer, sentences, scheme=scheme) for scheme in ("first", "all")}
for scheme, report in reports.items():
    print(f"{scheme!r}: 개체 {report['entities']:,}개 중 {report['unreachable']:,}개({report['share']:.1%})는 "
          "글자 그대로 복원할 수 없습니다.")
for sentence, span in reports["first"]["examples"][:4]:
    encoded = tokenizer(sentence.text, return_offsets_mapping=True, add_special_tokens=False)
    around = [token for token, (start, end) in zip(tokenizer.convert_ids_to_tokens(encoded["input_ids"]),
                                                   encoded["offset_mapping"]) if start < span.end + 2 and end > span.start - 2]
    print(f"  {sentence.text[span.start : span.end]!r} ({span.label}) 주변 토큰: {around}")

# %% [markdown] id=cell-19
# 이제 모든 문장을 한 번에 토큰화하고, 설정의 방식(기본값 `first`)으로 토큰마다 레이블 번호를 붙입니다.
# `max_seq_length`를 넘는 문장은 잘리며, 잘려 나간 개체 수를 알려 줍니다.

# %% id=cell-20
from helpers.core.splits import Splits
from helpers.ner.pipeline import encode_tagged

scheme = label_scheme(settings)
datasets = Splits(*(encode_tagged(tokenizer, getattr(rows, name), label2id, settings.max_seq_length, name, scheme)
                    for name in ("train", "val", "test")))
print(f"학습 {len(datasets.train):,}, 검증 {len(datasets.val):,}, 테스트 {len(datasets.test):,}문장")

# %% [markdown] id=cell-21
# ## 5절. 데이터로더
# 문서 분류와 같은 `make_loaders`를 씁니다. 콜레이터는 레이블 목록도 배치에서 가장 긴 문장에 맞춰 **-100으로** 채웁니다.
# (`first` 방식이면 문장 안의 -100은 `[CLS]`·`[SEP]`과 단어의 `##` 조각 자리입니다.)

# %% id=cell-22
from helpers.core.loaders import make_loaders

loaders = make_loaders(datasets, tokenizer, settings)
batch = next(iter(loaders.train))
print({name: tuple(t.shape) for name, t in batch.items()})
print("첫 문장의 레이블:", batch["labels"][0].tolist())

# %% [markdown] id=cell-23
# ## 6절. 태스크: 개체 단위 정밀도·재현율·F1
# 토큰 정확도는 대부분이 `O`인 NER에서 거의 의미가 없습니다. KMOU NER(KcBERT 어휘)에서 레이블이 있는 자리 중 `O`가
# `first` 방식에서 88.1%, `all` 방식에서 86.3%라서, 모두 `O`라고만 답해도 토큰 정확도가 그만큼 나옵니다. 그래서 seqeval의
# **엄격한(strict) IOB2** 방식으로 **개체 단위** 점수를 셉니다. 종류와 시작·끝 토큰이 모두 맞아야 맞힌 개체입니다.
# 정답이 -100인 자리는 비교하지 않으므로, `first` 방식에서는 단어의 첫 토큰끼리만 비교해 단어 단위로 채점합니다.
# 아래 예에서 정답 개체는 세 개(PS, LC, OG)이고 예측 개체는 두 개입니다. 첫 문장의 LC는 놓쳤고, 둘째 문장의 OG는 세 토큰 중
# 두 토큰만 찾아 끝이 틀렸으므로 틀린 개체입니다. 맞힌 개체는 PS 하나라서 정밀도 0.50(예측 2개 중 1개), 재현율 0.33(정답
# 3개 중 1개), F1 0.40이 출력됩니다.

# %% id=cell-24
from helpers.ner.task import EntityScores

scores = EntityScores()
scores.update([["B-PS", "I-PS", "O", "B-LC"]], [["B-PS", "I-PS", "O", "O"]])
scores.update([["B-OG", "I-OG", "I-OG"]], [["B-OG", "I-OG", "O"]])
print({name: round(value.item(), 3) for name, value in scores.compute().items()})

# %% [markdown] id=ner-task-md
# ### LightningModule: `TokenClassificationTask`
# 학습 단계(`training_step`: 모델이 계산한 토큰별 교차 엔트로피)와 옵티마이저는 06 노트북에서 본 `FineTuningTask`의 것을
# 그대로 물려받습니다. 이 클래스가 더하는 것은 개체 단위 평가입니다. `tag_sequences`는 배치의 정답과 예측(점수가 가장 높은
# 레이블)에서 정답이 -100(`IGNORED`)인 자리를 빼고 태그 글자로 바꿉니다. `validation_step`·`test_step`은 그 태그로 위의
# `EntityScores`를 쌓고, 에폭이 끝나면(`on_..._epoch_end`) 정밀도·재현율·F1을 기록하고 다음 에폭을 위해 비웁니다.

# %% id=ner-task tags=["library:helpers.ner.task"]
import torch

from helpers.core.tasks import FineTuningTask
from helpers.ner.task import IGNORED


def tag_sequences(labels: torch.Tensor, predictions: torch.Tensor,
                  id2label: dict[int, str]) -> tuple[list[list[str]], list[list[str]]]:
    """Gold and predicted tag strings of each row, only at positions whose label is not IGNORED."""
    gold, predicted = [], []
    for row_labels, row_predictions in zip(labels.tolist(), predictions.tolist()):
        keep = [i for i, label in enumerate(row_labels) if label != IGNORED]
        gold.append([id2label[row_labels[i]] for i in keep])
        predicted.append([id2label[row_predictions[i]] for i in keep])
    return gold, predicted


class TokenClassificationTask(FineTuningTask):
    """Fine-tunes a token classifier (NER): cross-entropy per token, entity precision/recall/F1 per epoch."""

    def __init__(self, model: torch.nn.Module, learning_rate: float = 5e-5, weight_decay: float = 0.01,
                 warmup_ratio: float = 0.1) -> None:
        super().__init__()
        self.model = model
        self.save_hyperparameters(ignore=["model"])
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}
        self.val_entities, self.test_entities = EntityScores(), EntityScores()

    def _evaluate(self, batch: dict[str, torch.Tensor], stage: str) -> None:
        out = self(batch)
        gold, predicted = tag_sequences(batch["labels"], out.logits.argmax(-1), self.id2label)
        (self.val_entities if stage == "val" else self.test_entities).update(gold, predicted)
        self.log(f"{stage}_loss", out.loss, prog_bar=True, batch_size=len(batch["labels"]), sync_dist=True)

    def _log_scores(self, stage: str) -> None:
        metric = self.val_entities if stage == "val" else self.test_entities
        self.log_dict({f"{stage}_{name}": value for name, value in metric.compute().items()}, prog_bar=True,
                      sync_dist=True)  # equal on every rank (the metric syncs itself): a no-op average
        metric.reset()

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._evaluate(batch, "val")

    def on_validation_epoch_end(self) -> None:
        self._log_scores("val")

    def test_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._evaluate(batch, "test")

    def on_test_epoch_end(self) -> None:
        self._log_scores("test")

# %% [markdown] id=ner-task-make-md
# 위에서 정의한 클래스로 태스크를 만들고, 배치 하나로 `tag_sequences`가 무엇을 비교하는지 봅니다(학습 전이라 예측은 엉터리입니다).

# %% id=ner-task-make
from helpers.core.models import evaluation_mode

task = TokenClassificationTask(model, settings.learning_rate, settings.weight_decay, settings.warmup_ratio)
with evaluation_mode(task.model):
    logits = task(batch).logits
gold, predicted = tag_sequences(batch["labels"], logits.argmax(-1), task.id2label)
print("정답:", gold[0][:12])
print("예측:", predicted[0][:12])

# %% [markdown] id=cell-25
# ## 7절. 학습
# 검증 **개체 F1**이 가장 좋은 체크포인트를 남기도록 `monitor="val_f1"`로 Trainer를 만듭니다.
# 콜백 `CharacterEntityScores`는 검증이 끝날 때마다 모델이 돌려주는 글자 구간을 정답 글자 구간과 비교해
# **글자 단위** 개체 F1(`val_char_f1`, KLUE의 정의)도 기록합니다. 두 점수가 왜 다른지는 평가 뒤에 설명합니다.

# %% id=cell-26
from helpers.ner.pipeline import predict_entities
from helpers.ner.metrics import CharacterEntityScores
from helpers.core.plots import epoch_table
from helpers.core.training import build_trainer, fit_or_resume, metrics_csv

char_scores = CharacterEntityScores(predict_entities, tokenizer, {"val": rows.val, "test": rows.test},
                                    settings.max_seq_length)
trainer = build_trainer(settings, monitor="val_f1", callbacks=[char_scores])
fit_or_resume(trainer, task, loaders.train, loaders.val, settings)
print(epoch_table(metrics_csv(settings), ("val_loss", "val_precision", "val_recall", "val_f1", "val_char_f1")))

# %% [markdown] id=cell-27
# ## 8절. 평가
# 가장 좋은 체크포인트로 테스트 개체 점수를 재고, 개체 종류별 점수도 봅니다. (빠른 점검 모드의 작은 모델은 사전학습 없이
# 몇 스텝만 배우므로 점수가 0에 가까워도 정상입니다.)

# %% id=cell-28
from pathlib import Path

from helpers.ner.pipeline import entity_report
from helpers.core.plots import plot_entity_scores, plot_learning_curves, use_korean_font
from helpers.core.training import best_or_current

use_korean_font()
metrics = trainer.test(task, loaders.test, ckpt_path=best_or_current(trainer), verbose=False)[0]
print(f"단어 단위(seqeval): 정밀도 {metrics['test_precision']:.4f}, 재현율 {metrics['test_recall']:.4f}, F1 {metrics['test_f1']:.4f}")
print(f"글자 단위(KLUE):    정밀도 {metrics['test_char_precision']:.4f}, 재현율 {metrics['test_char_recall']:.4f}, "
      f"F1 {metrics['test_char_f1']:.4f}")
plot_learning_curves(metrics_csv(settings), save_to=Path(settings.output_dir) / "learning_curves.png",
                     metrics=("loss", "f1"));

# %% id=cell-29
from helpers.ner.metrics import character_scores, entity_reports_table

by_type = entity_report(task.model, loaders.test)
by_type_chars = character_scores(predict_entities, task.model, tokenizer, rows.test, settings.max_seq_length)
types = [t for t in NER_CORPORA[settings.corpus_name] if t in by_type]
print(entity_reports_table(by_type, by_type_chars, types))
plot_entity_scores({t: by_type[t] for t in types}, save_to=Path(settings.output_dir) / "entity_scores.png");

# %% [markdown] id=cell-29-char-f1
# ### 어느 F1을 KLUE 표와 비교하나요?
# 위 표의 두 점수는 "맞힌 개체"의 기준이 다릅니다.
#
# - **단어 단위(seqeval 엄격 IOB2)**: 레이블이 붙은 토큰(`first` 방식이면 단어의 첫 토큰)끼리 비교합니다. 개체의 종류와
#   시작·끝 **단어**가 맞으면 정답입니다. 학습 중 체크포인트 선택(`val_f1`)에 쓰는 점수입니다.
# - **글자 단위(KLUE-NER의 정의)**: 모델이 돌려주는 글자 구간 `text[start:end]`와 종류가 정답과 **글자 그대로** 같아야
#   정답입니다. KLUE 논문과 리더보드의 개체명 인식 F1은 이 방식(글자 단위 entity F1)입니다.
#
# 한국어에서는 조사가 앞말에 붙으므로(`김민수는`) `first` 방식의 모델은 개체를 단어째(`김민수는`) 돌려줍니다. 단어 단위로는
# 맞지만 글자 단위로는 틀립니다. 4절에서 본 복원할 수 없는 개체의 표대로 KcBERT 어휘에서는 단어 단위 태그를 모두 맞혀도 글자 구간이 정확한 개체가
# KMOU NER 약 38%, KLUE-NER 약 51%뿐이므로, **KLUE 표와 비교할 때는 글자 단위 F1을 보세요**. 글자 단위 점수를 올리려면
# `all` 방식(`ner_label_subwords="all"`)으로 학습합니다.

# %% [markdown] id=cell-30
# ## 9절. 예측 살펴보기
# `predict_entities`는 문장 목록을 받아 문장마다 개체 구간(글자 시작·끝, 종류) 목록을 돌려줍니다(나중의 데모도 이 함수를 씁니다).
# 모델 설정에 저장된 레이블 방식으로 복원하므로, 기본 방식 `first`에서는 개체가 단어 전체(`부산에서`)를 덮습니다.
# 테스트 문장 몇 개의 정답과 예측을 나란히 칠해 봅니다.

# %% id=cell-31
from helpers.ner.pipeline import predict_entities

shown = rows.test[:4]
predicted = predict_entities(task.model, tokenizer, [s.text for s in shown], settings.max_seq_length)
for sentence, spans in zip(shown, predicted):
    display(HTML("<b>정답</b>" + highlight_entities(sentence.text, sentence.entities)
                 + "<b>예측</b>" + highlight_entities(sentence.text, spans) + "<hr>"))

# %% [markdown] id=cell-32
# ## 10절. 모델 저장과 다시 불러오기
# `save_pretrained`로 가중치(safetensors), 설정(레이블 목록 포함), 토크나이저를 한 폴더에 저장하고 다시 불러와 새 문장에 써 봅니다.

# %% id=cell-33
from transformers import BertForTokenClassification

from helpers.core.models import save_model

saved = save_model(task, tokenizer, Path(settings.output_dir) / "model")
reloaded = BertForTokenClassification.from_pretrained(saved)
sentence = "김민수 씨는 2023년 3월 5일 오후 3시에 부산 해양박물관에서 강연했다."
display(HTML(highlight_entities(sentence, predict_entities(reloaded, tokenizer, [sentence])[0])))

# %% [markdown] id=ex-md
# ## 연습 문제
# 답을 `...` 자리에 쓰고 셀을 실행하면 맞았는지 알려 줍니다(`...`를 그대로 두면 "아직"이라고만 나옵니다).
#
# 1. 정답 태그 `SCORE_GOLD`와 예측 태그 `SCORE_PREDICTED`(아래 셀에서 출력)의 **개체 단위** 정밀도·재현율·F1을
#    `{"precision": …, "recall": …, "f1": …}`로 답하세요. 손으로 (종류, 시작, 끝)을 적어 세어 보세요.
# 2. 문장 `LABEL_SENTENCE`에서 레이블을 받는(-100이 아닌) 토큰은 `first`와 `all` 방식에서 각각 몇 개인가요?
#    `{"first": …, "all": …}`로 답하세요. 이 노트북의 `tokenizer`로 조각을 확인할 수 있습니다.

# %% id=ex-code
from helpers.exercises.book import check
from helpers.exercises.ner import LABEL_SENTENCE, SCORE_GOLD, SCORE_PREDICTED

print("정답:", SCORE_GOLD)
print("예측:", SCORE_PREDICTED)
print("조각:", tokenizer.tokenize(LABEL_SENTENCE))
check("11-entity-scores", ...)  # 여기에 답을 쓰세요
check("11-labelled-positions", ...)  # 여기에 답을 쓰세요

# %% [markdown] id=cell-34
# ## 정리
# - 두 말뭉치 모두 (문장, 글자 단위 개체 구간)으로 읽어 같은 길로 처리합니다. 구간의 글자는 원문에 표시된 개체명과 같습니다.
# - fast 토크나이저의 오프셋으로 글자 구간을 토큰 BIO 레이블로 옮기고, 특수 토큰과 패딩은 -100으로 둡니다.
#   `[UNK]`도 자기 글자 범위를 가지므로 레이블이 밀리지 않습니다.
# - 기본 방식 `first`는 단어의 첫 서브워드에만 레이블을 붙이고(`##` 조각은 -100) 개체를 단어 단위로 돌려줍니다.
#   조사가 붙은 단어 때문에 KcBERT 어휘로 KMOU NER 개체의 약 62%는 글자 그대로 복원할 수 없습니다. 모든 서브워드에
#   레이블을 붙이는 `all`(`ner_label_subwords="all"`)은 그 비율이 약 24%입니다.
# - 평가는 토큰 정확도가 아니라 개체 단위 정밀도·재현율·F1입니다. 단어 단위(seqeval 엄격 모드)와 글자 단위(KLUE의 정의)
#   두 가지를 재며, 공개된 점수와 비교할 때는 글자 단위를 봅니다.
# - 한 번에 끝까지 돌리려면
#   `python -m helpers.train ner --set epochs=5`를 쓰면 됩니다(KLUE-NER은 `--set corpus_name=klue-ner`,
#   `all` 방식은 `--set ner_label_subwords=all`).
#
# **다음**: 22 노트북(개체명 인식 추론)에서 저장한 모델을 불러와 새 문장의 개체명을 색으로 표시하는 데모를 만듭니다.
