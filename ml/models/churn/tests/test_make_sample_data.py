import pandas as pd
import pytest

from mlenv_model import cli
import make_sample_data
from helpers import assert_clean_error


def test_function_writes_all_rows_with_safe_columns(tmp_path):
    path = tmp_path / "nested" / "data.csv"
    frame = make_sample_data.make_sample_data(str(path))
    data = pd.read_csv(path)
    assert len(frame) == len(data) == 569
    assert data.shape[1] == 31
    assert list(data.columns)[-1] == "target"
    assert "mean_radius" in data.columns
    assert all(c == c.lower() and " " not in c for c in data.columns)
    assert set(data["target"].unique()) == {0, 1}


def test_function_samples_rows_deterministically(tmp_path):
    a = make_sample_data.make_sample_data(str(tmp_path / "a.csv"), rows=50, seed=3)
    b = make_sample_data.make_sample_data(str(tmp_path / "b.csv"), rows=50, seed=3)
    assert len(pd.read_csv(tmp_path / "a.csv")) == 50
    pd.testing.assert_frame_equal(a, b)


def test_function_rejects_bad_row_count(tmp_path):
    with pytest.raises(cli.MLError, match="between 1 and 569"):
        make_sample_data.make_sample_data(str(tmp_path / "x.csv"), rows=570)
    assert not (tmp_path / "x.csv").exists()


def test_cli_happy_path(run_script, tmp_path):
    out = tmp_path / "d.csv"
    result = run_script("make_sample_data.py", "--output", out, "--rows", 25, "--seed", 1)
    assert result.returncode == 0, result.stderr
    assert "25 rows" in result.stdout
    assert len(pd.read_csv(out)) == 25


def test_cli_bad_rows(run_script, tmp_path):
    result = run_script("make_sample_data.py", "--output", tmp_path / "d.csv", "--rows", 0)
    assert_clean_error(result, "--rows")
