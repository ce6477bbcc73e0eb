"""The pipeline stages every task shares, one module per stage: settings, corpora and downloads, models and
tokenizers, data (encoding, collate, samplers, loaders), the Lightning task base, training (trainer, checkpoints,
resume) and prediction. Core imports no task package."""
