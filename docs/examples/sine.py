"""Sine: y = sin(3x) plus noise, for x drawn in [-1, 1] (an MLP regressor). The data are made
here from a seed. The smallest complete problem of one's own (see README: Your own study)."""

import numpy as np

from hpstudy.data.splits import in_order, rows_schema, save_splits
from hpstudy.problems.base import Regression


class Sine(Regression):
    title = "Sine regression"
    data_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["rows", "noise", "seed"],
        "properties": {
            "rows": rows_schema(minimum=2),  # {train, validation, test}: samples per split
            "noise": {"type": "number", "minimum": 0},
            "seed": {"type": "integer", "minimum": 0},
        },
    }

    def prepare(self, raw, settings, output):
        rows, rng = settings["rows"], np.random.default_rng(settings["seed"])
        x = rng.uniform(-1, 1, (sum(rows.values()), 1))
        y = np.sin(3 * x[:, 0]) + rng.normal(0, settings["noise"], len(x))
        mean, std = y[: rows["train"]].mean(), y[: rows["train"]].std()  # a Regression's targets are standardised
        splits = in_order(x.astype(np.float32), ((y - mean) / std).astype(np.float32), rows)
        return save_splits(output, splits, y_mean=np.float64(mean), y_std=np.float64(std))

    def plot_data(self, data, output):
        from hpstudy.report.figures import pyplot, save_svg

        fig, ax = pyplot().subplots(figsize=(4, 2.5), constrained_layout=True)
        ax.scatter(data["x_train"][:, 0], data["y_train"] * data["y_std"] + data["y_mean"], s=4)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        save_svg(fig, output)

    def report_text(self, settings):
        return {
            "data": f"{sum(settings['rows'].values())} points of y = sin(3x), noise of sd {settings['noise']}.",
            "data_caption": "The training points.",
            "final_models_caption": "Predicted against actual y on the test set, and the coverage of the intervals.",
        }


PROBLEM = Sine()
