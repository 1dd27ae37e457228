"""Reliability, fast cases: bad config and bad data give a clear error that names
the problem and the fix; a failed or killed write leaves nothing that looks valid;
a diverging replica is recorded as such and disturbs no other.

The workflow-level cases (Snakemake runs, SIGKILL mid-training, the lock, an
unwritable output folder, a path with spaces) are in test_reliability_e2e.py.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from conftest import CONFIG_TEXT, SCHEMA_PATH
from synthetic import CNN, house_splits, problem, usps_like, usps_splits, write_h5

from hpstudy.data import fetch
from hpstudy.engine import train, vocabulary
from hpstudy.errors import ConfigError, DataError, OutputError
from hpstudy.problems import house, usps
from hpstudy.runtime import runio
from hpstudy.runtime.atomic import atomic_path, write_rows, write_text
from hpstudy.runtime.preflight import check_writable
from hpstudy.study import hyperparameters as hp
from hpstudy.study.configuration import check_config, study_schema
from hpstudy.study.plan import expand_study

REPO = Path(__file__).resolve().parents[1]


def usps_of(config):
    return config["problems"]["usps"]


def sweep(config, exercise, name):
    return usps_of(config)["exercises"][exercise]["sweeps"][name]


def config_error(config) -> str:
    with pytest.raises(ConfigError) as error:
        check_config(config, SCHEMA_PATH)
    return str(error.value)


# --------------------------------------------------------------------------- configuration


def test_the_shipped_config_passes_every_check(config):
    study = check_config(config, SCHEMA_PATH)

    assert list(study.runs) == list(expand_study(yaml.safe_load(CONFIG_TEXT)).runs)


@pytest.mark.parametrize(
    "edit, path, typo, suggestion",
    [
        (lambda c: c.update(sedes=[0]), "sedes", "sedes", "seeds"),
        (lambda c: c["data"]["usps"].update(split_sed=1), "data.usps.split_sed", "split_sed", "split_seed"),
        (
            lambda c: usps_of(c)["baselines"]["cnn"].update(epoch=3),
            "problems.usps.baselines.cnn.epoch",
            "epoch",
            "epochs",
        ),
        (
            lambda c: sweep(c, "architecture", "mlp_width").update(valuess=[1]),
            "problems.usps.exercises.architecture.sweeps.mlp_width.valuess",
            "valuess",
            "values",
        ),
        (
            lambda c: sweep(c, "optimisation", "optimizer")["values"][1].update(learnig_rate=0.1),
            "problems.usps.exercises.optimisation.sweeps.optimizer.values[1].learnig_rate",
            "learnig_rate",
            "learning_rate",
        ),
        (
            lambda c: c["downloads"]["usps.h5"].update(checksun="md5:0"),
            "downloads['usps.h5'].checksun",
            "checksun",
            "checksum",
        ),
    ],
    ids=["top", "data", "baseline", "sweep", "sweep-value", "download"],
)
def test_an_unknown_key_is_named_by_its_path_with_the_nearest_valid_key(config, edit, path, typo, suggestion):
    edit(config)

    message = config_error(config)

    assert message.startswith(f"{path}: unknown key {typo!r}; did you mean {suggestion!r}?")


def test_an_unknown_problem_is_named_with_the_built_in_ones_and_how_to_add_ones_own(config):
    config["problems"]["uspss"] = config["problems"].pop("usps")

    message = config_error(config)

    assert message.startswith(
        "problems.uspss: unknown problem 'uspss'; did you mean 'usps'? (built in: house, spirals, usps); "
        "for a problem of your own, set problems.uspss.module to its module"
    )


def test_an_unknown_key_far_from_any_valid_one_lists_the_valid_keys(config):
    usps_of(config)["baselines"]["cnn"]["momentum"] = 0.9

    message = config_error(config)

    assert "did you mean" not in message
    assert "problems.usps.baselines.cnn.momentum: unknown key 'momentum'" in message
    assert "valid keys here: architecture, hidden_layers, width" in message


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            lambda c: usps_of(c)["baselines"]["cnn"].update(epochs="ten"),
            "problems.usps.baselines.cnn.epochs: expected an integer, got 'ten'",
        ),
        (
            lambda c: usps_of(c)["baselines"]["cnn"].update(learning_rate=[0.1]),
            "problems.usps.baselines.cnn.learning_rate: expected a number, got [0.1]",
        ),
        (
            lambda c: c["data"]["usps"].update(validation_fraction="a fifth"),
            "data.usps.validation_fraction: expected a number, got 'a fifth'",
        ),
        (lambda c: c.update(seeds="all"), "seeds: expected a list, got 'all'"),
        (
            lambda c: c["data"]["house"].update(features="GrLivArea"),
            "data.house.features: expected a list, got 'GrLivArea'",
        ),
        (
            lambda c: sweep(c, "architecture", "mlp_width").update(values=[20, [50]]),
            (
                "problems.usps.exercises.architecture.sweeps.mlp_width.values[1]: expected text or a number or "
                "a mapping (key: value), got [50]"
            ),
        ),
    ],
    ids=["epochs-text", "lr-list", "fraction-text", "seeds-text", "features-text", "sweep-value-list"],
)
def test_a_value_of_the_wrong_type_is_named_with_the_expected_type(config, edit, expected):
    edit(config)

    assert config_error(config) == expected


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            lambda c: usps_of(c)["baselines"]["cnn"].update(epochs=-5),
            "problems.usps.baselines.cnn.epochs: must be >= 1, got -5",
        ),
        (
            lambda c: usps_of(c)["baselines"]["mlp"].update(batch_size=0),
            "problems.usps.baselines.mlp.batch_size: must be >= 1, got 0",
        ),
        (
            lambda c: usps_of(c)["baselines"]["cnn"].update(learning_rate=0),
            "problems.usps.baselines.cnn.learning_rate: must be > 0, got 0",
        ),
        (
            lambda c: usps_of(c)["baselines"]["cnn"].update(learning_rate=-0.1),
            "problems.usps.baselines.cnn.learning_rate: must be > 0, got -0.1",
        ),
        (lambda c: c.update(seeds=[]), "seeds: the list is empty; give at least 1"),
        (lambda c: c.update(seeds=[0, -1]), "seeds[1]: must be >= 0, got -1"),
        (
            lambda c: sweep(c, "optimisation", "epochs").update(values=[5, -1]),
            (
                "problems.usps.exercises.optimisation.sweeps.epochs.values[1].epochs: "
                "number of epochs must be >= 1, got -1"
            ),
        ),
        (
            lambda c: sweep(c, "optimisation", "batch_size").update(values=[10, 0]),
            (
                "problems.usps.exercises.optimisation.sweeps.batch_size.values[1].batch_size: "
                "batch size must be >= 1, got 0"
            ),
        ),
        (
            lambda c: sweep(c, "optimisation", "learning_rate").update(values=[0.1, 0]),
            (
                "problems.usps.exercises.optimisation.sweeps.learning_rate.values[1].learning_rate: "
                "learning rate must be > 0, got 0.0"
            ),
        ),
        (
            lambda c: c["data"]["usps"].update(validation_fraction=1.5),
            "data.usps.validation_fraction: must be < 1, got 1.5",
        ),
    ],
    ids=[
        "epochs",
        "batch",
        "lr-zero",
        "lr-negative",
        "no-seeds",
        "negative-seed",
        "sweep-epochs",
        "sweep-batch",
        "sweep-lr",
        "fraction",
    ],
)
def test_an_out_of_range_value_is_named_with_its_bound(config, edit, expected):
    edit(config)

    assert config_error(config) == expected


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            lambda c: usps_of(c)["baselines"]["mlp"].update(learning_rate=math.nan),
            "problems.usps.baselines.mlp.learning_rate: expected a finite number, got nan",
        ),
        (
            lambda c: sweep(c, "optimisation", "learning_rate").update(values=[0.1, math.inf]),
            "problems.usps.exercises.optimisation.sweeps.learning_rate.values[1]: expected a finite number, got inf",
        ),
        (lambda c: c.update(seeds=[0, 2**64]), "seeds[1]: must be <= 9223372036854775807, got 18446744073709551616"),
        (
            lambda c: usps_of(c)["baselines"]["cnn"].update(kernel_size=40, padding=0),
            "problems.usps.baselines.cnn: kernel_size 40 with padding 0 leaves no image after convolution layer 1 "
            "of 1 (the input is 16×16); use a smaller kernel_size, more padding or fewer conv_layers",
        ),
    ],
    ids=["NaN", "infinity", "seed over 64 bits", "kernel larger than the image"],
)
def test_a_value_no_run_could_use_is_refused_before_any_job(config, edit, expected):
    edit(config)

    assert expected in config_error(config)


@pytest.mark.parametrize(
    "edit, path, valid",
    [
        (
            lambda c: usps_of(c)["baselines"]["cnn"].update(activation="relu6"),
            "problems.usps.baselines.cnn.activation",
            "relu, leaky_relu, tanh, sigmoid",
        ),
        (
            lambda c: usps_of(c)["baselines"]["cnn"].update(optimizer="adamw"),
            "problems.usps.baselines.cnn.optimizer",
            "sgd, adam, rmsprop",
        ),
        (
            lambda c: usps_of(c)["baselines"]["cnn"].update(loss="nll"),
            "problems.usps.baselines.cnn.loss",
            "mse, cross_entropy, gaussian_nll",
        ),
        (
            lambda c: usps_of(c)["baselines"]["cnn"].update(architecture="resnet"),
            "problems.usps.baselines.cnn.architecture",
            "mlp, cnn",
        ),
        (
            lambda c: sweep(c, "architecture", "mlp_activation").update(values=["relu", "swish"]),
            "problems.usps.exercises.architecture.sweeps.mlp_activation.values[1].activation",
            "relu, leaky_relu, tanh, sigmoid",
        ),
        (
            lambda c: sweep(c, "optimisation", "optimizer")["values"].append(
                {"optimizer": "lbfgs", "learning_rate": 1}
            ),
            "problems.usps.exercises.optimisation.sweeps.optimizer.values[3].optimizer",
            "sgd, adam, rmsprop",
        ),
        (
            lambda c: sweep(c, "loss", "loss").update(values=["mse", "gaussian_nll"]),
            "problems.usps.exercises.loss.sweeps.loss.values[1].loss",
            "mse, cross_entropy",
        ),
        (
            lambda c: c["problems"]["house"]["baselines"]["mse"].update(architecture="cnn"),
            "problems.house.baselines.mse.architecture",
            "mlp",
        ),
    ],
    ids=[
        "activation",
        "optimizer",
        "loss",
        "architecture",
        "sweep-activation",
        "sweep-optimizer",
        "usps-loss",
        "house-cnn",
    ],
)
def test_an_unknown_choice_lists_the_valid_ones(config, edit, path, valid):
    edit(config)

    message = config_error(config)

    assert message.startswith(f"{path}: unknown ")
    assert f"(valid: {valid})" in message


def test_a_near_miss_choice_gets_a_suggestion(config):
    usps_of(config)["baselines"]["cnn"]["activation"] = "leakyrelu"

    assert "did you mean 'leaky_relu'?" in config_error(config)


def test_a_sweep_over_a_key_the_model_does_not_have_is_refused(config):
    sweep(config, "architecture", "mlp_width")["factor"] = "channels"  # a CNN hyperparameter on the MLP baseline

    message = config_error(config)

    assert message.startswith(
        "problems.usps.exercises.architecture.sweeps.mlp_width.factor: 'channels' is not a hyperparameter "
        "of baseline 'mlp' (architecture mlp)"
    )
    assert (
        "valid: architecture, activation, optimizer, learning_rate, batch_size, epochs, loss, hidden_layers, width"
        in message
    )


def test_a_misspelt_sweep_factor_gets_a_suggestion(config):
    sweep(config, "architecture", "mlp_width")["factor"] = "widht"

    assert "did you mean 'width'?" in config_error(config)


def test_a_sweep_value_setting_a_key_the_model_does_not_have_is_refused(config):
    sweep(config, "optimisation", "optimizer")["values"].append({"optimizer": "adam", "width": 10})

    message = config_error(config)

    assert message.startswith(
        "problems.usps.exercises.optimisation.sweeps.optimizer.values[3].width: "
        "'width' is not a hyperparameter of a usps cnn"
    )


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            lambda c: sweep(c, "optimisation", "epochs").update(values=[]),
            "problems.usps.exercises.optimisation.sweeps.epochs.values: the list is empty; give at least 1",
        ),
        (
            lambda c: usps_of(c)["exercises"]["loss"].update(sweeps={}),
            "problems.usps.exercises.loss.sweeps: is empty; give at least 1 entry",
        ),
    ],
    ids=["values", "sweeps"],
)
def test_an_empty_sweep_is_refused(config, edit, expected):
    edit(config)

    assert config_error(config) == expected


@pytest.mark.parametrize(
    "exercise, name, values, label",
    [
        ("architecture", "mlp_width", [20, 50, 20], "20"),
        ("architecture", "mlp_width", [20, 50, 50.0], "50"),
        ("optimisation", "learning_rate", [0.01, 0.1, "1e-1"], "0.1"),
    ],
    ids=["same", "int-and-float", "scientific"],
)
def test_duplicate_values_in_a_sweep_are_refused(config, exercise, name, values, label):
    sweep(config, exercise, name)["values"] = values

    assert config_error(config) == (
        f"problems.usps.exercises.{exercise}.sweeps.{name}.values: duplicate value(s) {label}; list each value once"
    )


def test_a_baseline_missing_a_required_key_names_the_key(config):
    del config["problems"]["house"]["baselines"]["gaussian"]["batch_size"]

    message = config_error(config)

    assert message.startswith("problems.house.baselines.gaussian: missing required hyperparameter(s) batch_size; ")
    assert "a mlp needs all of: architecture, activation" in message


def test_an_unknown_baseline_name_gets_a_suggestion(config):
    sweep(config, "architecture", "mlp_width")["baseline"] = "mpl"

    message = config_error(config)

    assert message.startswith(
        "problems.usps.exercises.architecture.sweeps.mlp_width.baseline: unknown baseline 'mpl'; did you mean 'mlp'?"
    )


def test_a_selection_metric_the_problem_lacks_is_refused(config):
    usps_of(config)["selection_metric"] = "validation_acuracy"

    assert config_error(config) == (
        "problems.usps.selection_metric: usps has no metric 'validation_acuracy'; did you mean "
        "'validation_accuracy'? (valid: validation_loss, validation_accuracy)"
    )


def test_a_malformed_checksum_shows_the_expected_form(config):
    config["downloads"]["usps.bz2"]["checksum"] = "ec16c51db3855ca6c91edd34d0e9b197"

    message = config_error(config)

    assert message.startswith("downloads['usps.bz2'].checksum: 'ec16c51db3855ca6c91edd34d0e9b197' is not of the form")
    assert "<md5|sha1|sha256>:<hex digest>" in message


def test_a_raw_file_without_a_downloads_entry_is_refused(config):
    config["data"]["house"]["file"] = "train.csv"

    assert config_error(config) == (
        "data.house: needs the raw file 'train.csv', which has no entry under downloads; "
        "add downloads['train.csv'] with its url (or null) and checksum"
    )


def test_a_missing_required_section_is_named(config):
    del config["device"]

    assert config_error(config) == "the top level: missing required key(s) device; add them (see config/README.md)"


def test_every_schema_problem_is_listed_at_once(config):
    config["sedes"] = [0]
    usps_of(config)["baselines"]["cnn"].update(epochs=0, activation="swish")

    lines = config_error(config).splitlines()

    assert lines == [
        (
            "- sedes: unknown key 'sedes'; did you mean 'seeds'? (valid keys here: seeds, title, device, "
            "data_mirror, warm_trainer, downloads, data, problems)"
        ),
        "- problems.usps.baselines.cnn.activation: unknown value 'swish' (valid: relu, leaky_relu, tanh, sigmoid)",
        "- problems.usps.baselines.cnn.epochs: must be >= 1, got 0",
    ]


def test_command_line_seeds_are_checked_after_their_repair(config):
    config["seeds"] = ["0", "x"]  # --config 'seeds=[0,x]'

    assert config_error(config) == "seeds[1]: expected an integer, got 'x'"


def test_the_schema_and_the_package_agree_on_hyperparameters():
    schema = study_schema(yaml.safe_load(SCHEMA_PATH.read_text()), {})
    definitions = schema["$defs"]["hyperparameters"]["properties"]

    assert list(definitions) == list(hp.SPECS)
    assert definitions["activation"]["enum"] == list(vocabulary.ACTIVATIONS)
    assert definitions["optimizer"]["enum"] == list(vocabulary.OPTIMIZERS)
    assert definitions["architecture"]["enum"] == ["mlp", "cnn"]
    assert definitions["loss"]["enum"] == ["mse", "cross_entropy", "gaussian_nll"]


@pytest.mark.parametrize("name, loss", [("usps", "mse"), ("house", "gaussian_nll")])
def test_selection_metrics_are_the_metrics_training_measures(name, loss):
    data = usps_splits(4, 4, 4) if name == "usps" else house_splits(4, 4, 4)
    target = torch.as_tensor(data["y_validation"], dtype=torch.long if name == "usps" else torch.float32)
    output = torch.rand(4, 10) if name == "usps" else torch.rand(4, 2) + 0.1

    plugin = problem(name)
    assert tuple(plugin.split_metrics(loss, output, target, {"y_std": 1.0})) == plugin.metrics


# --------------------------------------------------------------------------- data

PAYLOAD = b"Id,SalePrice\n" + b"1,200000\n" * 200


def quiet(_message):
    pass


def test_a_truncated_mirror_file_is_refused_and_nothing_is_left(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "house.csv").write_bytes(PAYLOAD[:-100])  # an interrupted copy
    destination = tmp_path / "resources" / "raw" / "house.csv"
    expected = hashlib.sha1(PAYLOAD).hexdigest()

    with pytest.raises(DataError) as error:
        fetch.fetch("house.csv", None, f"sha1:{expected}", destination, mirror=mirror, log=quiet)

    message = str(error.value)
    assert f"expected {expected}, got {hashlib.sha1(PAYLOAD[:-100]).hexdigest()}" in message
    assert "corrupted or truncated" in message and "Replace it with a good copy" in message
    assert list(destination.parent.iterdir()) == []


def test_a_folder_named_like_a_raw_file_in_the_mirror_is_named_as_a_folder(tmp_path):
    (tmp_path / "mirror" / "house.csv").mkdir(parents=True)
    destination = tmp_path / "resources" / "raw" / "house.csv"
    with pytest.raises(DataError, match="house.csv is a folder, not the raw file house.csv"):
        fetch.fetch("house.csv", None, "sha1:" + "0" * 40, destination, mirror=tmp_path / "mirror", log=quiet)
    assert list(destination.parent.iterdir()) == []


def test_a_mirror_that_is_no_folder_is_named_before_any_job(tmp_path):
    from hpstudy.runtime.preflight import check_mirror

    check_mirror(None)
    check_mirror(str(tmp_path))
    with pytest.raises(ConfigError, match="data_mirror: .*/nothing does not exist"):
        check_mirror(str(tmp_path / "nothing"))
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="data_mirror: .*/file is a file, not a folder"):
        check_mirror(str(tmp_path / "file"))


def test_a_missing_mirror_file_without_network_says_how_to_fix_it(tmp_path):
    destination = tmp_path / "resources" / "raw" / "house.csv"

    with pytest.raises(DataError) as error:
        fetch.fetch(
            "house.csv", "http://127.0.0.1:9/house.csv", "sha1:" + "0" * 40, destination, mirror=tmp_path, log=quiet
        )

    assert "Without internet access, put the file in a folder and run with --config data_mirror=FOLDER" in str(
        error.value
    )
    assert list(destination.parent.iterdir()) == []


def good_split(n=20):
    return usps_like(n, 0)


@pytest.mark.parametrize(
    "test_split, expected",
    [
        ((np.zeros((5, 16, 16), np.float32), np.zeros(5, np.int32)), r"test/data has shape \(5, 16, 16\)"),
        ((np.zeros((5, 256), np.float32), np.zeros((5, 1), np.int32)), r"test/target of shape \(5, 1\)"),
        ((np.full((5, 256), np.nan, np.float32), np.zeros(5, np.int32)), "pixels that are not numbers in"),
        ((np.full((5, 256), 255, np.float32), np.zeros(5, np.int32)), r"pixels that are not numbers in \[0, 1\]"),
        ((np.zeros((5, 256), np.float32), np.full(5, 3.5)), "labels that are not whole numbers"),
        ((np.zeros((5, 256), np.float32), np.array([0, 1, 2, -1, 4])), "label -1 out of range"),
    ],
    ids=["images-3d", "target-2d", "nan-pixels", "0-255-pixels", "fractional-labels", "negative-label"],
)
def test_an_h5_file_with_unexpected_shapes_or_values_is_refused_with_the_fix(tmp_path, test_split, expected):
    path = write_h5(tmp_path / "usps.h5", {"train": good_split(), "test": test_split})

    with pytest.raises(DataError, match=expected) as error:
        usps.read_h5(path)

    assert "use the study's original file" in str(error.value)


def test_an_h5_file_without_the_groups_names_them_and_the_other_packaging(tmp_path):
    path = write_h5(tmp_path / "usps.h5", {"training": good_split(), "testing": good_split()})

    with pytest.raises(DataError) as error:
        usps.read_h5(path)

    assert "expected groups train/ and test/" in str(error.value)
    assert "set data.usps.source to the other packaging (libsvm or h5)" in str(error.value)


HOUSE_HEADER = "Id,OverallQual,GrLivArea,SalePrice"


def house_file(tmp_path, *rows):
    path = tmp_path / "house.csv"
    path.write_text("\n".join([HOUSE_HEADER, *rows]) + "\n")
    return path


@pytest.mark.parametrize(
    "bad_row, expected",
    [
        ("3,7,inf,300000", "column GrLivArea, data row 3: 'inf' is not a finite number"),
        (
            "3,seven,1500,300000",
            "column OverallQual, data row 3: 'seven' is not a finite number",
        ),
        ("3,7,1500,", "column SalePrice, data row 3: empty cell"),
    ],
    ids=["infinite", "text", "empty"],
)
def test_a_csv_with_a_bad_value_names_column_and_row_and_the_fix(tmp_path, bad_row, expected):
    path = house_file(tmp_path, "1,5,1000,100000", "2,6,1200,150000", bad_row)

    with pytest.raises(DataError, match=expected) as error:
        house.read_table(path, ["OverallQual", "GrLivArea"], "SalePrice")

    assert "use the study's original file" in str(error.value)


def test_a_csv_missing_a_required_column_names_it_and_the_keys_to_correct(tmp_path):
    path = house_file(tmp_path, "1,5,1000,100000")

    with pytest.raises(DataError) as error:
        house.read_table(path, ["OverallQual", "TotalBsmtSF"], "SalePrice")

    assert "missing column(s) TotalBsmtSF; correct data.house.features / data.house.target" in str(error.value)


def test_a_failed_preparation_writes_no_split_file(tmp_path):
    raw = {"train": good_split(20), "test": (np.zeros((5, 256), np.float32), np.zeros(5, np.int64))}
    output = tmp_path / "results" / "data" / "usps.npz"

    with pytest.raises(DataError, match=r"test has 5 samples, expected 7 \(data.usps.rows.test\)"):
        usps.prepare(raw, {"train": 20, "test": 7}, 0.2, 2023, output, "usps")

    assert not output.parent.exists() or list(output.parent.iterdir()) == []


# --------------------------------------------------------------------------- interrupted and failed writes

KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from hpstudy.runtime.atomic import atomic_path

    with atomic_path(sys.argv[1]) as tmp:
        with open(tmp, "w") as handle:
            handle.write("seed,loss\\n0,0.5\\n")  # half of the new table
            handle.flush()
            print("writing", flush=True)
            time.sleep(60)  # killed here
    """
)


def test_a_writer_killed_mid_write_leaves_the_previous_complete_file(tmp_path):
    target = tmp_path / "metrics.csv"
    write_rows(target, [{"seed": 0, "loss": 0.25}, {"seed": 1, "loss": 0.5}])
    before = target.read_bytes()
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "writing\n"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)

    assert writer.returncode == -signal.SIGKILL
    assert target.read_bytes() == before
    leftovers = [p.name for p in tmp_path.iterdir() if p != target]
    assert len(leftovers) == 1 and leftovers[0].startswith(".metrics.csv.")  # a hidden temporary, never the output


def test_a_writer_that_fails_leaves_neither_output_nor_temporary(tmp_path):
    target = tmp_path / "runs" / "metrics.csv"

    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("seed,loss\n0,")
        raise RuntimeError("disk full")

    assert list(target.parent.iterdir()) == []


def test_outputs_get_the_usual_file_mode_not_mkstemps_owner_only(tmp_path):
    target = tmp_path / "report.html"
    write_text(target, "<html></html>")
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_an_output_folder_that_is_a_file_is_refused_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("results").write_text("not a folder")

    with pytest.raises(OutputError, match=r"results is a file.*Move the file away \(mv results results.old\)"):
        check_writable(["resources", "results"])


def test_absent_output_folders_in_a_writable_folder_pass(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    check_writable(["resources", "results", "logs"])

    assert list(tmp_path.iterdir()) == []  # checking creates nothing


# --------------------------------------------------------------------------- divergence

SEEDS = [0, 1, 2, 3]


@pytest.fixture(scope="module")
def learning_rate_10():
    """The CNN at learning rate 10, four seeds batched, and each seed trained alone."""
    diverging = {**CNN, "learning_rate": 10.0}
    train.configure_torch(1)
    data = usps_splits(60, 20, 30)
    cpu = torch.device("cpu")
    together = train.train_run(problem("usps"), diverging, data, SEEDS, cpu, log=quiet)
    alone = [train.train_run(problem("usps"), diverging, data, [seed], cpu, log=quiet)[0] for seed in SEEDS]
    return together, alone


def test_learning_rate_10_is_recorded_as_diverged_with_its_epoch(learning_rate_10):
    together, _ = learning_rate_10

    assert [r.diverged for r in together] == [False, True, True, False]
    assert [r.diverged_epoch for r in together] == [None, 1, 1, None]
    assert [len(r.history) for r in together] == [2, 1, 1, 2]  # a diverged replica stops at its epoch


def test_a_diverging_replica_leaves_the_others_as_they_would_be_alone(learning_rate_10):
    together, alone = learning_rate_10

    for batched, single in zip(together, alone):
        assert (batched.diverged, batched.diverged_epoch) == (single.diverged, single.diverged_epoch)
        assert batched.metrics == pytest.approx(single.metrics, rel=1e-4, nan_ok=True)
        assert [row["train_loss"] for row in batched.history] == pytest.approx(
            [row["train_loss"] for row in single.history], rel=1e-4
        )


def test_diverged_seeds_are_written_with_flag_and_epoch(learning_rate_10, tmp_path):
    together, _ = learning_rate_10
    kinds = ("config", "metrics", "history", "predictions")
    outputs = {kind: str(tmp_path / f"{kind}.{'json' if kind == 'config' else 'csv'}") for kind in kinds}

    runio.write_run(outputs, {"run_id": "abc", "problem": "usps", "params": CNN}, together, {"seeds": SEEDS})

    with open(outputs["metrics"], newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["seed"], row["diverged"], row["diverged_epoch"]) for row in rows] == [
        ("0", "False", ""),
        ("1", "True", "1"),
        ("2", "True", "1"),
        ("3", "False", ""),
    ]
    assert all(math.isfinite(float(row["test_accuracy"])) for row in rows)


def test_a_nan_loss_is_recorded_as_diverged_at_its_epoch():
    data = usps_splits(60, 20, 30)

    (result,) = train.train_run(
        problem("usps"), {**CNN, "learning_rate": 1e6}, data, [0], torch.device("cpu"), log=quiet
    )

    assert result.diverged and result.diverged_epoch == 1
    assert math.isnan(result.history[0]["train_loss"])


def test_a_cluster_whose_sacct_cannot_answer_is_named_with_the_fix(tmp_path, monkeypatch):
    """Without accounting storage, sacct fails, and Snakemake's executor would wait forever."""
    from hpstudy.runtime.preflight import sacct_problem

    sacct = tmp_path / "sacct"
    sacct.write_text("#!/bin/sh\necho 'sacct: error: Slurm accounting storage is disabled' >&2\nexit 1\n")
    sacct.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    assert sacct_problem() == (
        "this cluster's sacct cannot report job states (sacct: error: Slurm accounting storage is disabled), "
        "so Snakemake would wait for finished jobs forever: add --slurm-status-command squeue to the command "
        "line (or slurm-status-command: squeue to profiles/slurm/config.yaml)"
    )
    sacct.write_text("#!/bin/sh\nexit 0\n")
    assert sacct_problem() is None


def test_the_cluster_profile_retries_with_twice_the_time_and_memory():
    """Snakemake cannot tell a TIMEOUT from a code error, so every failure is retried once:
    only a larger request lets the retry of a time-limited or memory-killed job succeed."""
    profile = yaml.safe_load((REPO / "workflow/profiles/slurm/config.yaml").read_text(encoding="utf-8"))
    assert profile["retries"] == 1
    for rule, resources in profile["set-resources"].items():
        for name in ("runtime", "mem_mb"):
            first, second = (eval(str(resources[name]), {"attempt": attempt}) for attempt in (1, 2))
            assert second == 2 * first > 0, (rule, name)
