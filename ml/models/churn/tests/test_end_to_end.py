"""make data -> preprocess -> train -> tar model -> evaluate -> inference.

Runs each step through its CLI ``main(argv)`` in-process (the subprocess runs of
every script are covered by the per-script tests) and serves the very
model.tar.gz that evaluate consumed, the way the endpoint would.
"""

import json
import os
import re

import numpy as np
import pandas as pd

from mlenv_model import artifact, cli, evaluation, metrics
import evaluate
import inference
import make_sample_data
import preprocess
import train
from helpers import make_tarball


def test_pipeline_end_to_end(tmp_path, monkeypatch, capsys):
    def ok(module, *args):
        assert cli.run_cli(module.main, [str(a) for a in args]) == 0
        captured = capsys.readouterr()
        assert captured.err == ""
        return captured.out

    ok(make_sample_data, "--output", tmp_path / "raw" / "data.csv", "--rows", 300)
    assert "preprocess: 300 rows" in ok(
        preprocess, "--input-dir", tmp_path / "raw", "--output-dir", tmp_path / "data"
    )

    monkeypatch.setenv("SM_CHANNEL_TRAIN", str(tmp_path / "data" / "train"))
    monkeypatch.setenv("SM_CHANNEL_VALIDATION", str(tmp_path / "data" / "validation"))
    monkeypatch.setenv("SM_MODEL_DIR", str(tmp_path / "model"))
    out = ok(train, "--n-estimators", 50)
    assert float(re.search(metrics.metric_regex("validation:auc"), out).group(1)) > 0.9

    make_tarball(tmp_path / "model", tmp_path / "artifact")
    ok(evaluate, "--model-dir", tmp_path / "artifact", "--test-dir", tmp_path / "data" / "test",
       "--output-dir", tmp_path / "evaluation")
    report = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    assert report["binary_classification_metrics"]["auc"]["value"] > 0.9

    (tmp_path / "serving").mkdir()
    serving_dir = artifact.extract_model_archive(
        str(tmp_path / "artifact" / "model.tar.gz"), str(tmp_path / "serving"), inference.MODEL_FILE
    )
    # What the evaluation recorded is what serving checks (the package carries it to the endpoint).
    os.environ[artifact.EXPECTED_FILES_SHA256_ENV] = report["mlenv_artifact"]["files_sha256"]
    try:
        model = inference.model_fn(str(tmp_path / "serving"))
    finally:
        del os.environ[artifact.EXPECTED_FILES_SHA256_ENV]
    test = pd.read_csv(tmp_path / "data" / "test" / "test.csv")
    body = test[model.feature_columns].to_csv(header=False, index=False)
    response, content_type = inference.transform_fn(model, body, "text/csv", "application/json")
    predictions = json.loads(response)["predictions"]
    assert content_type == "application/json" and len(predictions) == len(test) == 45
    assert all(0.0 <= p["score"] <= 1.0 for p in predictions)
    labels = np.array([p["label"] for p in predictions])
    accuracy = float((labels == test["target"].to_numpy()).mean())
    assert accuracy == report["binary_classification_metrics"]["accuracy"]["value"]
