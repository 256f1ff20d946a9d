import json
import re
from pathlib import Path

import joblib
import pandas as pd
import pytest

from mlenv_model import cli, contract, metrics
import inference
import train
from helpers import assert_clean_error


GROUP = json.loads((Path(__file__).parents[3] / "evaluation-metrics.json").read_text())[
    inference.PROBLEM_TYPE
]
METRIC_REGEXES = {d["Name"]: d["Regex"] for d in train.METRIC_DEFINITIONS}


def test_metric_regexes_are_the_problem_types_metrics():
    # The first metric of the group on the train split, then every metric on the validation split.
    names = ["train:" + list(GROUP)[0]] + ["validation:" + name for name in GROUP]
    assert METRIC_REGEXES == {name: r"metric %s=(-?[0-9.]+)" % name for name in names}
    assert metrics.format_metric("train:auc", 0.5) == "metric train:auc=0.500000"


def test_function_trains_and_writes_model(splits_dir, tmp_path):
    lines = []
    metrics = train.train(
        str(splits_dir / "train"), str(splits_dir / "validation"), str(tmp_path / "model"),
        n_estimators=30, max_depth=2, learning_rate=0.2, log=lines.append,
    )
    assert metrics["validation:auc"] > 0.9
    for name, regex in METRIC_REGEXES.items():
        matched = [m for m in (re.fullmatch(regex, line) for line in lines) if m]
        assert len(matched) == 1, (name, lines)
        assert float(matched[0].group(1)) == pytest.approx(metrics[name], abs=1e-6)
        assert re.fullmatch(r"\d\.\d{6}", matched[0].group(1))

    model = joblib.load(tmp_path / "model" / "model.joblib")
    assert [name for name, _ in model.steps] == ["scaler", "classifier"]
    assert type(model.steps[1][1]).__name__ == "GradientBoostingClassifier"
    metadata = json.loads((tmp_path / "model" / "model-metadata.json").read_text())
    header = list(pd.read_csv(splits_dir / "train" / "train.csv", nrows=0).columns)
    assert metadata["feature_columns"] == header[:-1]
    assert metadata["target_column"] == "target"
    assert metadata["hyperparameters"] == {
        "n_estimators": 30, "max_depth": 2, "learning_rate": 0.2, "random_state": 42,
    }


def test_args_env_defaults_and_overrides():
    env = {"SM_CHANNEL_TRAIN": "/t", "SM_CHANNEL_VALIDATION": "/v", "SM_MODEL_DIR": "/m"}
    args = contract.training_parser("t", train.HYPERPARAMETERS, env).parse_args([])
    assert (args.train, args.validation, args.model_dir) == ("/t", "/v", "/m")
    assert (args.n_estimators, args.max_depth, args.learning_rate) == (100, 3, 0.1)
    args = contract.training_parser("t", train.HYPERPARAMETERS, env).parse_args(
        ["--train", "/x", "--n_estimators", "7", "--learning-rate", "0.5"])
    assert (args.train, args.n_estimators, args.learning_rate) == ("/x", 7, 0.5)
    args = contract.training_parser("t", train.HYPERPARAMETERS, {}).parse_args([])
    assert args.train == "/opt/ml/input/data/train"
    assert args.validation == "/opt/ml/input/data/validation"
    assert args.model_dir == "/opt/ml/model"


def test_function_rejects_missing_feature_in_validation(splits_dir, tmp_path):
    (tmp_path / "val").mkdir()
    frame = pd.read_csv(splits_dir / "validation" / "validation.csv")
    frame.drop(columns=["mean_radius"]).to_csv(tmp_path / "val" / "v.csv", index=False)
    with pytest.raises(cli.MLError, match="missing feature column.*mean_radius"):
        train.train(str(splits_dir / "train"), str(tmp_path / "val"), str(tmp_path / "m"))


def test_cli_happy_path_with_sagemaker_env(run_script, splits_dir, tmp_path):
    result = run_script(
        "train.py", "--n-estimators", 20, "--max-depth", 2, "--learning-rate", 0.3,
        SM_CHANNEL_TRAIN=str(splits_dir / "train"),
        SM_CHANNEL_VALIDATION=str(splits_dir / "validation"),
        SM_MODEL_DIR=str(tmp_path / "model"),
    )
    assert result.returncode == 0, result.stderr
    for regex in METRIC_REGEXES.values():
        assert len(re.findall("^" + regex + "$", result.stdout, flags=re.M)) == 1, result.stdout
    auc = float(re.search(METRIC_REGEXES["validation:auc"], result.stdout).group(1))
    assert auc > 0.9
    assert (tmp_path / "model" / "model.joblib").is_file()
    assert (tmp_path / "model" / "model-metadata.json").is_file()


def test_cli_non_binary_target(run_script, splits_dir, tmp_path):
    (tmp_path / "train").mkdir()
    frame = pd.read_csv(splits_dir / "train" / "train.csv")
    frame.assign(target=frame["target"] * 2).to_csv(tmp_path / "train" / "t.csv", index=False)
    result = run_script(
        "train.py", "--train", tmp_path / "train", "--validation", splits_dir / "validation",
        "--model-dir", tmp_path / "model",
    )
    assert_clean_error(result, "must be binary 0/1")
    assert not (tmp_path / "model").exists()


def test_cli_no_csv_in_channel(run_script, splits_dir, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_script(
        "train.py", "--train", tmp_path / "empty", "--validation", splits_dir / "validation",
        "--model-dir", tmp_path / "model",
    )
    assert_clean_error(result, "no CSV files found in train channel")


def test_model_dir_carries_the_serving_code(splits_dir, tmp_path):
    """A network-isolated endpoint loads inference.py from model.tar.gz's code/ directory."""
    model_dir = tmp_path / "model"
    train.train(
        str(splits_dir / "train"), str(splits_dir / "validation"), str(model_dir),
        n_estimators=10, log=lambda line: None,
    )
    bundled = model_dir / "code" / "inference.py"
    assert bundled.read_text() == (Path(train.__file__).parent / "inference.py").read_text()
