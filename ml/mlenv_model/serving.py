"""The inference contract of every model: request decoding, prediction encoding, 4xx answers.

A model's inference.py defines the container's two hooks with it:
  model_fn(model_dir)    ``artifact.check_model_files`` first (MLENV_MODEL_FILES_SHA256), then
                         loads the model and its metadata
  transform_fn(model, request_body, content_type, accept)
                         ``transform(...)``: decode_input -> the model's predict -> encode_output

Requests (``decode_input``):
  text/csv          one row of feature values per line, no header, no target
  application/json  {"instances": [[v1, v2, ...], ...]}  (metadata feature order)
                    {"instances": [{"feature": value, ...}, ...]}  (by name; every feature
                    required, unknown names refused)
Answers (``encode_output``), by problem type:
  binary_classification      {"predictions": [{"score": 0.97, "label": 1}, ...]}  csv: score,label
  multiclass_classification  {"predictions": [{"label": 2, "scores": [...]}, ...]} csv: label,scores
  regression                 {"predictions": [{"score": 151.2}, ...]}              csv: score
  (application/json also for a missing Accept or */*)

The steps are deliberately NOT named input_fn/predict_fn/output_fn: both serving stacks of the
framework containers (sagemaker_sklearn_container.serving, sagemaker_inference.transformer)
refuse a module that defines transform_fn together with any of those names.

Bad requests raise ``ClientError(status_code, message)``: 400 bad payload (empty body,
non-numeric or non-finite values, wrong column count, unknown/missing feature names), 415
unsupported content type, 406 unsupported accept. ``ClientError`` is
``sagemaker_inference.errors.GenericInferenceToolkitError`` when that package is importable, else
the local ``InferenceError`` with the same attributes. ``transform`` turns it into the status:
  * single-model server (gunicorn + Flask worker from sagemaker_containers): an exception from
    transform_fn always becomes a 500, so it returns
    ``worker.Response(body, status=4xx, mimetype=application/json)`` with ``{"error": "..."}``;
  * multi-model server (sagemaker_inference, no Flask request): it re-raises, and the toolkit
    sets the response status from ``status_code``;
  * elsewhere (local runs/tests): it returns an ``ErrorResponse`` (status, body, content_type).
Any other exception propagates (500).
"""

import csv
import io
import json
import math

import numpy as np

from .metrics import DECISION_THRESHOLD

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


def bad_request(message):
    return ClientError(400, message)


class Model(object):
    """What a model_fn returns: the fitted model plus its metadata."""

    def __init__(self, estimator, metadata):
        self.estimator = estimator
        self.metadata = metadata
        self.feature_columns = list(metadata["feature_columns"])


def _media_type(value):
    return (value or "").split(";")[0].strip().lower()


def _to_text(request_body):
    if isinstance(request_body, (bytes, bytearray)):
        try:
            return bytes(request_body).decode("utf-8")
        except UnicodeDecodeError:
            raise bad_request("request body is not valid UTF-8")
    if isinstance(request_body, str):
        return request_body
    raise bad_request("unsupported request body type %s" % type(request_body).__name__)


def _number(value, where):
    if isinstance(value, bool):
        raise bad_request("%s: %r is not a number" % (where, value))
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise bad_request("%s: %r is not a number" % (where, value))
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        raise bad_request("%s: %r is not a number" % (where, value))
    if not math.isfinite(number):
        raise bad_request("%s: %r is not a finite number" % (where, value))
    return number


def _rows_to_array(rows, what):
    width = len(rows[0])
    for index, row in enumerate(rows):
        if len(row) != width:
            raise bad_request(
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
        raise bad_request("request body has no CSV rows")
    return _rows_to_array(rows, "row")


def _parse_json(text):
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise bad_request("request body is not valid JSON: %s" % exc)
    instances = payload.get("instances") if isinstance(payload, dict) else payload
    if not isinstance(instances, list) or not instances:
        raise bad_request('JSON body must be {"instances": [...]} with at least one instance')
    for index, item in enumerate(instances, start=1):
        if isinstance(item, (dict, list)) and not item:
            raise bad_request("instance %d is empty" % index)
    if all(isinstance(item, dict) for item in instances):
        return [
            dict((str(name), _number(value, "instance %d feature %r" % (index, name)))
                 for name, value in item.items())
            for index, item in enumerate(instances, start=1)
        ]
    if all(isinstance(item, list) for item in instances):
        rows = [
            [_number(value, "instance %d value %d" % (index, position))
             for position, value in enumerate(item, start=1)]
            for index, item in enumerate(instances, start=1)
        ]
        return _rows_to_array(rows, "instance")
    raise bad_request("each instance must be a list of values or an object of feature: value")


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
        raise bad_request("request body is empty")
    if content_type == CSV:
        return _parse_csv(text)
    return _parse_json(text)


def feature_matrix(input_data, columns):
    """The decoded request as a float matrix in the model's feature order (400 if it does not fit)."""
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
                raise bad_request("instance %d: %s" % (index, "; ".join(details)))
        return np.asarray(
            [[record[name] for name in columns] for record in input_data], dtype=np.float64
        )
    matrix = np.asarray(input_data, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    if matrix.ndim != 2 or matrix.shape[1] != len(columns):
        raise bad_request(
            "expected %d feature values per row (%s), got %d"
            % (len(columns), ", ".join(columns), matrix.shape[-1] if matrix.ndim else 0)
        )
    return matrix


def accept_type(accept):
    for candidate in (accept or "").split(","):
        media = _media_type(candidate)
        if media in (CSV, JSON):
            return media
        if media in ("", "*/*", "application/*"):
            return JSON
    raise ClientError(406, "unsupported accept type %r; use %s or %s" % (accept, JSON, CSV))


def _records(problem_type, prediction, classes):
    """Each row's answer as (JSON object, CSV fields)."""
    if problem_type == "multiclass_classification":
        rows = np.asarray(prediction, dtype=np.float64)
        out = []
        for scores in rows:
            label = int(classes[int(np.argmax(scores))])
            values = [float(s) for s in scores]
            out.append(({"label": label, "scores": values}, ["%d" % label] + ["%r" % s for s in values]))
        return out
    values = [float(v) for v in np.asarray(prediction, dtype=np.float64).ravel()]
    if problem_type == "regression":
        return [({"score": v}, ["%r" % v]) for v in values]
    return [
        ({"score": v, "label": int(v >= DECISION_THRESHOLD)}, ["%r" % v, "%d" % int(v >= DECISION_THRESHOLD)])
        for v in values
    ]


def encode_output(problem_type, prediction, accept, classes=None):
    """Serialize the predictions of ``problem_type``; returns ``(body, content_type)``."""
    content_type = accept_type(accept)
    records = _records(problem_type, prediction, classes)
    if content_type == JSON:
        return json.dumps({"predictions": [record for record, _ in records]}), content_type
    return "".join(",".join(fields) + "\n" for _, fields in records), content_type


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


def transform(model, request_body, content_type, accept, predict, problem_type):
    """transform_fn's work: deserialize, ``predict(model, matrix)``, serialize; a 4xx response for
    a bad request. Returns ``(body, content_type)`` on success."""
    try:
        accept_type(accept)  # reject a bad Accept before doing any work
        matrix = feature_matrix(decode_input(request_body, content_type), model.feature_columns)
        prediction = predict(model, matrix)
        return encode_output(problem_type, prediction, accept, model.metadata.get("classes"))
    except ClientError as error:
        return error_response(error)
