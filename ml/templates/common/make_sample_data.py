"""Write __MODEL_NAME__'s sample raw dataset: a synthetic one of its problem type (no download).

1000 rows drawn once with a fixed seed by scikit-learn's generators: eight numeric features
(feature_1 ... feature_8), then ``target``: 0/1 (binary_classification, make_classification),
a class 0, 1 or 2 (multiclass_classification, make_classification with 3 classes) or a number
(regression, make_regression).

    PYTHONPATH=ml python ml/models/__MODEL_NAME__/make_sample_data.py --output raw/data.csv [--rows N]
"""

import inference
from mlenv_model import cli, data, samples

DATASET_ROWS = 1000
FEATURES = 8
DATASET_SEED = 0


def dataset(problem_type=inference.PROBLEM_TYPE):
    """The whole sample as a frame: the features, then the target."""
    import pandas as pd
    from sklearn.datasets import make_classification, make_regression

    if problem_type == "regression":
        features, target = make_regression(n_samples=DATASET_ROWS, n_features=FEATURES,
                                           n_informative=5, noise=20.0, random_state=DATASET_SEED)
    else:
        classes = 2 if problem_type == "binary_classification" else 3
        features, target = make_classification(
            n_samples=DATASET_ROWS, n_features=FEATURES, n_informative=5, n_redundant=1,
            n_classes=classes, flip_y=0.02, random_state=DATASET_SEED)
    frame = pd.DataFrame(features, columns=["feature_%d" % i for i in range(1, FEATURES + 1)])
    frame[data.DEFAULT_TARGET_COLUMN] = target
    return frame


def make_sample_data(path, rows=None, seed=0):
    """Write the dataset (or ``rows`` rows drawn with ``seed``) to ``path``; returns the frame."""
    return samples.write_sample(dataset(), path, rows, seed)


main = cli.entry_point(
    __name__, lambda argv=None: samples.main(argv, make_sample_data, __doc__.splitlines()[0]))
