"""The PySpark ETL (ml/data/etl.py) in Spark local mode, on the sample data and on broken rows."""

import glob
import json
import os
import sys

import duckdb
import pandas as pd
import pytest

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
if DATA_DIR not in sys.path:
    sys.path.insert(0, DATA_DIR)

pyspark = pytest.importorskip("pyspark")  # installed by scripts/setup (ml/requirements-data.txt)
from pyspark.sql import SparkSession  # noqa: E402

import etl  # noqa: E402
from helpers import model_scripts  # noqa: E402

make_sample_data = model_scripts("churn").make_sample_data  # the reference model's raw data


@pytest.fixture(scope="module")
def spark():
    session = (
        SparkSession.builder.master("local[1]")
        .appName("mlenv-etl-tests")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.ui.enabled", "false")
        # Loopback only: no hostname lookup, nothing listening beyond this machine.
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    yield session
    session.stop()


def run(spark, tmp_path, raw, **overrides):
    args = etl.parse_args(
        [
            "--raw", str(raw),
            "--curated", str(tmp_path / "curated"),
            "--quarantine", str(tmp_path / "quarantine"),
            "--report", str(tmp_path / "report.json"),
            "--dataset-version", overrides.pop("version", "v1"),
            "--ingestion-date", overrides.pop("date", "2026-11-30"),
        ]
    )
    return etl.run(spark, args)


def read_parquet(path):
    """A Parquet dataset as DuckDB reads it (as dbt's local profile does), partitions as columns."""
    return duckdb.sql(f"select * from read_parquet('{path}/**/*.parquet', hive_partitioning = true)").df()


def sample_csv(directory, rows=50):
    path = directory / "raw" / "data.csv"
    make_sample_data.make_sample_data(str(path), rows=rows, seed=0)
    return path


def test_clean_rows_become_typed_parquet_partitioned_by_ingestion_date(spark, tmp_path):
    raw = sample_csv(tmp_path)
    source = pd.read_csv(raw)
    report = run(spark, tmp_path, raw.parent)
    assert report["rows_written"] == len(source) and report["rows_quarantined"] == 0
    partition = tmp_path / "curated" / "ingestion_date=2026-11-30"
    assert glob.glob(str(partition / "*.parquet"))
    curated = read_parquet(tmp_path / "curated")
    features = [c for c in source.columns if c != "target"]
    assert list(curated.columns) == ["record_id", *features, "target", "dataset_version", "ingestion_date"]
    assert set(curated["ingestion_date"].astype(str)) == {"2026-11-30"}
    assert all(curated[c].dtype == "float64" for c in features)
    assert curated["target"].dtype == "int32" and set(curated["target"]) <= {0, 1}
    assert curated["record_id"].is_unique and set(curated["dataset_version"]) == {"v1"}
    merged = curated.sort_values(features).reset_index(drop=True)[features]
    assert (merged.values == source.sort_values(features).reset_index(drop=True)[features].values).all()
    written = json.loads((tmp_path / "report.json").read_text())
    assert written == report


def test_malformed_rows_go_to_quarantine_with_their_reason_and_count(spark, tmp_path):
    raw = sample_csv(tmp_path, rows=20)
    lines = raw.read_text().splitlines()
    header, first = lines[0], lines[1].split(",")
    broken = {
        "a feature is not a number": ",".join(["abc"] + first[1:]),
        "a feature is missing": ",".join([""] + first[1:]),
        "target is not 0 or 1": ",".join(first[:-1] + ["7"]),
        "wrong number of columns": ",".join(first[:-1]),
    }
    raw.write_text("\n".join([header, *lines[1:], *broken.values()]) + "\n")
    report = run(spark, tmp_path, raw.parent)
    assert report["rows_written"] == 20
    assert report["rows_quarantined"] == len(broken)
    assert report["quarantine_reasons"] == {reason: 1 for reason in broken}
    quarantined = pd.concat(
        pd.read_json(f, lines=True) for f in glob.glob(str(tmp_path / "quarantine" / "ingestion_date=2026-11-30" / "*.json"))
    )
    assert sorted(quarantined["reason"]) == sorted(broken)


def test_a_second_date_adds_a_partition_and_rerunning_a_date_replaces_only_it(spark, tmp_path):
    raw = sample_csv(tmp_path, rows=10)
    run(spark, tmp_path, raw.parent, date="2026-11-29", version="v1")
    run(spark, tmp_path, raw.parent, date="2026-11-30", version="v2")
    run(spark, tmp_path, raw.parent, date="2026-11-30", version="v3")
    curated = read_parquet(tmp_path / "curated")
    curated["ingestion_date"] = curated["ingestion_date"].astype(str)
    counts = curated.groupby(["ingestion_date", "dataset_version"]).size().to_dict()
    assert counts == {("2026-11-29", "v1"): 10, ("2026-11-30", "v3"): 10}


@pytest.mark.parametrize(
    "content, message",
    [
        ("a,b\n1,2\n", "the target column 'target' is not in the header"),
        ("Bad Name,target\n1,0\n", "column names must be lowercase letters, digits and _"),
        ("x,target\nfoo,0\nbar,1\n", "no row of"),
    ],
)
def test_input_it_cannot_process_is_refused_with_one_line(spark, tmp_path, content, message):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "data.csv").write_text(content)
    with pytest.raises(etl.EtlError, match=message):
        run(spark, tmp_path, raw)


def test_a_header_s_terminal_controls_are_quoted_in_the_message(spark, tmp_path):
    """A header that writes the clipboard (OSC 52) and erases the line is shown, not sent to a terminal."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "data.csv").write_text("\x1b]52;c;ZWNobyBwd25lZA==\x07x,\x1b[2Ky,target\n1,2,0\n")
    with pytest.raises(etl.EtlError) as refused:
        run(spark, tmp_path, raw)
    message = str(refused.value)
    assert message.startswith("column names must be lowercase letters, digits and _: ")
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in message), repr(message)
    assert "\\x1b]52;c;ZWNobyBwd25lZA==\\x07x" in message and "\\x1b[2Ky" in message


def test_a_missing_input_is_refused(spark, tmp_path):
    with pytest.raises(etl.EtlError, match="cannot read CSV files under"):
        run(spark, tmp_path, tmp_path / "nowhere")


def test_the_command_prints_one_error_line_and_exits_2_on_input_it_cannot_process(spark, tmp_path, capsys):
    code = etl.main(
        [
            "--raw", str(tmp_path / "nowhere"),
            "--curated", str(tmp_path / "curated"),
            "--quarantine", str(tmp_path / "quarantine"),
            "--dataset-version", "v1",
            "--JOB_NAME", "ignored-like-glue-arguments",
        ]
    )
    assert code == 2
    assert capsys.readouterr().err.startswith("error: cannot read CSV files under")


def test_the_catalog_table_describes_the_curated_rows_and_finds_every_date_by_projection(spark, tmp_path):
    """On AWS the job creates (then updates) the Glue table Athena and dbt read; checked against moto's Glue."""
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    good, _ = etl.clean(spark, str(sample_csv(tmp_path)), "target", "2026-11-30", "v1")
    with moto.mock_aws():
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_database(DatabaseInput={"Name": "acme_dev_churn"})
        for _ in range(2):  # the first run creates the table, later ones update it
            etl.register_table(glue, "acme_dev_churn.raw_features", "s3://acme-dev-curated/churn/data/rows", good.schema)
        table = glue.get_table(DatabaseName="acme_dev_churn", Name="raw_features")["Table"]
    columns = {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}
    features = [c for c in good.columns if c not in ("record_id", "target", "dataset_version", "ingestion_date")]
    assert columns == {"record_id": "string", **{f: "double" for f in features}, "target": "int", "dataset_version": "string"}
    assert table["PartitionKeys"] == [{"Name": "ingestion_date", "Type": "string"}]
    assert table["StorageDescriptor"]["Location"] == "s3://acme-dev-curated/churn/data/rows/"
    parameters = table["Parameters"]
    assert parameters["projection.enabled"] == "true"
    # The folders the job writes (Spark's partitionBy: ingestion_date=<date>/) are the ones projected.
    written = sorted(os.listdir(run(spark, tmp_path, sample_csv(tmp_path)) and tmp_path / "curated"))
    template = parameters["storage.location.template"].replace("${ingestion_date}", "2026-11-30")
    assert template == "s3://acme-dev-curated/churn/data/rows/" + [w for w in written if w.startswith("ingestion_date=")][0]


def test_a_table_name_without_its_database_is_refused(spark, tmp_path):
    good, _ = etl.clean(spark, str(sample_csv(tmp_path)), "target", "2026-11-30", "v1")
    with pytest.raises(etl.EtlError, match="database.table"):
        etl.register_table(None, "raw_features", "s3://b/rows", good.schema)


def test_a_pushed_version_is_read_as_its_csv_files_only_in_every_subfolder(spark, tmp_path):
    """`mlenv data push` writes a version's files (maybe in subfolders) and its manifest.json beside them."""
    version = tmp_path / "raw"
    make_sample_data.make_sample_data(str(version / "part-a.csv"), rows=20, seed=0)
    make_sample_data.make_sample_data(str(version / "more" / "part-b.csv"), rows=30, seed=1)
    (version / "manifest.json").write_text(json.dumps({"files": [{"path": "part-a.csv"}, {"path": "more/part-b.csv"}]}))
    report = run(spark, tmp_path, version)
    assert report["rows_read"] == 50 and report["rows_quarantined"] == 0


# Versions the data pipeline refuses: each would put the report (and dbt the features) elsewhere.
HOSTILE_VERSIONS = [
    "../features",
    "../rows",
    "v1/../../other",
    "a/b",
    "",
    "x" * 64,
    "%2e%2e",
    ".hidden",
    "..",
    " v1",
    "v1\n",
    "v\u00e9",
    "-v1",
    "v1-",
    "v1_2",
    "v1.2",
]


@pytest.mark.parametrize("version", HOSTILE_VERSIONS)
def test_a_version_out_of_the_grammar_is_refused_before_spark_starts(tmp_path, capsys, monkeypatch, version):
    def no_spark(*_args, **_kwargs):
        raise AssertionError("Spark started")

    monkeypatch.setattr(etl.SparkSession, "builder", type("NoBuilder", (), {"appName": no_spark})())
    (tmp_path / "curated" / "features").mkdir(parents=True)
    code = etl.main(
        [
            "--raw", str(tmp_path / "raw"),
            "--curated", str(tmp_path / "curated" / "rows"),
            "--quarantine", str(tmp_path / "quarantine"),
            "--report", str(tmp_path / "curated" / "etl-reports" / "v1" / "report.json"),
            f"--dataset-version={version}",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --dataset-version") and "letters, digits and hyphens" in err
    assert os.listdir(tmp_path / "curated") == ["features"]


def test_the_grammar_is_the_projects_file_unless_the_deployment_passes_it():
    with open(os.path.join(os.path.dirname(DATA_DIR), "..", "constructs", "common", "run-string-grammar.json")) as f:
        assert etl.run_string_grammar() == json.load(f)
    narrower = json.dumps({"name": {"rule": "v and a digit", "pattern": "^v[0-9]$", "characters": "v0-9", "maxLength": 2}})
    args = etl.parse_args(["--raw", "r", "--curated", "c", "--quarantine", "q", "--dataset-version", "v12",
                           "--run-string-grammar", narrower])
    with pytest.raises(etl.EtlError, match="--dataset-version \"v12\" is not valid: it must be v and a digit"):
        etl.check_arguments(args)


@pytest.mark.parametrize(
    "report",
    ["s3://acme-dev-curated/churn/data/etl-reports/../features/report.json", "s3://acme-dev-curated/churn//r.json",
     "s3://acme-dev-curated/churn/data/./r.json"],
)
def test_an_s3_report_location_out_of_the_grammar_is_refused(tmp_path, report):
    args = etl.parse_args(["--raw", "r", "--curated", "c", "--quarantine", "q", "--dataset-version", "v1", "--report", report])
    with pytest.raises(etl.EtlError, match="--report .* is not valid: it must be an s3:// URI"):
        etl.check_arguments(args)


def test_the_report_is_one_object_put_at_its_exact_key_and_nothing_else_is_touched(spark, tmp_path):
    """A Spark overwrite of the report's folder would delete what Hadoop's normalized path names."""
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    raw = sample_csv(tmp_path, rows=10)
    bucket = "acme-dev-curated"
    key = "churn/data/etl-reports/v1/report.json"
    others = ["churn/data/etl-reports/v1/other.json", "churn/data/features/v0/features.csv", "churn/data/rows/x"]
    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        for other in others:
            s3.put_object(Bucket=bucket, Key=other, Body=b"kept")
        args = etl.parse_args(
            [
                "--raw", str(raw.parent),
                "--curated", str(tmp_path / "curated"),
                "--quarantine", str(tmp_path / "quarantine"),
                "--report", f"s3://{bucket}/{key}",
                "--dataset-version", "v1",
                "--ingestion-date", "2026-11-30",
            ]
        )
        report = etl.run(spark, args)
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
        assert keys == sorted([key, *others])
        assert json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) == report
        assert all(s3.get_object(Bucket=bucket, Key=o)["Body"].read() == b"kept" for o in others)
