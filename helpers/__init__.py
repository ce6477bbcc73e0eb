"""Helpers of the Korean NLP fine-tuning course: settings, corpora, data, tasks, training and plots."""

from helpers.core.quiet import quiet_library_noise

__version__ = "0.1.0"

quiet_library_noise()  # library adverts and deprecation notices are not for learners (see helpers/core/quiet.py)
