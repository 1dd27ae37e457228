# Config validation, the expanded study, and every helper the rules use.
import json
import os
import re
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

from hpstudy import problems
from hpstudy.data.splits import recorded_settings
from hpstudy.engine.vocabulary import DEPTH
from hpstudy.errors import ConfigError, OutputError
from hpstudy.runtime import failures, fingerprint, warm
from hpstudy.runtime.preflight import check_device, check_mirror, check_writable, sacct_problem
from hpstudy.study.configuration import check_config
from hpstudy.study.plan import canonical_json


# Before any job is planned: the config (schema, then the study's own checks) and the data mirror.
try:
    STUDY = check_config(config, workflow.source_path("../schemas/config.schema.yaml"))
    check_mirror(config.get("data_mirror"))
except ConfigError as error:
    sources = [*map(str, workflow.configfiles), *(["--config"] if workflow.config_settings.config else [])]
    raise WorkflowError(f"Invalid configuration ({' and '.join(sources)}):\n{error}") from None


# `snakemake --report` packages a finished build; before one, Snakemake's own message
# blames missing metadata on "an older version of Snakemake".
if "--report" in sys.argv and not Path("results/report/report.html").exists():
    raise WorkflowError(
        "snakemake --report packages the outputs of a finished build, and there is none here yet: "
        "build first (snakemake --cores 4), then run snakemake --report results/report.zip"
    )


def code_fingerprint(script, *entries, without=()):
    """The fingerprint of a rule's script and the package code it runs (see hpstudy.runtime.fingerprint):
    a param, so that a change of content, never of a file's time, reruns the rule."""
    return fingerprint.code_fingerprint(workflow.source_path(f"../../scripts/{script}"), *entries, without=without)


# This file's folder. The workflow's own files are found from it, also when a host workflow in
# another folder uses this one as a module (Snakemake's workflow.basedir is then the host's).
RULES_DIR = Path(str(workflow.current_basedir))


def workflow_file(path):
    """A file of the workflow itself (report/claims.yaml), as a rule's input: from a local checkout,
    its own path, the same from build to build (workflow.source_path hands out a new temporary copy
    at every start, which as an input would rerun its rule every time); from a remote workflow,
    Snakemake's copy."""
    local = (RULES_DIR / "../.." / path).resolve()
    if not local.is_file():
        return workflow.source_path(f"../../{path}")
    return os.path.relpath(local) if local.is_relative_to(Path.cwd().resolve()) else str(local)


def use_warm_trainer():
    """Train in a warm process (see hpstudy.runtime.warm): local jobs only, in this environment only."""
    return (
        config.get("warm_trainer", True)
        and warm.available()
        and workflow.local_exec
        and not workflow.deployment_settings.deployment_method
    )


# Before the first job of a real run (not a dry run): the output folders, the device and the
# cluster's job states (the executor is known only here, not while the Snakefile is read),
# then the warm trainer.
onstart:
    try:
        check_writable(["resources", "results", "logs"])
        if workflow.local_exec:  # on a cluster each job checks on its node: the login node cannot speak for it
            check_device(config["device"])
    except (OutputError, ConfigError) as error:
        raise WorkflowError(str(error)) from None
    # On a SLURM cluster that keeps no accounting, the executor's default status command
    # (sacct) never sees a job end: say so before anything is submitted.
    if getattr(workflow.executor_settings, "status_command", None) == "sacct":
        problem = sacct_problem()
        if problem:
            raise WorkflowError(problem)
    if use_warm_trainer():
        Path("logs").mkdir(exist_ok=True)
        warm.start("logs/warm_trainer.log")


onsuccess:
    warm.stop()


onerror:
    warm.stop()
    why = failures.summary("".join(Path(path).read_text(encoding="utf-8", errors="replace") for path in log))
    if why:
        print(why, file=sys.stderr)


NAME = "[A-Za-z0-9_]+"


wildcard_constraints:
    problem="|".join(STUDY.problems),
    run_id="[0-9a-f]{12}",
    filename="|".join(re.escape(name) for name in config["downloads"]),
    exercise=NAME,
    sweep=NAME,


RUN_FILES = ("config", "metrics", "history", "predictions")


def run_file(kind, problem="{problem}", run_id="{run_id}"):
    return f"results/runs/{problem}/{run_id}/{kind}.{'json' if kind == 'config' else 'csv'}"


def all_run_files(kind):
    return [run_file(kind, run.problem, run.run_id) for run in STUDY.runs.values()]


def all_intermediate_files():
    """Every prepared split, run file and timing (targets of `all`)."""
    runs = [run_file(kind, run.problem, run.run_id) for run in STUDY.runs.values() for kind in RUN_FILES]
    return [f"results/data/{problem}.npz" for problem in STUDY.problems] + runs + all_timings()


SWEEP_TABLE = "results/metrics/{problem}/{exercise}/{sweep}.csv"
SWEEP_FIGURE = "results/figures/{problem}/{exercise}/{sweep}.svg"


def all_sweep_tables():
    return [SWEEP_TABLE.format(problem=s.problem, exercise=s.exercise, sweep=s.name) for s in STUDY.sweeps]


def all_sweep_figures():
    return [SWEEP_FIGURE.format(problem=s.problem, exercise=s.exercise, sweep=s.name) for s in STUDY.sweeps]


# ---- data -------------------------------------------------------------------


def raw_file(name):
    return f"resources/raw/{name}"


def download_params(wildcards):
    """The identity of the file to fetch: its URL and checksum (never the mirror,
    which only says where the same verified bytes come from)."""
    return canonical_json(config["downloads"][wildcards.filename])


def problem_of(name):
    """A configured problem's PROBLEM (see hpstudy.problems)."""
    return problems.load(STUDY.problems[name]["module"])


def problem_module(wildcards):
    return STUDY.problems[wildcards.problem]["module"]


# A problem module draws its figures with the report's code: no step before the report runs it.
NOT_TRAINING = ("hpstudy.report",)


def problem_code(script, *entries, without=()):
    """code_fingerprint, with the problem's module, for the steps that run a problem's own code."""

    def code(wildcards):
        return code_fingerprint(script, *entries, problem_module(wildcards), without=without)

    return code


def raw_file_at_hand(name):
    """Whether a raw file is fetched already or the mirror has it, so that a later build
    without --config data_mirror plans the same jobs."""
    places = [Path(raw_file(name))]
    if config.get("data_mirror"):
        places.append(Path(config["data_mirror"], name))
    return any(place.is_file() for place in places)


def data_settings(problem):
    """The problem's data settings as its prepare step takes them: with the choices its module
    leaves to the workflow made, from what the prepared file records and the raw files at hand."""
    recorded = recorded_settings(f"results/data/{problem}.npz")
    return problem_of(problem).resolve_settings(config["data"][problem], recorded, raw_file_at_hand)


def raw_inputs(wildcards):
    """{role: raw file} of the problem's prepare step."""
    settings = data_settings(wildcards.problem)
    return {role: raw_file(name) for role, name in problem_of(wildcards.problem).raw_files(settings).items()}


def prepare_settings(wildcards):
    return canonical_json(data_settings(wildcards.problem))


# ---- training ---------------------------------------------------------------


def prepared_data(wildcards):
    return f"results/data/{wildcards.problem}.npz"


def run_params(wildcards):
    """Only this run's resolved hyperparameters, as canonical JSON."""
    run = STUDY.runs.get(wildcards.run_id)
    if run is None or run.problem != wildcards.problem:
        raise WorkflowError(f"run {wildcards.problem}/{wildcards.run_id} is not part of the configured study")
    return run.to_json()


def run_cost(run):
    """How long a run trains, relatively. It grows with the samples it trains on, epochs ×
    training rows, and with its layers: a batch of 1,000 took no less time per epoch than one of
    10 (measured at ten seeds), and a third convolution five times as long as one."""
    rows = problem_of(run.problem).train_rows(config["data"][run.problem])
    return run.params["epochs"] * rows * (1 + run.params[DEPTH[run.params["architecture"]]])


def train_run_priority(wildcards):
    """Longest runs first, so that no core idles at the end of a build while one long run finishes."""
    return run_cost(STUDY.runs[wildcards.run_id])


# Above every training run's priority: the figures of the data and of the baselines' learning
# curves are drawn as soon as their inputs exist. Left for the end of training, they kept the
# timing measurement, which waits for every core, waiting.
AS_SOON_AS_READY = 1 + max(map(run_cost, STUDY.runs.values()), default=0)


def timing_runs(wildcards):
    """Every run of the problem, {run_id: hyperparameters}, as canonical JSON."""
    return canonical_json({run.run_id: run.params for run in STUDY.runs_of(wildcards.problem)})


def all_timings():
    return [f"results/timing/{problem}.csv" for problem in STUDY.problems]


def seeds_param():
    return canonical_json(config["seeds"])


# ---- aggregation and report -------------------------------------------------


def study_layout():
    return canonical_json(STUDY.layout())


AGGREGATION_KEYS = ("id", "selection_metric", "final", "metrics")


def aggregation_layout():
    """What aggregation reads of the study: its sweeps, and per problem its metrics, selection
    metric and final model (not the report's words, whose edit must not re-aggregate)."""
    layout = STUDY.layout()
    problems = [{key: problem[key] for key in AGGREGATION_KEYS} for problem in layout["problems"]]
    return canonical_json({"problems": problems, "sweeps": layout["sweeps"]})


def sweep_layouts():
    """What each sweep's figure shows, in the order of `sweep_figures`."""
    layouts = []
    for sweep in STUDY.sweeps:
        problem = STUDY.problems[sweep.problem]
        layout = sweep.layout()
        layout["selection_metric"] = problem["selection_metric"]
        layout["metric"] = problem["describe"]["primary_metric"]
        layout["metric_title"] = problem["describe"]["primary_metric_title"]
        layouts.append(layout)
    return canonical_json(layouts)


# ---- report figures and Snakemake's report ----------------------------------

PROBLEM_FIGURES = ("data", "learning_curves", "final_models")


def problem_figure(figure, problem="{problem}"):
    return f"results/figures/{problem}/{figure}.svg"


def all_problem_figures():
    return [problem_figure(figure, problem) for problem in STUDY.problems for figure in PROBLEM_FIGURES]


def baseline_histories(wildcards):
    """The baselines' per-epoch histories, named by baseline (the figure's column titles)."""
    baselines = STUDY.problems[wildcards.problem]["baselines"]
    return {name: run_file("history", wildcards.problem, run_id) for name, run_id in baselines.items()}


def problem_unit(wildcards):
    """The unit of a regressor's target ('' for a classifier), for its figures' axes."""
    return STUDY.problems[wildcards.problem]["describe"]["unit"]


def problem_predictions(wildcards):
    """Every run's test predictions: the validation-selected final model is any of them."""
    return [run_file("predictions", run.problem, run.run_id) for run in STUDY.runs_of(wildcards.problem)]


def raw_data_files():
    return [
        raw_file(name)
        for problem in STUDY.problems
        for name in problem_of(problem).raw_files(data_settings(problem)).values()
    ]


def resolved_config():
    """The configuration as resolved, for provenance: without `data_mirror` (where the same
    verified bytes came from) and normalised, so reformatting the config reruns nothing."""
    settings = {key: config[key] for key in ("seeds", "device", "data", "downloads")}
    return canonical_json(settings | STUDY.summary())


def problem_title(wildcards):
    return STUDY.problems[wildcards.problem]["title"]


def sweep_figures():
    """Every sweep's figure, filed in Snakemake's report under its problem and exercise."""
    figures = []
    for sweep, figure in zip(STUDY.sweeps, all_sweep_figures(), strict=True):
        problem = STUDY.problems[sweep.problem]
        filed = {"category": problem["title"], "subcategory": problem["exercises"][sweep.exercise]}
        labels = {"sweep": sweep.title, "values": ", ".join(point.label for point in sweep.points)}
        figures.append(report(figure, caption="../../report/captions/sweep.rst", labels=labels, **filed))
    return figures
