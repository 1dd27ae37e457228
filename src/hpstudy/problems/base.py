"""What a problem is: the interface a problem module's `PROBLEM` implements.

A problem owns everything that is particular to it: its raw files and how they
become the prepared splits, how its model is built from hyperparameters (with the
engine's layers, which the seed-batched trainer stacks), its losses and metrics
and which metric speaks for it, its figures, and its report section's text. The
workflow, the aggregation and the report only ever ask a problem through this
interface; see hpstudy.problems for how problems are found by name.

Two kinds of task share most of it: `Classification` (integer labels, accuracy)
and `Regression` (standardised targets, errors in the target's own unit, and a
Gaussian head with calibrated intervals). A problem module subclasses one of
them and fills in its data, its data figure and its text.

Only the data and the checks are needed while the workflow plans (no torch
import): everything that trains or plots imports what it needs when called.
"""

from __future__ import annotations

from hpstudy.engine import vocabulary
from hpstudy.errors import ConfigError


class Problem:
    """A problem of a study. Subclass `Classification` or `Regression`, not this."""

    task: str  # a vocabulary.TASKS entry
    title = ""  # the report's default title (the config's `title` wins)
    architectures: tuple[str, ...] = ("mlp",)
    losses: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ("loss",)  # what split_metrics measures, per split
    watched_metric = "loss"  # logged every epoch, and the learning curves' second panel
    primary_metric = "loss"  # the metric of the sweep tables' figures and of the narrative
    primary_metric_title = "loss"
    final_metrics: tuple[str, ...] = ()  # test metrics of the final models' table, after the primary one
    selection_metric = "validation_loss"  # selects the "best by validation" final model (the config may choose another)
    data_schema: dict = {"type": "object"}  # the JSON schema of the config's data.<name>
    image_side: int | None = None  # inputs are side × side images (what a CNN needs)
    unit = ""  # of a regressor's target, as the report writes its errors ('$': whole dollars)

    # ---- data: planned by the workflow, prepared by a job ----------------------

    def resolve_settings(self, settings: dict, recorded: dict | None, available) -> dict:
        """The data settings as the prepare step takes them, with any choice left to the
        workflow made: `recorded` are the settings the prepared file was made with (or None),
        `available(name)` says whether a raw file is at hand without downloading it."""
        return settings

    def raw_files(self, settings: dict) -> dict[str, str]:
        """The raw files the prepare step reads, {role: file name} (each described under
        the config's `downloads`); none for data the module makes itself."""
        return {}

    def train_rows(self, settings: dict) -> int:
        """How many training samples: the longest runs start first (a run's cost grows with it)."""
        return settings["rows"]["train"]

    def prepare(self, raw: dict[str, str], settings: dict, output: str) -> dict[str, int]:
        """Read the raw files {role: path}, split, and save with `hpstudy.data.splits.save_splits`;
        return the size of each split. Errors are DataErrors naming the file and the fix."""
        raise NotImplementedError

    # ---- the model --------------------------------------------------------------

    def check_hyperparameters(self, params: dict, where: str) -> None:
        """Complete, normalised hyperparameters that this problem cannot train: raise a ConfigError."""
        if params["architecture"] == "cnn":
            check_image_survives(params, self.image_side, where)

    def build_model(self, params: dict, n_inputs: int):
        raise NotImplementedError

    # ---- training and metrics ---------------------------------------------------

    def loss(self, name: str):
        """(per-sample loss, its gradient by the network's output), see hpstudy.engine.losses."""
        from hpstudy.engine import losses

        return losses.LOSSES[(self.task, name)], losses.GRADIENTS[(self.task, name)]

    def label_dtype(self):
        raise NotImplementedError

    def split_metrics(self, loss_name: str, output, target, data: dict) -> dict[str, float]:
        """`metrics` of one network's outputs on one split."""
        raise NotImplementedError

    def test_predictions(self, output, target, data: dict) -> dict:
        """The columns of predictions.csv, per test sample."""
        raise NotImplementedError

    # ---- figures and the report -------------------------------------------------

    def plot_data(self, data: dict, output: str) -> None:
        raise NotImplementedError

    def plot_final_models(self, models: dict, output: str) -> None:
        """`models`: {title: predictions.csv of every seed}."""
        raise NotImplementedError

    def report_text(self, settings: dict) -> dict[str, str]:
        """The problem's words in the report, HTML: `data` (the data section's paragraph),
        `data_caption`, `final_models_caption`, and optionally `data_figure_class` (a CSS class
        of the data figure), `finals_note` (after the final models' introduction) and
        `headline_note` (after the original's final number)."""
        raise NotImplementedError

    def describe(self, settings: dict) -> dict:
        """What aggregation and the report read of the problem (part of the study's layout),
        with `settings` its data settings."""
        optional = {"data_figure_class": "", "finals_note": "", "headline_note": ""}
        return {
            "text": optional | self.report_text(settings),
            "metrics": list(self.metrics),
            "primary_metric": self.primary_metric,
            "primary_metric_title": self.primary_metric_title,
            "final_metrics": list(self.final_metrics),
            "unit": self.unit,
        }


class Classification(Problem):
    """Integer labels 0..classes-1; the network gives one output per class."""

    task = "classification"
    classes = 2
    class_title = "class"  # the confusion matrices' axes: 'true class', 'predicted class'
    losses = ("mse", "cross_entropy")
    metrics = ("loss", "accuracy")
    watched_metric = primary_metric = primary_metric_title = "accuracy"
    final_metrics = ("accuracy",)
    selection_metric = "validation_accuracy"

    def build_model(self, params: dict, n_inputs: int):
        from hpstudy.engine import models

        if params["architecture"] == "cnn":
            return models.cnn_classifier(
                self.image_side, self.classes, params["conv_layers"], params["channels"], params["kernel_size"],
                params["padding"], params["activation"],
            )  # fmt: skip
        return models.mlp_classifier(
            n_inputs, self.classes, params["hidden_layers"], params["width"], params["activation"]
        )

    def label_dtype(self):
        import torch

        return torch.long

    def split_metrics(self, loss_name: str, output, target, data: dict) -> dict[str, float]:
        loss = self.loss(loss_name)[0](output, target).mean().item()
        return {"loss": loss, "accuracy": (output.argmax(1) == target).double().mean().item()}

    def test_predictions(self, output, target, data: dict) -> dict:
        return {"label": target.cpu().numpy(), "predicted": output.argmax(1).cpu().numpy()}

    def plot_final_models(self, models: dict, output: str) -> None:
        from hpstudy.report.model_figures import plot_confusion

        plot_confusion(models, output, self.classes, self.class_title)


class Regression(Problem):
    """One standardised target per sample: the prepared file holds its train mean and
    standard deviation (`y_mean`, `y_std`), so errors are reported in the target's unit.
    The Gaussian head predicts a mean and a variance."""

    task = "regression"
    target_name = "target"  # a column of predictions.csv, and the axis of the prediction figure
    losses = ("mse", "gaussian_nll")
    metrics = ("loss", "mse_std", "rmse", "mae", "mean_sigma", "coverage95")
    watched_metric = "rmse"
    selection_metric = "validation_rmse"
    primary_metric_title = "loss (standardised units)"
    final_metrics = ("mse_std", "rmse", "mae", "mean_sigma", "coverage95")

    def build_model(self, params: dict, n_inputs: int):
        from hpstudy.engine import models

        return models.Regressor(
            n_inputs, params["hidden_layers"], params["width"], params["activation"], params["loss"] == "gaussian_nll"
        )

    def label_dtype(self):
        import torch

        return torch.float32

    def split_metrics(self, loss_name: str, output, target, data: dict) -> dict[str, float]:
        from hpstudy.engine.evaluate import regression_metrics

        return regression_metrics(self.loss(loss_name)[0], output, target, float(data["y_std"]))

    def test_predictions(self, output, target, data: dict) -> dict:
        import numpy as np

        y_mean, y_std = float(data["y_mean"]), float(data["y_std"])
        out = output.double().cpu().numpy()
        mean = out[:, 0] if out.ndim == 2 else out
        columns = {self.target_name: target.double().cpu().numpy() * y_std + y_mean, "predicted": mean * y_std + y_mean}
        if out.ndim == 2:
            columns["sigma"] = np.sqrt(out[:, 1]) * y_std
        return columns

    def plot_final_models(self, models: dict, output: str) -> None:
        from hpstudy.report.model_figures import plot_predictions

        plot_predictions(models, output, self.target_name, self.unit)


def check_image_survives(params: dict, side: int | None, where: str) -> None:
    """A CNN needs square images, and each convolution shrinks them by kernel_size - 1 - 2 × padding
    pixels a side: none may empty them."""
    if side is None:
        raise ConfigError(f"{where}.architecture: a cnn needs image inputs, and this problem's are not; use mlp")
    for layer in range(1, params["conv_layers"] + 1):
        side_after = side + layer * (2 * params["padding"] - params["kernel_size"] + 1)
        if side_after < 1:
            raise ConfigError(
                f"{where}: kernel_size {params['kernel_size']} with padding {params['padding']} leaves no image "
                f"after convolution layer {layer} of {params['conv_layers']} (the input is {side}×{side}); "
                "use a smaller kernel_size, more padding or fewer conv_layers"
            )


def check_vocabulary(problem: Problem, name: str) -> list[str]:
    """What a problem declares that the vocabulary does not know (tests/test_vocabulary.py)."""
    wrong = (
        [f"{name}: task {problem.task!r} is not one of {vocabulary.TASKS}"]
        if problem.task not in vocabulary.TASKS
        else []
    )
    wrong += [
        f"{name}: architecture {a!r} is not in the vocabulary"
        for a in problem.architectures
        if a not in vocabulary.ARCHITECTURES
    ]
    wrong += [
        f"{name}: loss {loss!r} does not serve a {problem.task}"
        for loss in problem.losses
        if problem.task not in vocabulary.LOSSES.get(loss, ())
    ]
    if "cnn" in problem.architectures and (problem.task != "classification" or problem.image_side is None):
        wrong.append(f"{name}: a cnn is a classifier of square images: it needs a Classification with image_side")
    return wrong
