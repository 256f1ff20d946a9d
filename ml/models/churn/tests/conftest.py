"""churn's fixtures: sample data, a trained model, and a subprocess runner. churn's scripts are
importable by their plain names here (``import train``), as beside each other in the archive."""

import sys

import pytest

from helpers import model_scripts, run_model_script

CHURN = model_scripts("churn")
sys.modules.update((name, module) for name, module in vars(CHURN).items() if name != "directory")

SMALL_ROWS = 200


@pytest.fixture
def raw_dir(tmp_path):
    """Directory holding one raw CSV of 200 breast-cancer rows."""
    directory = tmp_path / "raw"
    CHURN.make_sample_data.make_sample_data(str(directory / "data.csv"), rows=SMALL_ROWS, seed=0)
    return directory


@pytest.fixture(scope="session")
def splits_dir(tmp_path_factory):
    """train/validation/test splits of the full 569-row dataset (shared, read-only)."""
    from mlenv_model import splits

    base = tmp_path_factory.mktemp("splits")
    CHURN.make_sample_data.make_sample_data(str(base / "raw" / "data.csv"))
    splits.preprocess(CHURN.inference.PROBLEM_TYPE, str(base / "raw"), str(base / "out"))
    return base / "out"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, splits_dir):
    """A model trained on splits_dir (shared, read-only)."""
    directory = tmp_path_factory.mktemp("model")
    CHURN.train.train(
        str(splits_dir / "train"), str(splits_dir / "validation"), str(directory),
        log=lambda line: None,
    )
    return directory


@pytest.fixture
def run_script(tmp_path):
    """Run ``python ml/models/churn/<script> args...`` from an unrelated cwd, without SM_* vars."""

    def run(script, *args, **env_overrides):
        return run_model_script("churn", script, args, tmp_path, **env_overrides)

    return run
