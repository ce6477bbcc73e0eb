"""Masked-language-model pretraining of the tiny BERT and the study that compares it with training from scratch."""
