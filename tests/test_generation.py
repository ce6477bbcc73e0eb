import math

import lightning as L
import pytest
import torch
from shared_data import KCBERT_DIR, needs_kcbert

from helpers.core.corpora import LabeledText, NsmcReader
from helpers.core.data import collate_dynamic_padding, make_dataloader
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, CourseSettings, GenerationSettings
from helpers.generation.models import (
    generation_source,
    is_gpt2_folder,
    load_generation_model,
    load_generation_tokenizer,
    local_bpe_tokenizer,
)
from helpers.generation.pipeline import (
    DECODING_STRATEGIES,
    LanguageModelTask,
    build_lm_dataset,
    evaluate_perplexity,
    generate_ids,
    generate_text,
    prefixed_texts,
    run_generation,
    sentiment_prompt,
)

# The module-scoped models are trained once: every test of this file runs on one xdist worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("test_generation")

TRAIN_FILE = EMBEDDED_SAMPLE_ROOT / "nsmc" / "ratings_train.txt"


@pytest.fixture(scope="module")
def texts():
    return prefixed_texts(NsmcReader().read(TRAIN_FILE, verbose=False)[:300])


@pytest.fixture(scope="module")
def tokenizer(texts, tmp_path_factory):
    return local_bpe_tokenizer(texts, tmp_path_factory.mktemp("tok"), vocab_size=1000)


@pytest.fixture(scope="module")
def model(tokenizer):
    torch.manual_seed(0)
    return load_generation_model(GenerationSettings(smoke=True, pretrained_model_name="skt/kogpt2-base-v2"),
                                 tokenizer).eval()


def test_prefix_names_the_sentiment():
    rows = [LabeledText("정말 재밌었어요", 1), LabeledText("시간 아까움", 0), LabeledText("", 0)]
    assert prefixed_texts(rows) == ["긍정 정말 재밌었어요", "부정 시간 아까움", "부정"]
    assert sentiment_prompt("긍정", " 이 영화 ") == "긍정 이 영화"
    with pytest.raises(ValueError, match="sentiment '좋음'"):
        sentiment_prompt("좋음")


def test_offline_tokenizer_has_kogpt2_special_tokens_and_is_cached(texts, tokenizer, tmp_path, capsys):
    assert tokenizer.bos_token == tokenizer.eos_token == "</s>"
    assert (tokenizer.pad_token, tokenizer.unk_token, tokenizer.mask_token) == ("<pad>", "<unk>", "<mask>")
    assert tokenizer.convert_tokens_to_ids(["<s>", "</s>", "<usr>", "<pad>"]) == [0, 1, 2, 3]
    ids = tokenizer(texts[0])["input_ids"]
    assert ids[0] == ids[-1] == tokenizer.eos_token_id and tokenizer.pad_token_id not in ids
    assert tokenizer.decode(ids, skip_special_tokens=True) == texts[0]  # byte-level BPE loses nothing
    first = local_bpe_tokenizer(texts[:50], tmp_path, vocab_size=500)
    again = local_bpe_tokenizer(texts[:50], tmp_path, vocab_size=500)
    assert "loaded from" in capsys.readouterr().out
    assert again(texts[3])["input_ids"] == first(texts[3])["input_ids"] and len(again) == len(first)


def test_labels_equal_inputs_with_padding_masked(texts, tokenizer):
    dataset = build_lm_dataset(tokenizer, texts[:6], max_length=64)
    batch = collate_dynamic_padding([dataset[i] for i in range(6)], pad_token_id=tokenizer.pad_token_id)
    real = batch["attention_mask"].bool()
    assert (~real).any()  # rows of different lengths, so there is padding
    assert torch.equal(batch["labels"][real], batch["input_ids"][real])
    assert (batch["labels"][~real] == -100).all()
    assert (batch["input_ids"][~real] == tokenizer.pad_token_id).all()


def test_perplexity_is_exp_of_the_mean_loss_over_real_tokens(texts, tokenizer, model):
    dataset = build_lm_dataset(tokenizer, texts[:20], max_length=64)
    loader = make_dataloader(dataset, batch_size=8, pad_token_id=tokenizer.pad_token_id)
    model.eval()  # no dropout in the reference computation below
    result = evaluate_perplexity(model, loader)
    total = count = 0.0
    with torch.no_grad():  # row by row, no padding anywhere: transformers' own mean loss times predicted tokens
        for ids in dataset.input_ids:
            row = torch.tensor([ids])
            total += float(model(input_ids=row, labels=row).loss) * (len(ids) - 1)
            count += len(ids) - 1
    assert result["tokens"] == count
    assert result["loss"] == pytest.approx(total / count, rel=1e-5)
    assert result["perplexity"] == pytest.approx(math.exp(total / count), rel=1e-5)
    model.train()
    assert evaluate_perplexity(model, loader)["loss"] == pytest.approx(result["loss"], rel=1e-6)
    assert model.training  # dropout stays on for the training that follows
    model.eval()
    with torch.no_grad():  # the wrong way: a mean of batch means, batches having unequal token counts
        batch_means = [float(model(**b).loss) for b in loader]
    assert sum(batch_means) / len(batch_means) != pytest.approx(result["loss"], rel=1e-6)


def test_task_logs_the_same_token_weighted_perplexity(texts, tokenizer, model):
    dataset = build_lm_dataset(tokenizer, texts[:20], max_length=64)
    loader = make_dataloader(dataset, batch_size=8, pad_token_id=tokenizer.pad_token_id)
    trainer = L.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False, enable_checkpointing=False)
    logged = trainer.validate(LanguageModelTask(model), loader, verbose=False)[0]
    expected = evaluate_perplexity(model, loader)
    assert logged["val_loss"] == pytest.approx(expected["loss"], rel=1e-5)
    assert logged["val_ppl"] == pytest.approx(expected["perplexity"], rel=1e-4)


def test_sampling_with_a_fixed_seed_is_reproducible(tokenizer, model):
    prompt = sentiment_prompt("긍정", "이 영화")
    options = DECODING_STRATEGIES["top-k"]
    first = generate_text(model, tokenizer, prompt, max_new_tokens=20, seed=3, **options)
    assert generate_text(model, tokenizer, prompt, max_new_tokens=20, seed=3, **options) == first
    others = {generate_text(model, tokenizer, prompt, max_new_tokens=20, seed=s, **options)[0] for s in (4, 5, 6)}
    assert len(others | set(first)) > 1  # other seeds draw other texts


@pytest.mark.parametrize("strategy", list(DECODING_STRATEGIES))
def test_every_decoding_option_runs(tokenizer, model, strategy):
    prompt = sentiment_prompt("부정", "스토리")
    prompt_ids = [tokenizer.bos_token_id] + tokenizer(prompt, add_special_tokens=False)["input_ids"]
    ids = generate_ids(model, tokenizer, prompt, max_new_tokens=12, **DECODING_STRATEGIES[strategy])
    assert ids.shape[0] == 1 and len(prompt_ids) < ids.shape[1] <= len(prompt_ids) + 12
    assert ids[0, : len(prompt_ids)].tolist() == prompt_ids
    texts = generate_text(model, tokenizer, prompt, max_new_tokens=12, **DECODING_STRATEGIES[strategy])
    assert len(texts) == 1 and texts[0].startswith(prompt)


def test_greedy_ignores_the_seed_and_no_repeat_ngram_holds(tokenizer, model):
    prompt = sentiment_prompt("긍정")
    greedy = generate_text(model, tokenizer, prompt, max_new_tokens=30, seed=1, do_sample=False)
    assert generate_text(model, tokenizer, prompt, max_new_tokens=30, seed=2, do_sample=False) == greedy
    out = generate_ids(model, tokenizer, prompt, max_new_tokens=30, **DECODING_STRATEGIES["no-repeat n-gram"])
    out = out[0].tolist()
    trigrams = [tuple(out[i : i + 3]) for i in range(len(out) - 2)]
    assert len(trigrams) == len(set(trigrams))


def test_local_gpt2_folder_is_used_without_the_hub(tokenizer, model, tmp_path):
    folder = tmp_path / "my-gpt2"
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    settings = CourseSettings(pretrained_model_name="skt/kogpt2-base-v2", model_dir=str(folder))
    assert is_gpt2_folder(str(folder)) and generation_source(settings) == str(folder)
    loaded_tokenizer = load_generation_tokenizer(settings)
    loaded = load_generation_model(settings, loaded_tokenizer)
    assert loaded_tokenizer("긍정 좋다")["input_ids"] == tokenizer("긍정 좋다")["input_ids"]
    assert torch.equal(loaded.transformer.wte.weight, model.transformer.wte.weight)


@needs_kcbert
def test_a_bert_model_dir_is_not_taken_for_gpt2(capsys):
    settings = CourseSettings(pretrained_model_name="skt/kogpt2-base-v2", model_dir=str(KCBERT_DIR))
    assert not is_gpt2_folder(str(KCBERT_DIR))
    assert generation_source(settings) == "skt/kogpt2-base-v2"
    assert "is not a GPT-2 model folder" in capsys.readouterr().out


def test_smoke_run_reports_test_perplexity(tmp_path):  # the pipeline behind `python -m helpers.train generation`
    settings = GenerationSettings(smoke=True, pretrained_model_name="skt/kogpt2-base-v2",
                                  corpus_root_dir=str(EMBEDDED_SAMPLE_ROOT), output_dir=str(tmp_path), batch_size=16,
                                  max_seq_length=64, limit_train_rows=64, limit_eval_rows=32, learning_rate=1e-3,
                                  val_fraction=0.2, precision="32-true")
    metrics = run_generation(settings)
    assert metrics["test_ppl"] == pytest.approx(math.exp(metrics["test_loss"]), rel=1e-4)
    assert (tmp_path / "model" / "model.safetensors").is_file()
    assert (tmp_path / "learning_curves.png").is_file()
