"""Training time that means something: every run of a problem timed alone, apart from its training.

A training job trains all seeds of a run as one batched network, beside other
jobs, so its wall-clock time says little about one configuration. Here each
run is timed as a user training it alone would see it: one replica (K = 1), one
torch thread, the engine's own training step (`train.step`) on mini-batches of
the run's size. REPEATS rounds are timed, each after WARMUP_STEPS untimed
steps, the rounds interleaved over all runs of the problem so that a change in
the machine's speed during the measurement reaches every configuration alike.
A round takes MAX_STEPS steps, or, for larger batches, as many as make
TIMED_SAMPLES samples (at least MIN_STEPS): a large batch's step is long and
varies little, and timing it as often as a small one's was most of the
measurement's cost.

One round's fastest step × the run's steps (epochs × mini-batches per epoch)
estimates the training time of one seed; the REPEATS estimates are its sample
(evaluation passes excluded). The fastest step, as timeit advises: a shared
machine only ever adds time, and a step that an interrupt, the scheduler or a
neighbouring virtual machine lengthened says nothing about the configuration.
And each round of each run is calibrated: a reference (the problem's first run,
in a network of its own) takes REFERENCE_STEPS steps just before it, and the
run's step is scaled by the reference's typical fastest step over its fastest
step then. A machine that is slower for a while (another virtual machine on the
host, a scheduler) slows both alike, and the ratio cancels it. On this
project's machine, at a noisy hour, the rounds of one run varied by 17-21%
(coefficient of variation, the median over runs) with a round's median step,
by 19-20% with its fastest, and by 10% with the fastest calibrated; at a quiet
hour by 2-3%. The workflow runs this job with every core it was given, so no
other job shares the machine while it times.

Beside it, a deterministic cost from the model itself: its parameters and its
multiply-adds per training step (forward multiply-adds of the linear and
convolution layers × batch size × 3, the usual count for forward plus backward).
"""

from __future__ import annotations

import statistics
import time

# The protocol's constants are read by the report, which must not import torch: the
# engine is imported by the functions that time.
WARMUP_STEPS = 3  # untimed, before every round: the run's data and weights back in cache
MIN_STEPS, MAX_STEPS = 5, 20
TIMED_SAMPLES = 200  # per round, where MAX_STEPS steps would take more
REPEATS = 15  # rounds: the sample each time check tests
REFERENCE_STEPS = 5  # timed steps of the reference, after WARMUP_STEPS, before each run's round
TIMING_SEED = 0


def timed_steps(batch_size: int) -> int:
    """Steps timed in each round of a run with this batch size."""
    return min(MAX_STEPS, max(MIN_STEPS, TIMED_SAMPLES // batch_size))


def forward_multiply_adds(model, n_inputs: int) -> int:
    """Multiply-adds of one sample's forward pass through the model's linear and convolution layers."""
    import torch
    from torch import nn

    total = 0

    def count(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Linear):
            total += module.in_features * module.out_features
        else:  # Conv2d: every output element is a dot product over its input window
            kh, kw = module.kernel_size
            total += output[0].numel() * (module.in_channels // module.groups) * kh * kw

    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    try:
        with torch.no_grad():
            model(torch.zeros(1, n_inputs))
    finally:
        for hook in hooks:
            hook.remove()
    return total


class TimedRun:
    """One run ready to step: its one-replica network, optimizer and data order."""

    def __init__(self, problem, params: dict, tensors: dict, patches: dict, device):
        import torch

        from hpstudy.engine import train
        from hpstudy.engine.optimizers import OPTIMIZERS
        from hpstudy.engine.replicas import stack

        x = tensors["x_train"]
        (model,) = train.initial_models(problem, params, x.shape[1], [TIMING_SEED])
        self.parameters = sum(p.numel() for p in model.parameters())
        self.batch_size = params["batch_size"]
        self.multiply_adds = 3 * self.batch_size * forward_multiply_adds(model, x.shape[1])
        self.steps = train.steps_per_run(len(x), params)
        self.net = stack([model]).to(device)
        key = repr(self.net.layers[1]) if self.net.reads_patches else None  # a CNN's patches, cut once per shape
        if key not in patches:
            patches[key] = self.net.inputs(x)
        self.inputs, self.y = patches[key], tensors["y_train"]
        self.optimizer = OPTIMIZERS[params["optimizer"]](self.net.parameters(), lr=params["learning_rate"])
        self.loss = problem.loss(params["loss"])
        generator = torch.Generator().manual_seed(TIMING_SEED)
        self.order = torch.randperm(len(x), generator=generator).to(device).view(1, -1)
        self.alive = torch.ones(1, dtype=torch.bool, device=device)
        self.position = 0

    def run_steps(self, count: int, clock=None) -> list[float]:
        """Take `count` steps; with a `clock` (a function that waits for the device and reads the
        time), return each step's seconds."""
        from hpstudy.engine.train import step

        n, seconds = self.order.shape[1], []
        for _ in range(count):
            if self.position >= n:
                self.position = 0
            index = self.order[:, self.position : self.position + self.batch_size]
            self.position += self.batch_size
            started = clock() if clock else 0.0
            step(self.net, self.optimizer, self.inputs, self.y, index, *self.loss, self.alive)
            if clock:
                seconds.append(clock() - started)
        return seconds


def device_clock(device):
    """time.perf_counter, after the device has finished its queued work."""
    if device.type != "cuda":
        return time.perf_counter
    import torch

    def clock() -> float:
        torch.cuda.synchronize(device)
        return time.perf_counter()

    return clock


def time_runs(name: str, problem, runs: dict[str, dict], data: dict, device, log=print) -> list[dict]:
    """A row per run and repeat of the problem `name`: the estimated seconds of one seed's training,
    and the run's costs."""
    from hpstudy.engine.evaluate import to_tensors

    tensors = to_tensors(data, problem.label_dtype(), device)
    patches: dict = {}
    timed = {run_id: TimedRun(problem, params, tensors, patches, device) for run_id, params in sorted(runs.items())}
    reference = TimedRun(problem, runs[min(runs)], tensors, patches, device)
    measured, clock = [], device_clock(device)  # (repeat, run_id, fastest step, the reference's fastest step)
    for repeat in range(REPEATS):
        for run_id, run in timed.items():
            reference.run_steps(WARMUP_STEPS)
            reference_step = min(reference.run_steps(REFERENCE_STEPS, clock))
            run.run_steps(WARMUP_STEPS)
            measured.append((repeat, run_id, min(run.run_steps(timed_steps(run.batch_size), clock)), reference_step))
        log(f"round {repeat + 1} of {REPEATS} timed ({len(timed)} runs)")
    typical = statistics.median(reference_step for *_, reference_step in measured)
    rows = []
    for repeat, run_id, fastest, reference_step in measured:
        run, step_seconds = timed[run_id], fastest * typical / reference_step
        rows.append(
            {
                "problem": name,
                "run_id": run_id,
                "repeat": repeat,
                "step_seconds": step_seconds,
                "solo_seconds": step_seconds * run.steps,
                "steps": run.steps,
                "multiply_adds_per_step": run.multiply_adds,
                "parameters": run.parameters,
                "fastest_step_seconds": fastest,  # as measured, before the calibration
                "reference_step_seconds": reference_step,
            }
        )
    return rows


def run(request: dict, log, process: str = "its own process") -> None:
    """The timing job (see `jobs`): request keys problem, module, runs, device, data, output, code, log."""
    from hpstudy import problems
    from hpstudy.data.splits import load_splits
    from hpstudy.engine import train
    from hpstudy.runtime.atomic import write_rows

    train.configure_torch(1)  # one thread, as a user training one model would
    device = train.pick_device(request["device"])
    log(f"timing {len(request['runs'])} {request['problem']} runs on {device}, one thread, in {process}")
    problem = problems.load(request["module"])
    rows = time_runs(request["problem"], problem, request["runs"], load_splits(request["data"]), device, log)
    write_rows(request["output"], rows)
