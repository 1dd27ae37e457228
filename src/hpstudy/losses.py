"""The study's losses, per sample: reduce with `.mean(-1)`.

Each function returns one loss per sample (shape of the targets), so the same
code gives a network's batch loss (`.mean()` over N) and, for K replicas
trained together, one mean loss per replica (`.mean(-1)` over (K, N)).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from .models import USPS_CLASSES


def mse_one_hot(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Squared error against one-hot targets, averaged over the 10 outputs (as nn.MSELoss)."""
    return (logits - F.one_hot(labels, USPS_CLASSES).to(logits.dtype)).square().mean(-1)


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


LOSSES = {
    ("usps", "mse"): mse_one_hot,
    ("usps", "cross_entropy"): cross_entropy,
    ("house", "mse"): mse,
    ("house", "gaussian_nll"): gaussian_nll,
}
