"""The training job's common steps: read and check the channels, score the fitted model on both
and print the metric lines, and leave the model directory as serving expects it.

A model's train.py fits its own estimator between ``read_channels`` and ``score``, and writes its
own model file before ``finish``; ``program`` is its serving module (PROBLEM_TYPE, MODEL_FILE,
``predict(model, features)``).
"""

import os
import platform
from importlib import metadata as distributions

from . import contract, data, metrics, serving


class Channels(object):
    """The train and validation channels, validated: features, targets and where they came from."""

    def __init__(self, train_dir, validation_dir, target_column, problem_type):
        self.target_column = target_column
        self.x_train, self.y_train, self.columns, self.train_source = data.read_labeled_dir(
            train_dir, "train channel", target_column, problem_type)
        self.x_validation, self.y_validation, _, self.validation_source = data.read_labeled_dir(
            validation_dir, "validation channel", target_column, problem_type, self.columns)


def score(program, estimator, channels, log, classes=None):
    """The problem type's training metrics of the fitted ``estimator``, each printed as its line
    (``metric validation:auc=0.991234``). Returns them by name. ``classes``: the class of each
    column of a multiclass model's probabilities."""
    model = serving.Model(estimator, {"feature_columns": channels.columns, "classes": classes})
    scored = {}
    for split, features, target, source in (
        ("train", channels.x_train, channels.y_train, channels.train_source),
        ("validation", channels.x_validation, channels.y_validation, channels.validation_source),
    ):
        scored[split] = metrics.compute(program.PROBLEM_TYPE, target, program.predict(model, features),
                                        classes=classes, source=source)[0]
    values = {}
    for name in metrics.training_metric_names(program.PROBLEM_TYPE):
        split, metric = name.split(":")
        values[name] = scored[split][metric]
        log(metrics.format_metric(name, values[name]))
    return values


def finish(model_dir, program, script_file, channels, values, details, log):
    """Write model-metadata.json (what serving and evaluation read, the metrics and ``details``)
    and bundle the serving code beside the model file the script wrote."""
    metadata = {
        "model_file": program.MODEL_FILE,
        "problem_type": program.PROBLEM_TYPE,
        "feature_columns": list(channels.columns),
        "target_column": channels.target_column,
        "metrics": values,
        "train_rows": int(len(channels.y_train)),
        "validation_rows": int(len(channels.y_validation)),
    }
    metadata.update(details)
    metadata["runtime"] = runtime()
    contract.save_model_metadata(model_dir, metadata)
    contract.bundle_serving_code(model_dir, os.path.dirname(os.path.abspath(script_file)))
    log("train: %d train rows, %d validation rows, %d features -> %s"
        % (len(channels.y_train), len(channels.y_validation), len(channels.columns), model_dir))
    log("train: ran on " + ", ".join("%s %s" % item for item in sorted(metadata["runtime"].items())))


def command_line(description, hyperparameters, train):
    """A train.py's ``run(argv)``: its command line (the contract's training arguments and its
    ``hyperparameters``) parsed, then ``train(train_dir, validation_dir, model_dir, settings,
    target_column, log=...)`` called with the hyperparameters' values by name in ``settings``."""
    def run(argv=None):
        args = vars(contract.training_parser(description, hyperparameters).parse_args(argv))
        settings = dict((hp.dest, args[hp.dest]) for hp in hyperparameters)
        train(args["train"], args["validation"], args["model_dir"], settings, args["target_column"],
              log=contract.print_line)
        return 0
    return run


# The packages a model's results depend on, when installed: what a run records it trained with.
RUNTIME_PACKAGES = ("numpy", "pandas", "scikit-learn", "scipy", "torch", "xgboost")


def runtime():
    """The Python and the versions of RUNTIME_PACKAGES this process runs with, by name
    (``{"python": "3.9.18", "scikit-learn": "1.2.1", ...}``): the container's, on SageMaker."""
    found = {"python": platform.python_version()}
    for name in RUNTIME_PACKAGES:
        try:
            found[name] = distributions.version(name)
        except distributions.PackageNotFoundError:
            pass
    return found
