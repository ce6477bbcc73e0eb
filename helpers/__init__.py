"""Helpers of the Korean NLP fine-tuning course: settings, corpora, data, tasks, training and plots."""

__version__ = "0.1.0"
