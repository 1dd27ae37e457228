"""The training engine: the vocabulary of hyperparameters, the networks, their losses and
optimizers, the seed-batched trainer, its plain reference and the timing of a run."""
