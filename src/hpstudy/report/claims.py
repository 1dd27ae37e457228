"""The original's conclusions as data, checked against the rebuilt per-seed values.

`report/claims.yaml` lists each conclusion with one or more checks. A check is a
rule of a small vocabulary applied to one metric of one sweep:

- trend:      the metric rises (or falls) over the values, in sweep order
              (Jonckheere–Terpstra over every value and seed);
- equivalent: every pair of values lies within `tolerance` (TOST per pair);
- ordering:   every `higher` value lies above every `lower` value, by `margin`
              (Welch's t-test per pair, one-sided);
- threshold:  every value lies `above` (or `below`) a number (one-sample t-test);
- optimum:    the `lowest` (or `highest`) value is inside the swept range: the
              best inner value beats both ends (Welch's t-test per end);
- original:   the rebuilt value agrees with the original's number within
              `tolerance` (one-sample TOST).

Every rule reduces to comparisons, each with a p-value for the claim and one
against it (see stats.py). All p-values of one claim are adjusted together by
Holm's method, each direction as its own family. A comparison holds when its
adjusted p for the claim is below ALPHA, does not hold when its adjusted p
against is, and is inconclusive otherwise, always with fewer than two seeds. A
check holds when all its comparisons hold and fails when any fails; so does a
claim over its checks. A claim whose sweep is not in the study is "not
evaluated". The same decision on each bootstrap resample of the seeds gives the
verdict's robustness: the share of resamples that reach the observed verdict.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
import yaml

from hpstudy.errors import StudyError
from hpstudy.report.compare import (
    TIME_METRIC,
    Point,
    Samples,
    fmt_gap,
    fmt_gap_interval,
    fmt_point,
    fmt_spread,
    metric_kind,
    metric_title,
    points,
)
from hpstudy.report.metrics import fmt_metric
from hpstudy.results import inputs
from hpstudy.results.stats import ALPHA, fmt_p, gap_interval, greater, holm, quietly, trend, within
from hpstudy.study.plan import format_value

HOLDS, FAILS, INCONCLUSIVE, NOT_EVALUATED = "holds", "does not hold", "inconclusive", "not evaluated"
CODES = {1: HOLDS, -1: FAILS, 0: INCONCLUSIVE}
EQUIVALENCE_CONFIDENCE = 1 - 2 * ALPHA  # the interval TOST at ALPHA decides by


class ClaimError(StudyError):
    """A claim in claims.yaml that cannot be read."""


@dataclass
class Comparison:
    """One tested statement of a check: what it compares, the observed effect, and its p-values
    on the observed seeds and on every resample."""

    statement: str
    supporting: np.ndarray  # (1 + B,) p of the test whose rejection supports the claim
    contradicting: np.ndarray  # (1 + B,) p of the test whose rejection contradicts it


@dataclass
class CheckResult:
    verdict: str
    evidence: str


@dataclass
class Verdict:
    number: int
    conclusion: str
    sweeps: list[str]
    verdict: str
    checks: list[CheckResult] = field(default_factory=list)
    robustness: float = math.nan  # share of seed resamples that reach the same verdict
    seeds: int = 0  # the fewest seeds (or timing repeats) of any value the claim compares


def _combine(codes: np.ndarray) -> np.ndarray:
    """Verdict codes over axis 0 -> one code per column: any −1 fails, all 1 holds."""
    return np.where((codes == -1).any(axis=0), -1, np.where((codes == 1).all(axis=0), 1, 0))


def _listing(metric: str, points_: list[Point]) -> str:
    return "; ".join(f"{p.label} {fmt_point(metric, p)}" for p in points_)


def _values(points_: list[Point]) -> str:
    return ", ".join(p.label for p in points_)


def check_trend(metric: str, pts: list[Point], check: dict) -> list[Comparison]:
    sign = {"increasing": 1, "decreasing": -1}[check["direction"]]
    supporting, contradicting, tau = trend([p.values for p in pts], sign)
    first, last = pts[0], pts[-1]
    low, high = gap_interval(last.observed, first.observed)
    effect = fmt_gap_interval(metric, last.mean - first.mean, low, high)
    tau_text = "" if math.isnan(tau[0]) else f"Kendall τ = {tau[0]:+.2f}, "
    return [
        Comparison(
            f"{check['direction']} over {_values(pts)}: {tau_text}{first.label} to {last.label} {effect}",
            supporting,
            contradicting,
        )
    ]


def check_equivalent(metric: str, pts: list[Point], check: dict) -> list[Comparison]:
    tolerance = float(check["tolerance"])
    return [_equivalence(metric, a, b, tolerance) for a, b in combinations(pts, 2)]


def _equivalence(metric: str, a: Point, b: Point | float, tolerance: float) -> Comparison:
    """Within ±tolerance of another value, or of a fixed number (the original's)."""
    if isinstance(b, Point):
        values, observed, mean, name = b.values, b.observed, b.mean, f"{a.label} − {b.label}"
    else:
        values, observed, mean, name = b, b, b, f"{a.label} − original"
    supporting, contradicting = within(a.values, values, tolerance)
    low, high = gap_interval(a.observed, observed, EQUIVALENCE_CONFIDENCE)
    gap = a.mean - mean
    effect = fmt_gap_interval(metric, gap, low, high, EQUIVALENCE_CONFIDENCE)
    return Comparison(f"{name} = {effect} within ±{fmt_spread(metric, tolerance)}", supporting, contradicting)


def _greater(metric: str, a: Point, b: Point, margin: float) -> Comparison:
    supporting, contradicting = greater(a.values, b.values, margin)
    low, high = gap_interval(a.observed, b.observed)
    required = f" (required: more than {fmt_spread(metric, margin)})" if margin else ""
    return Comparison(
        f"{a.label} − {b.label} = {fmt_gap_interval(metric, a.mean - b.mean, low, high)}{required}",
        supporting,
        contradicting,
    )


def check_ordering(metric: str, pts: list[Point], check: dict) -> list[Comparison]:
    by_label = {p.label: p for p in pts}
    margin = float(check.get("margin", 0))
    return [
        _greater(metric, by_label[_label(hi)], by_label[_label(lo)], margin)
        for hi in check["higher"]
        for lo in check["lower"]
    ]


def check_threshold(metric: str, pts: list[Point], check: dict) -> list[Comparison]:
    side = "above" if "above" in check else "below"
    limit = float(check[side])
    sign = 1 if side == "above" else -1
    comparisons = []
    for p in pts:
        supporting, contradicting = greater(sign * p.values, sign * limit)
        comparisons.append(
            Comparison(
                f"{p.label} {fmt_point(metric, p)} {side} {fmt_metric(metric, limit)}", supporting, contradicting
            )
        )
    return comparisons


def check_optimum(metric: str, pts: list[Point], check: dict) -> list[Comparison]:
    """The best inner value (by mean, chosen on each resample) against each end."""
    if len(pts) < 3:
        raise ValueError("an optimum inside the range needs at least three values")
    inner = np.stack([p.values for p in pts[1:-1]])  # (m, 1 + B, n)
    lowest = check["best"] == "lowest"
    with quietly():  # a value without a finite seed has no mean: it is never the best
        means = np.nanmean(inner, axis=-1)
    means = np.where(np.isnan(means), np.inf if lowest else -np.inf, means)
    choice = np.argmin(means, axis=0) if lowest else np.argmax(means, axis=0)
    best_values = inner[choice, np.arange(inner.shape[1])]
    best = Point(pts[1 + choice[0]].label, best_values)
    comparisons = []
    for end in (pts[0], pts[-1]):
        # lowest: the end lies above the best inner value; highest: below it
        higher, lower = (end, best) if lowest else (best, end)
        comparisons.append(_greater(metric, higher, lower, 0.0))
    return comparisons


def check_original(metric: str, pts: list[Point], check: dict, original: dict | None = None) -> list[Comparison]:
    """The rebuilt seeds against the number the original reports for the same value and split."""
    (point,) = pts
    number = _original_number(metric, point.label, original)
    if math.isnan(number):
        raise KeyError(f"the original reports no {metric.split('_', 1)[0]} value for {point.label}")
    return [_equivalence(metric, point, number, float(check["tolerance"]))]


def _original_number(metric: str, label: str, original: dict | None) -> float:
    """The original's number for one value and the metric's split (its time for a time metric)."""
    row = (original or {}).get(label)
    if row is None:
        return math.nan
    if metric == TIME_METRIC:
        column = "seconds"
    else:
        column = metric.split("_", 1)[0]
        if (metric_kind(metric) == "accuracy") != (row.get("metric") == "accuracy"):
            return math.nan
    value = row.get(column, math.nan)
    return math.nan if value is None else float(value)


def original_view(metric: str, pts: list[Point], original: dict | None) -> str:
    """What the original saw for the same values, in the same unit, and its first-to-last gap."""
    known = [(p.label, _original_number(metric, p.label, original)) for p in pts]
    known = [(label, value) for label, value in known if not math.isnan(value)]
    if not known:
        return ""
    text = "; ".join(f"{label} {fmt_metric(metric, value)}" for label, value in known)
    if len(known) > 1:
        text += f" ({known[0][0]} to {known[-1][0]}: {fmt_gap(metric, known[-1][1] - known[0][1])})"
    return f" The original (one run each): {text}."


RULES: dict[str, tuple[Callable, tuple[str, ...]]] = {
    "trend": (check_trend, ("direction",)),
    "equivalent": (check_equivalent, ("tolerance",)),
    "ordering": (check_ordering, ("higher", "lower")),
    "threshold": (check_threshold, ()),
    "optimum": (check_optimum, ("best",)),
    "original": (check_original, ("tolerance",)),
}
CHOICES = {"direction": ("increasing", "decreasing"), "best": ("lowest", "highest")}


def _label(value) -> str:
    return value if isinstance(value, str) else format_value(value)


def _check_values(check: dict) -> list[str] | None:
    if check["rule"] == "ordering":
        return [_label(v) for v in [*check["higher"], *check["lower"]]]
    values = check.get("values")
    return None if values is None else [_label(v) for v in values]


def validate_claims(claims: list[dict], where: str = "claims.yaml") -> None:
    """Raise ClaimError naming the claim and key of the first malformed check."""
    for i, claim in enumerate(claims):
        at = f"{where}: claim {claim.get('number', i + 1)}"
        for key in ("number", "conclusion", "sweep", "checks"):
            if key not in claim:
                raise ClaimError(f"{at}: missing key {key!r}")
        for j, check in enumerate(claim["checks"]):
            rule = check.get("rule")
            if rule not in RULES:
                raise ClaimError(f"{at}, check {j + 1}: unknown rule {rule!r}; valid: {', '.join(RULES)}")
            required = ("metric", *RULES[rule][1])
            missing = [key for key in required if key not in check]
            if rule == "threshold" and ("above" in check) == ("below" in check):
                missing.append("above or below (one of them)")
            if missing:
                raise ClaimError(f"{at}, check {j + 1} ({rule}): missing {', '.join(missing)}")
            for key, allowed in CHOICES.items():
                if key in check and check[key] not in allowed:
                    raise ClaimError(f"{at}, check {j + 1}: {key} must be one of {', '.join(allowed)}")


def load_claims(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        claims = yaml.safe_load(handle) or []
    validate_claims(claims, path)
    return claims


def _decide(comparisons: list[Comparison]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Holm over the claim's comparisons, each direction its own family -> codes (c, 1 + B) and the
    adjusted p-values."""
    supporting = holm(np.stack([c.supporting for c in comparisons]))
    contradicting = holm(np.stack([c.contradicting for c in comparisons]))
    codes = np.where(contradicting < ALPHA, -1, np.where(supporting < ALPHA, 1, 0))
    return codes, supporting, contradicting


def _statement(comparison: Comparison, code: int, supporting: float, contradicting: float) -> str:
    if math.isnan(supporting):
        return f"{comparison.statement}: too few seeds to test"
    return f"{comparison.statement}: {CODES[code]} ({fmt_p(supporting)} for, {fmt_p(contradicting)} against)"


def evaluate_claim(
    claim: dict, tables: dict[str, pd.DataFrame], samples: dict[str, Samples], original: dict[str, dict[str, dict]]
) -> Verdict:
    """`tables` (sweep tables: value labels and run ids) and `original` (the original's rows by value
    label) are keyed by 'problem/exercise/sweep'; `samples` maps "seeds" and "timing" to Samples."""
    results: list[CheckResult | None] = []  # None: evaluated below, together
    evaluated = []  # (position, check, points, comparisons, the original's rows)
    sweeps = []
    for check in claim["checks"]:
        sweep = check.get("sweep", claim["sweep"])
        sweeps.append(sweep)
        if sweep not in tables:
            results.append(CheckResult(NOT_EVALUATED, f"the sweep {sweep} is not in this study's configuration."))
            continue
        function, _ = RULES[check["rule"]]
        try:
            pts = points(tables[sweep], check["metric"], samples, _check_values(check))
            if any(p.n == 0 for p in pts):
                raise KeyError("no finite value for " + ", ".join(p.label for p in pts if p.n == 0))
            extra = (original.get(sweep),) if check["rule"] == "original" else ()
            comparisons = function(check["metric"], pts, check, *extra)
        except (KeyError, ValueError) as error:
            results.append(CheckResult(NOT_EVALUATED, f"{sweep}: {error.args[0]}."))
            continue
        evaluated.append((len(results), check, pts, comparisons, original.get(sweep)))
        results.append(None)
    verdict = Verdict(claim["number"], claim["conclusion"], list(dict.fromkeys(sweeps)), NOT_EVALUATED)
    check_codes = []
    if evaluated:
        codes, supporting, contradicting = _decide([c for *_, cs, _ in evaluated for c in cs])
        at = 0
        for position, check, pts, cs, original_rows in evaluated:
            own = slice(at, at + len(cs))
            check_codes.append(_combine(codes[own]))
            statements = [
                _statement(c, code, p_for, p_against)
                for c, code, p_for, p_against in zip(cs, codes[own, 0], supporting[own, 0], contradicting[own, 0])
            ]
            at += len(cs)
            metric = check["metric"]
            evidence = f"{metric_title(metric)}: {_listing(metric, pts)}. " + "; ".join(statements) + "."
            results[position] = CheckResult(
                CODES[int(check_codes[-1][0])], evidence + original_view(metric, pts, original_rows)
            )
        verdict.seeds = min(p.n for _, _, pts, _, _ in evaluated for p in pts)
    verdict.checks = results
    if len(evaluated) == len(results):
        claim_code = _combine(np.stack(check_codes))
        verdict.verdict = CODES[int(claim_code[0])]
        verdict.robustness = float((claim_code[1:] == claim_code[0]).mean()) if len(claim_code) > 1 else math.nan
    return verdict


def evaluate_claims(claims: list[dict], tables, samples, original) -> list[Verdict]:
    return [evaluate_claim(claim, tables, samples, original) for claim in claims]


VERDICT_COLUMNS = ["claim", "conclusion", "verdict", "robustness", "min_seeds", "check", "check_verdict", "evidence"]


def read_verdicts(path: str) -> pd.DataFrame:
    """verdicts.csv as evaluate_claims wrote it."""
    return inputs.table(path, VERDICT_COLUMNS, inputs.rebuild_fix(path))


def verdict_rows(verdicts: list[Verdict]) -> list[dict]:
    """One row per check, for results/metrics/verdicts.csv."""
    return [
        {
            "claim": v.number,
            "conclusion": v.conclusion,
            "verdict": v.verdict,
            "robustness": "" if math.isnan(v.robustness) else f"{v.robustness:.3f}",
            "min_seeds": v.seeds,
            "check": i + 1,
            "check_verdict": c.verdict,
            "evidence": c.evidence,
            "sweeps": " ".join(v.sweeps),
        }
        for v in verdicts
        for i, c in enumerate(v.checks)
    ]
