"""The preprocess step (a Processing job): validate raw CSV data and split it.

  input   every ``*.csv`` under --input-dir (default /opt/ml/processing/input/raw), each with a
          header row; all files must have the same columns
  output  under --output-dir (default /opt/ml/processing/output): train/train.csv,
          validation/validation.csv and test/test.csv (header row, target last), and
          baseline/baseline.csv: the train split's feature columns only (header, same order, no
          target), the dataset of the Model Monitor data-quality baseline. Endpoint data capture
          records exactly these feature columns without the target.
          With --train-shards N above 1, the train split is N files instead of one,
          train/part-00000.csv ... (each with the header, the rows in order, sizes differing by
          at most one): a training job whose train channel is ShardedByS3Key (XGBoost's rabit)
          gives each of its N instances one of them.
  args    --target-column (target) --validation-fraction (0.15) --test-fraction (0.15)
          --random-state (42) --train-shards (1)

The rows are shuffled (seeded); classification splits are stratified by the target.
"""

import math
import os

from .cli import ArgumentParser, MLError
from .data import DEFAULT_TARGET_COLUMN, describe_source, read_csv_dir, validate_labeled_frame

DEFAULT_INPUT_DIR = "/opt/ml/processing/input/raw"
DEFAULT_OUTPUT_DIR = "/opt/ml/processing/output"
SPLITS = ("train", "validation", "test")
BASELINE = "baseline"  # -> <output-dir>/baseline/baseline.csv


def split_frame(frame, target_column, validation_fraction, test_fraction, random_state,
                stratify=True):
    """Shuffled train/validation/test split of a validated frame (stratified if ``stratify``)."""
    from sklearn.model_selection import train_test_split

    for name, value in (("validation", validation_fraction), ("test", test_fraction)):
        if not 0.0 < value < 1.0:
            raise MLError("--%s-fraction must be between 0 and 1, got %s" % (name, value))
    if validation_fraction + test_fraction >= 1.0:
        raise MLError(
            "--validation-fraction + --test-fraction must be below 1, got %s"
            % (validation_fraction + test_fraction)
        )
    # Absolute row counts (rounded half up) so the split sizes are exact and
    # don't depend on floating-point products such as 170 * 0.15 / 0.85.
    test_rows = int(math.floor(len(frame) * test_fraction + 0.5))
    validation_rows = int(math.floor(len(frame) * validation_fraction + 0.5))
    if min(test_rows, validation_rows) < 1 or test_rows + validation_rows >= len(frame):
        raise MLError(
            "%d rows are too few for validation fraction %s and test fraction %s"
            % (len(frame), validation_fraction, test_fraction)
        )
    try:
        rest, test = train_test_split(
            frame, test_size=test_rows, random_state=random_state, shuffle=True,
            stratify=frame[target_column] if stratify else None,
        )
        train, validation = train_test_split(
            rest, test_size=validation_rows, random_state=random_state, shuffle=True,
            stratify=rest[target_column] if stratify else None,
        )
    except ValueError as exc:  # too few rows / too few members of a class
        raise MLError(
            "cannot make a stratified split of %d rows (class counts: %s): %s"
            % (len(frame), dict(frame[target_column].value_counts().sort_index().items()), exc)
        )
    return {
        "train": train.reset_index(drop=True),
        "validation": validation.reset_index(drop=True),
        "test": test.reset_index(drop=True),
    }


def write_shards(frame, directory, name, shards):
    """Write ``frame`` to ``<directory>/<name>.csv``, or with ``shards`` above 1 to that many files
    ``part-00000.csv`` ... (consecutive rows, sizes differing by at most one). Returns the paths."""
    os.makedirs(directory, exist_ok=True)
    if shards == 1:
        path = os.path.join(directory, name + ".csv")
        frame.to_csv(path, index=False)
        return [path]
    paths = []
    bounds = [len(frame) * k // shards for k in range(shards + 1)]
    for k in range(shards):
        path = os.path.join(directory, "part-%05d.csv" % k)
        frame.iloc[bounds[k]:bounds[k + 1]].to_csv(path, index=False)
        paths.append(path)
    return paths


def preprocess(problem_type, input_dir=DEFAULT_INPUT_DIR, output_dir=DEFAULT_OUTPUT_DIR,
               target_column=DEFAULT_TARGET_COLUMN, validation_fraction=0.15, test_fraction=0.15,
               random_state=42, train_shards=1):
    """Read, validate, split and write the data (the train split in ``train_shards`` files).
    Returns ``{split: row_count}``."""
    if train_shards < 1:
        raise MLError("--train-shards must be at least 1, got %s" % train_shards)
    frame, paths = read_csv_dir(input_dir, "input")
    source = describe_source(paths, input_dir)
    frame, feature_columns = validate_labeled_frame(frame, target_column, source, problem_type)
    frame = frame[feature_columns + [target_column]]  # target last
    classification = problem_type != "regression"
    if frame[target_column].nunique() < 2:
        raise MLError(
            "target column '%s' in %s has only one %s (%s); need %s"
            % (target_column, source, "class" if classification else "value",
               frame[target_column].iloc[0],
               "both 0 and 1" if problem_type == "binary_classification" else "at least two")
        )
    splits = split_frame(frame, target_column, validation_fraction, test_fraction, random_state,
                         stratify=classification)
    if train_shards > len(splits["train"]):
        # An instance without a shard would get no data: SageMaker gives each at least one file.
        raise MLError(
            "--train-shards %d is more than the %d rows of the train split: each shard needs a row"
            % (train_shards, len(splits["train"]))
        )
    counts = {}
    for name in SPLITS:
        shards = train_shards if name == "train" else 1
        write_shards(splits[name], os.path.join(output_dir, name), name, shards)
        counts[name] = len(splits[name])
    counts["train_files"] = train_shards
    directory = os.path.join(output_dir, BASELINE)
    os.makedirs(directory, exist_ok=True)
    splits["train"][feature_columns].to_csv(os.path.join(directory, BASELINE + ".csv"), index=False)
    counts["input_files"] = len(paths)
    counts["rows"] = len(frame)
    return counts


def main(argv, problem_type):
    """The preprocess script's command line (the pipeline passes ``--target-column``)."""
    parser = ArgumentParser(description="Validate and split raw CSV data.")
    parser.add_argument("--input-dir", default=DEFAULT_INPUT_DIR)
    parser.add_argument("--output-dir", default=DEFAULT_OUTPUT_DIR)
    parser.add_argument("--target-column", default=DEFAULT_TARGET_COLUMN)
    parser.add_argument("--validation-fraction", type=float, default=0.15)
    parser.add_argument("--test-fraction", type=float, default=0.15)
    parser.add_argument("--random-state", type=int, default=42)
    parser.add_argument("--train-shards", type=int, default=1,
                        help="files of the train split: one per training instance with sharded input")
    args = parser.parse_args(argv)
    counts = preprocess(
        problem_type, args.input_dir, args.output_dir, args.target_column,
        args.validation_fraction, args.test_fraction, args.random_state, args.train_shards,
    )
    print(
        "preprocess: %d rows from %d file(s) -> train=%d%s validation=%d test=%d"
        % (counts["rows"], counts["input_files"], counts["train"],
           " (%d files)" % counts["train_files"] if counts["train_files"] > 1 else "",
           counts["validation"], counts["test"])
    )
    return 0
