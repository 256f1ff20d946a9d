import pandas as pd
import pytest

from mlenv_model import cli, splits
import preprocess
from helpers import assert_clean_error


def read_split(out, name):
    return pd.read_csv(out / name / (name + ".csv"))


def test_function_splits_stratified_with_headers(raw_dir, tmp_path):
    out = tmp_path / "out"
    counts = splits.preprocess("binary_classification", str(raw_dir), str(out))
    source = pd.read_csv(raw_dir / "data.csv")
    parts = {name: read_split(out, name) for name in splits.SPLITS}

    assert sum(len(s) for s in parts.values()) == len(source) == 200
    assert counts["train"] == len(parts["train"])
    assert len(parts["test"]) == 30 and len(parts["validation"]) == 30
    overall = source["target"].mean()
    for frame in parts.values():
        assert list(frame.columns) == list(source.columns)
        assert frame.columns[-1] == "target"
        assert abs(frame["target"].mean() - overall) < 0.05  # stratified
    # every input row lands in exactly one split
    merged = pd.concat(parts.values()).sort_values(list(source.columns)).reset_index(drop=True)
    expected = source.sort_values(list(source.columns)).reset_index(drop=True)
    pd.testing.assert_frame_equal(merged, expected, check_dtype=False)


def read_baseline(out):
    return pd.read_csv(out / "baseline" / "baseline.csv")


def assert_baseline_matches_train(out, target="target"):
    path = out / "baseline" / "baseline.csv"
    assert path.is_file()
    train = read_split(out, "train")
    features = [c for c in train.columns if c != target]
    header = path.read_text().splitlines()[0]
    assert header == ",".join(features)  # header row, feature order as in the splits
    baseline = read_baseline(out)
    assert target not in baseline.columns
    assert list(baseline.columns) == features
    assert len(baseline) == len(train)
    pd.testing.assert_frame_equal(baseline, train[features])


def test_function_writes_monitor_baseline(raw_dir, tmp_path):
    out = tmp_path / "out"
    counts = splits.preprocess("binary_classification", str(raw_dir), str(out))
    assert_baseline_matches_train(out)
    assert len(read_baseline(out)) == counts["train"] == 140
    source_features = [c for c in pd.read_csv(raw_dir / "data.csv").columns if c != "target"]
    assert list(read_baseline(out).columns) == source_features


def test_function_baseline_drops_custom_target_moved_last(raw_dir, tmp_path):
    path = raw_dir / "data.csv"
    frame = pd.read_csv(path).rename(columns={"target": "label"})
    frame[["label"] + [c for c in frame.columns if c != "label"]].to_csv(path, index=False)
    out = tmp_path / "out"
    splits.preprocess("binary_classification", str(raw_dir), str(out), target_column="label")
    assert_baseline_matches_train(out, target="label")


def test_function_is_deterministic_and_moves_target_last(raw_dir, tmp_path):
    frame = pd.read_csv(raw_dir / "data.csv")
    cols = ["target"] + [c for c in frame.columns if c != "target"]
    frame[cols].to_csv(raw_dir / "data.csv", index=False)
    splits.preprocess("binary_classification", str(raw_dir), str(tmp_path / "a"), random_state=7)
    splits.preprocess("binary_classification", str(raw_dir), str(tmp_path / "b"), random_state=7)
    a, b = read_split(tmp_path / "a", "train"), read_split(tmp_path / "b", "train")
    pd.testing.assert_frame_equal(a, b)
    assert a.columns[-1] == "target"


def test_function_reads_multiple_files(raw_dir, tmp_path):
    frame = pd.read_csv(raw_dir / "data.csv")
    (raw_dir / "part").mkdir()
    frame.iloc[:100].to_csv(raw_dir / "data.csv", index=False)
    frame.iloc[100:].to_csv(raw_dir / "part" / "more.csv", index=False)
    counts = splits.preprocess("binary_classification", str(raw_dir), str(tmp_path / "out"))
    assert counts["input_files"] == 2 and counts["rows"] == 200


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda f: f.drop(columns=["target"]), "target column 'target' not found"),
        (lambda f: f.assign(mean_radius="abc"), "non-numeric values"),
        (lambda f: f.assign(target=f["target"] + 1), "must be binary 0/1"),
        (lambda f: f.assign(target=f["target"].where(f.index > 0)), "missing value"),
        (lambda f: f.assign(target=0), "only one class"),
    ],
)
def test_function_rejects_bad_data(raw_dir, tmp_path, mutate, message):
    path = raw_dir / "data.csv"
    mutate(pd.read_csv(path)).to_csv(path, index=False)
    with pytest.raises(cli.MLError, match=message):
        splits.preprocess("binary_classification", str(raw_dir), str(tmp_path / "out"))


def test_function_rejects_empty_dir_and_bad_fractions(tmp_path, raw_dir):
    (tmp_path / "none").mkdir()
    with pytest.raises(cli.MLError, match="no CSV files"):
        splits.preprocess("binary_classification", str(tmp_path / "none"), str(tmp_path / "out"))
    with pytest.raises(cli.MLError, match="below 1"):
        splits.preprocess("binary_classification",
            str(raw_dir), str(tmp_path / "out"), validation_fraction=0.5, test_fraction=0.5
        )


def test_main_reports_missing_target(raw_dir, tmp_path, capsys):
    path = raw_dir / "data.csv"
    pd.read_csv(path).drop(columns=["target"]).to_csv(path, index=False)
    argv = ["--input-dir", str(raw_dir), "--output-dir", str(tmp_path / "out")]
    with pytest.raises(cli.MLError):
        preprocess.main(argv)
    assert cli.run_cli(preprocess.main, argv) == 2
    assert capsys.readouterr().err.startswith("error: target column 'target' not found")


def test_cli_happy_path(run_script, raw_dir, tmp_path):
    out = tmp_path / "out"
    result = run_script(
        "preprocess.py", "--input-dir", raw_dir, "--output-dir", out,
        "--validation-fraction", 0.2, "--test-fraction", 0.1, "--random-state", 1,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines() == [
        "preprocess: 200 rows from 1 file(s) -> train=140 validation=40 test=20"
    ]
    assert len(read_split(out, "validation")) == 40
    assert_baseline_matches_train(out)
    assert len(read_baseline(out)) == 140


def test_cli_bad_input_writes_no_baseline(run_script, raw_dir, tmp_path):
    path = raw_dir / "data.csv"
    pd.read_csv(path).drop(columns=["target"]).to_csv(path, index=False)
    result = run_script("preprocess.py", "--input-dir", raw_dir, "--output-dir", tmp_path / "o")
    assert_clean_error(result, "target column 'target' not found")
    assert not (tmp_path / "o" / "baseline" / "baseline.csv").exists()


def test_cli_missing_target_column(run_script, raw_dir, tmp_path):
    path = raw_dir / "data.csv"
    pd.read_csv(path).rename(columns={"target": "label"}).to_csv(path, index=False)
    result = run_script("preprocess.py", "--input-dir", raw_dir, "--output-dir", tmp_path / "o")
    assert_clean_error(result, "target column 'target' not found")


def test_function_custom_target_column(raw_dir, tmp_path):
    path = raw_dir / "data.csv"
    pd.read_csv(path).rename(columns={"target": "label"}).to_csv(path, index=False)
    with pytest.raises(cli.MLError, match="target column 'target' not found"):
        splits.preprocess("binary_classification", str(raw_dir), str(tmp_path / "out"))
    splits.preprocess("binary_classification", str(raw_dir), str(tmp_path / "out"), target_column="label")
    assert read_split(tmp_path / "out", "test").columns[-1] == "label"


def test_cli_empty_file(run_script, tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "empty.csv").write_text("")
    result = run_script("preprocess.py", "--input-dir", tmp_path / "raw", "--output-dir", tmp_path / "o")
    assert_clean_error(result, "empty.csv is empty")


def test_cli_bad_argument_is_one_line(run_script, tmp_path):
    result = run_script("preprocess.py", "--test-fraction", "lots")
    assert_clean_error(result, "--test-fraction")
