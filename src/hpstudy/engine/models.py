"""The study's networks as plain `nn.Module`s, built from the vocabulary's names.

A problem builds its model from these (see hpstudy.problems.base); the engine stacks
any of them (see `replicas`).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from hpstudy.engine.vocabulary import ACTIVATIONS

VARIANCE_FLOOR = 1e-6


def activation_module(name: str) -> nn.Module:
    return getattr(nn, ACTIVATIONS[name])()


def mlp_body(n_inputs: int, hidden_layers: int, width: int, activation: str) -> tuple[nn.Sequential, int]:
    layers, size = [], n_inputs
    for _ in range(hidden_layers):
        layers += [nn.Linear(size, width), activation_module(activation)]
        size = width
    return nn.Sequential(*layers), size


class Classifier(nn.Module):
    """A body (an MLP on the flat inputs, or convolutions) and a linear layer to one output per class."""

    def __init__(self, body: nn.Module, n_features: int, classes: int):
        super().__init__()
        self.body = body
        self.head = nn.Linear(n_features, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x).flatten(1))


def mlp_classifier(n_inputs: int, classes: int, hidden_layers: int, width: int, activation: str) -> Classifier:
    body, size = mlp_body(n_inputs, hidden_layers, width, activation)
    return Classifier(nn.Sequential(nn.Flatten(), body), size, classes)


def cnn_classifier(
    image_side: int, classes: int, conv_layers: int, channels: int, kernel_size: int, padding: int, activation: str
) -> Classifier:
    """Convolutions over inputs that are image_side × image_side grey images, then the linear head."""
    layers, in_channels, side = [nn.Unflatten(1, (1, image_side, image_side))], 1, image_side
    for _ in range(conv_layers):
        layers += [nn.Conv2d(in_channels, channels, kernel_size, padding=padding), activation_module(activation)]
        in_channels, side = channels, side + 2 * padding - kernel_size + 1
    return Classifier(nn.Sequential(*layers), channels * side * side, classes)


class Regressor(nn.Module):
    """An MLP with one output (MSE head) or a mean and a positive variance (Gaussian head)."""

    def __init__(self, n_inputs: int, hidden_layers: int, width: int, activation: str, gaussian: bool):
        super().__init__()
        self.body, size = mlp_body(n_inputs, hidden_layers, width, activation)
        self.gaussian = gaussian
        self.head = nn.Linear(size, 2 if gaussian else 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the mean (N,), or mean and variance stacked as (N, 2)."""
        out = self.head(self.body(x))
        return gaussian_head(out) if self.gaussian else out[..., 0]


def gaussian_head(out: torch.Tensor) -> torch.Tensor:
    """Two raw outputs -> (mean, variance), the variance positive through softplus and a floor."""
    return torch.stack([out[..., 0], F.softplus(out[..., 1]) + VARIANCE_FLOOR], dim=-1)
