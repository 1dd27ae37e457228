"""The training engine: all seeds of a run trained together as one replica network.

Each seed's network is built exactly as the plain model would be (same seed,
same initialisation), the K networks are stacked (see `replicas`), and every
step draws one mini-batch per replica from that replica's own data order.
The loss is the sum of the replicas' mean losses, so gradients never mix.

Per step the loop does a forward, a backward and an optimizer step on tensors
already on the device, gathering batches by index; it synchronises with the
host once per epoch, to log and to check divergence.

A replica diverges when its loss becomes NaN or infinite (it is masked out
from that step on), or when an epoch's mean training loss exceeds the untrained
network's (on the validation split) by DIVERGENCE_FACTOR times its magnitude (the loss has blown up while
staying finite, as with the USPS learning rate of 10). It is reported as
diverged at that epoch, with the metrics it had at the end of that epoch; the
other replicas go on undisturbed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from hpstudy.data.splits import SPLITS
from hpstudy.engine.evaluate import epoch_line, final_metrics, history_row, to_tensors
from hpstudy.engine.optimizers import OPTIMIZERS
from hpstudy.engine.replicas import stack
from hpstudy.errors import ConfigError
from hpstudy.runtime.preflight import no_cuda_message

# values of the inputs one forward and backward reads, at most: a step on a larger batch is taken in parts,
# as its activations left the cache (a USPS CNN batch of 1,000 took 1.8 times as long in one piece, at ten
# seeds); a step of a small network is never cut
MICRO_BATCH_VALUES = 2**22
EVAL_CHUNK = 128  # samples per replica per evaluation pass: in cache (ten CNN replicas: half the time of 256)
DIVERGENCE_FACTOR = 10.0


@dataclass
class SeedResult:
    seed: int
    metrics: dict[str, float]
    predictions: dict[str, np.ndarray]  # test-set columns
    history: list[dict]
    train_seconds: float
    diverged: bool = False
    diverged_epoch: int | None = None


def pick_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError(no_cuda_message())
    return torch.device(device)


def configure_torch(threads: int) -> None:
    """Deterministic kernels and as many threads as the job was given.

    Deterministic mode would also fill every new tensor with NaN (a debugging
    aid that cost a tenth of the step time here), so that is switched off. So
    is oneDNN (mkldnn): for the study's tiny convolutions PyTorch's native CPU
    kernels took 40-50% less time per step here (measured at K = 1, 3, 8, 32);
    GPUs are unaffected.

    The switch is set on torch's core directly: the public
    `torch.use_deterministic_algorithms` also imports the torch.compile stack
    (torch._inductor, torch._dynamo) to set its flag there, which took 1.2-1.5 s
    per training job here, for a compiler the engine does not use.
    """
    torch.set_num_threads(max(1, threads))
    torch._C._set_deterministic_algorithms(True, warn_only=True)
    torch.utils.deterministic.fill_uninitialized_memory = False
    torch.backends.mkldnn.enabled = False


def initial_models(problem, params: dict, n_inputs: int, seeds: list[int]) -> list[torch.nn.Module]:
    """One plain network per seed, initialised from that seed alone (`problem`: see hpstudy.problems.base)."""
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append(problem.build_model(params, n_inputs))
    return models


def divergence_threshold(initial_loss: torch.Tensor) -> torch.Tensor:
    """The training loss above which a network counts as diverged."""
    return initial_loss + DIVERGENCE_FACTOR * initial_loss.abs()


def gather(samples: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """samples[index] for a (K, B) index: index_select took a quarter of the time on the patches."""
    return samples.index_select(0, index.flatten()).view(*index.shape, *samples.shape[1:])


@torch.no_grad()  # the gradients are taken by hand (see replicas)
def step(net, optimizer, inputs, y, index, loss_fn, loss_gradient, alive: torch.Tensor) -> torch.Tensor:
    """One training step on the (K, B) batch `index`; returns each replica's mean loss.

    `alive` is updated in place: a replica whose loss is not finite stops learning.
    """
    part = max(1, MICRO_BATCH_VALUES // (len(index) * inputs[0].numel()))  # samples per replica
    if index.shape[1] > part:
        return micro_batched_step(net, optimizer, inputs, y, index.split(part, dim=1), loss_fn, loss_gradient, alive)
    target = gather(y, index)
    out = net(gather(inputs, index), record=True)
    per_replica = loss_fn(out, target).mean(-1)
    alive &= torch.isfinite(per_replica)
    # the gradient of the sum of the live replicas' mean losses: where, as NaN * 0 is NaN
    live = alive.view(-1, *[1] * (out.dim() - 1))
    net.backward(torch.where(live, loss_gradient(out, target) / index.shape[1], 0.0))
    optimizer.step()
    return per_replica


def micro_batched_step(net, optimizer, inputs, y, parts, loss_fn, loss_gradient, alive: torch.Tensor) -> torch.Tensor:
    """`step` for a large batch, taken in `parts` (of its (K, B) index) whose gradients add up to the
    batch's. A replica whose loss is not finite is masked once all parts are done: gradients are linear
    in the loss's, so masking after is masking before."""
    batch, total, grads = sum(part.shape[1] for part in parts), 0.0, None
    for part in parts:
        target = gather(y, part)
        out = net(gather(inputs, part), record=True)
        total = total + loss_fn(out, target).sum(-1)
        net.backward(loss_gradient(out, target) / batch)
        part_grads = [parameter.grad for parameter in net.parameters()]
        if grads is None:
            grads = part_grads
        else:
            torch._foreach_add_(grads, part_grads)
    per_replica = total / batch
    alive &= torch.isfinite(per_replica)
    live = alive.view(-1, 1)
    for parameter, grad in zip(net.parameters(), grads, strict=True):  # every parameter is replica-major
        parameter.grad = torch.where(live, grad.view(len(live), -1), 0.0).view_as(grad)
    optimizer.step()
    return per_replica


def steps_per_run(n_train: int, params: dict) -> int:
    """Optimizer steps of a full training: epochs × mini-batches per epoch (the last one may be short)."""
    return params["epochs"] * -(-n_train // params["batch_size"])


@torch.no_grad()
def predict_replicas(net: torch.nn.Module, x: torch.Tensor, replicas: int) -> torch.Tensor:
    """Every replica's output on the same inputs: (N, F) -> (K, N, ...)."""
    net.eval()
    chunks = []
    for i in range(0, len(x), EVAL_CHUNK):
        inputs = net.inputs(x[i : i + EVAL_CHUNK])
        chunks.append(net(inputs.expand(replicas, *inputs.shape)))
    net.train()
    return torch.cat(chunks, dim=1)


def train_run(
    problem, params: dict, data: dict[str, np.ndarray], seeds: list[int], device: torch.device, log=print
) -> list[SeedResult]:
    """Train every seed of a run of `problem` (see hpstudy.problems.base) together."""
    tensors = to_tensors(data, problem.label_dtype(), device)
    x, y = tensors["x_train"], tensors["y_train"]
    replicas = len(seeds)
    net = stack(initial_models(problem, params, x.shape[1], seeds)).to(device)
    inputs = net.inputs(x)  # a CNN's image patches are cut once, not at every step
    optimizer = OPTIMIZERS[params["optimizer"]](net.parameters(), lr=params["learning_rate"])
    loss_fn, loss_gradient = problem.loss(params["loss"])
    generators = [torch.Generator().manual_seed(seed) for seed in seeds]  # each seed's own data order

    n, batch_size = len(y), params["batch_size"]
    # the untrained networks' loss, on the (smaller) validation split
    x_validation, y_validation = tensors["x_validation"], tensors["y_validation"]
    initial_loss = loss_fn(
        predict_replicas(net, x_validation, replicas), y_validation.expand(replicas, *y_validation.shape)
    ).mean(-1)
    threshold = divergence_threshold(initial_loss).tolist()
    alive = torch.ones(replicas, dtype=torch.bool, device=device)
    diverged_epoch: list[int | None] = [None] * replicas
    final: dict[int, tuple[dict, dict]] = {}  # metrics and predictions, taken when a replica diverged
    histories: list[list[dict]] = [[] for _ in seeds]
    started = time.perf_counter()
    for epoch in range(1, params["epochs"] + 1):
        order = torch.stack([torch.randperm(n, generator=g) for g in generators]).to(device)
        total = torch.zeros(replicas, device=device)
        for start in range(0, n, batch_size):
            index = order[:, start : start + batch_size]  # (K, B): replica k's batch
            per_replica = step(net, optimizer, inputs, y, index, loss_fn, loss_gradient, alive)
            total += torch.where(alive, per_replica, 0.0) * index.shape[1]
        train_losses, finite = (total / n).tolist(), alive.tolist()
        validation = predict_replicas(net, x_validation, replicas)
        seconds = time.perf_counter() - started
        newly_diverged, rows = [], []
        for k, seed in enumerate(seeds):
            if diverged_epoch[k] is not None:
                continue
            metrics = problem.split_metrics(params["loss"], validation[k], y_validation, data)
            row = history_row(
                problem.watched_metric, epoch, train_losses[k] if finite[k] else math.nan, metrics, seconds
            )
            histories[k].append(row)
            rows.append(row)
            if not finite[k] or train_losses[k] > threshold[k]:
                diverged_epoch[k] = epoch
                newly_diverged.append(k)
                log(
                    f"seed {seed} diverged at epoch {epoch} (training loss {row['train_loss']:.4g}, "
                    f"untrained {initial_loss[k].item():.4g}); its replica stops here"
                )
        if rows:
            log(epoch_line(problem.watched_metric, epoch, params["epochs"], rows))
        if newly_diverged:
            alive[newly_diverged] = False
            final.update(final_outputs(problem, params, net, tensors, data, newly_diverged))
        if all(e is not None for e in diverged_epoch):
            break
    seconds_per_seed = (time.perf_counter() - started) / replicas

    final.update(final_outputs(problem, params, net, tensors, data, [k for k in range(replicas) if k not in final]))
    return [
        SeedResult(
            seed,
            *final[k],
            histories[k],
            seconds_per_seed,
            diverged=diverged_epoch[k] is not None,
            diverged_epoch=diverged_epoch[k],
        )
        for k, seed in enumerate(seeds)
    ]


def final_outputs(
    problem, params: dict, net: torch.nn.Module, tensors: dict, data: dict, which: list[int]
) -> dict[int, tuple[dict, dict]]:
    """Metrics and test predictions of the replicas `which`, as the network is now."""
    if not which:
        return {}
    outputs = {split: predict_replicas(net, tensors[f"x_{split}"], net.replicas) for split in SPLITS}
    return {
        k: (
            final_metrics(problem, params["loss"], {s: out[k] for s, out in outputs.items()}, tensors, data),
            problem.test_predictions(outputs["test"][k], tensors["y_test"], data),
        )
        for k in which
    }
