"""Every rule of the claims vocabulary on small synthetic sweep tables, and the narrative."""

import math

import pandas as pd
import pytest

from hpstudy.report.claims import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    NOT_EVALUATED,
    ClaimError,
    evaluate_claim,
    validate_claims,
)
from hpstudy.report.compare import points
from hpstudy.report.narrative import describe_sweep, shape
from hpstudy.report.original import flag_copies, load_original


def table(values, means, stds=None, metric="test_accuracy", diverged=None):
    """A sweep table with one metric (and a constant training time)."""
    stds = stds if stds is not None else [math.nan] * len(values)
    return pd.DataFrame(
        {
            "label": [str(v) for v in values],
            "n_seeds": 3,
            "n_diverged": diverged or [0] * len(values),
            "train_seconds_mean": 1.0,
            "train_seconds_std": 0.1,
            f"{metric}_mean": means,
            f"{metric}_std": stds,
        }
    )


def verdict(check, t, original=None):
    claim = {"number": 1, "conclusion": "c", "sweep": "p/e/s", "checks": [check]}
    result = evaluate_claim(claim, {"p/e/s": t}, {"p/e/s": original or {}})
    return result.verdict, result.checks[0].evidence


TREND = {"rule": "trend", "metric": "test_accuracy", "direction": "decreasing"}


@pytest.mark.parametrize(
    "means, stds, expected",
    [
        ([0.92, 0.90, 0.58], [0.005, 0.005, 0.01], HOLDS),
        ([0.92, 0.95, 0.58], [0.005, 0.005, 0.01], FAILS),  # a step up beyond the spread
        ([0.92, 0.919, 0.918], [0.01, 0.01, 0.01], INCONCLUSIVE),  # inside the spread
        ([0.90, 0.91, 0.92], [0.001, 0.001, 0.001], FAILS),
    ],
)
def test_trend(means, stds, expected):
    assert verdict(TREND, table([1, 2, 3], means, stds))[0] == expected


def test_trend_on_a_subset_of_values_in_sweep_order():
    t = table([20, 50, 100, 150], [0.90, 0.91, 0.92, 0.80], [0.001] * 4)
    check = {"rule": "trend", "metric": "test_accuracy", "direction": "increasing", "values": [20, 50, 100]}
    result, evidence = verdict(check, t)
    assert result == HOLDS
    assert "+2.00 pt" in evidence and "150" not in evidence


@pytest.mark.parametrize(
    "means, stds, expected",
    [
        ([0.920, 0.925], [0.002, 0.002], HOLDS),  # 0.5 pt < 1 pt tolerance
        ([0.920, 0.950], [0.002, 0.002], FAILS),  # 3 pt, well beyond the spread
        ([0.920, 0.950], [0.030, 0.030], INCONCLUSIVE),  # 3 pt, but seeds scatter by 4 pt
    ],
)
def test_equivalent(means, stds, expected):
    check = {"rule": "equivalent", "metric": "test_accuracy", "tolerance": 0.01}
    assert verdict(check, table(["relu", "tanh"], means, stds))[0] == expected


@pytest.mark.parametrize(
    "sigmoid, std, expected",
    [(0.50, 0.01, HOLDS), (0.90, 0.01, FAILS), (0.90, 0.05, INCONCLUSIVE), (0.97, 0.001, FAILS)],
)
def test_ordering_with_margin(sigmoid, std, expected):
    # relu and tanh must beat sigmoid by 5 points; 0.90 is clearly less than that
    check = {"rule": "ordering", "metric": "test_accuracy", "higher": ["relu", "tanh"], "lower": ["sigmoid"]}
    t = table(["relu", "tanh", "sigmoid"], [0.93, 0.93, sigmoid], [0.001, 0.001, std])
    assert verdict({**check, "margin": 0.05}, t)[0] == expected


def test_ordering_of_training_times_without_margin():
    t = table(["sgd@0.1", "adam@0.001"], [5.0, 6.0], [0.1, 0.1], metric="train_seconds")
    check = {"rule": "ordering", "metric": "train_seconds", "higher": ["adam@0.001"], "lower": ["sgd@0.1"]}
    result, evidence = verdict(check, t)
    assert result == HOLDS
    assert "adam@0.001 − sgd@0.1 = +1.00 s" in evidence


@pytest.mark.parametrize("mean, std, expected", [(0.08, 0.01, HOLDS), (0.90, 0.01, FAILS), (0.49, 0.05, INCONCLUSIVE)])
def test_threshold(mean, std, expected):
    check = {"rule": "threshold", "metric": "test_accuracy", "values": [10], "below": 0.5}
    t = table([0.1, 10], [0.9, mean], [0.01, std])
    assert verdict(check, t)[0] == expected


@pytest.mark.parametrize(
    "means, stds, expected",
    [
        ([0.40, 0.30, 0.35], [0.01] * 3, HOLDS),
        ([0.25, 0.30, 0.35], [0.01] * 3, FAILS),  # lowest at the end
        ([0.40, 0.30, 0.31], [0.01, 0.01, 0.02], INCONCLUSIVE),  # inside, but one end within spread
        ([0.30, 0.301, 0.35], [0.01] * 3, INCONCLUSIVE),  # at an end, within spread of the inside
    ],
)
def test_optimum(means, stds, expected):
    check = {"rule": "optimum", "metric": "test_loss", "best": "lowest"}
    assert verdict(check, table([5, 20, 50], means, stds, metric="test_loss"))[0] == expected


@pytest.mark.parametrize(
    "mean, std, expected", [(0.952, 0.003, HOLDS), (0.99, 0.003, FAILS), (0.97, 0.03, INCONCLUSIVE)]
)
def test_original(mean, std, expected):
    check = {"rule": "original", "metric": "validation_accuracy", "values": ["cross_entropy"], "tolerance": 0.01}
    t = table(["mse", "cross_entropy"], [0.96, mean], [0.003, std], metric="validation_accuracy")
    original = {"cross_entropy": {"train": math.nan, "validation": 0.9481, "test": math.nan}}
    result, evidence = verdict(check, t, original)
    assert result == expected
    assert "original 94.81%" in evidence


def test_a_removed_sweep_is_not_evaluated_and_a_missing_value_is_named():
    claim = {"number": 7, "conclusion": "c", "sweep": "p/e/gone", "checks": [TREND]}
    result = evaluate_claim(claim, {}, {})
    assert result.verdict == NOT_EVALUATED
    assert "p/e/gone is not in this study" in result.checks[0].evidence
    check = {**TREND, "values": [1, 7]}
    result, evidence = verdict(check, table([1, 2], [0.9, 0.8]))
    assert result == NOT_EVALUATED and "7 not in the sweep" in evidence


def test_an_optimum_needs_three_values():
    check = {"rule": "optimum", "metric": "test_loss", "best": "lowest"}
    result, evidence = verdict(check, table([5, 20], [0.3, 0.4], metric="test_loss"))
    assert result == NOT_EVALUATED and "at least three values" in evidence


def test_a_claim_fails_when_any_check_fails_and_holds_only_when_all_hold():
    t = table([1, 2, 3], [0.92, 0.90, 0.58], [0.005, 0.005, 0.01])
    rising = {**TREND, "direction": "increasing"}
    both = {"number": 1, "conclusion": "c", "sweep": "p/e/s", "checks": [TREND, rising]}
    assert evaluate_claim(both, {"p/e/s": t}, {}).verdict == FAILS
    twice = {**both, "checks": [TREND, TREND]}
    assert evaluate_claim(twice, {"p/e/s": t}, {}).verdict == HOLDS


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


def test_shape_ignores_steps_inside_the_spread():
    def pts(means, std=0.01):
        return points(table(range(len(means)), means, [std] * len(means)), "test_accuracy")

    assert shape(pts([0.5, 0.6, 0.7])) == "rises"
    assert shape(pts([0.7, 0.6, 0.5])) == "falls"
    assert shape(pts([0.5, 0.7, 0.5])) == "peaks"
    assert shape(pts([0.7, 0.5, 0.7])) == "dips"
    assert shape(pts([0.70, 0.705, 0.70])) == "is flat"


def test_narrative_names_best_worst_spread_and_divergence():
    t = table(["0.1", "1", "10"], [0.93, 0.92, 0.08], [0.002, 0.002, 0.0], diverged=[0, 0, 3])
    text = describe_sweep(t, "Learning rate", "test_accuracy", ordered=True)
    assert text.startswith("The best test accuracy is at learning rate 0.1 (93.00% ± 0.20%), the worst at 10 (8.00%).")
    assert "the test accuracy falls; the gap of 85.00 pt (seed spread 0.20 pt) is a real difference." in text
    assert "Diverged: 10 (3 of 3 seeds)" in text
    assert text.endswith("Training takes 1.0 to 1.0 s per seed.")


def test_narrative_of_indistinguishable_values_and_of_an_all_diverged_sweep():
    t = table(["relu", "tanh"], [0.930, 0.931], [0.01, 0.01])
    assert "indistinguishable" in describe_sweep(t, "Activation", "test_accuracy", ordered=False)
    lost = table([1, 2], [math.nan, math.nan], diverged=[3, 3])
    text = describe_sweep(lost, "Learning rate", "test_accuracy", ordered=True)
    assert "Every run of this sweep diverged" in text and "Diverged: 1 (3 of 3 seeds), 2 (3 of 3 seeds)" in text


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


def test_the_evidence_says_why_a_gap_has_no_seed_spread():
    shared = table(["sgd", "adam"], [5.0, 6.0], [0.0, 0.0], metric="train_seconds")
    check = {"rule": "ordering", "metric": "train_seconds", "higher": ["adam"], "lower": ["sgd"]}
    assert "a run's seeds train together and share one time" in verdict(check, shared)[1]
    single = table(["relu", "tanh"], [0.9, 0.8]).assign(n_seeds=1)
    check = {"rule": "equivalent", "metric": "test_accuracy", "tolerance": 0.01}
    assert "one seed, so no seed spread" in verdict(check, single)[1]
