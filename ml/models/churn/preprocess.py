"""Preprocess step of churn (a Processing job): the 0/1 target's stratified
train/validation/test split and the Model Monitor baseline, as mlenv_model.splits makes them."""

import inference
from mlenv_model import cli, splits

main = cli.entry_point(__name__, lambda argv=None: splits.main(argv, inference.PROBLEM_TYPE))
