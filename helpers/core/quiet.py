"""Known library noise that a notebook would show in pink boxes, silenced before the libraries are imported.

Silenced everywhere: Lightning's litlogger advert, torch's `LeafSpec` deprecation (raised inside Lightning) and
transformers' "`loss_type=None` ... unrecognized" notice. In a notebook kernel Lightning's progress lines
("GPU available", "`Trainer.fit` stopped", "Restoring states ...") go too: the course prints its own Korean lines.
Warnings of Lightning that are about the learner's run still show.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from typing import Iterator

LIGHTNING_LOGGER = "lightning.pytorch.utilities.rank_zero"  # where Lightning's rank_zero_info/warn records start
TRANSFORMERS_LOGGER = "transformers.modeling_utils"


class DropNoise(logging.Filter):
    """Drops records whose message contains one of `fragments`, and all records below `min_level`."""

    def __init__(self, fragments: tuple[str, ...], min_level: int = logging.NOTSET) -> None:
        super().__init__()
        self.fragments, self.min_level = fragments, min_level

    def filter(self, record: logging.LogRecord) -> bool:
        """False for noise."""
        if record.levelno < self.min_level:
            return False
        message = record.getMessage()
        return not any(fragment in message for fragment in self.fragments)


def add_noise_filter(logger_name: str, noise: DropNoise) -> None:
    """Put `noise` on the named logger once (a second call replaces the first)."""
    logger = logging.getLogger(logger_name)
    for old in [f for f in logger.filters if isinstance(f, DropNoise)]:
        logger.removeFilter(old)
    logger.addFilter(noise)


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Colab, nbmake)."""
    return "ipykernel" in sys.modules


def quiet_library_noise(notebook: bool | None = None) -> None:
    """Silence the known library noise (and, in a notebook, Lightning's info lines)."""
    notebook = in_notebook() if notebook is None else notebook
    warnings.filterwarnings("ignore", message=r"`isinstance\(treespec, LeafSpec\)` is deprecated",
                            category=FutureWarning)
    add_noise_filter(LIGHTNING_LOGGER, DropNoise(("litlogger",), logging.WARNING if notebook else logging.NOTSET))
    add_noise_filter(TRANSFORMERS_LOGGER, DropNoise(("`loss_type=None`",)))


@contextlib.contextmanager
def hidden_load_reports() -> Iterator[None]:
    """Hide transformers' LOAD REPORT meanwhile: where a model gets a new random head on purpose (a demo's stand-in),
    the report is expected, not news, and a notebook would show it in a pink box."""
    logger = logging.getLogger(TRANSFORMERS_LOGGER)
    reports = DropNoise(("LOAD REPORT",))
    logger.addFilter(reports)
    try:
        yield
    finally:
        logger.removeFilter(reports)
