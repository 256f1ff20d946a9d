"""The metrics of each problem type, as evaluation.json and the training job's log lines give them.

The names and groups are exactly those of ml/evaluation-metrics.json (what a quality gate and the
champion comparison may test); the workload's tests check that they agree. Classification labels
come from the model's class scores: the positive-class probability at threshold 0.5 for binary,
the most probable class for multiclass.
"""

import math

import numpy as np

from .cli import MLError

METRICS = {
    "binary_classification": ("auc", "accuracy", "precision", "recall", "f1"),
    "multiclass_classification": ("accuracy", "f1_macro", "precision_macro", "recall_macro"),
    "regression": ("rmse", "mae", "r2"),
}
# Score threshold that turns positive-class probabilities into 0/1 labels.
DECISION_THRESHOLD = 0.5
METRIC_LINE_FORMAT = "metric {name}={value:.6f}"


def metric_names(problem_type):
    if problem_type not in METRICS:
        raise MLError(
            "unknown problem type %r; use one of %s" % (problem_type, ", ".join(sorted(METRICS)))
        )
    return METRICS[problem_type]


def training_metric_names(problem_type):
    """What the training job prints: the first metric on the train split, then every metric on
    the validation split (``train:auc``, ``validation:auc``, ``validation:accuracy``, ...)."""
    names = metric_names(problem_type)
    return ["train:%s" % names[0]] + ["validation:%s" % name for name in names]


def metric_regex(name):
    """The MetricDefinitions regex of a metric line (values may be negative, e.g. r2)."""
    return r"metric %s=(-?[0-9.]+)" % name


def format_metric(name, value):
    return METRIC_LINE_FORMAT.format(name=name, value=float(value))


def labels_from_scores(scores, threshold=DECISION_THRESHOLD):
    """0/1 labels from positive-class probabilities."""
    return (np.asarray(scores, dtype=np.float64) >= threshold).astype(np.int64)


def _classes_present(labels, source, needed=2):
    if len(set(int(v) for v in labels)) < needed:
        raise MLError("%s contains only one target class; AUC is undefined" % source)


def binary_metrics(labels, scores, source="the data"):
    """auc, accuracy, precision, recall, f1 and the confusion matrix [actual][predicted]."""
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    _classes_present(labels, source)
    predicted = labels_from_scores(scores)
    matrix = confusion_matrix(labels, predicted, labels=[0, 1])
    values = {
        "auc": roc_auc_score(labels, scores),
        "accuracy": accuracy_score(labels, predicted),
        "precision": precision_score(labels, predicted, zero_division=0),
        "recall": recall_score(labels, predicted, zero_division=0),
        "f1": f1_score(labels, predicted, zero_division=0),
    }
    return values, _matrix(matrix, [0, 1])


def multiclass_metrics(labels, probabilities, classes, source="the data"):
    """accuracy and the macro averages of f1, precision and recall, and the confusion matrix."""
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    classes = [int(c) for c in classes]
    predicted = np.asarray(classes)[np.argmax(np.asarray(probabilities), axis=1)]
    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, predicted, labels=classes, average="macro", zero_division=0
    )
    values = {
        "accuracy": accuracy_score(labels, predicted),
        "f1_macro": f1,
        "precision_macro": precision,
        "recall_macro": recall,
    }
    return values, _matrix(confusion_matrix(labels, predicted, labels=classes), classes)


def regression_metrics(targets, predictions, source="the data"):
    """rmse, mae and r2 (1 - residual sum of squares / total sum of squares)."""
    targets = np.asarray(targets, dtype=np.float64)
    predictions = np.asarray(predictions, dtype=np.float64).ravel()
    if len(targets) < 2 or float(np.var(targets)) == 0.0:
        raise MLError("%s needs at least two different target values; r2 is undefined" % source)
    errors = predictions - targets
    total = float(np.sum((targets - targets.mean()) ** 2))
    values = {
        "rmse": math.sqrt(float(np.mean(errors ** 2))),
        "mae": float(np.mean(np.abs(errors))),
        "r2": 1.0 - float(np.sum(errors ** 2)) / total,
    }
    return values, None


def _matrix(matrix, classes):
    return {
        str(actual): {str(guess): int(matrix[i][j]) for j, guess in enumerate(classes)}
        for i, actual in enumerate(classes)
    }


def compute(problem_type, targets, predictions, classes=None, source="the data"):
    """The metric values of ``problem_type`` and, for classification, the confusion matrix.

    ``predictions`` are positive-class scores (binary), class probabilities with ``classes``
    (multiclass) or predicted values (regression).
    """
    metric_names(problem_type)
    if problem_type == "binary_classification":
        values, matrix = binary_metrics(targets, predictions, source)
    elif problem_type == "multiclass_classification":
        values, matrix = multiclass_metrics(targets, predictions, classes, source)
    else:
        values, matrix = regression_metrics(targets, predictions, source)
    return {name: float(values[name]) for name in METRICS[problem_type]}, matrix


def report(problem_type, values, matrix=None):
    """evaluation.json's metrics group (SageMaker's model-quality shape)."""
    group = {name: {"value": values[name], "standard_deviation": "NaN"} for name in METRICS[problem_type]}
    if matrix is not None:
        group["confusion_matrix"] = matrix
    return {"%s_metrics" % problem_type: group}
