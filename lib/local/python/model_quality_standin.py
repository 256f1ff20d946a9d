"""A local stand-in for SageMaker Model Monitor's model-quality check.

It is NOT Model Monitor: it computes the same files in the same formats from the same inputs, so
the local environment can run an endpoint's model-quality check. It joins the endpoint's captured
requests (data-capture ``.jsonl``) with the ground truth pushed for them (``mlenv data labels
push``: ``{"groundTruthData": {"data": ..}, "eventMetadata": {"eventId": <inference id>}}``) on
the capture's ``eventMetadata.inferenceId`` (its ``eventId`` when the caller gave none), computes
the problem type's metrics with the workload's own code (``ml/mlenv_model/metrics.py``, the metrics
``ml/evaluation-metrics.json`` names), and checks them against the constraints (Model Monitor's
``<problem>_constraints`` of ``constraints.json``).

Environment variables (the job the local runner starts gives them): ``analysis_type=MODEL_QUALITY``,
``dataset_source`` (captured data), ``ground_truth_source``, ``baseline_constraints``,
``output_path``, ``problem_type`` (``BinaryClassification``, ``MulticlassClassification``,
``Regression``), ``inference_attribute`` and ``probability_attribute`` (JSONPaths into the
serving output, e.g. ``predictions[0].label``), ``probability_threshold_attribute``.

Writes ``statistics.json`` (``<problem>_metrics``, ``dataset.item_count``) and
``constraint_violations.json`` to ``output_path``, and the exit message Model Monitor gives
(``CompletedWithViolations: ...`` when a metric breaks its constraint).
"""

import base64
import datetime
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "..", "ml")))

STANDIN_NOTE = "computed by mlenv's local stand-in for SageMaker Model Monitor (model quality), not by Model Monitor"

# Model Monitor's problem types, and the workload's names of them (ml/evaluation-metrics.json).
PROBLEM_TYPES = {
    "BinaryClassification": "binary_classification",
    "MulticlassClassification": "multiclass_classification",
    "Regression": "regression",
}
# When a metric breaks its constraint: Model Monitor's comparison operators.
COMPARISONS = {
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
}
PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class QualityError(Exception):
    """A problem with the input, reported as one line."""


def attribute(document, path):
    """The value at a JSONPath like ``predictions[0].label`` (keys and list indexes), or None."""
    value = document
    for key, index in PATH_PART.findall(path):
        try:
            value = value[int(index)] if index else value[key]
        except (KeyError, IndexError, TypeError, ValueError):
            return None
    return value


def _records(source, what):
    files = sorted(glob.glob(os.path.join(source, "**", "*.jsonl"), recursive=True))
    for path in files:
        with open(path) as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except ValueError:
                    raise QualityError("%s line %d is not a JSON %s record" % (path, number, what))


def _decoded(side):
    data = side.get("data", "")
    if side.get("encoding") == "BASE64":
        data = base64.b64decode(data).decode("utf-8")
    return data


def read_captured(source, inference_attribute, probability_attribute=None):
    """{inference id: (inference, probability)} of the captured requests whose answer has them."""
    found = {}
    for record in _records(source, "capture"):
        metadata = record.get("eventMetadata", {})
        key = metadata.get("inferenceId") or metadata.get("eventId")
        output = record.get("captureData", {}).get("endpointOutput")
        if not key or not output:
            continue
        try:
            answer = json.loads(_decoded(output))
        except ValueError:
            continue  # not the serving contract's JSON answer: nothing to join
        inference = attribute(answer, inference_attribute)
        if inference is None:
            continue
        probability = attribute(answer, probability_attribute) if probability_attribute else None
        found[key] = (inference, probability)
    return found


def read_ground_truth(source):
    """{event id: label text} of the ground truth (a later record for the same id wins)."""
    labels = {}
    for record in _records(source, "ground-truth"):
        key = record.get("eventMetadata", {}).get("eventId")
        data = record.get("groundTruthData", {}).get("data")
        if key is not None and data is not None:
            labels[key] = str(data).strip()
    return labels


def quality_metrics(problem_type, labels, inferences, probabilities):
    """The problem type's metrics (ml/mlenv_model/metrics.py) and the confusion matrix, if any."""
    import numpy as np
    from mlenv_model import metrics
    from mlenv_model.cli import MLError

    try:
        if problem_type == "binary_classification":
            targets = [int(float(v)) for v in labels]
            scores = probabilities if all(p is not None for p in probabilities) else inferences
            return metrics.compute(problem_type, targets, [float(s) for s in scores], source="the labelled captures")
        if problem_type == "multiclass_classification":
            # Model Monitor computes no macro averages: accuracy (its name) from the predicted labels.
            targets = np.asarray([int(float(v)) for v in labels])
            predicted = np.asarray([int(float(v)) for v in inferences])
            return {"accuracy": float(np.mean(targets == predicted))}, None
        return metrics.compute(
            problem_type, [float(v) for v in labels], [float(v) for v in inferences], source="the labelled captures"
        )
    except MLError as error:
        raise QualityError(str(error))
    except ValueError as error:
        raise QualityError("a label or prediction is not a number: %s" % error)


def violations(problem_type, values, constraints):
    """Model Monitor's constraint_violations.json entries of the metrics that break a constraint."""
    found = []
    for name, constraint in sorted(constraints.get("%s_constraints" % problem_type, {}).items()):
        if name not in values:
            raise QualityError("the constraints name %s, which is not a %s metric" % (name, problem_type))
        operator = constraint.get("comparison_operator")
        if operator not in COMPARISONS:
            raise QualityError("constraint %s has comparison_operator %r" % (name, operator))
        threshold = float(constraint["threshold"])
        if COMPARISONS[operator](values[name], threshold):
            found.append(
                {
                    "constraint_check_type": operator,
                    "description": "Metric %s with %s was %s '%s'" % (name, values[name], operator, threshold),
                    "metric_name": name,
                }
            )
    return found


def check(environ):
    """Runs the check; returns (verdict, violations, statistics)."""
    for name in ("dataset_source", "ground_truth_source", "output_path", "problem_type", "inference_attribute"):
        if not environ.get(name):
            raise QualityError("%s must be set" % name)
    problem_type = PROBLEM_TYPES.get(environ["problem_type"])
    if problem_type is None:
        raise QualityError("problem_type %r is not one of %s" % (environ["problem_type"], ", ".join(PROBLEM_TYPES)))
    captured = read_captured(
        environ["dataset_source"], environ["inference_attribute"], environ.get("probability_attribute") or None
    )
    labels = read_ground_truth(environ["ground_truth_source"])
    joined = sorted(key for key in captured if key in labels)
    if not joined:
        raise QualityError(
            "none of the %d captured request(s) has a label among the %d pushed (labels name the request's InferenceId)"
            % (len(captured), len(labels))
        )
    values, matrix = quality_metrics(
        problem_type,
        [labels[k] for k in joined],
        [captured[k][0] for k in joined],
        [captured[k][1] for k in joined],
    )
    statistics = {
        "version": 0.0,
        "dataset": {
            "item_count": len(joined),
            "evaluation_time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        },
        "note": STANDIN_NOTE,
        "%s_metrics" % problem_type: {name: {"value": value, "standard_deviation": "NaN"} for name, value in values.items()},
    }
    if matrix is not None:
        statistics["%s_metrics" % problem_type]["confusion_matrix"] = matrix
    found = []
    if environ.get("baseline_constraints"):
        with open(environ["baseline_constraints"]) as source:
            found = violations(problem_type, values, json.load(source))
    return ("CompletedWithViolations" if found else "Completed"), found, statistics


def _write(directory, name, document):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "w") as out:
        json.dump(document, out, indent=2)


def main(environ=None):
    """Run as Model Monitor's container does, from its environment variables; exit 2 on bad input."""
    from model_monitor_standin import exit_message, write_exit_message

    environ = os.environ if environ is None else environ
    try:
        verdict, found, statistics = check(environ)
    except (QualityError, OSError, KeyError) as error:
        print("error: %s" % error, file=sys.stderr)
        return 2
    _write(environ["output_path"], "statistics.json", statistics)
    _write(environ["output_path"], "constraint_violations.json", {"note": STANDIN_NOTE, "violations": found})
    message = exit_message(verdict, found)
    write_exit_message(environ, message)
    print("%s (%s)" % (message, STANDIN_NOTE))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    sys.exit(main())
