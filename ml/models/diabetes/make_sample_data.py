"""Write diabetes's sample raw dataset: scikit-learn's bundled diabetes data (no download).

442 rows: ten baseline measurements (age, sex, bmi, bp, s1 ... s6; mean-centred and scaled as
scikit-learn ships them), then ``target``, a measure of disease progression one year later.

    PYTHONPATH=ml python ml/models/diabetes/make_sample_data.py --output raw/data.csv [--rows N]
"""

from mlenv_model import cli, data, samples


def make_sample_data(path, rows=None, seed=0):
    """Write the dataset (or ``rows`` rows drawn with ``seed``) to ``path``; returns the frame."""
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True).frame.rename(columns={"target": data.DEFAULT_TARGET_COLUMN})
    return samples.write_sample(frame, path, rows, seed)


main = cli.entry_point(
    __name__, lambda argv=None: samples.main(argv, make_sample_data, __doc__.splitlines()[0]))
