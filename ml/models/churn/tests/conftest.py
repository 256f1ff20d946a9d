"""Shared fixtures: sample data, a trained model, and a subprocess runner."""

import os
import subprocess
import sys

import pytest

ML_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The scripts are plain modules next to common.py (as in the SageMaker code dir).
if ML_DIR not in sys.path:
    sys.path.insert(0, ML_DIR)

import make_sample_data as make_sample_data_module  # noqa: E402
import preprocess as preprocess_module  # noqa: E402
import train as train_module  # noqa: E402

SMALL_ROWS = 200


@pytest.fixture
def raw_dir(tmp_path):
    """Directory holding one raw CSV of 200 breast-cancer rows."""
    directory = tmp_path / "raw"
    make_sample_data_module.make_sample_data(str(directory / "data.csv"), rows=SMALL_ROWS, seed=0)
    return directory


@pytest.fixture(scope="session")
def splits_dir(tmp_path_factory):
    """train/validation/test splits of the full 569-row dataset (shared, read-only)."""
    base = tmp_path_factory.mktemp("splits")
    make_sample_data_module.make_sample_data(str(base / "raw" / "data.csv"))
    preprocess_module.preprocess(str(base / "raw"), str(base / "out"))
    return base / "out"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, splits_dir):
    """A model trained on splits_dir (shared, read-only)."""
    directory = tmp_path_factory.mktemp("model")
    train_module.train(
        str(splits_dir / "train"), str(splits_dir / "validation"), str(directory),
        log=lambda line: None,
    )
    return directory


@pytest.fixture
def run_script(tmp_path):
    """Run ``python ml/<script> args...`` from an unrelated cwd, without SM_* env vars."""

    def run(script, *args, **env_overrides):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SM_")}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.update(env_overrides)
        return subprocess.run(
            [sys.executable, os.path.join(ML_DIR, script)] + [str(a) for a in args],
            cwd=str(tmp_path),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run
