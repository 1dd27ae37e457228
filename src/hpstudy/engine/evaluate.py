"""Metrics of a trained network on the splits, shared by both training loops."""

from __future__ import annotations

import math

import numpy as np
import torch

from hpstudy.data.splits import SPLITS
from hpstudy.engine.losses import LOSSES

Z_95 = 1.959963984540054  # two-sided 95% interval of a normal distribution


def to_tensors(data: dict[str, np.ndarray], problem: str, device: torch.device) -> dict[str, torch.Tensor]:
    """The splits as tensors on the device, loaded once per job."""
    label_dtype = torch.long if problem == "usps" else torch.float32
    tensors = {}
    for split in SPLITS:
        tensors[f"x_{split}"] = torch.as_tensor(data[f"x_{split}"], dtype=torch.float32, device=device)
        tensors[f"y_{split}"] = torch.as_tensor(data[f"y_{split}"], dtype=label_dtype, device=device)
    return tensors


def target_scale(problem: str, data: dict) -> float:
    """House-price errors are reported in dollars: standardised units times the train std."""
    return float(data["y_std"]) if problem == "house" else 1.0


def split_metrics(
    problem: str, loss_name: str, output: torch.Tensor, target: torch.Tensor, y_scale: float
) -> dict[str, float]:
    """The metrics of one network on one split."""
    loss = LOSSES[(problem, loss_name)](output, target).mean().item()
    if problem == "usps":
        return {"loss": loss, "accuracy": (output.argmax(1) == target).double().mean().item()}
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


def test_predictions(problem: str, output: torch.Tensor, target: torch.Tensor, data: dict) -> dict[str, np.ndarray]:
    """Per test sample: label and predicted class, or price, predicted price and sigma in dollars."""
    if problem == "usps":
        return {"label": target.cpu().numpy(), "predicted": output.argmax(1).cpu().numpy()}
    y_mean, y_std = float(data["y_mean"]), float(data["y_std"])
    out = output.double().cpu().numpy()
    mean = out[:, 0] if out.ndim == 2 else out
    columns = {"price": target.double().cpu().numpy() * y_std + y_mean, "predicted": mean * y_std + y_mean}
    if out.ndim == 2:
        columns["sigma"] = np.sqrt(out[:, 1]) * y_std
    return columns


def watched_metric(problem: str) -> str:
    """The validation metric logged every epoch."""
    return "accuracy" if problem == "usps" else "rmse"


def history_row(problem: str, epoch: int, train_loss: float, validation: dict, seconds: float) -> dict:
    watched = watched_metric(problem)
    return {
        "epoch": epoch,
        "train_loss": train_loss,
        "validation_loss": validation["loss"],
        f"validation_{watched}": validation[watched],
        "seconds": seconds,
    }


def progress_line(problem: str, seed: int, epoch: int, epochs: int, row: dict) -> str:
    watched = watched_metric(problem)
    return (
        f"seed {seed} epoch {epoch}/{epochs}: train loss {row['train_loss']:.4f}, "
        f"validation loss {row['validation_loss']:.4f}, validation {watched} {row[f'validation_{watched}']:.4f}"
    )


def epoch_line(problem: str, epoch: int, epochs: int, rows: list[dict]) -> str:
    """One line per epoch for all the seeds of a run, each number's range over them: a log that
    stays short with ten seeds (a failed cluster job prints it); history.csv holds every seed."""
    watched = watched_metric(problem)

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
    problem: str, loss_name: str, outputs: dict[str, torch.Tensor], tensors: dict[str, torch.Tensor], y_scale: float
) -> dict[str, float]:
    """`<split>_<metric>` for every split, from one network's outputs per split."""
    return {
        f"{split}_{name}": value
        for split in SPLITS
        for name, value in split_metrics(problem, loss_name, outputs[split], tensors[f"y_{split}"], y_scale).items()
    }
