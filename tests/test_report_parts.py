"""The report's figures, tables and provenance on synthetic inputs, including all-diverged sweeps."""

import hashlib
import json
import math

import numpy as np
import pandas as pd
import pytest
from synthetic import house_splits, problem, usps_splits

from hpstudy.report.context import appendix_rows, finals_context
from hpstudy.report.figures import plot_sweep
from hpstudy.report.model_figures import (
    confusion_matrix,
    coverage_curve,
    plot_confusion,
    plot_learning_curves,
    plot_predictions,
)
from hpstudy.report.provenance import data_files, git_state, training_environment

USPS_SETTINGS = {"source": "h5", "rows": {"train": 60, "test": 30}, "validation_fraction": 0.2, "split_seed": 1}
SWEEP = {
    "problem": "usps",
    "exercise": "optimisation",
    "sweep": "learning_rate",
    "factor": "learning_rate",
    "metric": "accuracy",
    "metric_title": "accuracy",
}


def described(table: pd.DataFrame, column: str, means, half_width: float) -> None:
    """The sweep table's columns of one metric: mean, std, n and a 95% interval of the given half-width."""
    table[f"{column}_mean"] = means
    table[f"{column}_std"], table[f"{column}_n"] = 0.01, 3
    table[f"{column}_ci_low"] = table[f"{column}_mean"] - half_width
    table[f"{column}_ci_high"] = table[f"{column}_mean"] + half_width


def sweep_table(means: list[float], diverged: list[int]) -> pd.DataFrame:
    table = pd.DataFrame({"label": ["0.1", "1", "10"], "run_id": ["a", "b", "c"], "learning_rate": [0.1, 1.0, 10.0]})
    table["n_seeds"], table["n_diverged"] = 3, diverged
    for split in ("train", "validation", "test"):
        described(table, f"{split}_accuracy", means, 0.0248)
    described(table, "solo_seconds", [1.0, 1.1, math.nan], 0.05)
    table["parameters"], table["multiply_adds_per_step"] = [12345, 12345, 12345], [3.2e6, 3.2e6, 3.2e6]
    return table


def svg_text(path) -> str:
    text = path.read_text()
    assert text.lstrip().startswith("<?xml") and "</svg>" in text
    return text


@pytest.mark.parametrize("means", [[0.9, 0.8, 0.1], [math.nan] * 3], ids=["one diverged", "all diverged"])
def test_sweep_figure_and_appendix_survive_diverged_runs(tmp_path, means):
    table = sweep_table(means, [0, 0, 3] if not math.isnan(means[0]) else [3, 3, 3])
    plot_sweep(table, SWEEP, str(tmp_path / "sweep.svg"))
    assert "Learning rate" in svg_text(tmp_path / "sweep.svg")
    rows = appendix_rows(
        table, "accuracy", {"10": {"train": 0.16, "validation": math.nan, "test": 0.1751, "seconds": 9.32, "flag": ""}}
    )
    assert rows[2]["diverged"] == "3/3"
    assert rows[2]["original"] == ["16.00%", "17.51%", "9.32s"]
    assert rows[0]["seconds"] == "1.00s ± 0.0500s" and rows[2]["seconds"] == "—"
    assert rows[0]["parameters"] == "12.3k" and rows[0]["multiply_adds"] == "3.2M"
    if math.isnan(means[0]):
        assert rows[0]["rebuilt"] == ["—"] * 3 and rows[2]["delta"] == "—"
    else:
        assert rows[0]["rebuilt"][2] == "90.00% ± 2.48%"  # the mean ± the half-width of its 95% interval
        assert rows[2]["delta"] == "-7.51 pt"


def test_validation_only_original_number_is_compared_as_validation():
    table = sweep_table([0.9, 0.95, 0.9], [0, 0, 0])
    rows = appendix_rows(
        table,
        "accuracy",
        {"1": {"train": math.nan, "validation": 0.9481, "test": math.nan, "seconds": math.nan, "flag": ""}},
    )
    assert rows[1]["original"][1] == "94.81% (val.)"
    assert rows[1]["delta"] == "+0.19 pt (val.)"


def test_dataset_figures(tmp_path):
    problem("usps").plot_data(usps_splits(40, 10, 10), str(tmp_path / "usps.svg"))
    assert svg_text(tmp_path / "usps.svg").count("<image") == 40  # 4 images per digit, 10 digits, capped at 8
    house = house_splits(30, 10, 10) | {
        "x_mean": np.zeros(4),
        "x_std": np.ones(4),
        "feature_names": np.array(["OverallQual", "YearBuilt", "TotalBsmtSF", "GrLivArea"]),
    }
    problem("house").plot_data(house, str(tmp_path / "house.svg"))
    assert "GrLivArea" in svg_text(tmp_path / "house.svg")


def test_learning_curves_and_confusion(tmp_path):
    history = pd.DataFrame(
        {
            "seed": [0, 0, 1, 1],
            "epoch": [1, 2, 1, 2],
            "train_loss": [0.5, 0.3, 0.6, 0.35],
            "validation_loss": [0.55, 0.4, 0.6, 0.42],
            "validation_accuracy": [0.8, 0.9, 0.78, 0.88],
            "seconds": 1.0,
        }
    )
    plot_learning_curves({"mlp": history, "cnn": history}, str(tmp_path / "curves.svg"))
    assert "baseline: cnn" in svg_text(tmp_path / "curves.svg")
    predictions = pd.DataFrame({"seed": 0, "label": [0, 0, 1, 9], "predicted": [0, 1, 1, 9]})
    matrix = confusion_matrix(predictions, 10)
    assert matrix[0, 0] == 1 and matrix[0, 1] == 1 and matrix[9, 9] == 1 and matrix.sum() == 4
    plot_confusion({"Original choice": predictions}, str(tmp_path / "confusion.svg"), 10, "digit")
    assert "test accuracy 75.00%" in svg_text(tmp_path / "confusion.svg")


def test_coverage_of_a_calibrated_gaussian_follows_the_nominal_level():
    rng = np.random.default_rng(0)
    sigma = rng.uniform(5000, 30000, 20000)
    predictions = pd.DataFrame({"price": rng.normal(0, sigma), "predicted": 0.0, "sigma": sigma})
    levels = np.array([0.5, 0.9, 0.95])
    assert np.allclose(coverage_curve(predictions, "price", levels), levels, atol=0.01)
    # a model twice too confident covers far less than it claims
    assert coverage_curve(predictions.assign(sigma=sigma / 2), "price", np.array([0.95]))[0] < 0.7


@pytest.mark.parametrize("with_sigma", [True, False])
def test_house_prediction_figure_with_and_without_a_predictive_distribution(tmp_path, with_sigma):
    rng = np.random.default_rng(1)
    predictions = pd.DataFrame(
        {"seed": np.repeat([0, 1], 50), "index": np.tile(range(50), 2), "price": rng.uniform(1e5, 3e5, 100)}
    )
    predictions["predicted"] = predictions["price"] + rng.normal(0, 2e4, 100)
    if with_sigma:
        predictions["sigma"] = 2e4
    plot_predictions({"Original choice (abc)": predictions}, str(tmp_path / "final.svg"), "price", "$")
    text = svg_text(tmp_path / "final.svg")
    assert ("coverage of the predictive intervals" in text) == with_sigma
    assert ("no predictive" in text) != with_sigma


def test_finals_are_side_by_side_with_the_original_number():
    finals = pd.DataFrame(
        {
            "problem": "usps",
            "role": ["original_choice", "validation_best"],
            "run_id": ["a", "b"],
            "selection_metric": "validation_accuracy",
            "n_seeds": 3,
            "n_diverged": 0,
            "validation_accuracy_mean": [0.95, 0.96],
            "validation_accuracy_ci_low": [0.949, 0.959],
            "validation_accuracy_ci_high": [0.951, 0.961],
            "test_accuracy_mean": [0.93, 0.94],
            "test_accuracy_ci_low": [0.928, 0.938],
            "test_accuracy_ci_high": [0.932, 0.942],
        }
    )
    runs = {
        "a": {"params": {"architecture": "cnn", "epochs": 40}},
        "b": {"params": {"architecture": "mlp", "width": 150}},
    }
    original = pd.DataFrame(
        {
            "problem": ["usps"],
            "exercise": "final",
            "sweep": "final",
            "value": "seed_choice",
            "train": math.nan,
            "validation": math.nan,
            "test": 0.9223,
            "seconds": math.nan,
            "metric": "accuracy",
            "flag": "",
        }
    )
    context = finals_context(finals, runs, {"id": "usps", **problem("usps").describe(USPS_SETTINGS)}, original)
    assert [m["role"] for m in context["models"]] == ["Original choice", "Best by validation"]
    assert context["rows"][0]["values"] == ["95.00% ± 0.10%", "96.00% ± 0.10%"]
    assert context["rows"][1] == {"metric": "test accuracy", "values": ["93.00% ± 0.20%", "94.00% ± 0.20%"]}
    assert context["original"] == "92.23%"
    assert context["models"][1]["hyperparameters"] == "mlp, width=150"


def test_provenance_parts(tmp_path):
    assert git_state(tmp_path) == {"commit": "unknown", "dirty": None}
    raw = tmp_path / "usps.h5"
    raw.write_bytes(b"abc")
    (row,) = data_files([str(raw)], {"usps.h5": {"url": None, "checksum": "md5:900150983cd24fb0d6963f7d28e17f72"}})
    assert row["sha256"] == hashlib.sha256(b"abc").hexdigest() and row["bytes"] == 3
    assert row["expected"] == "md5:900150983cd24fb0d6963f7d28e17f72"
    configs = []
    for i, device in enumerate(["cpu", "cpu", "cuda"]):
        path = tmp_path / f"config{i}.json"
        path.write_text(
            json.dumps(
                {"provenance": {"device": device, "threads": 1, "slurm_job_id": "7" if i else None, "peak_rss_mb": i}}
            )
        )
        configs.append(str(path))
    environment = training_environment(configs)
    assert environment["device"] == "cpu (2 runs), cuda (1 run)"
    assert environment["SLURM jobs"] == "2"
    assert environment["peak memory of a job"] == "2 MB"
