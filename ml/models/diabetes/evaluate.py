"""Evaluate step of diabetes (a Processing job): evaluation.json's regression_metrics (rmse, mae,
r2 on the test split) and mlenv_artifact, as mlenv_model.evaluation writes them."""

import inference
from mlenv_model import cli, evaluation

main = cli.entry_point(__name__, lambda argv=None: evaluation.main(argv, inference))
