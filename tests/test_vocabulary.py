"""The vocabulary (hpstudy.engine.vocabulary) is the one list of activations, optimizers, losses
and architectures: everything that implements one is keyed by its names, and this test names
whatever an entry lacks."""

from __future__ import annotations

import torch
import yaml
from conftest import SCHEMA_PATH
from synthetic import problem

from hpstudy import problems
from hpstudy.engine import losses, optimizers, reference, replicas, vocabulary
from hpstudy.problems.base import check_vocabulary
from hpstudy.study import hyperparameters as hp
from hpstudy.study.configuration import study_schema


def test_every_activation_is_a_torch_module_with_a_backward_for_the_engine():
    missing = []
    for name, module in vocabulary.ACTIVATIONS.items():
        if not hasattr(torch.nn, module):
            missing.append(f"{name}: torch.nn has no {module}")
        elif getattr(torch.nn, module) not in replicas.ACTIVATION_BACKWARD:
            missing.append(f"{name}: no entry for torch.nn.{module} in replicas.ACTIVATION_BACKWARD")
    assert missing == []


def test_every_optimizer_has_the_engines_rule_and_torchs_class():
    missing = [
        f"{name}: no engine rule in optimizers.OPTIMIZERS"
        for name in vocabulary.OPTIMIZERS
        if name not in optimizers.OPTIMIZERS
    ]
    missing += [
        f"{name}: torch.optim has no {cls}"
        for name, cls in vocabulary.OPTIMIZERS.items()
        if not hasattr(torch.optim, cls)
    ]
    assert missing == []
    assert set(optimizers.OPTIMIZERS) == set(vocabulary.OPTIMIZERS) == set(reference.TORCH_OPTIMIZERS)


def test_every_loss_has_a_function_and_a_gradient_for_each_task_it_serves():
    wanted = {(task, name) for name, tasks in vocabulary.LOSSES.items() for task in tasks}
    assert set(losses.LOSSES) == wanted, "losses.LOSSES must implement exactly the vocabulary's (task, loss) pairs"
    assert set(losses.GRADIENTS) == wanted, (
        "losses.GRADIENTS must implement exactly the vocabulary's (task, loss) pairs"
    )


def test_every_architecture_names_hyperparameters_the_study_knows():
    for name, keys in vocabulary.ARCHITECTURES.items():
        assert set(keys) <= set(hp.SPECS), f"{name}: hyperparameters without a Spec in study.hyperparameters.SPECS"


def test_the_schemas_enums_are_the_vocabulary():
    schema = study_schema(yaml.safe_load(SCHEMA_PATH.read_text()), {})
    properties = schema["$defs"]["hyperparameters"]["properties"]

    assert properties["activation"]["enum"] == list(vocabulary.ACTIVATIONS)
    assert properties["optimizer"]["enum"] == list(vocabulary.OPTIMIZERS)
    assert properties["loss"]["enum"] == list(vocabulary.LOSSES)
    assert properties["architecture"]["enum"] == list(vocabulary.ARCHITECTURES)


def test_every_built_in_problem_speaks_the_vocabulary():
    assert problems.builtin() == ["house", "spirals", "usps"]
    for name in problems.builtin():
        assert check_vocabulary(problem(name), name) == []


def test_a_cnn_needs_a_classifier_of_images():
    class Flat(type(problem("spirals"))):
        architectures = ("mlp", "cnn")

    assert check_vocabulary(Flat(), "flat") == [
        "flat: a cnn is a classifier of square images: it needs a Classification with image_side"
    ]


def test_an_incomplete_problem_is_told_what_the_vocabulary_lacks():
    class Odd(type(problem("spirals"))):
        architectures = ("mlp", "transformer")
        losses = ("cross_entropy", "gaussian_nll")

    assert check_vocabulary(Odd(), "odd") == [
        "odd: architecture 'transformer' is not in the vocabulary",
        "odd: loss 'gaussian_nll' does not serve a classification",
    ]


def test_every_architecture_names_its_depth_among_its_hyperparameters():
    assert vocabulary.DEPTH.keys() == vocabulary.ARCHITECTURES.keys()
    for name, depth in vocabulary.DEPTH.items():
        assert depth in vocabulary.ARCHITECTURES[name]
