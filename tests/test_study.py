"""Study expansion: the real config's runs and sweeps, stable run ids, config errors."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import CONFIG_TEXT
from synthetic import problem as load

from hpstudy.errors import ConfigError
from hpstudy.study import hyperparameters as hp
from hpstudy.study.configuration import coerce_command_line_values
from hpstudy.study.plan import RUN_ID_LENGTH, canonical_json, expand_study, run_id_of


@pytest.fixture
def study(config):
    return expand_study(config)


def usps(config):
    return config["problems"]["usps"]


def sweeps_of(config, exercise):
    return usps(config)["exercises"][exercise]["sweeps"]


def run_id(problem, params):
    return run_id_of(problem, hp.resolve(problem, load(problem), params, "test"))


def point(study, key, label):
    problem, exercise, name = key.split("/")
    for p in study.sweep(problem, exercise, name).points:
        if p.label == label:
            return p
    raise KeyError(label)


# --------------------------------------------------------------------------- the real config


def test_real_config_expands_to_68_unique_runs(study):
    assert len(study.runs) == 68
    assert len(set(study.runs)) == 68
    assert all(run.run_id == key for key, run in study.runs.items())


def test_real_config_has_30_usps_and_38_house_runs(study):
    assert len(study.runs_of("usps")) == 30
    assert len(study.runs_of("house")) == 38


def test_real_config_has_22_sweeps(study):
    assert len(study.sweeps) == 22
    assert sum(s.problem == "usps" for s in study.sweeps) == 10
    assert sum(s.problem == "house" for s in study.sweeps) == 12


def test_run_ids_are_short_hex_digests(study):
    for run_id_ in study.runs:
        assert len(run_id_) == RUN_ID_LENGTH
        int(run_id_, 16)


def test_usps_cnn_baseline_run_is_shared_by_six_sweeps(study, config):
    baseline = run_id("usps", usps(config)["baselines"]["cnn"])

    assert point(study, "usps/architecture/cnn_conv_layers", "1").run_id == baseline
    assert point(study, "usps/architecture/cnn_activation", "relu").run_id == baseline
    assert point(study, "usps/optimisation/batch_size", "10").run_id == baseline
    assert point(study, "usps/optimisation/learning_rate", "0.1").run_id == baseline
    assert point(study, "usps/optimisation/epochs", "10").run_id == baseline
    assert point(study, "usps/optimisation/optimizer", "sgd@0.1").run_id == baseline


def test_usps_mlp_baseline_run_is_shared_by_three_sweeps(study, config):
    baseline = run_id("usps", usps(config)["baselines"]["mlp"])

    assert point(study, "usps/architecture/mlp_hidden_layers", "1").run_id == baseline
    assert point(study, "usps/architecture/mlp_width", "100").run_id == baseline
    assert point(study, "usps/architecture/mlp_activation", "relu").run_id == baseline


def test_loss_sweep_mse_point_is_the_optimizer_sweep_adam_point(study):
    mse = point(study, "usps/loss/loss", "mse")
    adam = point(study, "usps/optimisation/optimizer", "adam@0.001")

    assert mse.run_id == adam.run_id
    assert study.runs[mse.run_id].params["optimizer"] == "adam"
    assert study.runs[mse.run_id].params["learning_rate"] == 0.001
    assert study.runs[mse.run_id].params["loss"] == "mse"


def test_house_final_is_the_gaussian_three_hidden_layer_point(study):
    final = study.finals["house"]

    assert final == point(study, "house/gaussian/hidden_layers", "3").run_id
    params = study.runs[final].params
    assert params["hidden_layers"] == 3
    assert params["loss"] == "gaussian_nll"


def test_usps_final_is_the_cnn_with_adam_for_40_epochs(study):
    params = study.runs[study.finals["usps"]].params

    assert params["architecture"] == "cnn"
    assert (params["optimizer"], params["learning_rate"], params["epochs"]) == ("adam", 0.001, 40)


def test_house_sweeps_of_both_losses_differ_only_in_the_loss(study):
    mse = study.sweep("house", "mse", "width")
    gaussian = study.sweep("house", "gaussian", "width")

    assert [p.label for p in mse.points] == [p.label for p in gaussian.points] == ["5", "10", "20", "40", "50"]
    for a, b in zip(mse.points, gaussian.points):
        assert a.run_id != b.run_id
        assert {**study.runs[a.run_id].params, "loss": "gaussian_nll"} == study.runs[b.run_id].params


def test_sweep_point_value_is_the_swept_factor(study):
    sweep = study.sweep("usps", "optimisation", "learning_rate")

    assert [p.value for p in sweep.points] == [0.001, 0.01, 0.1, 0.5, 1.0, 10.0]
    assert [p.label for p in sweep.points] == ["0.001", "0.01", "0.1", "0.5", "1", "10"]


def test_default_sweep_title_names_the_factor(study):
    assert study.sweep("usps", "optimisation", "batch_size").title == "Impact of the batch size"


# --------------------------------------------------------------------------- stable run ids


def test_run_id_is_stable_under_key_reordering(config):
    params = usps(config)["baselines"]["cnn"]
    reordered = dict(reversed(list(params.items())))

    assert list(reordered) != list(params)
    assert run_id("usps", reordered) == run_id("usps", params)


def test_run_id_is_stable_when_learning_rate_is_spelled_1e_minus_1(config):
    params = usps(config)["baselines"]["cnn"]

    assert run_id("usps", {**params, "learning_rate": float("1e-1")}) == run_id("usps", params)
    assert run_id("usps", {**params, "learning_rate": "1e-1"}) == run_id("usps", params)  # YAML 1.1 reads 1e-1 as text


def test_run_id_is_stable_when_epochs_is_spelled_10_point_0(config):
    params = usps(config)["baselines"]["cnn"]

    assert run_id("usps", {**params, "epochs": 10.0}) == run_id("usps", {**params, "epochs": 10})


def test_run_id_is_stable_when_an_integer_learning_rate_is_spelled_as_float(config):
    params = usps(config)["baselines"]["cnn"]

    assert run_id("usps", {**params, "learning_rate": 1}) == run_id("usps", {**params, "learning_rate": 1.0})


def test_changing_one_hyperparameter_changes_the_run_id(config):
    params = usps(config)["baselines"]["cnn"]
    baseline = run_id("usps", params)

    assert run_id("usps", {**params, "channels": 4}) != baseline
    assert run_id("usps", {**params, "learning_rate": 0.10001}) != baseline


def test_same_hyperparameters_on_another_problem_get_another_run_id(config):
    params = config["problems"]["house"]["baselines"]["mse"]

    assert run_id("usps", params) != run_id("house", params)
    assert run_id_of("usps", {"a": 1}) != run_id_of("house", {"a": 1})


def test_whole_study_is_unchanged_by_baseline_key_order_and_number_spelling(config, study):
    cnn = usps(config)["baselines"]["cnn"]
    respelled = dict(reversed(list(cnn.items())))
    respelled.update(learning_rate="1e-1", epochs=10.0)
    usps(config)["baselines"]["cnn"] = respelled

    assert list(expand_study(config).runs) == list(study.runs)


# --------------------------------------------------------------------------- editing sweeps


def test_adding_one_sweep_value_adds_exactly_one_run(config, study):
    sweeps_of(config, "architecture")["mlp_width"]["values"].append(200)

    edited = expand_study(config)

    assert len(edited.runs) == len(study.runs) + 1
    assert set(study.runs) < set(edited.runs)
    (new,) = set(edited.runs) - set(study.runs)
    assert edited.runs[new].params["width"] == 200


def test_removing_one_sweep_value_removes_exactly_one_run(config, study):
    sweeps_of(config, "architecture")["mlp_width"]["values"].remove(150)

    edited = expand_study(config)

    assert len(edited.runs) == len(study.runs) - 1
    assert set(edited.runs) < set(study.runs)
    (gone,) = set(study.runs) - set(edited.runs)
    assert study.runs[gone].params["width"] == 150


def test_removing_a_shared_sweep_value_keeps_the_run(config, study):
    sweeps_of(config, "architecture")["mlp_width"]["values"].remove(100)  # the mlp baseline, also in two other sweeps

    edited = expand_study(config)

    assert set(edited.runs) == set(study.runs)
    assert [p.label for p in edited.sweep("usps", "architecture", "mlp_width").points] == ["20", "50", "150"]


def test_mapping_sweep_value_is_labelled_factor_at_learning_rate(study):
    sweep = study.sweep("usps", "optimisation", "optimizer")

    assert [p.label for p in sweep.points] == ["sgd@0.1", "adam@0.001", "rmsprop@0.001"]
    assert [p.value for p in sweep.points] == ["sgd", "adam", "rmsprop"]


def test_adding_a_mapping_sweep_value_adds_one_labelled_run(config, study):
    sweeps_of(config, "optimisation")["optimizer"]["values"].append({"optimizer": "adam", "learning_rate": 0.01})

    edited = expand_study(config)

    assert len(edited.runs) == len(study.runs) + 1
    new = point(edited, "usps/optimisation/optimizer", "adam@0.01")
    assert new.value == "adam"
    assert edited.runs[new.run_id].params["learning_rate"] == 0.01


def test_layout_lists_every_sweep_with_its_points(study):
    layout = study.layout()

    assert len(layout["sweeps"]) == 22
    assert {p["id"]: p["final"] for p in layout["problems"]} == study.finals
    assert [p["selection_metric"] for p in layout["problems"]] == ["validation_accuracy", "validation_rmse"]
    assert len(layout["runs"]) == 68
    first = layout["sweeps"][0]
    assert (first["problem"], first["exercise"], first["sweep"], first["factor"]) == (
        "usps",
        "architecture",
        "mlp_hidden_layers",
        "hidden_layers",
    )
    assert [p["label"] for p in first["points"]] == ["1", "2", "3"]


# --------------------------------------------------------------------------- configuration errors


def expand_error(config) -> str:
    with pytest.raises(ConfigError) as error:
        expand_study(config)
    return str(error.value)


def test_unknown_baseline_activation_lists_valid_ones(config):
    usps(config)["baselines"]["mlp"]["activation"] = "swish"

    message = expand_error(config)

    assert "problems.usps.baselines.mlp.activation" in message
    assert "'swish'" in message
    assert "relu, leaky_relu, tanh, sigmoid" in message


def test_unknown_sweep_activation_names_the_value_path(config):
    sweeps_of(config, "architecture")["mlp_activation"]["values"] = ["relu", "swish"]

    message = expand_error(config)

    assert "problems.usps.exercises.architecture.sweeps.mlp_activation.values[1]" in message
    assert "relu, leaky_relu, tanh, sigmoid" in message


def test_sweep_factor_the_baseline_lacks_is_rejected(config):
    sweeps_of(config, "architecture")["mlp_width"]["factor"] = "conv_layers"

    message = expand_error(config)

    assert "problems.usps.exercises.architecture.sweeps.mlp_width.factor" in message
    assert "'conv_layers'" in message
    assert "'mlp'" in message


def test_empty_sweep_values_are_rejected(config):
    sweeps_of(config, "optimisation")["epochs"]["values"] = []

    message = expand_error(config)

    assert "problems.usps.exercises.optimisation.sweeps.epochs.values" in message
    assert "at least one value" in message


def test_duplicate_sweep_values_are_rejected(config):
    sweeps_of(config, "architecture")["mlp_width"]["values"] = [20, 50, 20]

    message = expand_error(config)

    assert "problems.usps.exercises.architecture.sweeps.mlp_width.values" in message
    assert "duplicate value(s) 20" in message


def test_differently_spelled_duplicate_values_are_rejected(config):
    sweeps_of(config, "optimisation")["learning_rate"]["values"] = [0.01, 0.1, "1e-1"]

    message = expand_error(config)

    assert "problems.usps.exercises.optimisation.sweeps.learning_rate.values" in message
    assert "duplicate value(s) 0.1" in message


def test_baseline_missing_a_required_key_is_rejected(config):
    del usps(config)["baselines"]["cnn"]["epochs"]

    message = expand_error(config)

    assert "problems.usps.baselines.cnn" in message
    assert "missing required hyperparameter(s) epochs" in message


def test_negative_epochs_are_rejected(config):
    usps(config)["baselines"]["cnn"]["epochs"] = -5

    message = expand_error(config)

    assert "problems.usps.baselines.cnn.epochs" in message
    assert ">= 1" in message
    assert "-5" in message


def test_zero_learning_rate_is_rejected(config):
    config["problems"]["house"]["baselines"]["gaussian"]["learning_rate"] = 0

    message = expand_error(config)

    assert "problems.house.baselines.gaussian.learning_rate" in message
    assert "> 0" in message


def test_zero_learning_rate_in_a_sweep_is_rejected(config):
    sweeps_of(config, "optimisation")["learning_rate"]["values"] = [0.1, 0]

    message = expand_error(config)

    assert "problems.usps.exercises.optimisation.sweeps.learning_rate.values[1]" in message
    assert "learning rate must be > 0" in message


def test_unknown_loss_for_the_problem_is_rejected(config):
    sweeps_of(config, "loss")["loss"]["values"] = ["mse", "gaussian_nll"]

    message = expand_error(config)

    assert "problems.usps.exercises.loss.sweeps.loss.values[1].loss" in message
    assert "mse, cross_entropy" in message


def test_unknown_baseline_name_is_rejected(config):
    sweeps_of(config, "architecture")["mlp_width"]["baseline"] = "resnet"

    message = expand_error(config)

    assert "problems.usps.exercises.architecture.sweeps.mlp_width.baseline" in message
    assert "mlp, cnn" in message


def test_mapping_value_without_the_swept_factor_is_rejected(config):
    sweeps_of(config, "optimisation")["optimizer"]["values"].append({"learning_rate": 0.5})

    message = expand_error(config)

    assert "problems.usps.exercises.optimisation.sweeps.optimizer.values[3]" in message
    assert "'optimizer'" in message


def test_unknown_hyperparameter_in_set_is_rejected(config):
    sweeps_of(config, "loss")["loss"]["set"]["momentum"] = 0.9

    message = expand_error(config)

    assert "problems.usps.exercises.loss.sweeps.loss.set" in message
    assert "momentum" in message


# --------------------------------------------------------------------------- command-line values


def test_command_line_seed_strings_become_integers():
    assert coerce_command_line_values({"seeds": ["0", "1"]})["seeds"] == [0, 1]


def test_command_line_negative_seed_string_becomes_an_integer():
    assert coerce_command_line_values({"seeds": ["-3", "4"]})["seeds"] == [-3, 4]


def test_command_line_bare_integer_seed_becomes_a_list():
    assert coerce_command_line_values({"seeds": 0})["seeds"] == [0]


def test_command_line_null_data_mirror_becomes_none():
    assert coerce_command_line_values({"data_mirror": "null"})["data_mirror"] is None
    assert coerce_command_line_values({"data_mirror": ""})["data_mirror"] is None
    assert coerce_command_line_values({"data_mirror": "None"})["data_mirror"] is None


def test_command_line_data_mirror_folder_is_kept():
    assert coerce_command_line_values({"data_mirror": "../mirror"})["data_mirror"] == "../mirror"


def test_warm_trainer_on_the_command_line_takes_yaml_booleans():
    assert coerce_command_line_values({"warm_trainer": "false"})["warm_trainer"] is False
    assert coerce_command_line_values({"warm_trainer": "true"})["warm_trainer"] is True
    assert coerce_command_line_values({"warm_trainer": "no"})["warm_trainer"] == "no"  # left for the schema to refuse


def test_config_file_values_pass_through_unchanged(config):
    coerced = coerce_command_line_values(yaml.safe_load(CONFIG_TEXT))

    assert coerced == config
    assert coerced["seeds"] == list(range(10))
    assert coerced["data_mirror"] is None


def test_mapping_values_spelled_differently_are_duplicates(config):
    sweeps_of(config, "optimisation")["optimizer"]["values"].append({"optimizer": "adam", "learning_rate": "1e-3"})

    with pytest.raises(ConfigError, match=r"optimizer\.values: duplicate value\(s\) adam@0.001"):
        expand_study(config)


def test_close_but_distinct_values_are_not_duplicates(config):
    sweeps_of(config, "optimisation")["learning_rate"]["values"] = [0.1234561, 0.1234562]

    labels = [p.label for p in expand_study(config).sweep("usps", "optimisation", "learning_rate").points]

    assert labels == ["0.1234561", "0.1234562"]


def test_layout_keeps_the_config_order_through_canonical_json(study):
    layout = json.loads(canonical_json(study.layout()))

    assert [p["id"] for p in layout["problems"]] == ["usps", "house"]
    assert [e["id"] for e in layout["problems"][0]["exercises"]] == ["architecture", "optimisation", "loss"]
    assert [e["id"] for e in layout["problems"][1]["exercises"]] == ["mse", "gaussian"]


def test_scientific_notation_strings_in_the_study_become_numbers(config):
    config["problems"]["usps"]["baselines"]["cnn"]["learning_rate"] = "1e-1"  # how YAML 1.1 reads 1e-1
    config["problems"]["usps"]["exercises"]["optimisation"]["sweeps"]["learning_rate"]["values"] = ["1e-3", "5E-2"]

    coerced = coerce_command_line_values(config)

    assert coerced["problems"]["usps"]["baselines"]["cnn"]["learning_rate"] == 0.1
    assert coerced["problems"]["usps"]["exercises"]["optimisation"]["sweeps"]["learning_rate"]["values"] == [
        0.001,
        0.05,
    ]
    assert coerced["problems"]["usps"]["baselines"]["cnn"]["activation"] == "relu"
