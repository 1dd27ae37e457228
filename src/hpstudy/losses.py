"""The study's losses, each averaged over the batch."""

from __future__ import annotations

import torch
from torch.nn import functional as F

from .models import USPS_CLASSES, VARIANCE_FLOOR


def mse_one_hot(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """MSE between the 10 outputs and one-hot targets, averaged over all elements (nn.MSELoss)."""
    return F.mse_loss(logits, F.one_hot(labels, USPS_CLASSES).to(logits.dtype))


def cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, labels)


def mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(prediction, target)


def gaussian_nll(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """0.5 * (log var + (y - mean)^2 / var), averaged, without the constant (GaussianNLLLoss, full=False)."""
    return F.gaussian_nll_loss(prediction[:, 0], target, prediction[:, 1], full=False, eps=VARIANCE_FLOOR)


LOSSES = {
    ("usps", "mse"): mse_one_hot,
    ("usps", "cross_entropy"): cross_entropy,
    ("house", "mse"): mse,
    ("house", "gaussian_nll"): gaussian_nll,
}
