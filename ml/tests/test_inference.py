import importlib
import json
import sys
import types

import numpy as np
import pandas as pd
import pytest

import inference


@pytest.fixture(scope="module")
def model(model_dir):
    return inference.model_fn(str(model_dir))


@pytest.fixture(scope="module")
def test_frame(splits_dir):
    return pd.read_csv(splits_dir / "test" / "test.csv")


def features_csv(frame, columns):
    return frame[columns].to_csv(header=False, index=False)


def test_csv_round_trip(model, test_frame):
    rows = test_frame.head(5)
    data = inference.input_fn(features_csv(rows, model.feature_columns), "text/csv")
    scores = inference.predict_fn(data, model)
    assert scores.shape == (5,)
    assert np.all((scores >= 0) & (scores <= 1))
    expected = model.pipeline.predict_proba(rows[model.feature_columns].to_numpy())[:, 1]
    np.testing.assert_allclose(scores, expected)

    body, content_type = inference.output_fn(scores, "application/json")
    assert content_type == "application/json"
    predictions = json.loads(body)["predictions"]
    assert [p["label"] for p in predictions] == [int(s >= 0.5) for s in scores]
    assert [p["score"] for p in predictions] == pytest.approx(list(scores))

    body, content_type = inference.output_fn(scores, "text/csv")
    assert content_type == "text/csv"
    lines = body.strip().splitlines()
    assert len(lines) == 5
    assert [float(line.split(",")[0]) for line in lines] == pytest.approx(list(scores))


def test_csv_single_line_bytes_and_charset(model, test_frame):
    line = features_csv(test_frame.head(1), model.feature_columns).strip().encode("utf-8")
    data = inference.input_fn(line, "text/csv; charset=utf-8")
    assert inference.predict_fn(data, model).shape == (1,)


def test_json_round_trip_lists_and_objects(model, test_frame):
    rows = test_frame.head(4)
    as_lists = {"instances": rows[model.feature_columns].values.tolist()}
    as_objects = {"instances": rows.drop(columns=["target"]).to_dict(orient="records")}
    by_list = inference.predict_fn(inference.input_fn(json.dumps(as_lists), "application/json"), model)
    by_name = inference.predict_fn(
        inference.input_fn(json.dumps(as_objects).encode(), "application/json"), model
    )
    np.testing.assert_allclose(by_list, by_name)
    body, _ = inference.output_fn(by_name, None)  # no Accept -> JSON
    predictions = json.loads(body)["predictions"]
    assert len(predictions) == 4
    assert all(0.0 <= p["score"] <= 1.0 and p["label"] in (0, 1) for p in predictions)


def status_of(callable_, *args):
    with pytest.raises(inference.ClientError) as info:
        callable_(*args)
    assert info.value.message
    return info.value.status_code


def test_wrong_column_count_is_400(model, test_frame):
    row = features_csv(test_frame.head(1), model.feature_columns[:-1])
    assert status_of(inference.predict_fn, inference.input_fn(row, "text/csv"), model) == 400
    payload = json.dumps({"instances": [[1.0, 2.0, 3.0]]})
    assert status_of(inference.predict_fn, inference.input_fn(payload, "application/json"), model) == 400
    ragged = "1,2,3\n1,2\n"
    assert status_of(inference.input_fn, ragged, "text/csv") == 400


def test_unsupported_content_type_is_415():
    assert status_of(inference.input_fn, "1,2,3", "application/x-npy") == 415
    assert status_of(inference.input_fn, b"", "text/plain") == 415


def test_empty_body_is_400():
    assert status_of(inference.input_fn, "", "text/csv") == 400
    assert status_of(inference.input_fn, b"  \n", "text/csv") == 400
    assert status_of(inference.input_fn, "", "application/json") == 400


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("mean_radius,mean_texture\n1,2", "text/csv"),  # header row
        ("1,abc,3", "text/csv"),
        ("1,nan,3", "text/csv"),
        ("not json", "application/json"),
        ('{"rows": [[1, 2]]}', "application/json"),
        ('{"instances": []}', "application/json"),
        ('{"instances": [[1, "x"]]}', "application/json"),
        ('{"instances": [[1, true]]}', "application/json"),
        ('{"instances": [1, 2]}', "application/json"),
        (b"\xff\xfe", "text/csv"),
    ],
)
def test_bad_payloads_are_400(body, content_type):
    assert status_of(inference.input_fn, body, content_type) == 400


def test_unknown_or_missing_feature_names_are_400(model, test_frame):
    record = test_frame.head(1).to_dict(orient="records")[0]  # includes "target"
    data = inference.input_fn(json.dumps({"instances": [record]}), "application/json")
    assert status_of(inference.predict_fn, data, model) == 400
    data = inference.input_fn(json.dumps({"instances": [{"mean_radius": 1}]}), "application/json")
    assert status_of(inference.predict_fn, data, model) == 400


def test_unsupported_accept_is_406():
    assert status_of(inference.output_fn, np.array([0.2]), "application/x-npy") == 406
    body, content_type = inference.output_fn(np.array([0.2, 0.9]), "*/*")
    assert content_type == "application/json"
    assert json.loads(body)["predictions"][1] == {"score": 0.9, "label": 1}


def test_local_error_type_without_toolkit():
    if "sagemaker_inference" not in sys.modules:
        assert inference.ClientError is inference.InferenceError
    error = inference.InferenceError(400, "bad")
    assert (error.status_code, error.message) == (400, "bad")


def test_uses_toolkit_error_when_available(monkeypatch):
    class GenericInferenceToolkitError(Exception):
        def __init__(self, status_code, message=None, phrase=None):
            super().__init__(status_code, message, phrase)
            self.status_code, self.message, self.phrase = status_code, message, phrase

    package = types.ModuleType("sagemaker_inference")
    errors = types.ModuleType("sagemaker_inference.errors")
    errors.GenericInferenceToolkitError = GenericInferenceToolkitError
    package.errors = errors
    monkeypatch.setitem(sys.modules, "sagemaker_inference", package)
    monkeypatch.setitem(sys.modules, "sagemaker_inference.errors", errors)
    fresh = importlib.reload(inference)
    try:
        assert fresh.ClientError is GenericInferenceToolkitError
        with pytest.raises(GenericInferenceToolkitError) as info:
            fresh.input_fn("x", "image/png")
        assert info.value.status_code == 415
    finally:
        monkeypatch.undo()
        importlib.reload(inference)
