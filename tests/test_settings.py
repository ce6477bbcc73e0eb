import pytest

from helpers.core.setting_rules import setting_fields
from helpers.core.settings import (
    CourseSettings,
    GenerationSettings,
    NerSettings,
    QuestionAnsweringSettings,
    SettingsError,
    settings_for_task,
    settings_from_env,
    trainer_settings,
)


def test_defaults_are_valid_and_describe_every_setting():
    settings = CourseSettings()
    text = settings.describe()
    for name in ("pretrained_model_name", "learning_rate", "batch_size", "max_seq_length", "precision"):
        assert name in text


@pytest.mark.parametrize("changes, named", [
    ({"corpus_name": "imdb"}, "corpus_name"),
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": -4}, "batch_size"),
    ({"max_seq_length": 301}, "max_seq_length"),
    ({"epochs": 0}, "epochs"),
    ({"learning_rate": 0.0}, "learning_rate"),
    ({"precision": "fp8"}, "precision"),
    ({"val_fraction": 1.0}, "val_fraction"),
    ({"num_workers": -1}, "num_workers"),
])
def test_bad_values_raise_naming_the_setting(changes, named):
    with pytest.raises(SettingsError, match=named):
        CourseSettings(**changes)


def test_max_seq_length_limit_is_kcbert_position_limit():
    assert CourseSettings(max_seq_length=300).max_seq_length == 300
    with pytest.raises(SettingsError, match="max_seq_length=512 is not allowed: beomi/kcbert-base has 300 positions"):
        CourseSettings(max_seq_length=512)


def test_replace_validates_too():
    with pytest.raises(SettingsError, match="batch_size"):
        CourseSettings().replace(batch_size=0)


def test_smoke_environment_makes_runs_tiny(monkeypatch, tmp_path):
    monkeypatch.setenv("NLPBOOK_SMOKE", "1")
    monkeypatch.delenv("NLPBOOK_CORPUS_ROOT", raising=False)
    monkeypatch.setenv("NLPBOOK_OUTPUT_ROOT", str(tmp_path))
    settings = settings_from_env(output_dir="outputs/ner")
    assert settings.smoke and settings.limit_train_rows and settings.precision == "32-true"
    assert settings.corpus_root_dir.endswith("sample_data")
    assert settings.output_dir == str(tmp_path / "ner")


def test_bad_smoke_flag_value_is_named(monkeypatch):
    monkeypatch.setenv("NLPBOOK_SMOKE", "maybe")
    with pytest.raises(SettingsError, match="NLPBOOK_SMOKE"):
        settings_from_env()


def test_every_command_line_task_has_its_own_defaults_and_output_folder(monkeypatch):
    from helpers.core.settings import TASK_DEFAULTS, settings_for_task
    from helpers.train import task_registry

    monkeypatch.delenv("NLPBOOK_OUTPUT_ROOT", raising=False)
    assert set(task_registry()) == set(TASK_DEFAULTS)
    folders = {settings_for_task(task).output_dir for task in TASK_DEFAULTS}
    assert len(folders) == len(TASK_DEFAULTS)  # no task resumes another task's checkpoints
    assert settings_for_task("question-answering").corpus_name == "korquad"
    with pytest.raises(SettingsError, match="task 'translation' is unknown"):
        settings_for_task("translation")


# --- typed settings: every field has a help text and rules; each bad value is refused naming field and values -----

ALL_CLASSES = (CourseSettings, NerSettings, QuestionAnsweringSettings, GenerationSettings)
# (class, setting, a bad value, what the message must say is allowed)
BAD_VALUES = [
    (CourseSettings, "pretrained_model_name", "", "use a non-empty text"),
    (CourseSettings, "model_dir", 3, "use a non-empty text or None"),
    (CourseSettings, "corpus_name", "imdb", "choose one of 'nsmc', 'klue-nli', 'kornli'"),
    (CourseSettings, "corpus_root_dir", None, "use a non-empty text"),
    (CourseSettings, "custom_file", "", "use a non-empty text or None"),
    (CourseSettings, "custom_test_file", 1.5, "use a non-empty text or None"),
    (CourseSettings, "text_column", None, "use a non-empty text"),
    (CourseSettings, "text_pair_column", "", "use a non-empty text or None"),
    (CourseSettings, "label_column", 0, "use a non-empty text"),
    (CourseSettings, "labels", ["부정", "긍정"], "use a non-empty text or None"),
    (CourseSettings, "output_dir", "", "use a non-empty text"),
    (CourseSettings, "checkpoint_dir", "", "use a non-empty text or None"),
    (CourseSettings, "feature_cache_dir", 7, "use a non-empty text or None"),
    (CourseSettings, "resume", "no", "use True or False"),
    (CourseSettings, "learning_rate", 0.0, "use a number > 0"),
    (CourseSettings, "weight_decay", -0.1, "use a number >= 0"),
    (CourseSettings, "warmup_ratio", 1.0, "use a number >= 0 and < 1"),
    (CourseSettings, "batch_size", 0, "use an integer >= 1"),
    (CourseSettings, "max_seq_length", 2.5, "use an integer >= 1"),
    (CourseSettings, "epochs", True, "use an integer >= 1"),
    (CourseSettings, "max_steps", -2, "use an integer >= -1"),
    (CourseSettings, "seed", "7", "use an integer"),
    (CourseSettings, "val_fraction", 0.0, "use a number > 0 and < 1"),
    (CourseSettings, "limit_train_rows", 0, "use an integer >= 1 or None"),
    (CourseSettings, "limit_eval_rows", -5, "use an integer >= 1 or None"),
    (CourseSettings, "length_grouped", 1, "use True or False"),
    (CourseSettings, "precision", "fp8", "choose one of 'auto', '32-true', '16-mixed', 'bf16-mixed'"),
    (CourseSettings, "num_workers", -1, "use an integer >= 0"),
    (CourseSettings, "compile_model", "yes", "use True or False"),
    (CourseSettings, "accelerator", "npu", "choose one of 'auto', 'cpu', 'gpu'"),
    (CourseSettings, "devices", -2, "use an integer >= -1 or a non-empty text or None"),
    (CourseSettings, "strategy", "", "use a non-empty text or None"),
    (CourseSettings, "num_nodes", 0, "use an integer >= 1 or None"),
    (CourseSettings, "accumulate_grad_batches", 0, "use an integer >= 1 or None"),
    (CourseSettings, "checkpoint_every_n_steps", -1, "use an integer >= 0 or None"),
    (CourseSettings, "smoke", None, "use True or False"),
    (NerSettings, "ner_label_subwords", "last", "choose one of 'first', 'all'"),
    (QuestionAnsweringSettings, "doc_stride", -1, "use an integer >= 0"),
    (QuestionAnsweringSettings, "n_best", 0, "use an integer >= 1"),
    (QuestionAnsweringSettings, "max_answer_length", 0, "use an integer >= 1"),
    (GenerationSettings, "offline", "true", "use True or False"),
    (GenerationSettings, "bpe_vocab_size", 100, "use an integer >= 300"),
]


@pytest.mark.parametrize("settings_class, name, value, allowed", BAD_VALUES, ids=[b[1] for b in BAD_VALUES])
def test_each_bad_value_names_the_setting_the_value_and_the_allowed_values(settings_class, name, value, allowed):
    with pytest.raises(SettingsError) as raised:
        settings_class(**{name: value})
    assert str(raised.value).startswith(f"{name}={value!r} is not allowed: "), raised.value
    assert allowed in str(raised.value), raised.value


def test_the_bad_value_table_covers_every_setting_of_every_class():
    for settings_class in ALL_CLASSES:
        own = set(setting_fields(settings_class)) - (set() if settings_class is CourseSettings
                                                     else set(setting_fields(CourseSettings)))
        assert own == {name for cls, name, _, _ in BAD_VALUES if cls is settings_class}, settings_class


@pytest.mark.parametrize("settings_class", ALL_CLASSES)
def test_every_setting_has_a_help_text_and_a_valid_default(settings_class):
    settings = settings_class()  # the defaults pass their own rules
    for name, spec in setting_fields(settings_class).items():
        assert spec.metadata.get("help", "").strip(), f"{settings_class.__name__}.{name} has no help text"
        assert "choices" not in spec.metadata or getattr(settings, name) in spec.metadata["choices"] + (None,)


def test_task_settings_classes_hold_their_own_options(monkeypatch):
    monkeypatch.delenv("NLPBOOK_SMOKE", raising=False)
    assert type(settings_for_task("ner")) is NerSettings and settings_for_task("ner").ner_label_subwords == "first"
    qa = settings_for_task("question-answering")
    assert type(qa) is QuestionAnsweringSettings and (qa.doc_stride, qa.n_best, qa.max_answer_length) == (64, 20, 30)
    generation = settings_for_task("generation")
    assert type(generation) is GenerationSettings and not generation.offline and generation.bpe_vocab_size == 8000
    assert type(settings_for_task("document-classification")) is CourseSettings
    assert not hasattr(settings_for_task("pair-classification"), "doc_stride")
    assert not hasattr(CourseSettings(), "extra")


def test_describe_is_a_table_of_every_setting_its_value_and_its_help():
    settings = QuestionAnsweringSettings(doc_stride=32)
    lines = settings.describe().splitlines()
    assert lines[0].split() == ["설정", "(setting)", "값", "(value)", "설명", "(help)"]
    assert len(lines) == 1 + len(setting_fields(QuestionAnsweringSettings))
    row = next(line for line in lines if line.startswith("doc_stride "))
    assert row.split()[1] == "32" and setting_fields(QuestionAnsweringSettings)["doc_stride"].metadata["help"] in row
    assert [line.split()[0] for line in lines[1:]] == list(setting_fields(QuestionAnsweringSettings))


def test_unknown_names_are_refused_listing_the_valid_ones(monkeypatch):
    monkeypatch.delenv("NLPBOOK_SMOKE", raising=False)
    with pytest.raises(SettingsError, match=r"settings_from_env: unknown setting doc_stride for NerSettings; "
                                            r"the settings are: pretrained_model_name, .*, ner_label_subwords$"):
        settings_for_task("ner", doc_stride=32)
    with pytest.raises(SettingsError, match=r"replace: unknown settings extra, batchsize for CourseSettings \(extra is "
                                            r"gone: give each option by its own name, e.g. custom_file=...\); "):
        CourseSettings().replace(extra={"resume": False}, batchsize=8)


def test_environment_overrides_reach_the_task_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("NLPBOOK_SMOKE", "1")
    monkeypatch.setenv("NLPBOOK_MODEL_DIR", str(tmp_path / "model"))
    monkeypatch.setenv("NLPBOOK_CHECKPOINT_ROOT", str(tmp_path / "drive"))
    settings = settings_for_task("question-answering", doc_stride=32)
    assert type(settings) is QuestionAnsweringSettings and settings.smoke and settings.doc_stride == 32
    assert settings.model_dir == str(tmp_path / "model") and settings.max_seq_length == 256
    assert settings.checkpoint_dir == str(tmp_path / "drive" / "question-answering")


# --- the command line: --set parses by the task's field types ------------------------------------------------------

def cli_error(capsys, argv):
    """The message the command line stops with (argparse's `error:` line)."""
    from helpers.train import main

    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_command_line_refuses_an_unknown_name_listing_the_task_settings(capsys):
    message = cli_error(capsys, ["ner", "--set", "doc_stride=32"])
    valid = ", ".join(name for name in setting_fields(NerSettings) if name != "smoke")
    assert message.endswith(f"--set 'doc_stride=32': 'doc_stride' is not a setting of ner; "
                            f"the settings of ner are: {valid}"), message
    assert "the settings of question-answering are:" in cli_error(capsys, ["question-answering", "--set", "epoch=2"])
    assert "expected name=value" in cli_error(capsys, ["ner", "--set", "epochs"])


def test_command_line_says_extra_is_gone(capsys):
    message = cli_error(capsys, ["document-classification", "--extra", "custom_file=my.csv"])
    assert message.endswith("--extra is gone: every option is a setting now; write --set custom_file=my.csv instead")


def test_command_line_values_take_the_field_types():
    from helpers.train import parse_assignment

    assert parse_assignment("ner", "epochs=3") == ("epochs", 3)
    assert parse_assignment("ner", "learning_rate=1e-4") == ("learning_rate", 1e-4)
    assert parse_assignment("ner", "limit_train_rows=None") == ("limit_train_rows", None)
    assert parse_assignment("ner", "length_grouped=false") == ("length_grouped", False)
    assert parse_assignment("ner", "devices=0,1") == ("devices", "0,1")
    assert parse_assignment("ner", "devices=2") == ("devices", 2)
    assert parse_assignment("ner", "ner_label_subwords=all") == ("ner_label_subwords", "all")
    assert parse_assignment("question-answering", "doc_stride=128") == ("doc_stride", 128)
    assert parse_assignment("generation", "offline=1") == ("offline", True)
    assert parse_assignment("document-classification", "labels=부정,긍정") == ("labels", "부정,긍정")
    with pytest.raises(SettingsError, match=r"--set epochs=two: cannot read 'two' as epochs: use an integer >= 1"):
        parse_assignment("ner", "epochs=two")
    with pytest.raises(SettingsError, match="cannot read 'maybe' as resume: use True or False"):
        parse_assignment("ner", "resume=maybe")


def test_command_line_device_options_and_no_resume_become_settings(monkeypatch, tmp_path):
    import argparse

    from helpers.train import add_trainer_arguments, trainer_options

    parser = argparse.ArgumentParser()
    add_trainer_arguments(parser)
    args = parser.parse_args(["--devices", "2", "--accumulate-grad-batches", "4", "--no-resume"])
    options = trainer_options(args)
    assert options == {"devices": 2, "accumulate_grad_batches": 4, "resume": False}
    monkeypatch.delenv("NLPBOOK_SMOKE", raising=False)
    settings = settings_for_task("ner", output_dir=str(tmp_path), **options)
    assert trainer_settings(settings) == {"devices": 2, "accumulate_grad_batches": 4} and settings.resume is False


def test_base_settings_given_to_a_task_get_its_own_options_at_their_defaults():
    from helpers.core.settings import as_task_settings
    from helpers.ner.alignment import label_scheme
    from helpers.question_answering.pipeline import qa_option

    base = CourseSettings(batch_size=8, corpus_name="kmou-ner")
    ner = as_task_settings(base, "ner")
    assert type(ner) is NerSettings
    assert (ner.batch_size, ner.corpus_name, ner.ner_label_subwords) == (8, "kmou-ner", "first")
    chosen = NerSettings(ner_label_subwords="all")
    assert as_task_settings(chosen, "ner") is chosen and label_scheme(chosen) == "all" and label_scheme(base) == "first"
    assert qa_option(base, "doc_stride") == 64
    assert qa_option(QuestionAnsweringSettings(doc_stride=16), "doc_stride") == 16
    assert type(as_task_settings(chosen, "question-answering")) is QuestionAnsweringSettings  # shared fields only
