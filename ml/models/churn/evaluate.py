"""Evaluate step of churn (a Processing job): evaluation.json's binary_classification_metrics
(auc, accuracy, precision, recall, f1, confusion matrix at threshold 0.5) and mlenv_artifact, as
mlenv_model.evaluation writes them for the model inference.py loads and scores."""

import inference
from mlenv_model import cli, evaluation

main = cli.entry_point(__name__, lambda argv=None: evaluation.main(argv, inference))
