"""Write a sample raw dataset CSV (scikit-learn's bundled breast-cancer data).

No download: the data ships inside scikit-learn. Columns are the 30 feature
names made CSV-header safe (lowercase, spaces -> underscores), followed by
``target`` (0/1) as the last column.

    PYTHONPATH=ml python ml/models/churn/make_sample_data.py --output raw/data.csv [--rows N] [--seed S]
"""

from mlenv_model import cli, data, samples


def safe_column_name(name):
    """'mean radius' -> 'mean_radius'."""
    return "_".join(str(name).strip().lower().split())


def make_sample_data(path, rows=None, seed=0):
    """Write the breast-cancer dataset (optionally ``rows`` sampled rows) to ``path``.

    Returns the written DataFrame.
    """
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.data.copy()
    frame.columns = [safe_column_name(column) for column in frame.columns]
    frame[data.DEFAULT_TARGET_COLUMN] = bunch.target.astype("int64").to_numpy()
    return samples.write_sample(frame, path, rows, seed)


main = cli.entry_point(
    __name__, lambda argv=None: samples.main(argv, make_sample_data, __doc__.splitlines()[0]))
