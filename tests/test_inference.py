"""Inference helpers: input checks, loading a saved model or the smoke stand-in, batch CSV, attention, fonts."""

import csv
import re
import warnings

import pytest
import torch
from torch_threads import one_torch_thread  # noqa: F401  (a fixture)

from helpers.core.corpora import CorpusFormatError, LabeledText
from helpers.core.input_checks import (
    InputProblem,
    input_problem,
    kept_characters,
    pair_truncation_note,
    require_text,
    subject,
    text_notes,
    truncation_note,
    unknown_characters,
)
from helpers.core.models import load_sequence_classifier, load_tokenizer
from helpers.core.prediction import predict_texts
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, CourseSettings, GenerationSettings
from helpers.demos import inference as inference
from helpers.demos.attention import cls_attention, plot_cls_attention
from helpers.demos.inference import (
    FALLBACK_LIMITS,
    FALLBACK_TASK_LIMITS,
    TaskSpec,
    confusion_on_texts,
    fallback_settings,
    load_trained_or_smoke,
    model_folder,
    predict_to_csv,
    read_inputs,
)

# The module-scoped models are trained once: every test of this file runs on one xdist worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("test_inference")

LABELS = ("부정", "긍정")


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return CourseSettings(smoke=True, output_dir=str(tmp_path_factory.mktemp("out") / "document-classification"),
                          corpus_root_dir=str(EMBEDDED_SAMPLE_ROOT), max_seq_length=32)


@pytest.fixture(scope="module")
def tokenizer(settings):
    return load_tokenizer(settings)


@pytest.fixture(scope="module")
def model(settings):
    torch.manual_seed(0)
    return load_sequence_classifier(settings, LABELS).eval()


@pytest.mark.parametrize("text, fragment", [("", "비어 있습니다"), (None, "비어 있습니다"), ("  \n\t", "공백 문자만")])
def test_empty_and_blank_text_raise_a_message(text, fragment):
    with pytest.raises(InputProblem, match=fragment):
        require_text(text, "문장")
    assert fragment in input_problem("좋다", text, names=("전제", "가설"))
    assert input_problem("좋다", "괜찮다") is None


def test_subject_particle_follows_the_last_syllable():
    assert [subject(w) for w in ("문장", "전제", "가설", "프롬프트", "text")] == [
        "문장이", "전제가", "가설이", "프롬프트가", "text가"]


def test_long_text_note_says_how_much_is_kept(tokenizer):
    text = "영화가 정말 재밌다 " * 30
    kept = kept_characters(tokenizer, text, 16)
    encoded = tokenizer(text[:kept], add_special_tokens=True)["input_ids"]
    assert 0 < kept < len(text) and len(encoded) <= 16  # the kept prefix fits the limit
    note = truncation_note(tokenizer, text, 16, "문장")
    assert note.startswith("문장이 ") and "한도 16 토큰" in note and f"앞의 {kept}자" in note
    assert truncation_note(tokenizer, "짧은 문장", 16) is None
    assert "더 긴 문장" in pair_truncation_note(tokenizer, text, "짧다", 16)
    assert pair_truncation_note(tokenizer, "짧다", "짧다", 16) is None


def test_unknown_characters_are_named(tokenizer):
    assert unknown_characters(tokenizer, "좋아요 𠜎 ﷽ 𠜎") == ["𠜎", "﷽"]
    assert unknown_characters(tokenizer, "좋아요 abc") == []
    notes = text_notes(tokenizer, "좋아요 𠜎", 32, "문장")
    assert len(notes) == 1 and "'𠜎'" in notes[0] and tokenizer.unk_token in notes[0]


def test_saved_model_is_loaded_and_predicts_like_the_original(settings, model, tokenizer, capsys):
    model.save_pretrained(model_folder(settings))
    tokenizer.save_pretrained(model_folder(settings))
    loaded = load_trained_or_smoke("document-classification", settings)
    assert loaded.trained and loaded.folder == model_folder(settings)
    assert "loaded the trained model" in capsys.readouterr().out
    texts = ["재밌다", "별로다 정말"]
    expected = predict_texts(model, tokenizer, texts)
    got = predict_texts(loaded.model, loaded.tokenizer, texts)
    assert [r["label"] for r in got] == [r["label"] for r in expected]
    for a, b in zip(got, expected):
        assert a["probabilities"] == pytest.approx(b["probabilities"], abs=1e-5)


def fake_run(settings):
    """Stands in for a task's run function: saves an untrained tiny model where the real one would."""
    load_sequence_classifier(settings, LABELS).save_pretrained(model_folder(settings))
    load_tokenizer(settings).save_pretrained(model_folder(settings))
    return {}


def test_missing_model_says_so_and_uses_a_smoke_model(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(inference.TASKS, "fake", TaskSpec(__name__, "fake_run", "AutoModelForSequenceClassification"))
    settings = CourseSettings(output_dir=str(tmp_path / "fake"), max_seq_length=32)  # not smoke: a learner's run
    loaded = load_trained_or_smoke("fake", settings)
    out = capsys.readouterr().out
    assert "No trained model found" in out and "smoke model" in out
    assert not loaded.trained and loaded.folder == tmp_path / "fake" / "smoke-fallback" / "model"
    assert loaded.model.config.id2label == {0: "부정", 1: "긍정"}


def test_fallback_settings_are_tiny_offline_and_apart_from_the_real_model(tmp_path):
    real = CourseSettings(output_dir=str(tmp_path / "ner"), corpus_name="kmou-ner", corpus_root_dir="data",
                          batch_size=32, max_seq_length=128)
    smoke = fallback_settings(real)
    assert smoke.smoke and smoke.corpus_root_dir == str(EMBEDDED_SAMPLE_ROOT)
    assert smoke.output_dir == str(tmp_path / "ner" / "smoke-fallback") and smoke.resume is False
    assert smoke.max_seq_length == 128 and smoke.corpus_name == "kmou-ner"
    assert smoke.limit_train_rows is None and smoke.epochs == FALLBACK_LIMITS["epochs"]  # the whole sample
    ner = fallback_settings(real, "ner")  # each task's stand-in trains long enough for its demo's examples
    assert ner.limit_train_rows is None and ner.epochs == FALLBACK_TASK_LIMITS["ner"]["epochs"] > 1
    local = real.replace(model_dir=str(tmp_path / "kcbert"))  # NLPBOOK_MODEL_DIR set
    smoke_local = fallback_settings(local)
    assert smoke_local.model_dir is None and smoke_local.resume is False  # the embedded tiny vocabulary
    generation = fallback_settings(local, "generation")  # the task's own settings class and options
    assert isinstance(generation, GenerationSettings)
    assert generation.bpe_vocab_size == FALLBACK_TASK_LIMITS["generation"]["bpe_vocab_size"]


def test_read_inputs_keeps_blank_lines_and_checks_columns(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes("\ufeff첫 문장\r\n\r\n셋째 😀\r\n".encode("utf-8"))
    assert read_inputs(path) == ["첫 문장", "", "셋째 😀"]
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("전제\t가설\n\n하나뿐\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="pairs.tsv:3"):
        read_inputs(pairs, columns=2)
    pairs.write_text("전제\t가설\n\n", encoding="utf-8")
    assert read_inputs(pairs, columns=2) == [("전제", "가설"), ("", "")]


def test_predict_to_csv_writes_every_input_in_order(tmp_path, model, tokenizer):
    texts = ["좋다", "", "별로다", "   ", "최고 😀"] * 3
    calls = []

    def predict(batch):
        calls.append(len(batch))
        return predict_texts(model, tokenizer, batch, 32)

    rows = predict_to_csv(predict, texts, tmp_path / "p.csv", check=input_problem, batch_size=4)
    assert calls == [4, 4, 1]  # 9 predictable inputs in batches of 4
    with open(tmp_path / "p.csv", newline="", encoding="utf-8") as f:
        written = list(csv.DictReader(f))
    assert [r["text"] for r in written] == texts and len(rows) == 15
    assert set(written[0]) == {"text", "label", "p_부정", "p_긍정", "error"}
    for row in written:
        if row["text"].strip():
            assert row["label"] in LABELS and not row["error"]
            assert float(row["p_부정"]) + float(row["p_긍정"]) == pytest.approx(1.0, abs=1e-5)
        else:
            assert row["error"] and not row["label"]


def test_confusion_on_texts_counts_every_row(model, tokenizer):
    rows = [LabeledText("좋다", 1), LabeledText("싫다", 0), LabeledText("최고", 1)]
    matrix = confusion_on_texts(model, tokenizer, rows, 32)
    predicted = [r["label"] for r in predict_texts(model, tokenizer, [r.text for r in rows])]
    assert len(matrix) == 2 and sum(map(sum, matrix)) == 3
    assert [sum(col) for col in zip(*matrix)] == [predicted.count(label) for label in LABELS]


def test_cls_attention_rows_are_distributions(model, tokenizer, tmp_path):
    before = model.config._attn_implementation
    tokens, weights = cls_attention(model, tokenizer, "배우 연기가 좋았다", max_length=32)
    assert tokens[0] == tokenizer.cls_token and tokens[-1] == tokenizer.sep_token
    assert weights.shape == (model.config.num_hidden_layers, len(tokens))
    assert weights.sum(1) == pytest.approx([1.0] * len(weights), abs=1e-4)
    assert model.config._attn_implementation == before  # the fast attention comes back afterwards
    pair_tokens, _ = cls_attention(model, tokenizer, "전제 문장", "가설 문장", max_length=32)
    assert pair_tokens.count(tokenizer.sep_token) == 2
    import matplotlib

    from helpers.core.plots import use_korean_font

    with matplotlib.rc_context():
        use_korean_font()
        plot_cls_attention(tokens, weights, save_to=tmp_path / "a.png")
    assert (tmp_path / "a.png").stat().st_size > 5_000


def test_korean_font_falls_back_with_a_hint(monkeypatch, capsys):
    from helpers.core import plots as plots

    monkeypatch.setattr(plots, "KOREAN_FONTS", ("No Such Font KR",))
    assert plots.use_korean_font() is None
    assert "fonts-nanum" in capsys.readouterr().out


def test_korean_font_renders_hangul_without_missing_glyphs():
    import matplotlib
    import matplotlib.pyplot as plt

    from helpers.core.plots import use_korean_font

    with matplotlib.rc_context():
        if use_korean_font() is None:
            pytest.skip("no Hangul font installed on this machine (apt-get install fonts-nanum)")
        fig, ax = plt.subplots()
        ax.set_title("긍정 부정 한글")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for boxes
            fig.canvas.draw()
        plt.close(fig)


def test_score_distribution_names_every_group_even_empty_ones(tmp_path):
    from helpers.core.plots import plot_score_distribution

    fig = plot_score_distribution({"right": [0.9, 0.8, 0.95], "wrong": []}, save_to=tmp_path / "s.png")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["right (n=3)", "wrong (n=0)"]
    assert sum(p.get_height() for p in fig.axes[0].patches) == 3  # every score lands in one bin
    assert (tmp_path / "s.png").stat().st_size > 5_000


def test_next_token_plot_has_one_bar_per_token_and_temperature(tmp_path):
    from helpers.core.plots import plot_next_token_probabilities

    fig = plot_next_token_probabilities([" good", "\ufffd", "</s>"], {0.7: [0.5, 0.3, 0.1], 1.5: [0.3, 0.2, 0.2]},
                                        save_to=tmp_path / "n.png")
    ax = fig.axes[0]
    assert len(ax.patches) == 6
    assert [t.get_text() for t in ax.get_xticklabels()] == ["good", "(byte piece)", "</s>"]


def test_unreadable_saved_model_falls_back_with_the_reason(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(inference.TASKS, "fake", TaskSpec(__name__, "fake_run", "AutoModelForSequenceClassification"))
    settings = CourseSettings(output_dir=str(tmp_path / "fake"), max_seq_length=32)
    model_folder(settings).mkdir(parents=True)
    (model_folder(settings) / "model.safetensors").write_bytes(b"half a file")  # e.g. still being written
    loaded = load_trained_or_smoke("fake", settings)
    assert "could not load" in capsys.readouterr().out and not loaded.trained


@pytest.mark.learning
@pytest.mark.usefixtures("one_torch_thread")
def test_document_stand_in_learns_the_real_sample_and_answers_the_demo_examples(tmp_path, capsys):
    settings = CourseSettings(output_dir=str(tmp_path / "doc"), max_seq_length=64)  # a learner's run, no model saved
    loaded = load_trained_or_smoke("document-classification", settings)
    out = capsys.readouterr().out
    accuracy = float(re.search(r"held-out rows: test accuracy (\d\.\d+)", out).group(1))
    assert "majority-class baseline 0.5000" in out and 0.65 < accuracy < 0.99, out[-400:]
    examples = {"이 영화 정말 재밌어요 강추!": "긍정", "돈 아깝다 최악": "부정",
                "배우들 연기가 훌륭하고 이야기도 감동적이었어요": "긍정", "시간 아깝고 지루했어요": "부정"}
    got = predict_texts(loaded.model, loaded.tokenizer, list(examples), 64)
    assert {r["text"]: r["label"] for r in got} == examples
