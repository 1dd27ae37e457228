"""The hyperparameter vocabulary: every activation, optimizer, loss and architecture a study may name.

This is the one place they are declared. The config schema's enums are derived from
these tables (`hpstudy.study.configuration`), and the engine keys its implementations
by these names: an activation is its torch.nn module (and, for the engine's hand-taken
gradients, its backward in `replicas.ACTIVATION_BACKWARD`), an optimizer its update
rule in `optimizers.OPTIMIZERS` (and torch.optim's class for the plain reference
loop), a loss its per-sample function and gradient in `losses`, per task.
tests/test_vocabulary.py names whatever an entry lacks.

No torch here: the workflow reads this while it plans, before any job runs.
"""

from __future__ import annotations

# name -> the torch.nn module that computes it
ACTIVATIONS = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}

# name -> the torch.optim class the plain reference loop uses (the engine has its own rule)
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}

# name -> the tasks it serves (a problem is a classification or a regression, see hpstudy.problems.base)
LOSSES = {
    "mse": ("classification", "regression"),  # on one-hot targets for a classifier
    "cross_entropy": ("classification",),
    "gaussian_nll": ("regression",),  # a mean and a variance head
}

# name -> its own hyperparameters (beside activation, optimizer, learning rate, batch size, epochs, loss)
ARCHITECTURES = {
    "mlp": ("hidden_layers", "width"),
    "cnn": ("conv_layers", "channels", "kernel_size", "padding"),  # needs inputs that are square images
}

# name -> the hyperparameter that counts its layers (a job's cost grows with it: see the workflow's priorities)
DEPTH = {"mlp": "hidden_layers", "cnn": "conv_layers"}

TASKS = ("classification", "regression")
