"""The study's losses, per sample: reduce with `.mean(-1)`.

Each function returns one loss per sample (shape of the targets), so the same
code gives a network's batch loss (`.mean()` over N) and, for K replicas
trained together, one mean loss per replica (`.mean(-1)` over (K, N)).

Both tables are keyed by (task, loss name), the names of `vocabulary.LOSSES`.
GRADIENTS holds each loss's derivative by the network's output, written out for
the training engine, which takes its gradients without autograd (see `replicas`);
tests/test_models_losses.py checks them against autograd.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F


def mse_one_hot(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Squared error against one-hot targets, averaged over the outputs, one per class (as nn.MSELoss)."""
    return (logits - one_hot(logits, labels)).square().mean(-1)


def one_hot(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """F.one_hot's values in the logits' dtype, at half its cost (it checks the labels' range first)."""
    return torch.zeros_like(logits).scatter_(-1, labels.unsqueeze(-1), 1.0)


def cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), reduction="none").view(
        labels.shape
    )


def mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (prediction - target).square()


def gaussian_nll(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """0.5 * (log var + (y - mean)^2 / var), without the constant (GaussianNLLLoss with full=False).

    The variance head is floored at VARIANCE_FLOOR already, so no clamp is needed here."""
    mean, variance = prediction[..., 0], prediction[..., 1]
    return 0.5 * (variance.log() + (target - mean).square() / variance)


def mse_one_hot_gradient(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return (logits - one_hot(logits, labels)) * (2 / logits.shape[-1])


def cross_entropy_gradient(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return torch.softmax(logits, -1) - one_hot(logits, labels)


def mse_gradient(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return 2 * (prediction - target)


def gaussian_nll_gradient(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    mean, variance = prediction[..., 0], prediction[..., 1]
    error = mean - target
    return torch.stack([error / variance, 0.5 * (1 - error.square() / variance) / variance], dim=-1)


LOSSES = {
    ("classification", "mse"): mse_one_hot,
    ("classification", "cross_entropy"): cross_entropy,
    ("regression", "mse"): mse,
    ("regression", "gaussian_nll"): gaussian_nll,
}

GRADIENTS = {
    ("classification", "mse"): mse_one_hot_gradient,
    ("classification", "cross_entropy"): cross_entropy_gradient,
    ("regression", "mse"): mse_gradient,
    ("regression", "gaussian_nll"): gaussian_nll_gradient,
}
