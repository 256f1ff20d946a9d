"""Write a sample raw dataset CSV (scikit-learn's bundled breast-cancer data).

No download: the data ships inside scikit-learn. Columns are the 30 feature
names made CSV-header safe (lowercase, spaces -> underscores), followed by
``target`` (0/1) as the last column.

    PYTHONPATH=ml python ml/models/churn/make_sample_data.py --output raw/data.csv [--rows N] [--seed S]
"""

import os

from mlenv_model import cli, data


def safe_column_name(name):
    """'mean radius' -> 'mean_radius'."""
    return "_".join(str(name).strip().lower().split())


def make_sample_data(path, rows=None, seed=0):
    """Write the breast-cancer dataset (optionally ``rows`` sampled rows) to ``path``.

    Returns the written DataFrame.
    """
    if rows is not None and int(rows) < 1:
        raise cli.MLError("--rows must be at least 1, got %d" % int(rows))
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.data.copy()
    frame.columns = [safe_column_name(column) for column in frame.columns]
    frame[data.DEFAULT_TARGET_COLUMN] = bunch.target.astype("int64").to_numpy()

    if rows is not None:
        rows = int(rows)
        if rows < 1 or rows > len(frame):
            raise cli.MLError("--rows must be between 1 and %d, got %d" % (len(frame), rows))
        frame = frame.sample(n=rows, random_state=seed)
    frame = frame.reset_index(drop=True)

    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    frame.to_csv(path, index=False)
    return frame


def run(argv=None):
    parser = cli.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True, help="CSV file to write")
    parser.add_argument("--rows", type=int, default=None, help="sample N rows (default: all 569)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for --rows sampling")
    args = parser.parse_args(argv)
    frame = make_sample_data(args.output, rows=args.rows, seed=args.seed)
    print(
        "make_sample_data: wrote %d rows x %d columns to %s"
        % (len(frame), len(frame.columns), args.output)
    )
    return 0


main = cli.entry_point(__name__, run)
