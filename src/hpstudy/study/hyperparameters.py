"""What a run's hyperparameters are: names, types, allowed values per model.

One table serves validation of the config, normalisation of values (so that
`1`, `1.0` and `1e0` give the same run id) and the columns of the metric CSVs.
The names a value may take come from the vocabulary (hpstudy.engine.vocabulary),
and which of them a problem trains from the problem (hpstudy.problems.base).
"""

from __future__ import annotations

from dataclasses import dataclass

from hpstudy.engine import vocabulary
from hpstudy.errors import ConfigError, did_you_mean


@dataclass(frozen=True)
class Spec:
    kind: type
    minimum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[str, ...] | None = None
    description: str = ""


SPECS: dict[str, Spec] = {
    "architecture": Spec(str, description="model family"),
    "hidden_layers": Spec(int, 1, description="number of hidden layers"),
    "width": Spec(int, 1, description="neurons per hidden layer"),
    "conv_layers": Spec(int, 1, description="number of convolution layers"),
    "channels": Spec(int, 1, description="channels per convolution layer"),
    "kernel_size": Spec(int, 1, description="convolution kernel size"),
    "padding": Spec(int, 0, description="convolution padding"),
    "activation": Spec(str, choices=tuple(vocabulary.ACTIVATIONS), description="activation function"),
    "optimizer": Spec(str, choices=tuple(vocabulary.OPTIMIZERS), description="optimizer"),
    "learning_rate": Spec(float, 0, exclusive_minimum=True, description="learning rate"),
    "batch_size": Spec(int, 1, description="batch size"),
    "epochs": Spec(int, 1, description="number of epochs"),
    "loss": Spec(str, description="loss function"),
}

COMMON_KEYS = ("architecture", "activation", "optimizer", "learning_rate", "batch_size", "epochs", "loss")

# Labels used for axes and table headers.
FACTOR_TITLES = {
    "hidden_layers": "Number of hidden layers",
    "width": "Number of neurons",
    "conv_layers": "Number of convolution layers",
    "channels": "Convolution channels",
    "kernel_size": "Kernel size",
    "padding": "Padding",
    "activation": "Activation function",
    "optimizer": "Optimizer (lr)",
    "learning_rate": "Learning rate",
    "batch_size": "Batch size",
    "epochs": "Epochs",
    "loss": "Loss function",
    "architecture": "Architecture",
}


def required_keys(architecture: str) -> tuple[str, ...]:
    return COMMON_KEYS + vocabulary.ARCHITECTURES[architecture]


def normalise_value(key: str, value, where: str):
    """Return `value` in the canonical type of hyperparameter `key`, or raise."""
    spec = SPECS[key]
    if spec.kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        try:
            value = float(value)
        except ValueError:
            raise ConfigError(f"{where}: expected a number, got {value!r}") from None
    elif spec.kind is int:
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, float) and value.is_integer())):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        value = int(value)
    elif not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    if spec.minimum is not None:
        too_small = value <= spec.minimum if spec.exclusive_minimum else value < spec.minimum
        if too_small:
            bound = f"> {spec.minimum:g}" if spec.exclusive_minimum else f">= {spec.minimum:g}"
            raise ConfigError(f"{where}: {spec.description} must be {bound}, got {value!r}")
    if spec.choices is not None and value not in spec.choices:
        raise ConfigError(
            f"{where}: unknown {spec.description} {value!r}{did_you_mean(value, spec.choices)} "
            f"(valid: {', '.join(spec.choices)})"
        )
    return value


def resolve(name: str, problem, params: dict, where: str) -> dict:
    """Check a complete set of hyperparameters for the problem `name` (its PROBLEM: `problem`) and normalise it."""
    architecture = params.get("architecture")
    if architecture not in problem.architectures:
        raise ConfigError(
            f"{where}.architecture: unknown architecture {architecture!r} for {name}"
            f"{did_you_mean(architecture, problem.architectures)} (valid: {', '.join(problem.architectures)})"
        )
    keys = required_keys(architecture)
    unknown = sorted(set(params) - set(keys))
    if unknown:
        raise ConfigError(
            f"{where}.{unknown[0]}: {unknown[0]!r} is not a hyperparameter of a {name} {architecture}"
            f"{did_you_mean(unknown[0], keys)} (valid: {', '.join(keys)})"
        )
    missing = [key for key in keys if key not in params]
    if missing:
        raise ConfigError(
            f"{where}: missing required hyperparameter(s) {', '.join(missing)}; "
            f"a {architecture} needs all of: {', '.join(keys)}"
        )
    resolved = {key: normalise_value(key, params[key], f"{where}.{key}") for key in keys}
    if resolved["loss"] not in problem.losses:
        raise ConfigError(
            f"{where}.loss: unknown loss {resolved['loss']!r} for {name}"
            f"{did_you_mean(resolved['loss'], problem.losses)} (valid: {', '.join(problem.losses)})"
        )
    problem.check_hyperparameters(resolved, where)
    return resolved
