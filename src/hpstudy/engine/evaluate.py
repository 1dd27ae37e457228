"""Metrics of a trained network on the splits, shared by both training loops."""

from __future__ import annotations

import math

import numpy as np
import torch

from hpstudy.data.splits import SPLITS

Z_95 = 1.959963984540054  # two-sided 95% interval of a normal distribution


def to_tensors(data: dict[str, np.ndarray], label_dtype: torch.dtype, device: torch.device) -> dict[str, torch.Tensor]:
    """The splits as tensors on the device, loaded once per job."""
    tensors = {}
    for split in SPLITS:
        tensors[f"x_{split}"] = torch.as_tensor(data[f"x_{split}"], dtype=torch.float32, device=device)
        tensors[f"y_{split}"] = torch.as_tensor(data[f"y_{split}"], dtype=label_dtype, device=device)
    return tensors


def regression_metrics(loss_fn, output: torch.Tensor, target: torch.Tensor, y_scale: float) -> dict[str, float]:
    """A regressor's metrics on one split of standardised targets; errors in the target's unit
    (`y_scale`, its train standard deviation), and for a Gaussian head its sigma and the coverage
    of its 95% interval."""
    loss = loss_fn(output, target).mean().item()
    gaussian = output.ndim == 2
    mean = output[:, 0] if gaussian else output
    error = (mean - target).double()
    metrics = {
        "loss": loss,
        "mse_std": error.square().mean().item(),  # the shared scale of both heads
        "rmse": error.square().mean().sqrt().item() * y_scale,
        "mae": error.abs().mean().item() * y_scale,
        "mean_sigma": math.nan,
        "coverage95": math.nan,
    }
    if gaussian:
        sigma = output[:, 1].double().sqrt()
        metrics["mean_sigma"] = sigma.mean().item() * y_scale
        metrics["coverage95"] = (error.abs() <= Z_95 * sigma).double().mean().item()
    return metrics


def history_row(watched: str, epoch: int, train_loss: float, validation: dict, seconds: float) -> dict:
    """A row of history.csv: the losses and the problem's `watched` validation metric."""
    return {
        "epoch": epoch,
        "train_loss": train_loss,
        "validation_loss": validation["loss"],
        f"validation_{watched}": validation[watched],
        "seconds": seconds,
    }


def progress_line(watched: str, seed: int, epoch: int, epochs: int, row: dict) -> str:
    return (
        f"seed {seed} epoch {epoch}/{epochs}: train loss {row['train_loss']:.4f}, "
        f"validation loss {row['validation_loss']:.4f}, validation {watched} {row[f'validation_{watched}']:.4f}"
    )


def epoch_line(watched: str, epoch: int, epochs: int, rows: list[dict]) -> str:
    """One line per epoch for all the seeds of a run, each number's range over them: a log that
    stays short with ten seeds (a failed cluster job prints it); history.csv holds every seed."""

    def spread(key: str) -> str:
        values = np.array([row[key] for row in rows], dtype=float)
        if np.isnan(values).all():
            return "nan"
        low, high = np.nanmin(values), np.nanmax(values)
        return f"{low:.4f}" if low == high else f"{low:.4f} to {high:.4f}"

    return (
        f"epoch {epoch}/{epochs}, {len(rows)} seed{'s' if len(rows) > 1 else ''}: train loss {spread('train_loss')}, "
        f"validation loss {spread('validation_loss')}, validation {watched} {spread(f'validation_{watched}')}"
    )


def final_metrics(
    problem, loss_name: str, outputs: dict[str, torch.Tensor], tensors: dict[str, torch.Tensor], data: dict
) -> dict[str, float]:
    """`<split>_<metric>` for every split, from one network's outputs per split."""
    return {
        f"{split}_{name}": value
        for split in SPLITS
        for name, value in problem.split_metrics(loss_name, outputs[split], tensors[f"y_{split}"], data).items()
    }
