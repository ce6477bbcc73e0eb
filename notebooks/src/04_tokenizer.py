# Source of notebooks/04_tokenizer.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 4. 토크나이저: 문장을 토큰 번호로
#
# 모델은 글자를 직접 읽지 못하고 **토큰 번호**만 읽습니다. KcBERT는 WordPiece 토크나이저를 씁니다.
# 자주 나오는 말은 통째로, 드문 말은 작은 조각(`##`로 시작)으로 나눠 어휘 30,000개로 모든 문장을 표현합니다.

# %% id=cell-03
from helpers.models import load_tokenizer, tokenizer_source
from helpers.settings import settings_from_env

settings = settings_from_env()
tokenizer = load_tokenizer(settings)
print("토크나이저:", type(tokenizer).__name__, "| 출처:", tokenizer_source(settings), "| 어휘 수:", len(tokenizer))

# %% [markdown] id=cell-04
# ## 토큰으로 나누기
# `tokenize`는 문장을 토큰 문자열로 나눕니다. `##`로 시작하는 토큰은 앞 토큰에 붙어 있던 조각이라는 뜻입니다.

# %% id=cell-05
sentences = ["이 영화 정말 재밌어요ㅋㅋ", "배우들 연기가 미쳤다", "스토리가 개연성 제로..."]
for sentence in sentences:
    print(sentence, "->", tokenizer.tokenize(sentence))

# %% [markdown] id=cell-06
# ## 특수 토큰
# BERT는 문장 앞에 `[CLS]`, 끝에 `[SEP]`를 붙입니다. 분류 모델은 `[CLS]` 자리의 출력을 보고 판단합니다.
# 길이를 맞출 때 채우는 `[PAD]`, 어휘에 없는 글자를 뜻하는 `[UNK]`도 있습니다.

# %% id=cell-07
for name in ("cls_token", "sep_token", "pad_token", "unk_token", "mask_token"):
    token = getattr(tokenizer, name)
    print(f"{name:>10}: {token} -> {tokenizer.convert_tokens_to_ids(token)}")

# %% [markdown] id=cell-08
# ## 번호로 바꾸기와 되돌리기
# 토크나이저를 함수처럼 부르면 특수 토큰을 붙인 `input_ids`를 돌려줍니다. `decode`로 다시 문장으로 되돌릴 수 있습니다.
# (transformers 5부터는 `encode_plus` 대신 이렇게 직접 부릅니다.)

# %% id=cell-09
encoded = tokenizer(sentences[0])
print("input_ids:", encoded["input_ids"])
print("tokens   :", tokenizer.convert_ids_to_tokens(encoded["input_ids"]))
print("decode   :", tokenizer.decode(encoded["input_ids"], skip_special_tokens=True))

# %% [markdown] id=cell-10
# ## 글자 위치(offset) 알아내기
# 빠른(fast) 토크나이저는 각 토큰이 원문의 몇 번째 글자에서 왔는지도 알려 줍니다. 개체명 인식과 질의응답에서 이 정보를 씁니다.

# %% id=cell-11
encoded = tokenizer(sentences[1], return_offsets_mapping=True)
for token, (start, end) in zip(encoded.tokens(), encoded["offset_mapping"]):
    print(f"{token:>8} -> {sentences[1][start:end]!r}")

# %% [markdown] id=cell-12
# ## 왜 `do_lower_case=False`인가
# 영어 BERT 중에는 모든 글자를 소문자로 바꾸고 악센트를 없애는 모델이 있습니다. KcBERT는 대소문자를 구분하도록(cased) 학습했으므로,
# 소문자로 바꾸면 학습 때와 다른 토큰이 나옵니다. 그래서 `do_lower_case=False`로 불러옵니다.

# %% id=cell-13
from transformers import BertTokenizer

lowering = BertTokenizer.from_pretrained(tokenizer_source(settings), do_lower_case=True)
text = "KBS 드라마 OST 최고"
print("cased  :", tokenizer.tokenize(text))
print("lowered:", lowering.tokenize(text))

# %% [markdown] id=cell-14
# 다음 노트북에서는 말뭉치 전체를 한 번에 토큰화하고, 배치마다 가장 긴 문장에 맞춰 패딩하는 데이터로더를 만듭니다.
