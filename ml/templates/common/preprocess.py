"""Preprocess step of __MODEL_NAME__ (a Processing job): a shuffled train/validation/test split
(stratified by the target for classification) and the Model Monitor baseline (mlenv_model.splits)."""

import inference
from mlenv_model import cli, splits

main = cli.entry_point(__name__, lambda argv=None: splits.main(argv, inference.PROBLEM_TYPE))
