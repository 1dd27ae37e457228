"""The original's conclusions as data, checked against the rebuilt sweep tables.

`report/claims.yaml` lists each conclusion with one or more checks. A check is a
rule of a small vocabulary applied to one metric of one sweep table:

- trend:      the metric rises (or falls) over the values, in sweep order;
- equivalent: the values lie within `tolerance` of each other;
- ordering:   every `higher` value lies above every `lower` value (by `margin`);
- threshold:  every value lies `above` (or `below`) a number;
- optimum:    the `lowest` (or `highest`) value is inside the swept range;
- original:   the rebuilt value agrees with the original's number within `tolerance`.

Each check says holds, does not hold, or inconclusive (the decisive difference
lies inside the seed spread, see compare.py), with the numbers that decided it.
A claim holds when all its checks hold and fails when any fails; a claim whose
sweep is not in the study is "not evaluated".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

import pandas as pd
import yaml

from ..errors import StudyError
from ..study import format_value
from .compare import Point, exceeds, fmt_gap, fmt_noise, fmt_point, fmt_spread, metric_title, points, spread

HOLDS, FAILS, INCONCLUSIVE, NOT_EVALUATED = "holds", "does not hold", "inconclusive", "not evaluated"


class ClaimError(StudyError):
    """A claim in claims.yaml that cannot be read."""


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


def _combine(verdicts: list[str]) -> str:
    if FAILS in verdicts:
        return FAILS
    if all(v == HOLDS for v in verdicts):
        return HOLDS
    return INCONCLUSIVE


def _listing(metric: str, points_: list[Point]) -> str:
    return "; ".join(f"{p.label} {fmt_point(metric, p)}" for p in points_)


def check_trend(metric: str, pts: list[Point], check: dict, original) -> CheckResult:
    """Rising (or falling) when the first-to-last gap counts and no step counts against it."""
    sign = {"increasing": 1, "decreasing": -1}[check["direction"]]
    against = [(a, b) for a, b in pairwise(pts) if sign * (b.mean - a.mean) < 0 and exceeds(b.mean - a.mean, a, b)]
    first, last = pts[0], pts[-1]
    overall = last.mean - first.mean
    listing = f"{metric_title(metric)}: {_listing(metric, pts)}"
    if against:
        a, b = against[0]
        return CheckResult(
            FAILS,
            f"{listing}. From {a.label} to {b.label} it moves {fmt_gap(metric, b.mean - a.mean)}, against the claimed "
            f"{check['direction']} trend ({fmt_noise(metric, a, b)}).",
        )
    if sign * overall > 0 and exceeds(overall, first, last):
        return CheckResult(
            HOLDS,
            f"{listing}. {check['direction'].capitalize()} from {first.label} to {last.label} by "
            f"{fmt_gap(metric, overall)} ({fmt_noise(metric, first, last)}).",
        )
    return CheckResult(
        INCONCLUSIVE,
        f"{listing}. From {first.label} to {last.label} it moves {fmt_gap(metric, overall)} "
        f"({fmt_noise(metric, first, last)}): not in the claimed direction, or not beyond the spread.",
    )


def _agreement(metric: str, a: Point, b: Point, tolerance: float, what: str) -> CheckResult:
    """Equal within `tolerance`: holds, beyond it and beyond the seed spread: fails, else inconclusive."""
    gap = a.mean - b.mean
    text = (
        f"{what} differ by {fmt_spread(metric, abs(gap))} "
        f"(tolerance {fmt_spread(metric, tolerance)}, {fmt_noise(metric, a, b)})"
    )
    if abs(gap) <= tolerance:
        return CheckResult(HOLDS, text + ".")
    if exceeds(gap, a, b):
        return CheckResult(FAILS, text + ".")
    return CheckResult(INCONCLUSIVE, text + ": the seeds scatter more than the tolerance.")


def check_equivalent(metric: str, pts: list[Point], check: dict, original) -> CheckResult:
    high = max(pts, key=lambda p: p.mean)
    low = min(pts, key=lambda p: p.mean)
    result = _agreement(metric, high, low, float(check["tolerance"]), f"{high.label} and {low.label}")
    result.evidence = f"{metric_title(metric)}: {_listing(metric, pts)}. The extremes {result.evidence}"
    return result


def check_ordering(metric: str, pts: list[Point], check: dict, original) -> CheckResult:
    by_label = {p.label: p for p in pts}
    margin = float(check.get("margin", 0))
    results = []
    for hi in check["higher"]:
        for lo in check["lower"]:
            a, b = by_label[_label(hi)], by_label[_label(lo)]
            gap = a.mean - b.mean
            if gap > margin and exceeds(gap, a, b):
                verdict = HOLDS
            elif (gap < 0 and exceeds(gap, a, b)) or (margin > 0 and gap + spread(a, b) < margin):
                verdict = FAILS
            else:
                verdict = INCONCLUSIVE
            results.append((verdict, f"{a.label} − {b.label} = {fmt_gap(metric, gap)} ({fmt_noise(metric, a, b)})"))
    verdict = _combine([v for v, _ in results])
    margin_text = f", required margin {fmt_spread(metric, margin)}" if margin else ""
    return CheckResult(
        verdict,
        f"{metric_title(metric)}: {_listing(metric, pts)}. " + "; ".join(t for _, t in results) + margin_text + ".",
    )


def check_threshold(metric: str, pts: list[Point], check: dict, original) -> CheckResult:
    side = "above" if "above" in check else "below"
    limit = float(check[side])
    sign = 1 if side == "above" else -1
    verdicts = []
    for p in pts:
        margin = sign * (p.mean - limit)
        verdicts.append(HOLDS if margin > p.std else FAILS if margin < -p.std else INCONCLUSIVE)
    return CheckResult(
        _combine(verdicts),
        f"{metric_title(metric)}: {_listing(metric, pts)}; required {side} {fmt_point(metric, Point('', limit, 0, 0, 1))}.",
    )


def check_optimum(metric: str, pts: list[Point], check: dict, original) -> CheckResult:
    """The best value lies strictly inside the range and beats both ends beyond the spread."""
    if len(pts) < 3:
        raise ValueError("an optimum inside the range needs at least three values")
    best_of = min if check["best"] == "lowest" else max
    best = best_of(pts, key=lambda p: p.mean)
    ends = (pts[0], pts[-1])
    listing = f"{metric_title(metric)}: {_listing(metric, pts)}"
    if best in ends:
        inner = best_of(pts[1:-1], key=lambda p: p.mean)
        if exceeds(best.mean - inner.mean, best, inner):
            return CheckResult(
                FAILS, f"{listing}. The {check['best']} value is at the end of the range ({best.label})."
            )
        return CheckResult(
            INCONCLUSIVE,
            f"{listing}. The {check['best']} value is at {best.label}, within the seed spread of {inner.label}.",
        )
    gaps = [fmt_gap(metric, end.mean - best.mean) for end in ends]
    if all(exceeds(end.mean - best.mean, best, end) for end in ends):
        return CheckResult(HOLDS, f"{listing}. Best at {best.label}; the ends differ by {gaps[0]} and {gaps[1]}.")
    return CheckResult(
        INCONCLUSIVE, f"{listing}. Best at {best.label}, but an end ({gaps[0]}, {gaps[1]}) is within the seed spread."
    )


def check_original(metric: str, pts: list[Point], check: dict, original: pd.DataFrame | None) -> CheckResult:
    """The rebuilt mean against the number the original reports for the same value and split."""
    (point,) = pts
    split = metric.split("_", 1)[0]
    number = math.nan if original is None else original.get(point.label, {}).get(split, math.nan)
    if number is None or math.isnan(number):
        raise KeyError(f"the original reports no {split} value for {point.label}")
    theirs = Point("original", number, 0.0, 0, 1)
    result = _agreement(metric, point, theirs, float(check["tolerance"]), "rebuilt and original")
    result.evidence = (
        f"{metric_title(metric)} of {point.label}: rebuilt {fmt_point(metric, point)}, original "
        f"{fmt_point(metric, theirs)}; {result.evidence}"
    )
    return result


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


def evaluate_claim(claim: dict, tables: dict[str, pd.DataFrame], original: dict[str, dict[str, dict]]) -> Verdict:
    """`tables` and `original` (the original's rows by value label) are keyed by 'problem/exercise/sweep'."""
    results, sweeps = [], []
    for check in claim["checks"]:
        sweep = check.get("sweep", claim["sweep"])
        sweeps.append(sweep)
        if sweep not in tables:
            results.append(CheckResult(NOT_EVALUATED, f"the sweep {sweep} is not in this study's configuration."))
            continue
        function, _ = RULES[check["rule"]]
        try:
            pts = points(tables[sweep], check["metric"], _check_values(check))
            if any(math.isnan(p.mean) for p in pts):
                raise KeyError("no finite value for " + ", ".join(p.label for p in pts if math.isnan(p.mean)))
            results.append(function(check["metric"], pts, check, original.get(sweep)))
        except (KeyError, ValueError) as error:
            results.append(CheckResult(NOT_EVALUATED, f"{sweep}: {error.args[0]}."))
    verdicts = [r.verdict for r in results]
    overall = NOT_EVALUATED if NOT_EVALUATED in verdicts else _combine(verdicts)
    return Verdict(claim["number"], claim["conclusion"], list(dict.fromkeys(sweeps)), overall, results)


def evaluate_claims(claims: list[dict], tables, original) -> list[Verdict]:
    return [evaluate_claim(claim, tables, original) for claim in claims]


def verdict_rows(verdicts: list[Verdict]) -> list[dict]:
    """One row per check, for results/metrics/verdicts.csv."""
    return [
        {
            "claim": v.number,
            "conclusion": v.conclusion,
            "verdict": v.verdict,
            "check": i + 1,
            "check_verdict": c.verdict,
            "evidence": c.evidence,
            "sweeps": " ".join(v.sweeps),
        }
        for v in verdicts
        for i, c in enumerate(v.checks)
    ]
