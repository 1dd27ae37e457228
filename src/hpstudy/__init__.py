"""Shared code of the hyperparameter-study workflow: data, models, training,
study expansion, aggregation and report rendering. Knows nothing of Snakemake."""

__version__ = "0.1.0"
