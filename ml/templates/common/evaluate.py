"""Evaluate step of __MODEL_NAME__ (a Processing job): evaluation.json's metrics group of its
problem type on the test split and mlenv_artifact, as mlenv_model.evaluation writes them for the
model inference.py loads and scores."""

import inference
from mlenv_model import cli, evaluation

main = cli.entry_point(__name__, lambda argv=None: evaluation.main(argv, inference))
