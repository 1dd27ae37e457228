"""Wall time of the training runs through SLURM, one run per job against grouped or
array jobs, on the tests' one-node cluster (started and stopped here; needs root).

    .venv/bin/python tests/cluster/measure_grouping.py                      # the tiny test study
    .venv/bin/python tests/cluster/measure_grouping.py --study house --mirror ../shared/data

`--study house` takes the house-prices part of the real study (config/config.yaml,
38 runs, 3 seeds each) with the raw file from a mirror. Each build starts from a
fresh copy whose data splits were prepared locally beforehand, so only the
training jobs go through SLURM, and the timed command is the cluster build of
every run's outputs. Modes alternate within each repeat, as the machine is shared
and noisy. Prints a table (Markdown).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/: the e2e helpers

from e2e.workflow import REPO, snakemake, tiny_workflow
from slurm_cluster import build_on_cluster, cluster, why_not_runnable

from benchmarks.bench import copy_workflow
from hpstudy.study.plan import expand_study

CPUS = 2  # of the test cluster's node


def workflow_copy(root: Path, study: str, mirror: str | None, prepare: bool = True) -> Path:
    root.mkdir(parents=True)
    if study == "tiny":
        workdir = tiny_workflow(root)
    else:
        workdir = root / "workflow-copy"
        workdir.mkdir()
        copy_workflow(REPO, workdir)
    # The shipped profile without its grouping, for the one-run-per-job modes.
    profile = yaml.safe_load((workdir / "workflow/profiles/slurm/config.yaml").read_text())
    del profile["groups"], profile["group-components"]
    (workdir / "workflow/profiles/slurm-ungrouped").mkdir()
    (workdir / "workflow/profiles/slurm-ungrouped/config.yaml").write_text(yaml.safe_dump(profile))
    if prepare:
        config = ["--config", f"data_mirror={mirror}"] if mirror else []
        problems = ["usps", "house"] if study == "tiny" else ["house"]
        snakemake(workdir, *config, "--", *(f"results/data/{problem}.npz" for problem in problems))
    return workdir


def run_targets(workdir: Path, study: str) -> list[str]:
    runs = expand_study(yaml.safe_load((workdir / "config/config.yaml").read_text())).runs.values()
    return [f"results/runs/{r.problem}/{r.run_id}/config.json" for r in runs if study == "tiny" or r.problem == study]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--study", choices=["tiny", "house"], default="tiny")
    parser.add_argument("--mirror", help="folder with the raw files (for --study house)")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    reason = why_not_runnable()
    if reason:
        sys.exit(f"cannot start the test cluster: {reason}")
    mirror = str(Path(args.mirror).resolve()) if args.mirror else None
    config = ["--config", f"data_mirror={mirror}"] if mirror else []

    with tempfile.TemporaryDirectory(prefix="measure-grouping-") as tmp:
        n_runs = len(run_targets(workflow_copy(Path(tmp, "probe"), args.study, mirror, prepare=False), args.study))
        per_cpu = math.ceil(n_runs / CPUS)
        modes = {
            "one run per SLURM job": ("profiles/slurm-ungrouped", []),
            "array job (`--slurm-array-jobs train_run`)": (
                "profiles/slurm-ungrouped",
                ["--slurm-array-jobs", "train_run"],
            ),
            f"grouped, {per_cpu} runs per job ({CPUS} jobs)": (
                "profiles/slurm",
                ["--group-components", f"train={per_cpu}"],
            ),
        }
        if per_cpu > 10:
            modes[f"grouped, 10 runs per job (the profile; {math.ceil(n_runs / 10)} jobs)"] = ("profiles/slurm", [])
        seconds: dict[str, list[float]] = {mode: [] for mode in modes}
        jobs: dict[str, int] = {}
        with cluster():
            for repeat in range(args.repeats):
                for mode, (profile, extra) in modes.items():
                    workdir = workflow_copy(Path(tmp, f"{repeat}-{list(modes).index(mode)}"), args.study, mirror)
                    build = build_on_cluster(
                        workdir, *config, *extra, "--", *run_targets(workdir, args.study), profile=profile
                    )
                    if build.returncode != 0:
                        sys.exit(f"{mode}: build failed, log {build.log}:\n{build.output[-4000:]}")
                    seconds[mode].append(build.seconds)
                    jobs[mode] = len(set(build.submitted())) + build.output.count("Submitted array job")
                    print(f"{mode}: {build.seconds:.0f} s, {jobs[mode]} sbatch submissions", flush=True)

    print(f"\n{n_runs} training runs ({args.study}), SLURM node with {CPUS} CPUs\n")
    print("| mode | sbatch submissions | wall s (each repeat) | median |")
    print("|---|---|---|---|")
    for mode, values in seconds.items():
        each = " / ".join(f"{v:.0f}" for v in values)
        print(f"| {mode} | {jobs[mode]} | {each} | {statistics.median(values):.0f} |")


if __name__ == "__main__":
    main()
