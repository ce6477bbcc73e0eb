import json
import math

import numpy as np
import pytest
import torch
from shared_data import KCBERT_DIR, SHARED_DATA, needs_kcbert, needs_shared_data

from helpers.core.corpora import CorpusFormatError
from helpers.core.data import collate_dynamic_padding
from helpers.core.models import load_tokenizer
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, CourseSettings, QuestionAnsweringSettings
from helpers.question_answering.corpus import Answer, QaExample, read_korquad, read_korquad_splits, split_by_article
from helpers.question_answering.features import (
    QaFeatureDataset,
    answer_tokens,
    build_qa_features,
    decode_answers,
    span_text,
    window_candidates,
)
from helpers.question_answering.metrics import char_f1, exact_match, korquad_scores, normalize_answer
from helpers.question_answering.pipeline import (
    QaEvalSet,
    answer_question,
    build_qa_task,
    highlight_answer,
    load_qa_model,
    make_qa_loaders,
)

SAMPLE = EMBEDDED_SAMPLE_ROOT / "korquad" / "KorQuAD_v1.0_dev.json"
DEV = SHARED_DATA / "korquad" / "KorQuAD_v1.0_dev.json"


def tiny_tokenizer():
    return load_tokenizer(CourseSettings(smoke=True))


def write_json(path, data):
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def one_article(context="임종석은 1966년에 태어났다.", answer="임종석", start=0, qid="q1"):
    qa = {"id": qid, "question": "누가 태어났나?", "answers": [{"text": answer, "answer_start": start}]}
    return {"version": "KorQuAD_v1.0_dev", "data": [{"title": "t", "paragraphs": [{"context": context, "qas": [qa]}]}]}


# --- reading ---------------------------------------------------------------------------------------------------

def test_sample_file_is_read_completely_with_answers_in_place(capsys):
    examples = read_korquad(SAMPLE)
    raw = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert len(examples) == sum(len(p["qas"]) for a in raw["data"] for p in a["paragraphs"]) == 260
    assert "read 260 questions (70 paragraphs, 30 articles)" in capsys.readouterr().out
    assert all(e.context[a.start : a.end] == a.text for e in examples for a in e.answers)
    assert any(e.answers[0].start == 0 for e in examples)  # answers at character 0 are in the sample
    assert len({e.id for e in examples}) == 260


def test_truncated_json_names_file_and_line(tmp_path):
    text = json.dumps(one_article(), ensure_ascii=False, indent=1)
    path = tmp_path / "KorQuAD_v1.0_dev.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(CorpusFormatError) as err:
        read_korquad(path)
    assert err.value.path == str(path) and err.value.line is not None and err.value.line > 1
    assert "invalid JSON" in str(err.value)


def test_answer_not_at_answer_start_raises_with_question_id(tmp_path):
    path = write_json(tmp_path / "bad.json", one_article(start=3, qid="odd-7"))
    with pytest.raises(CorpusFormatError, match="question odd-7: answer '임종석' is not at answer_start=3"):
        read_korquad(path)


def test_missing_fields_and_empty_answers_raise(tmp_path):
    broken = one_article()
    del broken["data"][0]["paragraphs"][0]["context"]
    with pytest.raises(CorpusFormatError, match="article 0 paragraph 0: expected str field 'context'"):
        read_korquad(write_json(tmp_path / "a.json", broken))
    empty = one_article()
    empty["data"][0]["paragraphs"][0]["qas"][0]["answers"] = []
    with pytest.raises(CorpusFormatError, match="question q1: empty question or no answer"):
        read_korquad(write_json(tmp_path / "b.json", empty))


def test_split_by_article_keeps_every_question_and_no_shared_context():
    examples = read_korquad(SAMPLE, verbose=False)
    train, val = split_by_article(examples, 0.2, seed=7)
    assert len(train) + len(val) == len(examples)
    assert {e.article for e in train}.isdisjoint({e.article for e in val})
    assert len({e.article for e in val}) == 6  # 20 % of 30 articles
    assert split_by_article(examples, 0.2, seed=7) == (train, val)


def test_offline_smoke_splits_the_dev_file_and_says_so(tmp_path, capsys):
    settings = CourseSettings(smoke=True, corpus_root_dir=str(EMBEDDED_SAMPLE_ROOT), corpus_name="korquad",
                              val_fraction=0.2, limit_train_rows=None, limit_eval_rows=None)
    train, val = read_korquad_splits(settings)
    assert len(train) + len(val) == 260
    assert "KorQuAD_v1.0_train.json is absent: split the dev file in memory by article" in capsys.readouterr().out


def test_missing_dev_file_names_file_and_folder(tmp_path):
    settings = CourseSettings(smoke=True, corpus_root_dir=str(tmp_path), corpus_name="korquad")
    with pytest.raises(FileNotFoundError, match="KorQuAD_v1.0_dev.json is missing from .*korquad"):
        read_korquad_splits(settings)


# --- features --------------------------------------------------------------------------------------------------

def check_answer_tokens(examples, features):
    """Every window that holds the answer labels the minimal token span covering it; others label [CLS]."""
    aligned = exact = 0
    for i, e in enumerate(features.example_index):
        example, answer = examples[e], examples[e].answers[0]
        offsets, (first, last) = features.offsets[i], features.context_spans[i]
        s, t = features.start_positions[i], features.end_positions[i]
        inside = offsets[first][0] <= answer.start and answer.end <= offsets[last][1]
        if not inside:
            assert (s, t) == (0, 0)
            continue
        assert first <= s <= t <= last
        text = answer.text.strip()
        gold_start = answer.start + answer.text.index(text[0])
        assert offsets[s][0] <= gold_start < offsets[s][1] and offsets[t][0] < gold_start + len(text) <= offsets[t][1]
        decoded = span_text(example, offsets, s, t)
        assert text in decoded
        if offsets[s][0] == gold_start and offsets[t][1] == gold_start + len(text):  # boundaries on token edges
            assert decoded == text
            aligned += 1
        exact += decoded == text
    return aligned, exact


@needs_shared_data
@needs_kcbert
def test_kcbert_features_recover_every_dev_answer_that_fits_a_window():
    from transformers import BertTokenizer

    tokenizer = BertTokenizer.from_pretrained(str(KCBERT_DIR), do_lower_case=False)
    examples = read_korquad(DEV, verbose=False)
    features = build_qa_features(tokenizer, examples, max_length=256, stride=64)
    assert len(features) > len(examples)  # long contexts became several windows
    aligned, exact = check_answer_tokens(examples, features)
    assert aligned == exact > 0  # exact recovery happens exactly where token edges allow it
    assert features.answers_in_a_window == len(examples) == 5774
    # WordPiece glues particles to the answer's last piece ('임수경을' -> 임 ##수 ##경을): measured 78 %.
    assert 0.75 < features.answers_exact / len(examples) < 0.85


@needs_shared_data
def test_syllable_vocab_recovers_nearly_every_dev_answer():
    examples = [e for e in read_korquad(DEV, verbose=False) if e.article < 25]
    features = build_qa_features(tiny_tokenizer(), examples, max_length=256, stride=64)
    check_answer_tokens(examples, features)
    assert features.answers_in_a_window == len(examples)
    assert features.answers_exact / len(examples) > 0.99


def test_answer_at_character_zero_is_a_real_answer_and_other_windows_point_at_cls():
    context = "1989년 2월 15일 여의도에서 시위가 있었다. " + "그 뒤 여러 일이 이어졌다. " * 40
    example = QaExample("z", "시위가 있었던 날은?", context, (Answer("1989년 2월 15일", 0),))
    features = build_qa_features(tiny_tokenizer(), [example], max_length=64, stride=16)
    assert len(features) > 2
    first = features.context_spans[0][0]
    assert (features.start_positions[0], features.end_positions[0]) != (0, 0)
    assert features.start_positions[0] == first
    assert span_text(example, features.offsets[0], features.start_positions[0], features.end_positions[0]) == \
        "1989년 2월 15일"
    assert all(s == t == 0 for s, t in zip(features.start_positions[1:], features.end_positions[1:]))


def test_answer_tokens_handles_edges():
    offsets = [(0, 0), (0, 2), (2, 4), (5, 7), (7, 8), (0, 0)]  # [CLS] 임수 ##경을 대표 ##로 [SEP]
    assert answer_tokens(offsets, 1, 4, 0, 3) == (1, 2)  # starts at char 0, ends inside a piece
    assert answer_tokens(offsets, 1, 4, 5, 8) == (3, 4)
    assert answer_tokens(offsets, 2, 4, 0, 3) == (0, 0)  # window starts after the answer
    assert answer_tokens(offsets, 1, 4, 4, 5) == (0, 0)  # only a space: no token holds it


def test_overlong_question_for_the_stride_is_refused():
    example = QaExample("q", "아주 " * 60 + "긴 질문?", "짧은 문맥.", (Answer("짧은", 0),))
    with pytest.raises(ValueError, match="does not fit max_seq_length=64"):
        build_qa_features(tiny_tokenizer(), [example], max_length=64, stride=16)


def test_collate_pads_qa_windows_and_stacks_positions():
    examples = read_korquad(SAMPLE, verbose=False)[:5]
    features = build_qa_features(tiny_tokenizer(), examples, 256, 64)
    batch = collate_dynamic_padding([QaFeatureDataset(features)[i] for i in range(5)], pad_token_id=0)
    longest = max(len(ids) for ids in features.input_ids[:5])
    assert batch["input_ids"].shape == batch["token_type_ids"].shape == (5, longest)
    assert batch["start_positions"].tolist() == features.start_positions[:5]
    assert batch["end_positions"].tolist() == features.end_positions[:5]
    assert batch["feature_index"].tolist() == [0, 1, 2, 3, 4] and "labels" not in batch


# --- metrics ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("prediction, gold, em, f1", [
    ("임수경", "임수경", 1.0, 1.0),
    ("임수경을", "임수경", 0.0, 2 * 0.75 / 1.75),  # a particle: P 3/4, R 1
    ("  1989년   2월 15일 ", "1989년 2월 15일", 1.0, 1.0),  # whitespace is normalised
    ("1989년2월15일", "1989년 2월 15일", 0.0, 1.0),  # spaces count for EM, not for character F1
    ("《겨울 편지》", "겨울 편지", 1.0, 1.0),
    ("'푸른깃제비 보호구역'", "푸른깃제비 보호구역", 1.0, 1.0),
    ("(김 양식)과 어업", "김 양식 과 어업", 1.0, 1.0),
    ("「서울」", "서울", 0.0, 2 / 3),  # 「」 are not removed by the official script
    ("ABC 대학", "abc 대학", 1.0, 1.0),
    ("아아아", "아", 0.0, 0.5),  # characters are counted as a multiset
    ("부산", "서울", 0.0, 0.0),
])
def test_official_em_and_char_f1(prediction, gold, em, f1):
    assert exact_match(prediction, gold) == em
    assert char_f1(prediction, gold) == pytest.approx(f1)


def test_scores_take_the_best_gold_and_count_unanswered_as_zero(capsys):
    golds = {"a": ["임수경", "임수경을"], "b": ["서울"], "c": ["1월"]}
    scores = korquad_scores(golds, {"a": "임수경을", "b": "서울 시내"})
    assert scores["exact_match"] == pytest.approx(100 / 3)
    assert scores["f1"] == pytest.approx(100 * (1 + 2 * 0.5 / 1.5) / 3)
    assert "1 of 3 questions have no prediction" in capsys.readouterr().out
    assert normalize_answer(" 〈A〉  b ") == "a b"


# --- decoding --------------------------------------------------------------------------------------------------

def test_decoding_stays_in_the_context_and_under_the_length_limit():
    examples = read_korquad(SAMPLE, verbose=False)[:20]
    long = QaExample("long", "무엇?", "가나다라 " * 80, (Answer("가나다라", 0),))
    examples.append(long)
    features = build_qa_features(tiny_tokenizer(), examples, 64, 16)
    rng = np.random.default_rng(0)
    for trial in range(5):
        starts = [rng.normal(size=len(ids)) for ids in features.input_ids]
        ends = [rng.normal(size=len(ids)) for ids in features.input_ids]
        for start, end in zip(starts, ends):
            start[0] = end[0] = 50.0  # [CLS] and the question look best: they must never be returned
            start[1:4] = end[1:4] = 40.0
        for i, (start, end) in enumerate(zip(starts, ends)):
            for _, s, e in window_candidates(start, end, features.context_spans[i], 20, 3):
                assert features.context_spans[i][0] <= s <= e <= features.context_spans[i][1] and e - s < 3
        decoded = decode_answers(examples, features, starts, ends, n_best=20, max_answer_length=3)
        for example, answers in zip(examples, decoded):
            assert 1 <= len(answers) <= 20
            for a in answers:
                assert 0 <= a["start"] < a["end"] <= len(example.context)
                assert a["text"] == example.context[a["start"] : a["end"]] and a["text"]
            assert [a["score"] for a in answers] == sorted((a["score"] for a in answers), reverse=True)
            assert sum(a["probability"] for a in answers) == pytest.approx(1.0)


def test_decoding_picks_the_best_window_and_maps_back_to_the_text():
    context = "가나다라 " * 60 + "정답은 여기에 있다."
    example = QaExample("w", "어디?", context, (Answer("여기", context.index("여기")),))
    features = build_qa_features(tiny_tokenizer(), [example], 64, 16)
    last = len(features) - 1
    starts = [np.zeros(len(ids)) for ids in features.input_ids]
    ends = [np.zeros(len(ids)) for ids in features.input_ids]
    starts[last][features.start_positions[last]] = ends[last][features.end_positions[last]] = 9.0
    best = decode_answers([example], features, starts, ends)[0][0]
    assert best["text"] == "여기" and context[best["start"] : best["end"]] == "여기"


def test_highlight_marks_prediction_and_gold():
    html = highlight_answer("a<b 임수경을", (4, 7), (4, 7))
    assert "a&lt;b" in html and "임수경</span>" in html and html.count("<span") == 3


# --- model, task, prediction -------------------------------------------------------------------------------------

def test_logged_em_f1_equal_a_fresh_decoding_of_the_model(tmp_path):
    settings = QuestionAnsweringSettings(smoke=True, corpus_name="korquad", output_dir=str(tmp_path), batch_size=8)
    tokenizer = tiny_tokenizer()
    examples = read_korquad(SAMPLE, verbose=False)[:24]
    features = build_qa_features(tokenizer, examples, 128, 32)
    model = load_qa_model(settings)
    task = build_qa_task(model, QaEvalSet(examples, features), settings)
    import lightning as L

    trainer = L.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False, enable_checkpointing=False)
    logged = trainer.validate(task, make_qa_loaders(features, features, tokenizer, settings)[1], verbose=False)[0]
    model.eval()
    starts, ends = [], []
    with torch.no_grad():
        for ids, types in zip(features.input_ids, features.token_type_ids):
            out = model(input_ids=torch.tensor([ids]), token_type_ids=torch.tensor([types]))
            starts.append(out.start_logits[0].numpy())
            ends.append(out.end_logits[0].numpy())
    answers = decode_answers(examples, features, starts, ends)
    expected = korquad_scores({e.id: [a.text for a in e.answers] for e in examples},
                              {e.id: a[0]["text"] for e, a in zip(examples, answers)})
    assert logged["val_em"] == pytest.approx(expected["exact_match"], abs=1e-3)
    assert logged["val_f1"] == pytest.approx(expected["f1"], abs=1e-3)
    assert math.isfinite(logged["val_loss"])


def test_answer_question_returns_a_span_of_the_context():
    settings = CourseSettings(smoke=True)
    model = load_qa_model(settings).train()
    context = "한서윤은 1951년 아라시에서 태어난 화가이다. " * 20
    result = answer_question(model, tiny_tokenizer(), "한서윤이 태어난 곳은?", context, max_length=64, doc_stride=16,
                             n_best=5, max_answer_length=10)
    assert result["text"] == context[result["start"] : result["end"]] and result["text"]
    assert len(result["n_best"]) == 5 and result["n_best"][0]["text"] == result["text"]
    assert result["probability"] == max(a["probability"] for a in result["n_best"])
    assert model.training  # prediction does not leave the model in eval mode


def test_command_line_runs_question_answering_end_to_end(tmp_path):
    from helpers.train import main

    # corpus_name=korquad, max_seq_length=256 and the output folder name are the task's own defaults
    args = ["question-answering", "--smoke", "--set", f"output_dir={tmp_path}/qa",
            "--set", "limit_train_rows=32", "--set", "limit_eval_rows=16", "--set", "max_seq_length=128"]
    metrics = main(args)
    assert 0 <= metrics["val_em"] <= metrics["val_f1"] <= 100
    with pytest.raises(SystemExit, match="^error: question answering reads KorQuAD"):  # printed, no traceback
        main(["question-answering", "--smoke", "--set", "corpus_name=nsmc", "--set", f"output_dir={tmp_path}/nsmc"])
