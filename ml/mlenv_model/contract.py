"""SageMaker's container contract as the scripts see it.

Training (script mode): hyperparameters arrive as ``--name value`` arguments (kebab-case; the
underscore spelling is accepted too; SageMaker's own ``_tuning_objective_metric``, which a tuning
job adds to its trials' hyperparameters, is accepted and ignored), the channels and the model
directory as ``SM_CHANNEL_*`` and ``SM_MODEL_DIR`` (defaults under /opt/ml). Processing: the
inputs and outputs are directories under /opt/ml/processing. The model directory becomes
model.tar.gz; it holds the model file, its metadata (``model-metadata.json``) and the serving code
in ``code/`` (the serving program and this package: a network-isolated endpoint cannot download
it; SAGEMAKER_SUBMIT_DIRECTORY is /opt/ml/model/code).
"""

import argparse
import json
import os
import shutil

from .cli import ArgumentParser, MLError
from .data import DEFAULT_TARGET_COLUMN, write_json

DEFAULT_TRAIN_DIR = "/opt/ml/input/data/train"
DEFAULT_VALIDATION_DIR = "/opt/ml/input/data/validation"
DEFAULT_MODEL_DIR = "/opt/ml/model"
METADATA_FILENAME = "model-metadata.json"
SERVING_PROGRAM = "inference.py"
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# The hyperparameter a tuning job adds to each trial's (its objective's metric name). The training
# toolkit keeps it from the script's arguments; should a container's pass it, it is not the
# script's to refuse. No other unknown argument is accepted.
TUNING_OBJECTIVE_METRIC = "_tuning_objective_metric"


class Hyperparameter(object):
    """A hyperparameter of a training script: ``--name`` (and ``--name_with_underscores``)."""

    def __init__(self, name, kind, default, check=None, rule=None):
        self.name = name
        self.kind = kind
        self.default = default
        self.check = check
        self.rule = rule

    @property
    def dest(self):
        return self.name.replace("-", "_")


def training_parser(description, hyperparameters, environ=None):
    """argparse parser of a training script: its hyperparameters, the target column, and the
    channels and model directory from the SM_* variables (``--train``, ``--validation`` and
    ``--model-dir`` override them)."""
    environ = os.environ if environ is None else environ
    parser = ArgumentParser(description=description)
    for hp in hyperparameters:
        parser.add_argument("--" + hp.name, "--" + hp.dest, dest=hp.dest, type=hp.kind, default=hp.default)
    parser.add_argument("--target-column", "--target_column", dest="target_column",
                        default=DEFAULT_TARGET_COLUMN)
    parser.add_argument("--train", default=environ.get("SM_CHANNEL_TRAIN", DEFAULT_TRAIN_DIR))
    parser.add_argument("--validation",
                        default=environ.get("SM_CHANNEL_VALIDATION", DEFAULT_VALIDATION_DIR))
    parser.add_argument("--model-dir", "--model_dir", dest="model_dir",
                        default=environ.get("SM_MODEL_DIR", DEFAULT_MODEL_DIR))
    parser.add_argument("--" + TUNING_OBJECTIVE_METRIC, dest=TUNING_OBJECTIVE_METRIC, help=argparse.SUPPRESS)
    return parser


def check_hyperparameters(hyperparameters, values):
    """MLError for the first value its rule refuses (``--max-depth must be >= 1, got 0``)."""
    for hp in hyperparameters:
        value = values[hp.dest]
        if hp.check is not None and not hp.check(value):
            raise MLError("--%s must be %s, got %s" % (hp.name, hp.rule, value))


def save_model_metadata(model_dir, metadata):
    os.makedirs(model_dir, exist_ok=True)
    write_json(os.path.join(model_dir, METADATA_FILENAME), metadata)


def load_model_metadata(model_dir, model_file):
    """``model-metadata.json`` of a model directory, checked to name the model's features."""
    model_path = os.path.join(model_dir, model_file)
    metadata_path = os.path.join(model_dir, METADATA_FILENAME)
    if not os.path.isfile(model_path):
        raise MLError("%s not found in model directory %s" % (model_file, model_dir))
    if not os.path.isfile(metadata_path):
        raise MLError("%s not found in model directory %s" % (METADATA_FILENAME, model_dir))
    try:
        with open(metadata_path) as handle:
            metadata = json.load(handle)
    except ValueError as exc:
        raise MLError("invalid JSON in %s: %s" % (metadata_path, exc))
    if not isinstance(metadata, dict) or not metadata.get("feature_columns"):
        raise MLError("%s has no feature_columns list" % metadata_path)
    return metadata


def bundle_serving_code(model_dir, script_dir, program=SERVING_PROGRAM):
    """Copy the serving program and this package into ``<model_dir>/code``, where the serving
    container looks for them."""
    code_dir = os.path.join(model_dir, "code")
    package = os.path.join(code_dir, os.path.basename(PACKAGE_DIR))
    os.makedirs(package, exist_ok=True)
    shutil.copyfile(os.path.join(script_dir, program), os.path.join(code_dir, program))
    for name in sorted(os.listdir(PACKAGE_DIR)):
        if name.endswith(".py"):
            shutil.copyfile(os.path.join(PACKAGE_DIR, name), os.path.join(package, name))


def print_line(line):
    print(line, flush=True)
