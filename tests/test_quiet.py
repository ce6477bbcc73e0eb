"""Known library noise is silenced; the learner's real warnings are not."""

import logging
import warnings

import pytest

from helpers.core.quiet import LIGHTNING_LOGGER, TRANSFORMERS_LOGGER, quiet_library_noise


@pytest.fixture
def records():
    """Every record that gets past the loggers' filters, by logger name."""
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append((record.name, record.getMessage()))

    handler = Keep()
    loggers = [logging.getLogger(name) for name in (LIGHTNING_LOGGER, TRANSFORMERS_LOGGER)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield seen
    for logger, level in zip(loggers, levels):
        logger.removeHandler(handler)
        logger.setLevel(level)
    quiet_library_noise()


def test_lightning_advert_and_transformers_loss_type_notice_are_dropped(records):
    from lightning.pytorch.utilities import rank_zero_info, rank_zero_warn

    quiet_library_noise(notebook=False)
    rank_zero_info("💡 Tip: For seamless cloud logging ... try installing [litlogger](https://pypi.org/project/litlogger/)")
    rank_zero_info("GPU available: False, used: False")
    rank_zero_warn("The 'train_dataloader' does not have many workers")
    logging.getLogger(TRANSFORMERS_LOGGER).warning("`loss_type=None` was set in the config but it is unrecognized.")
    logging.getLogger(TRANSFORMERS_LOGGER).warning("Some weights were not initialized")
    messages = [m for _, m in records]
    assert not any("litlogger" in m or "loss_type" in m for m in messages)
    assert "GPU available: False, used: False" in messages and "Some weights were not initialized" in messages


def test_in_a_notebook_lightning_info_lines_go_but_its_warnings_stay(records):
    from lightning.pytorch.utilities import rank_zero_info, rank_zero_warn

    quiet_library_noise(notebook=True)
    rank_zero_info("GPU available: False, used: False")
    logging.getLogger(LIGHTNING_LOGGER).warning("a warning logged by Lightning")
    with pytest.warns(UserWarning, match="checkpoint folder is not empty"):
        rank_zero_warn("checkpoint folder is not empty")
    assert [m for _, m in records] == ["a warning logged by Lightning"]


def test_leafspec_deprecation_is_ignored_other_future_warnings_are_not():
    quiet_library_noise()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        quiet_library_noise()  # catch_warnings reset the filters: put ours back inside the block
        warnings.warn("`isinstance(treespec, LeafSpec)` is deprecated, use ...", FutureWarning)
        warnings.warn("something else will change", FutureWarning)
    assert [str(w.message) for w in caught] == ["something else will change"]


def test_load_reports_are_hidden_only_inside_hidden_load_reports(records, tmp_path):
    from transformers import BertConfig, BertForSequenceClassification, BertModel

    from helpers.core.quiet import hidden_load_reports

    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32)
    BertModel(config).save_pretrained(tmp_path)  # no classifier head: loading a classifier reports it MISSING
    with hidden_load_reports():
        BertForSequenceClassification.from_pretrained(tmp_path)
    assert not any("LOAD REPORT" in m for _, m in records)
    BertForSequenceClassification.from_pretrained(tmp_path)
    assert any("LOAD REPORT" in m and "classifier" in m for _, m in records)
