"""CSV discovery and reading, and the validation of features and targets by problem type.

Every CSV has a header row; every column but the target is a numeric feature with no missing
values. The target is 0/1 for binary classification, a non-negative integer class for
multiclass classification, and a finite number for regression.
"""

import json
import os

import numpy as np
import pandas as pd

from .cli import MLError, short_list

DEFAULT_TARGET_COLUMN = "target"


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

    All files must have the same set of columns; the column order of the first file is used.
    Returns ``(frame, paths)``.
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
                % (path, paths[0], short_list(columns), short_list(frame.columns))
            )
        frames.append(frame[columns])
    data = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return data, paths


def describe_source(paths, directory):
    """How messages name what was read: the file, or how many files in which directory."""
    return paths[0] if len(paths) == 1 else "%d CSV files in %s" % (len(paths), directory)


def check_numeric(frame, columns, source):
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
            % (source, short_list(non_numeric), example)
        )
    with_nan = [column for column in columns if frame[column].isna().any()]
    if with_nan:
        raise MLError(
            "missing values in feature column(s) of %s: %s" % (source, short_list(with_nan))
        )
    values = frame[list(columns)].to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        raise MLError("infinite values in feature columns of %s" % source)


def _python_value(value):
    return value.item() if hasattr(value, "item") else value  # numpy -> python


def _target_values(target, problem_type, target_column, source):
    """The target as numbers of the problem type's kind, or MLError naming a bad value."""
    numeric = pd.to_numeric(target, errors="coerce")
    if problem_type == "regression":
        invalid = target[numeric.isna() | ~np.isfinite(numeric.fillna(0).astype(np.float64))]
        if pd.api.types.is_bool_dtype(target) or len(invalid):
            example = _python_value(invalid.iloc[0] if len(invalid) else target.iloc[0])
            raise MLError(
                "target column '%s' in %s must be a finite number, found %r"
                % (target_column, source, example)
            )
        return numeric.astype(np.float64)
    if problem_type == "binary_classification":
        invalid = target[numeric.isna() | ~numeric.isin([0, 1])]
        wanted = "binary 0/1"
    else:
        integral = numeric.notna() & (numeric == numeric.round()) & (numeric >= 0)
        invalid = target[~integral]
        wanted = "a class number 0, 1, 2, ..."
    if pd.api.types.is_bool_dtype(target) or len(invalid):
        example = _python_value(invalid.iloc[0] if len(invalid) else target.iloc[0])
        raise MLError(
            "target column '%s' in %s must be %s, found %r" % (target_column, source, wanted, example)
        )
    return numeric.astype(np.int64)


def validate_labeled_frame(frame, target_column, source, problem_type="binary_classification"):
    """Validate a frame holding numeric features plus the target of ``problem_type``.

    Returns ``(frame, feature_columns)`` where the target is cast to int (classification) or
    float (regression) and ``feature_columns`` are all the other columns in file order.
    """
    if target_column not in frame.columns:
        raise MLError(
            "target column '%s' not found in %s (columns: %s)"
            % (target_column, source, short_list(frame.columns))
        )
    feature_columns = [column for column in frame.columns if column != target_column]
    if not feature_columns:
        raise MLError("%s has no feature columns besides target '%s'" % (source, target_column))
    check_numeric(frame, feature_columns, source)
    target = frame[target_column]
    if target.isna().any():
        raise MLError(
            "target column '%s' in %s has %d missing value(s)"
            % (target_column, source, int(target.isna().sum()))
        )
    frame = frame.copy()
    frame[target_column] = _target_values(target, problem_type, target_column, source)
    return frame, feature_columns


def select_features(frame, feature_columns, source):
    """Feature matrix (float64) in ``feature_columns`` order; missing ones are MLError."""
    missing = [column for column in feature_columns if column not in frame.columns]
    if missing:
        raise MLError("%s is missing feature column(s): %s" % (source, short_list(missing)))
    check_numeric(frame, feature_columns, source)
    return frame[list(feature_columns)].to_numpy(dtype=np.float64)


def read_labeled_dir(directory, what, target_column, problem_type, feature_columns=None):
    """Read a channel's CSVs and validate them: ``(features, target, feature_columns, source)``.

    With ``feature_columns`` (a trained model's), those columns are used in that order and any
    others are ignored; otherwise every column but the target is a feature, in file order.
    """
    frame, paths = read_csv_dir(directory, what)
    source = describe_source(paths, directory)
    if feature_columns is not None:
        if target_column not in frame.columns:
            raise MLError("target column '%s' not found in %s" % (target_column, source))
        select_features(frame, feature_columns, source)
        frame = frame[list(feature_columns) + [target_column]]
    frame, columns = validate_labeled_frame(frame, target_column, source, problem_type)
    return select_features(frame, columns, source), frame[target_column].to_numpy(), columns, source


def write_json(path, data):
    with open(path, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=False)
        handle.write("\n")
