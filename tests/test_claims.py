"""The statistics behind the verdicts, every rule of the claims vocabulary on hand-made per-seed
numbers, and the narrative."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from hpstudy.report.claims import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    NOT_EVALUATED,
    ClaimError,
    evaluate_claim,
    validate_claims,
    verdict_rows,
)
from hpstudy.report.compare import seed_samples, timing_samples
from hpstudy.report.narrative import describe_sweep, shape, summaries
from hpstudy.report.original import flag_copies, load_original
from hpstudy.results import stats

# Ten seeds' worth of small deviations with mean 0 and standard deviation 0.0021 (as accuracy: 0.21 pt)
NOISE = np.array([-0.003, 0.001, 0.002, -0.001, 0.0, 0.003, -0.002, 0.001, -0.002, 0.001])


def seeds(mean: float, scale: float = 1.0, n: int = 10) -> list[float]:
    """n per-seed values around `mean`, scattered `scale` times NOISE."""
    return list(mean + scale * NOISE[:n])


def sweep(values: dict, metric: str = "test_accuracy", diverged: dict | None = None):
    """A sweep table (labels and run ids) and its samples, from per-seed values by label."""
    labels = [str(label) for label in values]
    table = pd.DataFrame(
        {
            "label": labels,
            "run_id": [f"run{i}" for i in range(len(labels))],
            "n_diverged": [(diverged or {}).get(label, 0) for label in values],
        }
    )
    rows = [
        {"run_id": f"run{i}", "seed": seed, metric: value}
        for i, label in enumerate(values)
        for seed, value in enumerate(values[label])
    ]
    frame = pd.DataFrame(rows)
    samples = {"seeds": seed_samples(frame), "timing": timing_samples(frame.rename(columns={"seed": "repeat"}))}
    return table, samples


def evaluate(checks, values, metric="test_accuracy", original=None):
    table, samples = sweep(values, metric)
    claim = {"number": 1, "conclusion": "c", "sweep": "p/e/s", "checks": checks}
    return evaluate_claim(claim, {"p/e/s": table}, samples, {"p/e/s": original or {}})


def verdict(check, values, metric="test_accuracy", original=None):
    result = evaluate([check], values, metric, original)
    return result.verdict, result.checks[0].evidence


# ---- the tests themselves, pinned against numbers worked by hand -------------


def test_welch_one_sided_p_values():
    # means 3 and 5, variances 2.5 and 2.5, n 5 and 5: t = -2 on 8 degrees of freedom
    a, b = np.array([[1.0, 2, 3, 4, 5]]), np.array([[3.0, 4, 5, 6, 7]])
    supporting, contradicting = stats.greater(b, a)
    assert supporting[0] == pytest.approx(scipy_stats.t.sf(2, 8)) == pytest.approx(0.0403, abs=1e-4)
    assert contradicting[0] == pytest.approx(1 - 0.0403, abs=1e-4)
    # with a margin of 2 the gap of 2 is exactly at the null: p = 0.5 each way
    assert stats.greater(b, a, margin=2.0)[0][0] == pytest.approx(0.5)


def test_tost_accepts_a_close_gap_and_cannot_accept_a_noisy_one():
    a = np.array([seeds(0.920)])
    close = np.array([seeds(0.922)[::-1]])
    supporting, contradicting = stats.within(a, close, tolerance=0.01)
    assert supporting[0] < 1e-6 and contradicting[0] == pytest.approx(1.0)
    noisy = np.array([seeds(0.922, scale=10)[::-1]])  # the same gap, seeds scattered by 2 pt
    supporting, _ = stats.within(a, noisy, tolerance=0.01)
    assert supporting[0] > 0.05
    # the same as the 90% interval of the gap lying inside the tolerance
    low, high = stats.gap_interval(noisy[0], a[0], confidence=0.90)
    assert not (-0.01 < low and high < 0.01)


def test_trend_is_jonckheere_terpstra_as_kendalls_tau():
    groups = [np.array([seeds(m)]) for m in (0.92, 0.919, 0.918)]
    supporting, contradicting, tau = stats.trend(groups, direction=-1)
    expected = scipy_stats.kendalltau(np.repeat([0, 1, 2], 10), np.concatenate([g[0] for g in groups]))
    assert tau[0] == pytest.approx(expected.statistic)
    assert supporting[0] == pytest.approx(expected.pvalue / 2)
    assert contradicting[0] == pytest.approx(1 - expected.pvalue / 2)


def test_holm_adjustment():
    adjusted = stats.holm(np.array([0.01, 0.04, 0.03, np.nan]))
    np.testing.assert_allclose(adjusted[:3], [0.03, 0.06, 0.06])
    assert np.isnan(adjusted[3])


def test_fewer_than_two_seeds_decide_nothing():
    supporting, contradicting = stats.greater(np.array([[0.9]]), np.array([[0.1]]))
    assert np.isnan(supporting[0]) and np.isnan(contradicting[0])


# ---- the rules ----------------------------------------------------------------

TREND = {"rule": "trend", "metric": "test_accuracy", "direction": "decreasing"}


@pytest.mark.parametrize(
    "means, scale, expected",
    [
        ([0.9225, 0.9198, 0.9178], 1, HOLDS),  # a real 0.47 pt decrease, as with 10 seeds today
        ([0.90, 0.91, 0.92], 1, FAILS),  # rises
        ([0.920, 0.919, 0.918], 10, INCONCLUSIVE),  # 0.2 pt against a 2 pt scatter
    ],
)
def test_trend(means, scale, expected):
    values = {
        label: seeds(mean, scale)[shift:] + seeds(mean, scale)[:shift]
        for shift, (label, mean) in enumerate(zip((1, 2, 3), means))
    }
    result, evidence = verdict(TREND, values)
    assert result == expected
    assert "Kendall τ" in evidence and "95% CI" in evidence


def test_trend_evidence_shows_the_effect_with_its_interval_beside_the_original():
    values = {1: seeds(0.9225), 2: seeds(0.9198), 3: seeds(0.9178)}
    original = {"1": {"test": 0.9240, "metric": "accuracy"}, "3": {"test": 0.5871, "metric": "accuracy"}}
    result, evidence = verdict(TREND, values, original=original)
    assert result == HOLDS
    assert "1 to 3 −0.47 pt (95% CI" in evidence.replace("-0.47", "−0.47")
    assert "The original (one run each): 1 92.40%; 3 58.71% (1 to 3: -33.69 pt)." in evidence


@pytest.mark.parametrize(
    "gap, scale, expected",
    [
        (0.002, 1, HOLDS),  # 0.2 pt, well inside the 1 pt tolerance
        (0.030, 1, FAILS),  # 3 pt, well beyond it
        (0.002, 10, INCONCLUSIVE),  # close means, but seeds scatter by 2 pt: noise proves nothing
    ],
)
def test_equivalent(gap, scale, expected):
    check = {"rule": "equivalent", "metric": "test_accuracy", "tolerance": 0.01}
    result, evidence = verdict(check, {"relu": seeds(0.92, scale), "tanh": seeds(0.92 + gap, scale)[::-1]})
    assert result == expected
    assert "90% CI" in evidence


@pytest.mark.parametrize(
    "sigmoid, scale, expected",
    [(0.50, 1, HOLDS), (0.90, 1, FAILS), (0.875, 10, INCONCLUSIVE), (0.97, 1, FAILS)],
)
def test_ordering_with_margin(sigmoid, scale, expected):
    # relu and tanh must beat sigmoid by 5 points
    check = {"rule": "ordering", "metric": "test_accuracy", "higher": ["relu", "tanh"], "lower": ["sigmoid"]}
    values = {"relu": seeds(0.93), "tanh": seeds(0.93)[::-1], "sigmoid": seeds(sigmoid, scale)}
    assert verdict({**check, "margin": 0.05}, values)[0] == expected


def test_ordering_of_training_times_reads_the_timing_repeats():
    check = {"rule": "ordering", "metric": "solo_seconds", "higher": ["adam@0.001"], "lower": ["sgd@0.1"]}
    result, evidence = verdict(check, {"sgd@0.1": seeds(5.0, 10, 5), "adam@0.001": seeds(6.0, 10, 5)}, "solo_seconds")
    assert result == HOLDS
    assert "adam@0.001 − sgd@0.1 = +1.00 s (95% CI +0.972 s to +1.03 s)" in evidence


@pytest.mark.parametrize("mean, scale, expected", [(0.08, 1, HOLDS), (0.90, 1, FAILS), (0.495, 10, INCONCLUSIVE)])
def test_threshold(mean, scale, expected):
    check = {"rule": "threshold", "metric": "test_accuracy", "values": [10], "below": 0.5}
    assert verdict(check, {0.1: seeds(0.9), 10: seeds(mean, scale)})[0] == expected


@pytest.mark.parametrize(
    "means, scales, expected",
    [
        ([0.40, 0.30, 0.35], [1, 1, 1], HOLDS),
        ([0.25, 0.30, 0.35], [1, 1, 1], FAILS),  # lowest at the end
        ([0.40, 0.30, 0.301], [1, 1, 20], INCONCLUSIVE),  # inside, but an end scatters over it
    ],
)
def test_optimum(means, scales, expected):
    check = {"rule": "optimum", "metric": "test_loss", "best": "lowest"}
    values = {label: seeds(m, s) for label, m, s in zip((5, 20, 50), means, scales)}
    assert verdict(check, values, "test_loss")[0] == expected


@pytest.mark.parametrize("mean, scale, expected", [(0.950, 1, HOLDS), (0.99, 1, FAILS), (0.96, 10, INCONCLUSIVE)])
def test_original(mean, scale, expected):
    check = {"rule": "original", "metric": "validation_accuracy", "values": ["cross_entropy"], "tolerance": 0.01}
    values = {"mse": seeds(0.96), "cross_entropy": seeds(mean, scale)}
    original = {"cross_entropy": {"train": math.nan, "validation": 0.9481, "test": math.nan, "metric": "accuracy"}}
    result, evidence = verdict(check, values, "validation_accuracy", original)
    assert result == expected
    assert "cross_entropy − original" in evidence and "94.81%" in evidence


def test_one_seed_is_inconclusive_for_every_rule():
    one = {"relu": seeds(0.93, n=1), "tanh": seeds(0.50, n=1), "sigmoid": seeds(0.10, n=1)}
    checks = [
        {"rule": "ordering", "metric": "test_accuracy", "higher": ["relu"], "lower": ["sigmoid"]},
        {"rule": "equivalent", "metric": "test_accuracy", "tolerance": 0.5},
        {**TREND},
        {"rule": "threshold", "metric": "test_accuracy", "values": ["sigmoid"], "below": 0.5},
    ]
    result = evaluate(checks, one)
    assert result.verdict == INCONCLUSIVE and result.seeds == 1
    assert all(c.verdict == INCONCLUSIVE and "too few seeds to test" in c.evidence for c in result.checks)


def test_holm_corrects_the_checks_of_a_claim_together():
    # one ordering at p ≈ 0.03: significant alone, not once two more tests share the claim's level
    check = {"rule": "ordering", "metric": "test_accuracy", "higher": ["a"], "lower": ["b"]}
    values = {"a": seeds(0.9220, 2), "b": seeds(0.9182, 2)[::-1], "c": seeds(0.5), "d": seeds(0.5)[::-1]}
    alone = evaluate([check], values)
    p_alone = scipy_stats.ttest_ind(values["a"], values["b"], equal_var=False, alternative="greater").pvalue
    assert 0.0167 < p_alone < ALPHA_ and alone.verdict == HOLDS
    others = [{"rule": "equivalent", "metric": "test_accuracy", "values": ["c", "d"], "tolerance": 0.0001}] * 2
    assert evaluate([check, *others], values).checks[0].verdict == INCONCLUSIVE


ALPHA_ = stats.ALPHA


def test_verdicts_and_robustness_are_the_same_on_every_evaluation():
    values = {1: seeds(0.9225), 2: seeds(0.9198), 3: seeds(0.9178)}
    first, second = evaluate([TREND], values), evaluate([TREND], values)
    assert verdict_rows([first]) == verdict_rows([second])
    assert 0.5 < first.robustness <= 1.0


def test_a_claim_fails_when_any_check_fails_and_holds_only_when_all_hold():
    values = {1: seeds(0.92), 2: seeds(0.90), 3: seeds(0.58)}
    rising = {**TREND, "direction": "increasing"}
    assert evaluate([TREND, rising], values).verdict == FAILS
    assert evaluate([TREND, TREND], values).verdict == HOLDS


def test_a_removed_sweep_is_not_evaluated_and_a_missing_value_is_named():
    _, samples = sweep({1: seeds(0.9)})
    claim = {"number": 7, "conclusion": "c", "sweep": "p/e/gone", "checks": [TREND]}
    result = evaluate_claim(claim, {}, samples, {})
    assert result.verdict == NOT_EVALUATED
    assert "p/e/gone is not in this study" in result.checks[0].evidence
    result, evidence = verdict({**TREND, "values": [1, 7]}, {1: seeds(0.9), 2: seeds(0.8)})
    assert result == NOT_EVALUATED and "7 not in the sweep" in evidence


def test_an_optimum_needs_three_values():
    check = {"rule": "optimum", "metric": "test_loss", "best": "lowest"}
    result, evidence = verdict(check, {5: seeds(0.3), 20: seeds(0.4)}, "test_loss")
    assert result == NOT_EVALUATED and "at least three values" in evidence


@pytest.mark.parametrize(
    "check, message",
    [
        ({"rule": "slope", "metric": "test_accuracy"}, "unknown rule 'slope'; valid: trend, equivalent"),
        ({"rule": "trend", "metric": "test_accuracy"}, "missing direction"),
        ({"rule": "threshold", "metric": "test_accuracy"}, "missing above or below"),
        ({"rule": "trend", "metric": "test_accuracy", "direction": "up"}, "direction must be one of increasing"),
    ],
)
def test_malformed_claims_are_named(check, message):
    with pytest.raises(ClaimError, match=message):
        validate_claims([{"number": 3, "conclusion": "c", "sweep": "p/e/s", "checks": [check]}])


# ---- the narrative, from the sweep table's summaries --------------------------


def summary_table(labels, means, stds, n=10, diverged=None) -> pd.DataFrame:
    rows = []
    for i, (label, mean, std) in enumerate(zip(labels, means, stds)):
        low, high = stats.mean_interval_from_stats(mean, std, n)
        rows.append(
            {
                "label": str(label),
                "n_diverged": (diverged or [0] * len(labels))[i],
                "test_accuracy_mean": mean,
                "test_accuracy_std": std,
                "test_accuracy_n": n,
                "test_accuracy_ci_low": low,
                "test_accuracy_ci_high": high,
                "solo_seconds_mean": 1.0 + i,
            }
        )
    return pd.DataFrame(rows)


def test_shape_counts_only_steps_welch_finds():
    def pts(means, std=0.01):
        return summaries(summary_table(range(len(means)), means, [std] * len(means)), "test_accuracy")

    assert shape(pts([0.5, 0.6, 0.7])) == "rises"
    assert shape(pts([0.7, 0.6, 0.5])) == "falls"
    assert shape(pts([0.5, 0.7, 0.5])) == "peaks"
    assert shape(pts([0.7, 0.5, 0.7])) == "dips"
    assert shape(pts([0.70, 0.705, 0.70])) == "is flat"


def test_narrative_names_best_worst_interval_and_divergence():
    t = summary_table(["0.1", "1", "10"], [0.93, 0.92, 0.08], [0.002, 0.002, 0.0], diverged=[0, 0, 10])
    text = describe_sweep(t, "Learning rate", "test_accuracy", ordered=True)
    assert text.startswith("The best test accuracy is at learning rate 0.1 (93.00%, 95% CI 92.86% to 93.14%)")
    assert "the test accuracy falls; the gap of 85.00 pt is a real difference (Welch's t-test, p < 0.05)." in text
    assert "Diverged: 10 (10 of 10 seeds)" in text
    assert text.endswith("Trained alone, one seed takes 1.00 to 3.00 s (one thread, timed).")


def test_narrative_of_indistinguishable_values_one_seed_and_an_all_diverged_sweep():
    t = summary_table(["relu", "tanh"], [0.930, 0.931], [0.01, 0.01])
    assert "does not separate them" in describe_sweep(t, "Activation", "test_accuracy", ordered=False)
    single = summary_table(["relu", "tanh"], [0.93, 0.50], [math.nan, math.nan], n=1)
    assert "cannot be tested with 1 seed" in describe_sweep(single, "Activation", "test_accuracy", ordered=False)
    lost = summary_table([1, 2], [math.nan, math.nan], [math.nan, math.nan], n=0, diverged=[3, 3])
    text = describe_sweep(lost, "Learning rate", "test_accuracy", ordered=True)
    assert "Every run of this sweep diverged" in text


def test_original_slips_are_flagged(tmp_path):
    csv = tmp_path / "original.csv"
    csv.write_text(
        "problem,exercise,sweep,value,train,validation,test,seconds,metric\n"
        "usps,opt,epochs,10,7.9662,,0.9473,9.36,accuracy\n"
        "usps,opt,learning_rate,0.5,0.9662,,0.9473,9.36,accuracy\n"
        "usps,opt,learning_rate,0.1,0.9602,,0.9458,8.92,accuracy\n"
        "usps,opt,batch_size,10,0.9602,,0.9458,8.92,accuracy\n"
    )
    layout = {
        "sweeps": [
            {"problem": "usps", "exercise": "opt", "sweep": "epochs", "points": [{"label": "10", "run_id": "base"}]},
            {
                "problem": "usps",
                "exercise": "opt",
                "sweep": "learning_rate",
                "points": [{"label": "0.5", "run_id": "lr05"}, {"label": "0.1", "run_id": "base"}],
            },
            {
                "problem": "usps",
                "exercise": "opt",
                "sweep": "batch_size",
                "points": [{"label": "10", "run_id": "base"}],
            },
        ]
    }
    flags = flag_copies(load_original(str(csv)), layout).set_index(["sweep", "value"])["flag"]
    assert flags["epochs", "10"].startswith("train accuracy 796.62% is impossible, not used")
    assert "same test value and time as learning rate = 0.5" in flags["epochs", "10"]
    assert "epochs = 10" in flags["learning_rate", "0.5"]
    # the baseline repeated in two sweeps is the same run: not a copy
    assert flags["learning_rate", "0.1"] == "" and flags["batch_size", "10"] == ""
