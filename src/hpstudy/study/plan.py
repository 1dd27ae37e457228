"""Expand the study config (baselines + one-factor sweeps) into unique runs.

A run is a problem plus its fully resolved hyperparameters. Its id is a hash of
their canonical JSON, so a configuration that appears in several sweeps trains
once and an edit to the config adds or removes only the runs it changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace

from hpstudy import problems as registry
from hpstudy.errors import ConfigError, did_you_mean
from hpstudy.study import hyperparameters as hp

RUN_ID_LENGTH = 12


def canonical_json(obj) -> str:
    """Deterministic serialisation: sorted keys, no whitespace, floats by repr."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def run_id_of(problem: str, params: dict) -> str:
    payload = canonical_json({"problem": problem, **params})
    return hashlib.sha256(payload.encode()).hexdigest()[:RUN_ID_LENGTH]


def format_value(value) -> str:
    """Label of a sweep value: 0.001 -> '0.001', 1.0 -> '1', 'relu' -> 'relu' (exact, never rounded)."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


@dataclass(frozen=True)
class Run:
    problem: str
    run_id: str
    params: dict
    module: str  # the problem's module (see hpstudy.problems); not part of the run's identity

    def to_json(self) -> str:
        return canonical_json(
            {"problem": self.problem, "run_id": self.run_id, "params": self.params, "module": self.module}
        )


@dataclass(frozen=True)
class SweepPoint:
    label: str
    value: object  # the swept factor's value (scalar)
    run_id: str


@dataclass
class Sweep:
    problem: str
    exercise: str
    name: str
    factor: str
    baseline: str
    title: str
    points: list[SweepPoint] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.problem}/{self.exercise}/{self.name}"

    def layout(self) -> dict:
        return {
            "problem": self.problem,
            "exercise": self.exercise,
            "sweep": self.name,
            "factor": self.factor,
            "baseline": self.baseline,
            "title": self.title,
            "points": [{"label": p.label, "value": p.value, "run_id": p.run_id} for p in self.points],
        }


@dataclass
class Study:
    runs: dict[str, Run]  # run_id -> Run, in order of first appearance
    sweeps: list[Sweep]
    finals: dict[str, str]  # problem -> run_id of the original's final choice
    problems: dict[str, dict]  # problem -> titles, exercise titles, selection metric, module, what the report reads
    title: str = "Deep learning in practice: the hyperparameter study, rebuilt"  # of the report

    def runs_of(self, problem: str) -> list[Run]:
        return [run for run in self.runs.values() if run.problem == problem]

    def sweep(self, problem: str, exercise: str, name: str) -> Sweep:
        for sweep in self.sweeps:
            if (sweep.problem, sweep.exercise, sweep.name) == (problem, exercise, name):
                return sweep
        raise KeyError(f"{problem}/{exercise}/{name}")

    def summary(self) -> dict:
        """The study as it resolved: baselines and finals with every hyperparameter, and each
        sweep's value labels. Normalised, so a reformatted config gives the same summary."""
        return {
            "baselines": {
                problem: {name: self.runs[run_id].params for name, run_id in info["baselines"].items()}
                for problem, info in self.problems.items()
            },
            "sweeps": {f"{s.problem}/{s.exercise}/{s.name}": [p.label for p in s.points] for s in self.sweeps},
            "finals": {problem: self.runs[run_id].params for problem, run_id in self.finals.items()},
        }

    def layout(self) -> dict:
        """Everything aggregation and the report need to know about the study's shape.

        Ordered things are lists, so that canonical JSON (sorted keys) keeps the
        order of the config: problems, exercises and sweeps appear as written.
        """
        return {
            "title": self.title,
            "problems": [
                {
                    "id": problem,
                    "title": info["title"],
                    "selection_metric": info["selection_metric"],
                    "exercises": [{"id": e, "title": t} for e, t in info["exercises"].items()],
                    "final": self.finals.get(problem),
                    "baselines": info["baselines"],
                    "module": info["module"],
                    **info["describe"],
                }
                for problem, info in self.problems.items()
            ],
            "sweeps": [sweep.layout() for sweep in self.sweeps],
            "runs": {run_id: {"problem": run.problem, "params": run.params} for run_id, run in self.runs.items()},
        }


def _override(base: dict, changes: dict, where: str) -> dict:
    unknown = sorted(set(changes) - set(hp.SPECS))
    if unknown:
        raise ConfigError(
            f"{where}.{unknown[0]}: unknown hyperparameter {unknown[0]!r}{did_you_mean(unknown[0], hp.SPECS)} "
            f"(valid: {', '.join(hp.SPECS)})"
        )
    return {**base, **changes}


class _Expander:
    def __init__(self):
        self.runs: dict[str, Run] = {}
        self.problems: dict[str, tuple] = {}  # name -> (PROBLEM, its module)

    def add(self, name: str, params: dict, where: str) -> str:
        problem, module = self.problems[name]
        resolved = hp.resolve(name, problem, params, where)
        run_id = run_id_of(name, resolved)
        self.runs.setdefault(run_id, Run(name, run_id, resolved, module))
        return run_id


def _sweep_points(expander, problem, base, factor, values, where) -> list[SweepPoint]:
    if not values:
        raise ConfigError(f"{where}.values: a sweep needs at least one value")
    points = []
    for i, value in enumerate(values):
        at = f"{where}.values[{i}]"
        changes = value if isinstance(value, dict) else {factor: value}
        if factor not in changes:
            raise ConfigError(f"{at}: a mapping value must set the swept factor {factor!r}; add {factor}: <value>")
        run_id = expander.add(problem, _override(base, changes, at), at)
        params = expander.runs[run_id].params
        # the label shows the normalised values, the swept factor first
        label = "@".join(format_value(params[key]) for key in [factor, *(k for k in changes if k != factor)])
        points.append(SweepPoint(label, params[factor], run_id))
    run_ids = [p.run_id for p in points]
    duplicates = sorted({p.label for p in points if run_ids.count(p.run_id) > 1})
    if duplicates:
        raise ConfigError(f"{where}.values: duplicate value(s) {', '.join(duplicates)}; list each value once")
    return points


def _base_params(problem_cfg: dict, spec: dict, where: str, default: str | None = None) -> tuple[str, dict]:
    baselines = problem_cfg.get("baselines", {})
    name = spec.get("baseline", default)
    if name not in baselines:
        raise ConfigError(
            f"{where}.baseline: unknown baseline {name!r}{did_you_mean(name, baselines)} "
            f"(valid: {', '.join(baselines)}; define it under problems.<problem>.baselines)"
        )
    return name, _override(baselines[name], spec.get("set", {}), f"{where}.set")


def _check_selection_metric(problem: str, metrics: tuple[str, ...], metric: str, where: str) -> None:
    valid = [f"validation_{name}" for name in metrics]
    if metric not in valid:
        raise ConfigError(
            f"{where}: {problem} has no metric {metric!r}{did_you_mean(metric, valid)} (valid: {', '.join(valid)})"
        )


def expand_study(config: dict) -> Study:
    """Turn the `problems` section of the config into unique runs and sweeps."""
    expander = _Expander()
    sweeps: list[Sweep] = []
    finals: dict[str, str] = {}
    problems: dict[str, dict] = {}
    for problem, problem_cfg in config["problems"].items():
        where = f"problems.{problem}"
        plugin = registry.of_config(problem, problem_cfg, where)
        expander.problems[problem] = plugin, registry.module_name(problem, problem_cfg)
        # Baselines are trained even where no sweep includes them: the report shows their learning curves.
        baselines = {
            name: expander.add(problem, baseline, f"{where}.baselines.{name}")
            for name, baseline in problem_cfg.get("baselines", {}).items()
        }
        selection_metric = problem_cfg.get("selection_metric", plugin.selection_metric)
        _check_selection_metric(problem, plugin.metrics, selection_metric, f"{where}.selection_metric")
        exercise_titles = {}
        for exercise, exercise_cfg in problem_cfg.get("exercises", {}).items():
            exercise_titles[exercise] = exercise_cfg.get("title", exercise)
            for name, spec in exercise_cfg["sweeps"].items():
                at = f"{where}.exercises.{exercise}.sweeps.{name}"
                baseline, base = _base_params(problem_cfg, spec, at, exercise_cfg.get("baseline"))
                factor = spec.get("factor")
                keys = hp.required_keys(base["architecture"])
                if factor not in keys:
                    raise ConfigError(
                        f"{at}.factor: {factor!r} is not a hyperparameter of baseline {baseline!r} "
                        f"(architecture {base['architecture']}){did_you_mean(factor, keys)} (valid: {', '.join(keys)})"
                    )
                sweep = Sweep(
                    problem,
                    exercise,
                    name,
                    factor,
                    baseline,
                    spec.get("title") or f"Impact of the {hp.FACTOR_TITLES[factor].lower()}",
                )
                sweep.points = _sweep_points(expander, problem, base, factor, spec.get("values"), at)
                sweeps.append(sweep)
        if "final" in problem_cfg:
            at = f"{where}.final"
            _, base = _base_params(problem_cfg, problem_cfg["final"], at)
            finals[problem] = expander.add(problem, base, at)
        problems[problem] = {
            "title": problem_cfg.get("title") or plugin.title or problem,
            "selection_metric": selection_metric,
            "exercises": exercise_titles,
            "baselines": baselines,
            "module": expander.problems[problem][1],
            "describe": plugin.describe(config["data"][problem]),
        }
    study = Study(expander.runs, sweeps, finals, problems)
    return replace(study, title=config["title"]) if "title" in config else study
