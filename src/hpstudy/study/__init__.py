"""The study's configuration: its checks, the hyperparameters and their expansion into runs."""
