import pytest

from helpers.core.settings import CourseSettings, SettingsError, settings_from_env


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
    with pytest.raises(SettingsError, match="300"):
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
