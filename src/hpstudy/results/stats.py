"""The statistical tests behind every verdict, all from scipy.stats, at level ALPHA.

A sample is the per-seed values of one configuration (or, for training time, the
repeated timings of it). Every function takes samples as arrays of shape (R, n):
row 0 is the observed sample, rows 1.. are bootstrap resamples of it, so that one
vectorised call decides the verdict and its robustness at once. NaN marks a seed
without a value (a loss that diverged to NaN); it is left out of that row.

- Difference of two configurations: Welch's t-test (unequal variances), one-sided
  in the claimed direction; `shift` moves the null to a required margin.
- Equivalence within ±tolerance: TOST, two one-sided Welch tests, p = the larger
  of the two (the same as the 90% interval of the gap lying inside ±tolerance).
- Monotone trend over ordered values: Jonckheere–Terpstra, computed as Kendall's
  τ-b between each value's position and the per-seed metric (the two tests are
  the same with ties in the position), one-sided.
- Against a fixed number: the one-sample t-test, and TOST for agreement.

Each test gives two p-values: one whose rejection supports the claim and one
whose rejection contradicts it. A sample of fewer than MIN_SAMPLES values gives
NaN for both: nothing can be decided from it.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
from scipy import stats

ALPHA = 0.05
CONFIDENCE = 0.95
MIN_SAMPLES = 2


@contextmanager
def quietly():
    """Constant samples and all-NaN rows make numpy and scipy warn; their results (±inf, NaN) are handled."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _finite_count(values: np.ndarray) -> np.ndarray:
    return np.isfinite(values).sum(axis=-1)


def _too_few(*samples) -> np.ndarray:
    counts = [_finite_count(s) for s in samples if isinstance(s, np.ndarray)]
    return np.logical_or.reduce([c < MIN_SAMPLES for c in counts])


def _t(a: np.ndarray, b: np.ndarray | float, shift: float) -> tuple[np.ndarray, np.ndarray]:
    """Welch's (or, against a number, the one-sample) t statistic of mean(a) − mean(b) − shift, and its df."""
    policy = "omit" if np.isnan(a).any() or (isinstance(b, np.ndarray) and np.isnan(b).any()) else "propagate"
    with quietly():
        if isinstance(b, np.ndarray):
            result = stats.ttest_ind(a - shift, b, equal_var=False, axis=-1, nan_policy=policy)
        else:
            result = stats.ttest_1samp(a, b + shift, axis=-1, nan_policy=policy)
    statistic = np.asarray(np.ma.filled(result.statistic, np.nan), dtype=float)
    df = np.asarray(np.ma.filled(result.df, np.nan), dtype=float)
    return statistic, df


def _above(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    """p of H1: the statistic's mean is above its null (one-sided)."""
    return np.where(np.isnan(t), np.where(np.isnan(df), np.nan, 0.5), stats.t.sf(t, df))


def _below(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(t), np.where(np.isnan(df), np.nan, 0.5), stats.t.cdf(t, df))


def _decided(p: np.ndarray, too_few: np.ndarray) -> np.ndarray:
    return np.where(too_few, np.nan, p)


def greater(a: np.ndarray, b: np.ndarray | float, margin: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Claim mean(a) − mean(b) > margin. Returns (p supporting, p contradicting), each (R,)."""
    t, df = _t(a, b, margin)
    too_few = _too_few(a, b)
    return _decided(_above(t, df), too_few), _decided(_below(t, df), too_few)


def within(a: np.ndarray, b: np.ndarray | float, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Claim |mean(a) − mean(b)| < tolerance. Supporting: TOST. Contradicting: the gap lies
    beyond ±tolerance, either side (two one-sided tests, Bonferroni over the two sides)."""
    t_low, df_low = _t(a, b, -tolerance)
    t_high, df_high = _t(a, b, tolerance)
    too_few = _too_few(a, b)
    tost = np.maximum(_above(t_low, df_low), _below(t_high, df_high))
    outside = np.minimum(1.0, 2 * np.minimum(_below(t_low, df_low), _above(t_high, df_high)))
    return _decided(tost, too_few), _decided(outside, too_few)


def trend(groups: list[np.ndarray], direction: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Claim the values rise (direction 1) or fall (−1) over the groups' order.

    Jonckheere–Terpstra as Kendall's τ-b between position and value, per row.
    Returns (p supporting, p contradicting, τ), each (R,).
    """
    rows = groups[0].shape[0]
    supporting, contradicting, tau = (np.full(rows, np.nan) for _ in range(3))
    too_few = _too_few(*groups)
    for r in range(rows):
        if too_few[r]:
            continue
        position = np.concatenate([np.full(g.shape[1], i) for i, g in enumerate(groups)])
        values = np.concatenate([g[r] for g in groups])
        keep = np.isfinite(values)
        with quietly():
            result = stats.kendalltau(position[keep], values[keep])
        if np.isnan(result.statistic):  # every value equal: no trend either way
            supporting[r], contradicting[r], tau[r] = 1.0, 1.0, 0.0
            continue
        half = result.pvalue / 2
        rising = result.statistic > 0
        supporting[r] = half if rising == (direction > 0) else 1 - half
        contradicting[r] = 1 - half if rising == (direction > 0) else half
        tau[r] = result.statistic
    return supporting, contradicting, tau


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment over axis 0 (the tests of one claim), per column; NaN stays NaN."""
    p = np.asarray(p, dtype=float)
    m = np.isfinite(p).sum(axis=0)
    filled = np.where(np.isfinite(p), p, np.inf)
    order = np.argsort(filled, axis=0, kind="stable")
    ranked = np.take_along_axis(filled, order, axis=0)
    factor = m - np.arange(p.shape[0]).reshape(-1, *[1] * (p.ndim - 1))
    finite = np.isfinite(ranked)
    scaled = np.where(finite, factor * np.where(finite, ranked, 0.0), np.inf)
    adjusted = np.minimum(1.0, np.maximum.accumulate(scaled, axis=0))
    result = np.empty_like(adjusted)
    np.put_along_axis(result, order, adjusted, axis=0)
    return np.where(np.isfinite(p), result, np.nan)


def gap_interval(a: np.ndarray, b: np.ndarray | float, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Welch's (or the one-sample) interval of mean(a) − mean(b), from 1-D samples; NaN when too few."""
    a = a[np.isfinite(a)]
    if isinstance(b, np.ndarray):
        b = b[np.isfinite(b)]
        if min(len(a), len(b)) < MIN_SAMPLES:
            return np.nan, np.nan
        with quietly():
            interval = stats.ttest_ind(a, b, equal_var=False).confidence_interval(confidence)
    else:
        if len(a) < MIN_SAMPLES:
            return np.nan, np.nan
        with quietly():
            interval = stats.ttest_1samp(a, b).confidence_interval(confidence)
    return _finite_or_point(interval, a, b)


def _finite_or_point(interval, a: np.ndarray, b) -> tuple[float, float]:
    """A constant sample's interval is its gap (scipy gives NaN for a zero standard error)."""
    low, high = float(interval.low), float(interval.high)
    if np.isnan(low):
        gap = float(a.mean() - (b.mean() if isinstance(b, np.ndarray) else b))
        return gap, gap
    return low, high


def mean_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The t-interval of the mean of a 1-D sample; NaN when too few values."""
    values = values[np.isfinite(values)]
    if len(values) < MIN_SAMPLES:
        return np.nan, np.nan
    return mean_interval_from_stats(float(values.mean()), float(values.std(ddof=1)), len(values), confidence)


def mean_interval_from_stats(mean: float, std: float, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    if n < MIN_SAMPLES or np.isnan(std):
        return np.nan, np.nan
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * std / np.sqrt(n)
    return mean - half, mean + half


def welch_from_stats(mean_a: float, std_a: float, n_a: int, mean_b: float, std_b: float, n_b: int) -> float:
    """Two-sided p of Welch's test from summary statistics (the sweep tables); NaN when too few seeds."""
    if min(n_a, n_b) < MIN_SAMPLES:
        return np.nan
    if std_a == 0 and std_b == 0:
        return 1.0 if mean_a == mean_b else 0.0
    with quietly():
        return float(stats.ttest_ind_from_stats(mean_a, std_a, n_a, mean_b, std_b, n_b, equal_var=False).pvalue)


def fmt_p(p: float) -> str:
    if np.isnan(p):
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
