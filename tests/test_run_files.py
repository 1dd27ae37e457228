"""A damaged, foreign or incomplete file that a job reads fails that job, naming the file and the fix.

Each case is one a user hit on a full build (a run's metrics.csv cut to its
header, cut mid-row, garbage, holding a seed the config lacks; a garbage
config.json), written here as the training job writes the files.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from synthetic import problem

from hpstudy.data.splits import load_splits, save_splits
from hpstudy.errors import DataError
from hpstudy.results import inputs
from hpstudy.results.aggregate import collect_runs, read_runs

SEEDS = [0, 1]
RUN_ID = "0123456789ab"
PARAMS = {"architecture": "mlp", "hidden_layers": 1, "width": 8, "activation": "relu", "optimizer": "sgd",
          "learning_rate": 0.1, "batch_size": 10, "epochs": 2, "loss": "mse"}  # fmt: skip


def metrics_rows(seeds=SEEDS, diverged=False) -> list[dict]:
    return [
        {
            "run_id": RUN_ID,
            "seed": seed,
            **{f"{split}_{name}": 0.5 for split in ("train", "validation", "test") for name in ("loss", "accuracy")},
            "train_seconds": 1.25,
            "diverged": diverged,
            "diverged_epoch": "",
        }
        for seed in seeds
    ]


def write_run(root, rows=None, config=None):
    folder = root / "results" / "runs" / "usps" / RUN_ID
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows if rows is not None else metrics_rows()).to_csv(folder / "metrics.csv", index=False)
    config = config if config is not None else {"run_id": RUN_ID, "problem": "usps", "params": PARAMS, "seeds": SEEDS}
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def collect(folder):
    return collect_runs(
        [str(folder / "metrics.csv")], [str(folder / "config.json")], SEEDS, {"usps": problem("usps").metrics}
    )


def test_a_complete_run_is_read_with_its_parameters_and_flags(tmp_path):
    runs = collect(write_run(tmp_path))
    assert list(runs["seed"]) == [0, 1] and runs["width"].tolist() == [8, 8]
    assert runs["diverged"].dtype == bool and not runs["diverged"].any()
    assert runs["test_accuracy"].tolist() == [0.5, 0.5]


def test_a_diverged_seed_may_lack_its_metrics(tmp_path):
    rows = metrics_rows()
    rows[1].update(diverged=True, diverged_epoch=1, test_loss=float("nan"), test_accuracy=float("nan"))
    runs = collect(write_run(tmp_path, rows))
    assert runs["diverged"].tolist() == [False, True]


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda text: text.splitlines()[0] + "\n", "has no rows"),
        (lambda text: "\x00\x17garbage\x80\n", "lacks the column|not a readable table"),
        (lambda text: text[: text.rindex("0.5") - 1], "diverged column holds"),
        (
            lambda text: text + text.splitlines()[2].replace(f"{RUN_ID},1,", f"{RUN_ID},7,") + "\n",
            r"seeds \[7\] are not in",
        ),
        (lambda text: text + text.splitlines()[2] + "\n", r"seeds \[1\] appear twice"),
        (lambda text: "\n".join(text.splitlines()[:2]) + "\n", r"it lacks seeds \[1\]"),
        (lambda text: text.replace(",0.5,", ",inf,", 1), "did not diverge, yet lack a metric"),
        (lambda text: text.replace(RUN_ID, "ffffffffffff"), "rows of another run"),
        (lambda text: "", "not a readable table"),
    ],
    ids=[
        "header only",
        "garbage",
        "cut mid-row",
        "extra seed",
        "repeated seed",
        "missing seed",
        "inf metric",
        "another run",
        "empty",
    ],  # fmt: skip
)
def test_a_damaged_metrics_file_names_itself_and_the_fix(tmp_path, damage, message):
    folder = write_run(tmp_path)
    path = folder / "metrics.csv"
    path.write_text(damage(path.read_text()), encoding="utf-8", errors="surrogateescape")
    with pytest.raises(DataError, match=message) as error:
        collect(folder)
    assert str(path) in str(error.value)
    assert f"delete the run's folder {folder} and rerun: it retrains" in str(error.value)


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"run_id": "\x01"}', "is not valid JSON"),
        ("[1, 2]", "holds a JSON list"),
        ('{"run_id": "0123456789ab"}', "lacks the key"),
        (json.dumps({"run_id": RUN_ID, "problem": "house", "params": PARAMS, "seeds": SEEDS}), "describes run house/"),
        (json.dumps({"run_id": RUN_ID, "problem": "usps", "params": PARAMS, "seeds": [0, 1, 2]}), r"seeds \[2\] are"),
    ],
    ids=["garbage", "not an object", "keys missing", "another problem", "other seeds"],
)
def test_a_damaged_run_config_names_itself_and_the_fix(tmp_path, text, message):
    folder = write_run(tmp_path)
    (folder / "config.json").write_text(text)
    with pytest.raises(DataError, match=message) as error:
        collect(folder)
    assert str(folder / "config.json") in str(error.value) and "rerun: it retrains" in str(error.value)


def test_a_history_must_hold_the_configs_seeds(tmp_path):
    path = tmp_path / "history.csv"
    pd.DataFrame({"seed": [0, 0, 1, 1], "epoch": [1, 2, 1, 2]}).to_csv(path, index=False)
    assert len(inputs.per_seed_table(path, ["epoch"], SEEDS)) == 4
    with pytest.raises(DataError, match=r"lacks seeds \[2\]"):
        inputs.per_seed_table(path, ["epoch"], [0, 1, 2])
    with pytest.raises(DataError, match="lacks the column"):
        inputs.per_seed_table(path, ["index"], SEEDS)


def test_runs_csv_with_a_damaged_flag_is_refused_with_the_rebuild_fix(tmp_path):
    path = tmp_path / "runs.csv"
    pd.DataFrame({"problem": ["usps"], "run_id": [RUN_ID], "seed": [0], "train_seconds": [1.0],
                  "diverged": ["maybe"], "diverged_epoch": [""]}).to_csv(path, index=False)  # fmt: skip
    with pytest.raises(DataError, match=f"diverged column holds.*delete {path} and rerun"):
        read_runs(str(path))


def splits_file(tmp_path, **arrays):
    rng = np.random.default_rng(0)
    splits = {
        name: (rng.normal(size=(4, 3)).astype(np.float32), np.arange(4)) for name in ("train", "validation", "test")
    }
    for key, value in arrays.items():
        split = key.split("_")[1]
        x, y = splits[split]
        splits[split] = (value, y) if key.startswith("x_") else (x, value)
    save_splits(tmp_path / "data.npz", splits)
    return tmp_path / "data.npz"


def test_prepared_splits_are_read_back(tmp_path):
    assert load_splits(splits_file(tmp_path))["x_test"].shape == (4, 3)


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"x_test": np.full((4, 3), np.nan, np.float32)}, "test inputs hold a value that is not a finite number"),
        ({"y_validation": np.arange(3)}, r"validation split has inputs \(4, 3\) and targets \(3,\)"),
    ],
    ids=["NaN inputs", "rows differ"],
)
def test_damaged_prepared_splits_are_refused_with_the_fix(tmp_path, arrays, message):
    path = splits_file(tmp_path, **arrays)
    with pytest.raises(DataError, match=message) as error:
        load_splits(path)
    assert f"delete {path} and rerun" in str(error.value)


def test_a_cut_prepared_file_is_refused_with_the_fix(tmp_path):
    path = splits_file(tmp_path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(DataError, match="is not a readable prepared-data file"):
        load_splits(path)
