"""One readable training loop: train a run's hyperparameters for one seed, evaluate.

Data live on the device as tensors and mini-batches are gathered by index, so
a step costs a forward, a backward and an optimizer step, nothing more. The
loop synchronises with the host once per epoch, to log and to detect a loss
that became NaN or infinite (the run is then recorded as diverged, not failed).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from .losses import LOSSES
from .models import build_model
from .splits import SPLITS

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop}
EVAL_BATCH = 4096
Z_95 = 1.959963984540054  # two-sided 95% interval of a normal distribution


@dataclass
class SeedResult:
    seed: int
    metrics: dict[str, float]
    history: list[dict]
    predictions: dict[str, np.ndarray]  # test-set columns
    train_seconds: float
    diverged: bool = False
    diverged_epoch: int | None = None


def pick_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device: cuda was requested but torch sees no CUDA device; use device: auto or cpu")
    return torch.device(device)


def to_tensors(data: dict[str, np.ndarray], problem: str, device: torch.device) -> dict[str, torch.Tensor]:
    label_dtype = torch.long if problem == "usps" else torch.float32
    tensors = {}
    for split in SPLITS:
        tensors[f"x_{split}"] = torch.as_tensor(data[f"x_{split}"], dtype=torch.float32, device=device)
        tensors[f"y_{split}"] = torch.as_tensor(data[f"y_{split}"], dtype=label_dtype, device=device)
    return tensors


@torch.no_grad()
def predict(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    model.eval()
    out = torch.cat([model(x[i : i + EVAL_BATCH]) for i in range(0, len(x), EVAL_BATCH)])
    model.train()
    return out


def split_metrics(problem: str, loss_name: str, output: torch.Tensor, target: torch.Tensor,
                  y_scale: float) -> dict[str, float]:
    """The metrics of one split; house-price errors are reported in dollars."""
    loss = LOSSES[(problem, loss_name)](output, target).item()
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
    if problem == "usps":
        return {"label": target.cpu().numpy(), "predicted": output.argmax(1).cpu().numpy()}
    y_mean, y_std = float(data["y_mean"]), float(data["y_std"])
    out = output.double().cpu().numpy()
    mean = out[:, 0] if out.ndim == 2 else out
    columns = {
        "price": target.double().cpu().numpy() * y_std + y_mean,
        "predicted": mean * y_std + y_mean,
    }
    if out.ndim == 2:
        columns["sigma"] = np.sqrt(out[:, 1]) * y_std
    return columns


def train_seed(problem: str, params: dict, data: dict[str, np.ndarray], tensors: dict[str, torch.Tensor],
               seed: int, log=print) -> SeedResult:
    """Train one seed; `tensors` holds `data`'s splits already on the device."""
    x, y = tensors["x_train"], tensors["y_train"]
    device = x.device
    torch.manual_seed(seed)  # initialisation of this seed's network
    model = build_model(problem, params, x.shape[1]).to(device)
    optimizer = OPTIMIZERS[params["optimizer"]](model.parameters(), lr=params["learning_rate"])
    loss_fn = LOSSES[(problem, params["loss"])]
    order_generator = torch.Generator().manual_seed(seed)  # this seed's data order
    y_scale = float(data["y_std"]) if problem == "house" else 1.0
    watched = "accuracy" if problem == "usps" else "rmse"

    history, diverged_epoch = [], None
    n, batch_size = len(y), params["batch_size"]
    started = time.perf_counter()
    for epoch in range(1, params["epochs"] + 1):
        order = torch.randperm(n, generator=order_generator).to(device)
        total = torch.zeros((), device=device)
        for start in range(0, n, batch_size):
            index = order[start : start + batch_size]
            loss = loss_fn(model(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(index)
        train_loss = (total / n).item()
        validation = split_metrics(problem, params["loss"], predict(model, tensors["x_validation"]),
                                   tensors["y_validation"], y_scale)
        history.append({
            "epoch": epoch,
            "train_loss": train_loss,
            "validation_loss": validation["loss"],
            f"validation_{watched}": validation[watched],
            "seconds": time.perf_counter() - started,
        })
        log(f"seed {seed} epoch {epoch}/{params['epochs']}: train loss {train_loss:.4f}, "
            f"validation loss {validation['loss']:.4f}, validation {watched} {validation[watched]:.4f}")
        if not math.isfinite(train_loss):
            diverged_epoch = epoch
            log(f"seed {seed} diverged at epoch {epoch} (training loss {train_loss}); stopping this seed")
            break
    train_seconds = time.perf_counter() - started

    metrics = {}
    for split in SPLITS:
        output = predict(model, tensors[f"x_{split}"])
        for name, value in split_metrics(problem, params["loss"], output, tensors[f"y_{split}"], y_scale).items():
            metrics[f"{split}_{name}"] = value
    predictions = test_predictions(problem, output, tensors["y_test"], data)
    return SeedResult(seed, metrics, history, predictions, train_seconds,
                      diverged=diverged_epoch is not None, diverged_epoch=diverged_epoch)


def train_run(problem: str, params: dict, data: dict[str, np.ndarray], seeds: list[int], device: torch.device,
              log=print) -> list[SeedResult]:
    tensors = to_tensors(data, problem, device)
    return [train_seed(problem, params, data, tensors, seed, log) for seed in seeds]


def configure_torch(threads: int) -> None:
    """Deterministic CPU kernels and as many threads as the job was given."""
    torch.set_num_threads(max(1, threads))
    torch.use_deterministic_algorithms(True, warn_only=True)
