"""Benchmark: the training engine against the loop a notebook would use.

    python -m benchmarks.bench --data results/data/usps.npz [--skip-study] [--out results/benchmarks/bench.csv]

Side by side, in one invocation, on this machine:

1. seconds per seed-epoch of the USPS CNN and MLP baselines with 3 seeds:
   the naive loop (DataLoader over a TensorDataset, one model per seed, one
   seed after another) against the engine (the seeds as one replica network);
2. how the engine's cost per seed-epoch grows with the number of seeds K;
3. the full study with 3 seeds: `snakemake --cores 2` in a fresh copy of the
   workflow, with and without the warm trainer, against the naive loop running
   the same runs one after another, and the peak resident memory of a training
   job;
4. the default build, 10 seeds, from nothing to report.pdf (timing measurement
   included), against the naive loop on the same run-seeds. The naive loop's
   time is linear in seeds (one model after another), so it is its 3-seed time
   scaled by 10/3.

It reports; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset

from hpstudy import problems
from hpstudy.data.splits import load_splits
from hpstudy.engine import train
from hpstudy.engine.reference import TORCH_OPTIMIZERS
from hpstudy.results.stats import ALPHA, welch_from_stats
from hpstudy.runtime import machine
from hpstudy.runtime.atomic import write_csv
from hpstudy.study.plan import expand_study

WORKFLOW_PARTS = ("Snakefile", "profiles", "workflow", "scripts", "report", "config")


def copy_workflow(repo: Path, destination: Path) -> Path:
    """The files a build needs, copied from the repository into `destination` (the link kept a link)."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        source = repo / part
        if source.is_symlink():
            (destination / part).symlink_to(source.readlink())
        elif source.is_dir():
            shutil.copytree(source, destination / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, destination / part)
    return destination


def usps_baselines(config_path: Path) -> dict[str, dict]:
    """The USPS baselines of the study config, by name ('mlp', 'cnn')."""
    import yaml

    return yaml.safe_load(config_path.read_text(encoding="utf-8"))["problems"]["usps"]["baselines"]


def problem_named(name: str):
    """A built-in problem's PROBLEM, by name."""
    return problems.load(problems.module_name(name))


def naive_seed(problem: str, params: dict, data: dict, seed: int) -> float:
    """What a notebook does: a DataLoader over a TensorDataset and `.item()` every step.

    Returns the test metric the report leads with (USPS accuracy, house RMSE in dollars)."""
    problem = problem_named(problem)
    torch.manual_seed(seed)
    x = torch.as_tensor(data["x_train"])
    y = torch.as_tensor(data["y_train"], dtype=problem.label_dtype())
    model = problem.build_model(params, x.shape[1])
    optimizer = TORCH_OPTIMIZERS[params["optimizer"]](model.parameters(), lr=params["learning_rate"])
    loss_fn = problem.loss(params["loss"])[0]
    loader = DataLoader(TensorDataset(x, y), batch_size=params["batch_size"], shuffle=True)
    for _ in range(params["epochs"]):
        running = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb).mean()
            loss.backward()
            optimizer.step()
            running += loss.item()
    with torch.no_grad():
        output = model(torch.as_tensor(data["x_test"]))
    y_test = torch.as_tensor(data["y_test"], dtype=y.dtype)
    return problem.split_metrics(params["loss"], output, y_test, data)[problem.watched_metric]


def naive_run(problem: str, params: dict, data: dict, seeds: list[int]) -> tuple[float, list[float]]:
    """Seconds, and each seed's test metric, under PyTorch's default settings, as a notebook runs
    (the engine's are set by configure_torch)."""
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(False)
    started = time.perf_counter()
    with warnings.catch_warnings():
        # switching oneDNN back to PyTorch's default warns about Intel GPUs each time
        warnings.filterwarnings("ignore", message="TF32 acceleration on top of oneDNN")
        with torch.backends.mkldnn.flags(enabled=True):
            metrics = [naive_seed(problem, params, data, seed) for seed in seeds]
    seconds = time.perf_counter() - started
    torch.use_deterministic_algorithms(deterministic, warn_only=True)
    return seconds, metrics


def engine_run(problem: str, params: dict, data: dict, seeds: list[int]) -> float:
    started = time.perf_counter()
    train.train_run(problem_named(problem), params, data, seeds, torch.device("cpu"), log=lambda message: None)
    return time.perf_counter() - started


def per_step_table(usps: dict, baselines: dict, epochs: int, seeds: list[int], repeats: int) -> list[dict]:
    """Best of `repeats` alternating measurements: noise on a shared machine only ever adds time."""
    rows = []
    for name, params in (("USPS CNN baseline", baselines["cnn"]), ("USPS MLP baseline", baselines["mlp"])):
        params = {**params, "epochs": epochs}
        seed_epochs = epochs * len(seeds)
        naive, engine = [], []
        for _ in range(repeats):
            naive.append(naive_run("usps", params, usps, seeds)[0] / seed_epochs)
            engine.append(engine_run("usps", params, usps, seeds) / seed_epochs)
        rows.append(side_by_side(f"{name}, {len(seeds)} seeds: s per seed-epoch", min(naive), min(engine)))
    return rows


def side_by_side(measure: str, naive: float, engine: float) -> dict:
    return {"measure": measure, "naive": naive, "engine": engine, "ratio": naive / engine}


def scaling_table(usps: dict, cnn: dict, replicas: list[int], epochs: int, repeats: int) -> list[dict]:
    rows = []
    for k in replicas:
        seconds = min(engine_run("usps", {**cnn, "epochs": epochs}, usps, list(range(k))) for _ in range(repeats))
        rows.append(
            {"measure": f"USPS CNN baseline, engine, K={k}: s per seed-epoch", "engine": seconds / (k * epochs)}
        )
    return rows


STUDY_METRICS = "results/metrics/runs.csv"  # every run trained and aggregated: what the naive loop does


def snakemake_build(workdir: Path, mirror: str, seeds: list[int], targets: list[str], warm_trainer: bool) -> float:
    """Wall seconds of `snakemake --cores 2 TARGETS` in `workdir`; exits on a failed build."""
    config = [
        f"data_mirror={Path(mirror).resolve()}",
        f"seeds={json.dumps(seeds)}",
        f"warm_trainer={str(warm_trainer).lower()}",
    ]
    command = [sys.executable, "-m", "snakemake", "--cores", "2", *targets, "--config", *config]
    print("  snakemake", " ".join(command[4:]), flush=True)
    started = time.perf_counter()
    build = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if build.returncode != 0:
        sys.exit(f"the Snakemake build failed:\n{build.stderr[-5000:]}")
    return seconds


def study_table(repo: Path, mirror: str, seeds: list[int], keep_runs: Path) -> list[dict]:
    """The whole study through Snakemake in fresh copies, then the naive loop on the same runs.

    Both sides are timed to the same result, every run trained and its metrics
    written (the workflow's runs.csv); the first build then goes on to the
    report. A second build trains in each job's own process (warm_trainer:
    false), to show what the per-job import of torch costs. The first build's
    runs.csv is kept as `keep_runs`, to compare its numbers with another build."""
    import yaml

    with tempfile.TemporaryDirectory(prefix="hpstudy-bench-") as tmp:
        print("the full study through Snakemake, as shipped (warm trainer)", flush=True)
        workdir = copy_workflow(repo, Path(tmp) / "warm_trainer")
        to_metrics = snakemake_build(workdir, mirror, seeds, [STUDY_METRICS], warm_trainer=True)
        to_report = to_metrics + snakemake_build(workdir, mirror, seeds, [], warm_trainer=True)
        # the jobs' own peak memory (the benchmark files measure the waiting script)
        configs = workdir.glob("results/runs/*/*/config.json")
        warm_peak_rss = max(json.loads(p.read_text(encoding="utf-8"))["provenance"]["peak_rss_mb"] for p in configs)
        keep_runs.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(workdir / STUDY_METRICS, keep_runs)
        config = yaml.safe_load((workdir / "config/config.yaml").read_text(encoding="utf-8"))
        data = {problem: load_splits(workdir / f"results/data/{problem}.npz") for problem in ("usps", "house")}

        default_seeds = yaml.safe_load((repo / "config/config.yaml").read_text(encoding="utf-8"))["seeds"]
        print(f"the default build, {len(default_seeds)} seeds, from nothing to report.pdf", flush=True)
        workdir = copy_workflow(repo, Path(tmp) / "default_seeds")
        default_build = snakemake_build(workdir, mirror, default_seeds, [], warm_trainer=True)
        timing_seconds = sum(
            pd.read_csv(path, sep="\t")["s"].iloc[0] for path in workdir.glob("results/benchmarks/time_runs/*.tsv")
        )

        print("the full study through Snakemake, warm_trainer: false", flush=True)
        workdir = copy_workflow(repo, Path(tmp) / "own_processes")
        to_metrics_alone = snakemake_build(workdir, mirror, seeds, [STUDY_METRICS], warm_trainer=False)
        benchmarks = workdir.glob("results/benchmarks/train_run/*/*.tsv")
        own_peak_rss = max(pd.read_csv(p, sep="\t")["max_rss"].iloc[0] for p in benchmarks)

    study = expand_study(config)
    print(f"the same {len(study.runs)} runs x {len(seeds)} seeds with the naive loop", flush=True)
    started = time.perf_counter()
    naive_metrics = {
        run_id: (run.problem, naive_run(run.problem, run.params, data[run.problem], seeds)[1])
        for run_id, run in study.runs.items()
    }
    naive = time.perf_counter() - started
    runs = f"{len(study.runs)} runs x {len(seeds)} seeds"
    agreeing = agreement(pd.read_csv(keep_runs), naive_metrics)
    write_csv(keep_runs.with_name("study_agreement.csv"), agreeing)
    comparable = agreeing.dropna(subset=["gap", "welch_p"])
    return [
        side_by_side(
            f"full study ({runs}) to metrics: wall s, snakemake --cores 2 vs naive loop run after run",
            naive,
            to_metrics,
        ),
        side_by_side("  the same, warm_trainer: false (every job imports torch)", naive, to_metrics_alone),
        side_by_side("  the same, then on to the HTML and PDF report (the naive loop makes none)", naive, to_report),
        side_by_side(
            f"default build ({len(study.runs)} runs x {len(default_seeds)} seeds) from nothing to report.pdf: wall s, "
            f"naive loop = its {len(seeds)}-seed time x {len(default_seeds)}/{len(seeds)}",
            naive * len(default_seeds) / len(seeds),
            default_build,
        ),
        {
            "measure": "  of which the timing measurement (time_runs jobs, every core held), wall s",
            "engine": timing_seconds,
        },
        {
            "measure": f"runs whose test metric Welch's t-test does not separate from the naive loop's at {ALPHA} "
            f"(of {len(comparable)} with finite metrics on both sides, of {len(agreeing)})",
            "engine": int(comparable["within"].sum()),
        },
        {"measure": "peak RSS of a training job (MB, max over the runs), in the warm trainer", "engine": warm_peak_rss},
        {"measure": "peak RSS of a training job (MB, max over the runs), in its own process", "engine": own_peak_rss},
    ]


def agreement(engine_runs: pd.DataFrame, naive_metrics: dict[str, tuple[str, list[float]]]) -> pd.DataFrame:
    """Per run, the engine's and the naive loop's test metric over seeds (mean, sample std), and
    whether Welch's t-test, the report's test of a difference, finds none at level ALPHA.

    The naive loop draws its batches from its own DataLoader order, so the two agree
    as samples of the same training, not seed for seed."""
    rows = []
    for run_id, (problem, values) in naive_metrics.items():
        metric = f"test_{problem_named(problem).watched_metric}"
        engine, naive = engine_runs.loc[engine_runs["run_id"] == run_id, metric], pd.Series(values, dtype=float)
        # a seed without a finite metric (diverged) leaves the run without a comparison, not one seed fewer
        means = [side.mean(skipna=False) for side in (engine, naive)]
        stds = [side.std(skipna=False) for side in (engine, naive)]
        gap = means[0] - means[1]
        p = welch_from_stats(means[0], stds[0], len(engine), means[1], stds[1], len(naive))
        finite = math.isfinite(gap) and math.isfinite(p)
        rows.append(
            {
                "problem": problem,
                "run_id": run_id,
                "metric": metric,
                "engine_mean": means[0],
                "engine_std": stds[0],
                "naive_mean": means[1],
                "naive_std": stds[1],
                "gap": gap if finite else math.nan,
                "welch_p": p if finite else math.nan,
                "within": finite and p >= ALPHA,
            }
        )
    return pd.DataFrame(rows)


def show(rows: list[dict]) -> None:
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.4g}", na_rep=""), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="results/data/usps.npz", help="prepared USPS splits (built by the workflow)")
    parser.add_argument("--epochs", type=int, default=10, help="epochs per measurement of the baselines (theirs: 10)")
    parser.add_argument("--scaling-epochs", type=int, default=3, help="epochs per measurement of the K scaling")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per cell; the best is reported")
    parser.add_argument("--mirror", default="../shared/data", help="data_mirror for the full-study build")
    parser.add_argument("--skip-study", action="store_true", help="skip the full-study comparison (the long part)")
    parser.add_argument("--out", default="results/benchmarks/bench.csv")
    args = parser.parse_args(argv)

    train.configure_torch(1)  # what a training job gets
    usps = load_splits(args.data)
    seeds = [0, 1, 2]
    baselines = usps_baselines(Path("config/config.yaml"))
    rows = per_step_table(usps, baselines, args.epochs, seeds, args.repeats)
    rows += scaling_table(usps, baselines["cnn"], [1, 3, 8, 32], args.scaling_epochs, args.repeats)
    if not args.skip_study:
        show(rows)  # before the long part
        rows += study_table(Path.cwd(), args.mirror, seeds, Path(args.out).with_name("study_runs.csv"))
    print(f"\n{machine.describe()}; {torch.get_num_threads()} torch thread per job; torch {torch.__version__}")
    show(rows)
    write_csv(args.out, pd.DataFrame(rows))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
