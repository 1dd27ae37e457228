"""The plain training loop: one network per seed, one seed after another.

The reference the engine (`train.train_run`) is tested against, and the
"plain" side of the benchmark: the same initialisation, data order and steps
as one replica of the engine, on an ordinary `nn.Module`.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from hpstudy.data.splits import SPLITS
from hpstudy.engine.evaluate import final_metrics, history_row, progress_line, to_tensors
from hpstudy.engine.train import EVAL_CHUNK, SeedResult, divergence_threshold
from hpstudy.engine.vocabulary import OPTIMIZERS

# torch.optim itself, as a plain training loop uses it (the engine has its own copies of the rules)
TORCH_OPTIMIZERS = {name: getattr(torch.optim, optimizer) for name, optimizer in OPTIMIZERS.items()}


@torch.no_grad()
def predict(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    model.eval()
    out = torch.cat([model(x[i : i + EVAL_CHUNK]) for i in range(0, len(x), EVAL_CHUNK)])
    model.train()
    return out


def train_seed(
    problem, params: dict, data: dict[str, np.ndarray], tensors: dict[str, torch.Tensor], seed: int, log=print
) -> SeedResult:
    x, y = tensors["x_train"], tensors["y_train"]
    torch.manual_seed(seed)
    model = problem.build_model(params, x.shape[1]).to(x.device)
    optimizer = TORCH_OPTIMIZERS[params["optimizer"]](model.parameters(), lr=params["learning_rate"])
    loss_fn = problem.loss(params["loss"])[0]
    generator = torch.Generator().manual_seed(seed)

    history, diverged_epoch = [], None
    n, batch_size = len(y), params["batch_size"]
    threshold = divergence_threshold(
        loss_fn(predict(model, tensors["x_validation"]), tensors["y_validation"]).mean()
    ).item()
    started = time.perf_counter()
    for epoch in range(1, params["epochs"] + 1):
        order = torch.randperm(n, generator=generator).to(x.device)
        total = torch.zeros((), device=x.device)
        for start in range(0, n, batch_size):
            index = order[start : start + batch_size]
            loss = loss_fn(model(x[index]), y[index]).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(index)
        train_loss = (total / n).item()
        validation = problem.split_metrics(
            params["loss"], predict(model, tensors["x_validation"]), tensors["y_validation"], data
        )
        history.append(
            history_row(problem.watched_metric, epoch, train_loss, validation, time.perf_counter() - started)
        )
        log(progress_line(problem.watched_metric, seed, epoch, params["epochs"], history[-1]))
        if not math.isfinite(train_loss) or train_loss > threshold:
            diverged_epoch = epoch
            break
    train_seconds = time.perf_counter() - started

    outputs = {split: predict(model, tensors[f"x_{split}"]) for split in SPLITS}
    return SeedResult(
        seed,
        final_metrics(problem, params["loss"], outputs, tensors, data),
        problem.test_predictions(outputs["test"], tensors["y_test"], data),
        history,
        train_seconds,
        diverged=diverged_epoch is not None,
        diverged_epoch=diverged_epoch,
    )


def train_plain(
    problem, params: dict, data: dict[str, np.ndarray], seeds: list[int], device: torch.device, log=print
) -> list[SeedResult]:
    tensors = to_tensors(data, problem.label_dtype(), device)
    return [train_seed(problem, params, data, tensors, seed, log) for seed in seeds]
