"""Serving entry point for the SageMaker scikit-learn container (1.2-1).

The container calls two hooks from this module:
  model_fn(model_dir)   checks the model files against the SHA-256 the pinned package
                        records (MLENV_MODEL_FILES_SHA256, set by the endpoint's model),
                        then loads model.joblib + model-metadata.json (from model.tar.gz)
  transform_fn(model, request_body, content_type, accept)
      decode_input -> predict_scores -> encode_output; returns (body, content_type)
      on success, or an error response with a 4xx status for a bad request.

The steps are plain functions (usable and tested on their own):
  decode_input(body, content_type)
      text/csv          one row of feature values per line, no header, no target
      application/json  {"instances": [[v1, v2, ...], ...]}  (metadata feature order)
                        {"instances": [{"feature": value, ...}, ...]}  (by name)
  predict_scores(data, model)  positive-class (1) probability per row, numpy array
  encode_output(prediction, accept) -> (body, content_type)
      application/json  {"predictions": [{"score": 0.97, "label": 1}, ...]}
      text/csv          one "score,label" line per row
      (missing or */* Accept -> application/json)

They are deliberately NOT named input_fn/predict_fn/output_fn: both serving stacks
of the container (sagemaker_sklearn_container.serving and
sagemaker_inference.transformer) refuse to load a module that defines transform_fn
together with any of input_fn/predict_fn/output_fn.

Bad requests raise ``ClientError(status_code, message)``: 400 bad payload (empty
body, non-numeric or non-finite values, wrong column count, unknown/missing
feature names), 415 unsupported content type, 406 unsupported accept.
``ClientError`` is ``sagemaker_inference.errors.GenericInferenceToolkitError``
when that package is importable, else the local ``InferenceError`` with the same
attributes. transform_fn turns it into the HTTP status:
  * single-model server (gunicorn + Flask worker from sagemaker_containers; the
    default): an exception from transform_fn always becomes a 500, so it returns
    ``worker.Response(body, status=4xx, mimetype=application/json)`` instead,
    with the body ``{"error": "<message>"}``;
  * multi-model server (sagemaker_inference, no Flask request): it re-raises, and
    the toolkit sets the response status from ``status_code``;
  * elsewhere (local runs/tests): it returns an ``ErrorResponse`` with
    ``status``, ``body`` and ``content_type``.
Any other exception propagates (500).

This module is self-contained (no ``import common``) so it also works when it is
deployed as a lone entry point.
"""

import csv
import hashlib
import io
import json
import math
import os

import numpy as np

MODEL_FILENAME = "model.joblib"
METADATA_FILENAME = "model-metadata.json"
# The digest of the model files the registered package records; the endpoint's model sets it
# from the pin. SageMaker hands the container the extracted model.tar.gz, not the archive, so the
# digest is of the files (model_files_sha256), not of the archive's bytes.
EXPECTED_FILES_SHA256_ENV = "MLENV_MODEL_FILES_SHA256"
DECISION_THRESHOLD = 0.5
CSV = "text/csv"
JSON = "application/json"


class InferenceError(Exception):
    """Request error carrying an HTTP status (fallback without sagemaker_inference)."""

    def __init__(self, status_code, message=None):
        self.status_code = status_code
        self.message = message or "Invalid Request"
        self.phrase = self.message
        super(InferenceError, self).__init__(status_code, self.message)

    def __str__(self):
        return "%s: %s" % (self.status_code, self.message)


try:
    from sagemaker_inference.errors import GenericInferenceToolkitError as ClientError
except ImportError:  # not in the serving container (e.g. local tests)
    ClientError = InferenceError


def _bad_request(message):
    return ClientError(400, message)


class Model(object):
    """What model_fn returns: the fitted pipeline plus its metadata."""

    def __init__(self, pipeline, metadata):
        self.pipeline = pipeline
        self.metadata = metadata
        self.feature_columns = list(metadata["feature_columns"])


class ModelIntegrityError(Exception):
    """The model files are not the ones the pinned package records: nothing is loaded."""


def model_files_sha256(model_dir):
    """SHA-256 of a model directory's files: of each regular file's relative path (``/``-separated)
    and SHA-256, in path order; Python's byte-code caches (``__pycache__``) are not model files."""
    entries = []
    for root, dirs, files in os.walk(model_dir):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in files:
            path = os.path.join(root, name)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            entries.append((os.path.relpath(path, model_dir).replace(os.sep, "/"), digest.hexdigest()))
    overall = hashlib.sha256()
    for relative, digest in sorted(entries):
        overall.update(("%s\0%s\n" % (relative, digest)).encode("utf-8"))
    return overall.hexdigest()


def check_model_files(model_dir, expected=None):
    """Refuse model files whose digest is not the pinned package's (before anything is unpickled)."""
    expected = expected if expected is not None else os.environ.get(EXPECTED_FILES_SHA256_ENV, "")
    if not expected:
        raise ModelIntegrityError(
            "%s is not set: the model's environment must give the pinned package's artifactFilesSha256"
            % EXPECTED_FILES_SHA256_ENV
        )
    actual = model_files_sha256(model_dir)
    if actual != expected.strip().lower():
        raise ModelIntegrityError(
            "model files in %s have SHA-256 %s, but the pinned package records %s: refusing to load a changed artifact"
            % (model_dir, actual, expected)
        )


def model_fn(model_dir):
    import joblib

    check_model_files(model_dir)
    with open(os.path.join(model_dir, METADATA_FILENAME)) as handle:
        metadata = json.load(handle)
    pipeline = joblib.load(os.path.join(model_dir, metadata.get("model_file", MODEL_FILENAME)))
    return Model(pipeline, metadata)


def _media_type(value):
    return (value or "").split(";")[0].strip().lower()


def _to_text(request_body):
    if isinstance(request_body, (bytes, bytearray)):
        try:
            return bytes(request_body).decode("utf-8")
        except UnicodeDecodeError:
            raise _bad_request("request body is not valid UTF-8")
    if isinstance(request_body, str):
        return request_body
    raise _bad_request("unsupported request body type %s" % type(request_body).__name__)


def _number(value, where):
    if isinstance(value, bool):
        raise _bad_request("%s: %r is not a number" % (where, value))
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            raise _bad_request("%s: %r is not a number" % (where, value))
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        raise _bad_request("%s: %r is not a number" % (where, value))
    if not math.isfinite(number):
        raise _bad_request("%s: %r is not a finite number" % (where, value))
    return number


def _rows_to_array(rows, what):
    width = len(rows[0])
    for index, row in enumerate(rows):
        if len(row) != width:
            raise _bad_request(
                "%s %d has %d values but %s 1 has %d" % (what, index + 1, len(row), what, width)
            )
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), width)


def _parse_csv(text):
    rows = []
    for line_number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue  # blank line
        rows.append(
            [
                _number(cell, "line %d column %d" % (line_number, column))
                for column, cell in enumerate(row, start=1)
            ]
        )
    if not rows:
        raise _bad_request("request body has no CSV rows")
    return _rows_to_array(rows, "row")


def _parse_json(text):
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise _bad_request("request body is not valid JSON: %s" % exc)
    instances = payload.get("instances") if isinstance(payload, dict) else payload
    if not isinstance(instances, list) or not instances:
        raise _bad_request('JSON body must be {"instances": [...]} with at least one instance')
    if all(isinstance(item, dict) for item in instances):
        records = []
        for index, item in enumerate(instances, start=1):
            if not item:
                raise _bad_request("instance %d is empty" % index)
            records.append(
                {
                    str(name): _number(value, "instance %d feature %r" % (index, name))
                    for name, value in item.items()
                }
            )
        return records
    if all(isinstance(item, list) for item in instances):
        rows = []
        for index, item in enumerate(instances, start=1):
            if not item:
                raise _bad_request("instance %d is empty" % index)
            rows.append(
                [
                    _number(value, "instance %d value %d" % (index, position))
                    for position, value in enumerate(item, start=1)
                ]
            )
        return _rows_to_array(rows, "instance")
    raise _bad_request("each instance must be a list of values or an object of feature: value")


def decode_input(request_body, request_content_type):
    """Deserialize a request into a float array (positional) or a list of dicts (named)."""
    content_type = _media_type(request_content_type)
    if content_type not in (CSV, JSON):
        raise ClientError(
            415,
            "unsupported content type %r; use %s or %s" % (request_content_type, CSV, JSON),
        )
    text = _to_text(request_body)
    if not text.strip():
        raise _bad_request("request body is empty")
    if content_type == CSV:
        return _parse_csv(text)
    return _parse_json(text)


def _feature_matrix(input_data, model):
    columns = model.feature_columns
    if isinstance(input_data, list) and input_data and isinstance(input_data[0], dict):
        for index, record in enumerate(input_data, start=1):
            missing = [name for name in columns if name not in record]
            unknown = [name for name in record if name not in columns]
            if missing or unknown:
                details = []
                if missing:
                    details.append("missing feature(s): %s" % ", ".join(missing[:5]))
                if unknown:
                    details.append("unknown feature(s): %s" % ", ".join(unknown[:5]))
                raise _bad_request("instance %d: %s" % (index, "; ".join(details)))
        return np.asarray(
            [[record[name] for name in columns] for record in input_data], dtype=np.float64
        )
    matrix = np.asarray(input_data, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    if matrix.ndim != 2 or matrix.shape[1] != len(columns):
        raise _bad_request(
            "expected %d feature values per row (%s), got %d"
            % (len(columns), ", ".join(columns), matrix.shape[-1] if matrix.ndim else 0)
        )
    return matrix


def predict_scores(input_data, model):
    """Probability of the positive class (1) for each row."""
    features = _feature_matrix(input_data, model)
    probabilities = model.pipeline.predict_proba(features)
    classes = list(getattr(model.pipeline, "classes_", [0, 1]))
    return probabilities[:, classes.index(1)]


def _accept_type(accept):
    for candidate in (accept or "").split(","):
        media = _media_type(candidate)
        if media in (CSV, JSON):
            return media
        if media in ("", "*/*", "application/*"):
            return JSON
    raise ClientError(406, "unsupported accept type %r; use %s or %s" % (accept, JSON, CSV))


def encode_output(prediction, accept):
    """Serialize scores + 0/1 labels; returns ``(body, content_type)``."""
    content_type = _accept_type(accept)
    scores = [float(score) for score in np.asarray(prediction, dtype=np.float64).ravel()]
    labels = [int(score >= DECISION_THRESHOLD) for score in scores]
    if content_type == JSON:
        body = json.dumps(
            {"predictions": [{"score": s, "label": l} for s, l in zip(scores, labels)]}
        )
    else:
        body = "".join("%r,%d\n" % (s, l) for s, l in zip(scores, labels))
    return body, content_type


class ErrorResponse(object):
    """Error response outside the Flask worker (local runs and tests).

    Deliberately not a tuple: both container transformers read a tuple returned
    by transform_fn as ``(body, content_type)`` and would drop the status.
    """

    def __init__(self, status, body, content_type=JSON):
        self.status = status
        self.body = body
        self.content_type = content_type

    def __repr__(self):
        return "ErrorResponse(%r, %r, %r)" % (self.status, self.body, self.content_type)


def _in_flask_request():
    """True inside the single-model server's Flask worker (sagemaker_containers)."""
    try:
        import flask
    except ImportError:
        return False
    return flask.has_request_context()


def _flask_response(status, body):
    try:
        from sagemaker_containers.beta.framework import worker

        response_class = worker.Response
    except ImportError:  # a plain Flask app; worker.Response is a flask.Response subclass
        import flask

        response_class = flask.Response
    return response_class(response=body, status=status, mimetype=JSON)


def error_response(error):
    """The response for a ClientError in the current server (see the module docstring)."""
    status = int(error.status_code)
    body = json.dumps({"error": str(getattr(error, "message", None) or error)})
    if _in_flask_request():
        return _flask_response(status, body)
    if ClientError is not InferenceError:
        # multi-model server (sagemaker_inference): its Transformer catches the
        # toolkit error and sets the HTTP status from status_code
        raise error
    return ErrorResponse(status, body, JSON)


def transform_fn(model, request_body, content_type, accept):
    """Container hook: deserialize, predict, serialize; 4xx response for a bad request.

    Returns ``(body, content_type)`` on success (both container transformers turn
    that tuple into a 200 response). A ``ClientError`` becomes an error response
    via ``error_response``; any other exception propagates (500).
    """
    try:
        _accept_type(accept)  # reject a bad Accept before doing any work
        data = decode_input(request_body, content_type)
        prediction = predict_scores(data, model)
        return encode_output(prediction, accept)
    except ClientError as error:
        return error_response(error)
