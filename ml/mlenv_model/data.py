"""Shared helpers for the mlenv SageMaker scripts.

CSV discovery/reading, data validation, the expected-bad-input error type and
the CLI exit handling used by preprocess.py, train.py, evaluate.py and
make_sample_data.py.

Compatibility: runs on Python 3.9+ with scikit-learn 1.2+ and pandas 1.x/2.x/3.x
(the SageMaker scikit-learn 1.2-1 container as well as current releases), so it
avoids newer-only syntax and APIs.
"""

import argparse
import json
import os
import sys

import numpy as np
import pandas as pd

DEFAULT_TARGET_COLUMN = "target"
MODEL_FILENAME = "model.joblib"
METADATA_FILENAME = "model-metadata.json"
# Exit status for expected bad input (same as argparse's usage errors).
EXIT_BAD_INPUT = 2
# Score threshold used to turn positive-class probabilities into 0/1 labels.
DECISION_THRESHOLD = 0.5


class MLError(Exception):
    """Expected, user-facing problem with the input (bad data, missing files).

    CLI entry points turn it into a one-line ``error: ...`` message on stderr
    and exit status 2 instead of a traceback.
    """


class ArgumentParser(argparse.ArgumentParser):
    """argparse parser whose usage errors are a single ``error: ...`` line."""

    def error(self, message):
        sys.stderr.write("error: %s (run with --help for usage)\n" % message)
        sys.exit(EXIT_BAD_INPUT)


def run_cli(main, argv=None):
    """Run ``main(argv)``; report MLError as ``error: <message>`` and return 2."""
    try:
        result = main(argv)
    except MLError as exc:
        message = " ".join(str(exc).split())  # always exactly one line
        sys.stderr.write("error: %s\n" % message)
        sys.stderr.flush()
        return EXIT_BAD_INPUT
    return 0 if result is None else result


def _short_list(items, limit=8):
    items = [str(item) for item in items]
    if len(items) > limit:
        return ", ".join(items[:limit]) + ", ... (%d total)" % len(items)
    return ", ".join(items)


def list_csv_files(directory, what="input"):
    """Every ``*.csv`` file under ``directory`` (recursively), sorted by path."""
    if not os.path.isdir(directory):
        raise MLError("%s directory not found: %s" % (what, directory))
    found = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(".csv") and not name.startswith("."):
                found.append(os.path.join(root, name))
    if not found:
        raise MLError("no CSV files found in %s directory %s" % (what, directory))
    return found


def read_csv_file(path):
    """Read one CSV file with a header row; empty or unparsable files are MLError."""
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise MLError("%s is empty" % path)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise MLError("could not parse CSV file %s: %s" % (path, exc))
    if len(frame.columns) == 0:
        raise MLError("%s has no columns" % path)
    if len(frame) == 0:
        raise MLError("%s has a header but no data rows" % path)
    frame.columns = [str(column).strip() for column in frame.columns]
    return frame


def read_csv_dir(directory, what="input"):
    """Read and concatenate every CSV file under ``directory``.

    All files must have the same set of columns; the column order of the
    first file is used.
    """
    paths = list_csv_files(directory, what)
    frames = []
    columns = None
    for path in paths:
        frame = read_csv_file(path)
        if columns is None:
            columns = list(frame.columns)
        elif set(frame.columns) != set(columns):
            raise MLError(
                "%s has different columns than %s (expected: %s; got: %s)"
                % (path, paths[0], _short_list(columns), _short_list(frame.columns))
            )
        frames.append(frame[columns])
    data = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return data, paths


def _check_numeric(frame, columns, source):
    non_numeric = [
        column
        for column in columns
        if not pd.api.types.is_numeric_dtype(frame[column])
        or pd.api.types.is_bool_dtype(frame[column])
    ]
    if non_numeric:
        column = non_numeric[0]
        converted = pd.to_numeric(frame[column], errors="coerce")
        bad = frame[column][converted.isna() & frame[column].notna()]
        example = (" (e.g. %r)" % (str(bad.iloc[0]),)) if len(bad) else ""
        raise MLError(
            "non-numeric values in feature column(s) of %s: %s%s"
            % (source, _short_list(non_numeric), example)
        )
    with_nan = [column for column in columns if frame[column].isna().any()]
    if with_nan:
        raise MLError(
            "missing values in feature column(s) of %s: %s" % (source, _short_list(with_nan))
        )
    values = frame[list(columns)].to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        raise MLError("infinite values in feature columns of %s" % source)


def validate_labeled_frame(frame, target_column, source):
    """Validate a frame holding features plus a binary 0/1 target column.

    Returns ``(frame, feature_columns)`` where the target is cast to int and
    ``feature_columns`` are all the other columns in file order.
    """
    if target_column not in frame.columns:
        raise MLError(
            "target column '%s' not found in %s (columns: %s)"
            % (target_column, source, _short_list(frame.columns))
        )
    feature_columns = [column for column in frame.columns if column != target_column]
    if not feature_columns:
        raise MLError("%s has no feature columns besides target '%s'" % (source, target_column))
    _check_numeric(frame, feature_columns, source)

    target = frame[target_column]
    if target.isna().any():
        raise MLError(
            "target column '%s' in %s has %d missing value(s)"
            % (target_column, source, int(target.isna().sum()))
        )
    numeric_target = pd.to_numeric(target, errors="coerce")
    invalid = target[numeric_target.isna() | ~numeric_target.isin([0, 1])]
    if pd.api.types.is_bool_dtype(target) or len(invalid):
        example = invalid.iloc[0] if len(invalid) else target.iloc[0]
        example = example.item() if hasattr(example, "item") else example  # numpy -> python
        raise MLError(
            "target column '%s' in %s must be binary 0/1, found %r"
            % (target_column, source, example)
        )
    frame = frame.copy()
    frame[target_column] = numeric_target.astype(np.int64)
    return frame, feature_columns


def select_features(frame, feature_columns, source):
    """Feature matrix (float64) in ``feature_columns`` order; missing ones are MLError."""
    missing = [column for column in feature_columns if column not in frame.columns]
    if missing:
        raise MLError("%s is missing feature column(s): %s" % (source, _short_list(missing)))
    _check_numeric(frame, feature_columns, source)
    return frame[list(feature_columns)].to_numpy(dtype=np.float64)


def labels_from_scores(scores, threshold=DECISION_THRESHOLD):
    """0/1 labels from positive-class probabilities."""
    return (np.asarray(scores, dtype=np.float64) >= threshold).astype(np.int64)


def positive_class_scores(model, features):
    """Probability of class 1 for each row of ``features``."""
    probabilities = model.predict_proba(features)
    classes = list(getattr(model, "classes_", [0, 1]))
    return probabilities[:, classes.index(1)]


def load_model_dir(model_dir):
    """Load ``model.joblib`` and ``model-metadata.json`` from a directory."""
    import joblib  # local import keeps `common` light for scripts that don't need it

    model_path = os.path.join(model_dir, MODEL_FILENAME)
    metadata_path = os.path.join(model_dir, METADATA_FILENAME)
    if not os.path.isfile(model_path):
        raise MLError("%s not found in model directory %s" % (MODEL_FILENAME, model_dir))
    if not os.path.isfile(metadata_path):
        raise MLError("%s not found in model directory %s" % (METADATA_FILENAME, model_dir))
    try:
        with open(metadata_path) as handle:
            metadata = json.load(handle)
    except ValueError as exc:
        raise MLError("invalid JSON in %s: %s" % (metadata_path, exc))
    if not isinstance(metadata, dict) or not metadata.get("feature_columns"):
        raise MLError("%s has no feature_columns list" % metadata_path)
    try:
        model = joblib.load(model_path)
    except Exception as exc:  # corrupt/incompatible pickle is bad input, not a bug
        raise MLError("could not load model from %s: %s" % (model_path, exc))
    return model, metadata


def write_json(path, data):
    with open(path, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=False)
        handle.write("\n")
