"""The train split in shards (--train-shards N): what a training job whose train channel is
ShardedByS3Key (XGBoost's rabit) needs, at least one file per instance ("Don't choose more ML
compute instances for training than available S3 objects. If you do, some nodes won't get any
data", S3DataSource.S3DataDistributionType); and the training channel reads every CSV of its
folder, so one instance that gets all shards (locally, or FullyReplicated) trains on all rows."""

import os

import numpy as np
import pandas as pd
import pytest

from mlenv_model import cli, splits, training


def write_raw(directory, rows=100):
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"a": rng.normal(size=rows), "b": rng.normal(size=rows)})
    frame["target"] = (frame["a"] + frame["b"] > 0).astype(int)
    os.makedirs(directory, exist_ok=True)
    frame.to_csv(os.path.join(directory, "data.csv"), index=False)
    return frame


@pytest.fixture
def raw_dir(tmp_path):
    directory = tmp_path / "raw"
    write_raw(str(directory))
    return directory


def split_into(raw_dir, out, shards):
    return splits.preprocess("binary_classification", str(raw_dir), str(out), train_shards=shards)


@pytest.mark.parametrize("shards", [2, 3, 7])
def test_the_train_split_is_that_many_files_with_the_same_rows_in_order(raw_dir, tmp_path, shards):
    whole = split_into(raw_dir, tmp_path / "whole", 1)
    counts = split_into(raw_dir, tmp_path / "sharded", shards)
    train_dir = tmp_path / "sharded" / "train"
    names = sorted(os.listdir(train_dir))
    assert names == ["part-%05d.csv" % k for k in range(shards)]
    parts = [pd.read_csv(train_dir / name) for name in names]
    sizes = [len(part) for part in parts]
    assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1
    assert all(list(part.columns) == ["a", "b", "target"] for part in parts)  # each has the header
    expected = pd.read_csv(tmp_path / "whole" / "train" / "train.csv")
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), expected)
    assert counts["train"] == whole["train"] == sum(sizes)
    assert counts["train_files"] == shards
    # Only train is sharded: every instance evaluates on the whole validation and test splits.
    for name in ("validation", "test"):
        assert os.listdir(tmp_path / "sharded" / name) == [name + ".csv"]
    baseline = pd.read_csv(tmp_path / "sharded" / "baseline" / "baseline.csv")
    assert len(baseline) == counts["train"]


def test_one_shard_is_the_usual_train_csv(raw_dir, tmp_path):
    split_into(raw_dir, tmp_path / "out", 1)
    assert os.listdir(tmp_path / "out" / "train") == ["train.csv"]


def test_the_training_channel_reads_every_csv_of_its_folder(raw_dir, tmp_path):
    split_into(raw_dir, tmp_path / "whole", 1)
    split_into(raw_dir, tmp_path / "sharded", 4)
    whole = training.Channels(str(tmp_path / "whole" / "train"), str(tmp_path / "whole" / "validation"),
                              "target", "binary_classification")
    sharded = training.Channels(str(tmp_path / "sharded" / "train"),
                                str(tmp_path / "sharded" / "validation"), "target",
                                "binary_classification")
    assert len(sharded.y_train) == len(whole.y_train)
    np.testing.assert_array_equal(sharded.x_train, whole.x_train)
    np.testing.assert_array_equal(sharded.y_train, whole.y_train)
    assert "4 CSV files" in sharded.train_source


@pytest.mark.parametrize("shards", [0, -1, 1000])
def test_impossible_shard_counts_are_one_clear_error(raw_dir, tmp_path, shards):
    with pytest.raises(cli.MLError, match="--train-shards"):
        split_into(raw_dir, tmp_path / "out", shards)


def test_the_command_line_takes_train_shards(raw_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert splits.main(["--input-dir", str(raw_dir), "--output-dir", str(out), "--train-shards", "2"],
                       "binary_classification") == 0
    assert sorted(os.listdir(out / "train")) == ["part-00000.csv", "part-00001.csv"]
    assert "(2 files)" in capsys.readouterr().out
