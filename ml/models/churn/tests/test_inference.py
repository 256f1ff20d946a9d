import importlib
import json
import shutil
import sys
import types

import numpy as np
import pandas as pd
import pytest

from mlenv_model import artifact, serving

import inference
from helpers import files_digest


def predict_scores(data, model):
    """transform_fn's middle step: the decoded request in the model's order, then churn's scores."""
    return inference.predict(model, serving.feature_matrix(data, model.feature_columns))


def encode_output(prediction, accept):
    return serving.encode_output(inference.PROBLEM_TYPE, prediction, accept)


@pytest.fixture(scope="module")
def model(model_dir):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(artifact.EXPECTED_FILES_SHA256_ENV, files_digest(model_dir))
        return inference.model_fn(str(model_dir))


def copy_of(model_dir, tmp_path):
    target = tmp_path / "model"
    shutil.copytree(str(model_dir), str(target))
    return target


def test_model_fn_loads_files_whose_digest_is_the_pinned_one(model_dir, tmp_path, monkeypatch):
    served = copy_of(model_dir, tmp_path)
    monkeypatch.setenv(artifact.EXPECTED_FILES_SHA256_ENV, files_digest(model_dir))
    (served / "code" / "__pycache__").mkdir(parents=True)
    (served / "code" / "__pycache__" / "inference.cpython-311.pyc").write_bytes(b"cache")
    assert inference.model_fn(str(served)).feature_columns


def test_model_fn_refuses_a_changed_file_before_unpickling_it(model_dir, tmp_path, monkeypatch):
    served = copy_of(model_dir, tmp_path)
    monkeypatch.setenv(artifact.EXPECTED_FILES_SHA256_ENV, files_digest(model_dir))
    (served / inference.MODEL_FILE).write_bytes(b"not the registered model")
    with pytest.raises(artifact.ModelIntegrityError, match="refusing to load a changed artifact"):
        inference.model_fn(str(served))
    (served / inference.MODEL_FILE).unlink()
    (served / "extra.joblib").write_bytes(b"x")
    with pytest.raises(artifact.ModelIntegrityError, match="but the pinned package records"):
        inference.model_fn(str(served))


def test_model_fn_refuses_to_load_without_the_pinned_digest(model_dir, monkeypatch):
    monkeypatch.delenv(artifact.EXPECTED_FILES_SHA256_ENV, raising=False)
    with pytest.raises(artifact.ModelIntegrityError, match="MLENV_MODEL_FILES_SHA256 is not set"):
        inference.model_fn(str(model_dir))


@pytest.fixture(scope="module")
def test_frame(splits_dir):
    return pd.read_csv(splits_dir / "test" / "test.csv")


def features_csv(frame, columns):
    return frame[columns].to_csv(header=False, index=False)


def test_csv_round_trip(model, test_frame):
    rows = test_frame.head(5)
    data = serving.decode_input(features_csv(rows, model.feature_columns), "text/csv")
    scores = predict_scores(data, model)
    assert scores.shape == (5,)
    assert np.all((scores >= 0) & (scores <= 1))
    expected = model.estimator.predict_proba(rows[model.feature_columns].to_numpy())[:, 1]
    np.testing.assert_allclose(scores, expected)

    body, content_type = encode_output(scores, "application/json")
    assert content_type == "application/json"
    predictions = json.loads(body)["predictions"]
    assert [p["label"] for p in predictions] == [int(s >= 0.5) for s in scores]
    assert [p["score"] for p in predictions] == pytest.approx(list(scores))

    body, content_type = encode_output(scores, "text/csv")
    assert content_type == "text/csv"
    lines = body.strip().splitlines()
    assert len(lines) == 5
    assert [float(line.split(",")[0]) for line in lines] == pytest.approx(list(scores))


def test_csv_single_line_bytes_and_charset(model, test_frame):
    line = features_csv(test_frame.head(1), model.feature_columns).strip().encode("utf-8")
    data = serving.decode_input(line, "text/csv; charset=utf-8")
    assert predict_scores(data, model).shape == (1,)


def test_json_round_trip_lists_and_objects(model, test_frame):
    rows = test_frame.head(4)
    as_lists = {"instances": rows[model.feature_columns].values.tolist()}
    as_objects = {"instances": rows.drop(columns=["target"]).to_dict(orient="records")}
    by_list = predict_scores(serving.decode_input(json.dumps(as_lists), "application/json"), model)
    by_name = predict_scores(
        serving.decode_input(json.dumps(as_objects).encode(), "application/json"), model
    )
    np.testing.assert_allclose(by_list, by_name)
    body, _ = encode_output(by_name, None)  # no Accept -> JSON
    predictions = json.loads(body)["predictions"]
    assert len(predictions) == 4
    assert all(0.0 <= p["score"] <= 1.0 and p["label"] in (0, 1) for p in predictions)


def status_of(callable_, *args):
    with pytest.raises(serving.ClientError) as info:
        callable_(*args)
    assert info.value.message
    return info.value.status_code


def test_wrong_column_count_is_400(model, test_frame):
    row = features_csv(test_frame.head(1), model.feature_columns[:-1])
    assert status_of(predict_scores, serving.decode_input(row, "text/csv"), model) == 400
    payload = json.dumps({"instances": [[1.0, 2.0, 3.0]]})
    assert status_of(predict_scores, serving.decode_input(payload, "application/json"), model) == 400
    ragged = "1,2,3\n1,2\n"
    assert status_of(serving.decode_input, ragged, "text/csv") == 400


def test_unsupported_content_type_is_415():
    assert status_of(serving.decode_input, "1,2,3", "application/x-npy") == 415
    assert status_of(serving.decode_input, b"", "text/plain") == 415


def test_empty_body_is_400():
    assert status_of(serving.decode_input, "", "text/csv") == 400
    assert status_of(serving.decode_input, b"  \n", "text/csv") == 400
    assert status_of(serving.decode_input, "", "application/json") == 400


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
    assert status_of(serving.decode_input, body, content_type) == 400


def test_unknown_or_missing_feature_names_are_400(model, test_frame):
    record = test_frame.head(1).to_dict(orient="records")[0]  # includes "target"
    data = serving.decode_input(json.dumps({"instances": [record]}), "application/json")
    assert status_of(predict_scores, data, model) == 400
    data = serving.decode_input(json.dumps({"instances": [{"mean_radius": 1}]}), "application/json")
    assert status_of(predict_scores, data, model) == 400


def test_unsupported_accept_is_406():
    assert status_of(encode_output, np.array([0.2]), "application/x-npy") == 406
    body, content_type = encode_output(np.array([0.2, 0.9]), "*/*")
    assert content_type == "application/json"
    assert json.loads(body)["predictions"][1] == {"score": 0.9, "label": 1}


def test_local_error_type_without_toolkit():
    if "sagemaker_inference" not in sys.modules:
        assert serving.ClientError is serving.InferenceError
    error = serving.InferenceError(400, "bad")
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
    fresh = importlib.reload(serving)
    try:
        assert fresh.ClientError is GenericInferenceToolkitError
        with pytest.raises(GenericInferenceToolkitError) as info:
            fresh.decode_input("x", "image/png")
        assert info.value.status_code == 415
    finally:
        monkeypatch.undo()
        importlib.reload(serving)


# --- transform_fn: the hook the container calls ------------------------------------


def test_module_exposes_transform_fn_without_the_split_handlers():
    # Both serving stacks refuse transform_fn next to input_fn/predict_fn/output_fn
    # (sagemaker_sklearn_container.serving raises UserError, sagemaker_inference's
    # Transformer a ValueError), so the module must not define those names.
    assert callable(inference.model_fn) and callable(inference.transform_fn)
    for name in ("input_fn", "predict_fn", "output_fn"):
        assert not hasattr(inference, name), name


def test_transform_fn_csv(model, test_frame):
    rows = test_frame.head(3)
    body, content_type = inference.transform_fn(
        model, features_csv(rows, model.feature_columns), "text/csv", "text/csv"
    )
    assert content_type == "text/csv"
    expected = model.estimator.predict_proba(rows[model.feature_columns].to_numpy())[:, 1]
    assert [float(line.split(",")[0]) for line in body.strip().splitlines()] == pytest.approx(
        list(expected)
    )


def test_transform_fn_json(model, test_frame):
    rows = test_frame.head(2)
    payload = json.dumps({"instances": rows.drop(columns=["target"]).to_dict(orient="records")})
    body, content_type = inference.transform_fn(model, payload.encode(), "application/json", "*/*")
    assert content_type == "application/json"
    predictions = json.loads(body)["predictions"]
    assert [p["label"] for p in predictions] == [int(p["score"] >= 0.5) for p in predictions]
    assert len(predictions) == 2


def error_of(result, status):
    assert isinstance(result, serving.ErrorResponse)
    assert not isinstance(result, tuple)  # a tuple would be read as (body, content_type)
    assert result.status == status
    assert result.content_type == "application/json"
    message = json.loads(result.body)["error"]
    assert isinstance(message, str) and message
    return message


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("", "text/csv"),
        ("1,abc,3", "text/csv"),
        ("1,2,3", "text/csv"),  # wrong column count: raised by predict_scores
        ("not json", "application/json"),
        ('{"instances": [{"mean_radius": 1}]}', "application/json"),  # missing features
    ],
)
def test_transform_fn_bad_payload_is_400(model, body, content_type):
    error_of(inference.transform_fn(model, body, content_type, "application/json"), 400)


def test_transform_fn_unsupported_content_type_is_415(model):
    message = error_of(inference.transform_fn(model, "1,2", "application/x-npy", None), 415)
    assert "application/x-npy" in message


def test_transform_fn_unsupported_accept_is_406(model, test_frame):
    row = features_csv(test_frame.head(1), model.feature_columns)
    message = error_of(inference.transform_fn(model, row, "text/csv", "application/x-npy"), 406)
    assert "application/x-npy" in message


def test_transform_fn_unexpected_error_propagates(model, test_frame):
    class Broken(object):
        classes_ = [0, 1]

        def predict_proba(self, features):
            raise RuntimeError("model exploded")

    broken = serving.Model(Broken(), model.metadata)
    row = features_csv(test_frame.head(1), model.feature_columns)
    with pytest.raises(RuntimeError, match="model exploded"):
        inference.transform_fn(broken, row, "text/csv", "application/json")


def test_transform_fn_in_flask_worker_returns_worker_response(model, monkeypatch):
    """Single-model server: a worker.Response carrying the status (Flask sends it as is)."""

    class FakeResponse(object):
        def __init__(self, response=None, status=200, mimetype=None):
            self.response, self.status, self.mimetype = response, status, mimetype

    flask = types.ModuleType("flask")
    flask.has_request_context = lambda: True
    worker = types.ModuleType("sagemaker_containers.beta.framework.worker")
    worker.Response = FakeResponse
    framework = types.ModuleType("sagemaker_containers.beta.framework")
    framework.worker = worker
    modules = {
        "flask": flask,
        "sagemaker_containers": types.ModuleType("sagemaker_containers"),
        "sagemaker_containers.beta": types.ModuleType("sagemaker_containers.beta"),
        "sagemaker_containers.beta.framework": framework,
    }
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)

    response = inference.transform_fn(model, "", "text/csv", "application/json")
    assert isinstance(response, FakeResponse)
    assert (response.status, response.mimetype) == (400, "application/json")
    assert json.loads(response.response) == {"error": "request body is empty"}

    response = inference.transform_fn(model, "1", "text/plain", "application/json")
    assert response.status == 415


def test_transform_fn_under_multi_model_server_reraises_toolkit_error(model, monkeypatch):
    """No Flask request + sagemaker_inference: the toolkit maps the raised error's status."""

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
    fresh = importlib.reload(serving)
    try:
        with pytest.raises(GenericInferenceToolkitError) as info:
            inference.transform_fn(model, "1,2", "image/png", "application/json")
        assert info.value.status_code == 415
    finally:
        monkeypatch.undo()
        importlib.reload(serving)
