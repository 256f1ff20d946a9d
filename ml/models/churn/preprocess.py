"""SageMaker Processing job: validate raw CSV data and split it.

Contract
  input   every ``*.csv`` under --input-dir (default /opt/ml/processing/input/raw),
          each with a header row; all files must have the same columns
  output  under --output-dir (default /opt/ml/processing/output):
              train/train.csv, validation/validation.csv, test/test.csv
          each with a header row and the target as the last column, and
              baseline/baseline.csv
          the train split's feature columns only (header row, same column
          order, NO target column): the dataset for the Model Monitor
          data-quality baseline job. Endpoint data capture records exactly
          these feature columns without the target, so a baseline that
          included the target would not match the captured data.
  args    --target-column (target) --validation-fraction (0.15)
          --test-fraction (0.15) --random-state (42)

Validation: at least one data row, the target column exists, every feature
column is numeric without missing values, the target has no missing values and
is binary 0/1. The rows are shuffled (seeded) and split stratified by target.
Bad input -> one ``error: ...`` line on stderr and exit status 2.
"""

import math
import os
import sys

# SageMaker runs these scripts from a code directory that also holds common.py
# (training source dir / processing code input), but not always as the current
# directory or as sys.path[0] (e.g. `python -m`, runpy, imports from tests).
# Putting this file's own directory first makes `import common` always work.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402

DEFAULT_INPUT_DIR = "/opt/ml/processing/input/raw"
DEFAULT_OUTPUT_DIR = "/opt/ml/processing/output"
SPLITS = ("train", "validation", "test")
BASELINE = "baseline"  # -> <output-dir>/baseline/baseline.csv


def split_frame(frame, target_column, validation_fraction, test_fraction, random_state):
    """Stratified, shuffled train/validation/test split of a validated frame."""
    from sklearn.model_selection import train_test_split

    for name, value in (("validation", validation_fraction), ("test", test_fraction)):
        if not 0.0 < value < 1.0:
            raise common.MLError("--%s-fraction must be between 0 and 1, got %s" % (name, value))
    if validation_fraction + test_fraction >= 1.0:
        raise common.MLError(
            "--validation-fraction + --test-fraction must be below 1, got %s"
            % (validation_fraction + test_fraction)
        )
    # Absolute row counts (rounded half up) so the split sizes are exact and
    # don't depend on floating-point products such as 170 * 0.15 / 0.85.
    test_rows = int(math.floor(len(frame) * test_fraction + 0.5))
    validation_rows = int(math.floor(len(frame) * validation_fraction + 0.5))
    if min(test_rows, validation_rows) < 1 or test_rows + validation_rows >= len(frame):
        raise common.MLError(
            "%d rows are too few for validation fraction %s and test fraction %s"
            % (len(frame), validation_fraction, test_fraction)
        )
    try:
        rest, test = train_test_split(
            frame,
            test_size=test_rows,
            random_state=random_state,
            shuffle=True,
            stratify=frame[target_column],
        )
        train, validation = train_test_split(
            rest,
            test_size=validation_rows,
            random_state=random_state,
            shuffle=True,
            stratify=rest[target_column],
        )
    except ValueError as exc:  # too few rows / too few members of a class
        raise common.MLError(
            "cannot make a stratified split of %d rows (class counts: %s): %s"
            % (
                len(frame),
                dict(frame[target_column].value_counts().sort_index().items()),
                exc,
            )
        )
    return {
        "train": train.reset_index(drop=True),
        "validation": validation.reset_index(drop=True),
        "test": test.reset_index(drop=True),
    }


def preprocess(
    input_dir=DEFAULT_INPUT_DIR,
    output_dir=DEFAULT_OUTPUT_DIR,
    target_column=common.DEFAULT_TARGET_COLUMN,
    validation_fraction=0.15,
    test_fraction=0.15,
    random_state=42,
):
    """Read, validate, split and write the data. Returns ``{split: row_count}``."""
    frame, paths = common.read_csv_dir(input_dir, "input")
    source = paths[0] if len(paths) == 1 else "%d CSV files in %s" % (len(paths), input_dir)
    frame, feature_columns = common.validate_labeled_frame(frame, target_column, source)
    frame = frame[feature_columns + [target_column]]  # target last
    if frame[target_column].nunique() < 2:
        raise common.MLError(
            "target column '%s' in %s has only one class (%s); need both 0 and 1"
            % (target_column, source, frame[target_column].iloc[0])
        )
    splits = split_frame(frame, target_column, validation_fraction, test_fraction, random_state)
    counts = {}
    for name in SPLITS:
        directory = os.path.join(output_dir, name)
        os.makedirs(directory, exist_ok=True)
        splits[name].to_csv(os.path.join(directory, name + ".csv"), index=False)
        counts[name] = len(splits[name])
    # Model Monitor data-quality baseline: train features only (the target
    # is not part of the captured endpoint requests), header, same order.
    directory = os.path.join(output_dir, BASELINE)
    os.makedirs(directory, exist_ok=True)
    splits["train"][feature_columns].to_csv(
        os.path.join(directory, BASELINE + ".csv"), index=False
    )
    counts["input_files"] = len(paths)
    counts["rows"] = len(frame)
    return counts


def main(argv=None):
    parser = common.ArgumentParser(description="Validate and split raw CSV data.")
    parser.add_argument("--input-dir", default=DEFAULT_INPUT_DIR)
    parser.add_argument("--output-dir", default=DEFAULT_OUTPUT_DIR)
    parser.add_argument("--target-column", default=common.DEFAULT_TARGET_COLUMN)
    parser.add_argument("--validation-fraction", type=float, default=0.15)
    parser.add_argument("--test-fraction", type=float, default=0.15)
    parser.add_argument("--random-state", type=int, default=42)
    args = parser.parse_args(argv)
    counts = preprocess(
        input_dir=args.input_dir,
        output_dir=args.output_dir,
        target_column=args.target_column,
        validation_fraction=args.validation_fraction,
        test_fraction=args.test_fraction,
        random_state=args.random_state,
    )
    print(
        "preprocess: %d rows from %d file(s) -> train=%d validation=%d test=%d"
        % (
            counts["rows"],
            counts["input_files"],
            counts["train"],
            counts["validation"],
            counts["test"],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(common.run_cli(main))
