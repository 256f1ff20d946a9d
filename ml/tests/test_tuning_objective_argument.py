"""A tuning job's trial: SageMaker adds the hyperparameter ``_tuning_objective_metric`` (the
objective's metric name) to every trial's hyperparameters. Script mode passes hyperparameters as
``--name value``: should a container pass this one, every model's train.py accepts and ignores it,
and still refuses any other argument it does not know with one ``error:`` line."""

import os

import pytest

from helpers import ML_DIR, model_scripts, run_model_script
from mlenv_model import contract

MODELS = sorted(m for m in os.listdir(os.path.join(ML_DIR, "models")) if os.path.isfile(os.path.join(ML_DIR, "models", m, "train.py")))
RESERVED = "_tuning_objective_metric"
OBJECTIVE = "validation:auc"


@pytest.mark.parametrize("argv", [
    ["--" + RESERVED, OBJECTIVE],
    ["--%s=%s" % (RESERVED, OBJECTIVE)],
])
def test_the_contracts_parser_accepts_and_ignores_it(argv):
    args = contract.training_parser("t", [], {"SM_MODEL_DIR": "/m"}).parse_args(argv)
    assert args.model_dir == "/m"


@pytest.mark.parametrize("argv", [["--_other_reserved", "x"], ["--tuning-objective-metric", OBJECTIVE]])
def test_no_other_unknown_argument_is_accepted(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        contract.training_parser("t", []).parse_args(["--" + RESERVED, OBJECTIVE] + argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: unrecognized arguments: %s" % argv[0])


@pytest.mark.parametrize("model", MODELS)
def test_each_models_trial_trains_with_it_and_refuses_an_unknown_argument(model, tmp_path):
    base = tmp_path
    channels = {"SM_CHANNEL_TRAIN": str(base / "out" / "train"), "SM_CHANNEL_VALIDATION": str(base / "out" / "validation"),
                "SM_MODEL_DIR": str(base / "model")}
    for script, *args in (
        ("make_sample_data.py", "--output", base / "raw" / "data.csv", "--rows", "100"),
        ("preprocess.py", "--input-dir", base / "raw", "--output-dir", base / "out"),
    ):
        done = run_model_script(model, script, args, base, **channels)
        assert done.returncode == 0, done.stderr
    trained = run_model_script(model, "train.py", ["--" + RESERVED, OBJECTIVE], base, **channels)
    assert trained.returncode == 0, trained.stderr
    assert os.path.isfile(os.path.join(channels["SM_MODEL_DIR"], contract.METADATA_FILENAME))

    refused = run_model_script(model, "train.py", ["--" + RESERVED, OBJECTIVE, "--no-such-hyperparameter", "1"], base, **channels)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "error: unrecognized arguments: --no-such-hyperparameter 1 (run with --help for usage)"
    ]


@pytest.mark.parametrize("model", MODELS)
def test_it_is_not_a_hyperparameter_of_any_model(model):
    # A model's own hyperparameter of that name would be shadowed by SageMaker's.
    names = [hp.name for hp in getattr(model_scripts(model).train, "HYPERPARAMETERS", [])]
    assert RESERVED not in names and RESERVED.replace("_", "-") not in names
