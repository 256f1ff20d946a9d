"""The dbt project (ml/data/dbt) on DuckDB, over curated Parquet files laid out as the ETL writes them."""

import os

import json
import sys

import duckdb
import pandas as pd
import pytest

dbt_main = pytest.importorskip("dbt.cli.main")  # installed by scripts/setup (ml/requirements-data.txt)

ML_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT_DIR = os.path.join(ML_DIR, "data", "dbt")
FEATURES = ["mean_radius", "mean_perimeter", "mean_area"]
sys.path.insert(0, PROJECT_DIR)
import export_features  # noqa: E402


def write_curated(root, rows, ingestion_date="2026-11-30", version="v1"):
    """Rows (record_id, features, target) as one Parquet file under ingestion_date=<date>/."""
    partition = root / f"ingestion_date={ingestion_date}"
    partition.mkdir(parents=True, exist_ok=True)
    values = ", ".join(
        "(" + ", ".join([f"'{r[0]}'", *[str(v) for v in r[1:-1]], str(r[-1]), f"'{version}'"]) + ")" for r in rows
    )
    columns = ", ".join(["record_id", *FEATURES, "target", "dataset_version"])
    duckdb.sql(
        f"copy (select * from (values {values}) as t({columns})) to '{partition}/part-0.parquet' (format parquet)"
    )


def dbt_build(tmp_path, curated):
    """`dbt build --target duckdb` of the project over `curated`; the result and the feature rows."""
    os.environ["MLENV_CURATED_PATH"] = str(curated)
    os.environ["MLENV_DUCKDB_PATH"] = str(tmp_path / "features.duckdb")
    result = dbt_main.dbtRunner().invoke(
        [
            "build",
            "--project-dir", PROJECT_DIR,
            "--profiles-dir", PROJECT_DIR,
            "--target", "duckdb",
            "--target-path", str(tmp_path / "target"),
            "--log-path", str(tmp_path / "logs"),
            "--quiet",
        ]
    )
    statuses = {r.node.name: str(r.status) for r in (result.result or [])}
    return result, statuses


def features_table(tmp_path):
    # dbt (in this process) still holds the database open: connect with the same configuration.
    with duckdb.connect(str(tmp_path / "features.duckdb")) as connection:
        return connection.sql("select * from training_features order by record_id").df()


ROWS = [("a", 10.0, 60.0, 300.0, 0), ("b", 12.0, 80.0, 480.0, 1), ("c", 9.0, 50.0, 250.0, 1)]


def test_build_runs_the_models_and_their_tests(tmp_path):
    write_curated(tmp_path / "curated", ROWS)
    result, statuses = dbt_build(tmp_path, tmp_path / "curated")
    assert result.success, statuses
    tests = [name for name in statuses if name.startswith(("not_null", "unique", "accepted_values", "relationships"))]
    assert {name.split("_")[0] for name in tests} >= {"not", "unique", "accepted", "relationships"}
    assert all(statuses[name] == "pass" for name in tests)
    table = features_table(tmp_path)
    assert list(table["record_id"]) == ["a", "b", "c"]
    assert list(table["mean_area"]) == [300.0, 480.0, 250.0]


def test_a_record_ingested_again_counts_once_from_its_latest_date(tmp_path):
    write_curated(tmp_path / "curated", ROWS, ingestion_date="2026-11-29", version="v1")
    write_curated(tmp_path / "curated", ROWS[:1], ingestion_date="2026-11-30", version="v2")
    result, statuses = dbt_build(tmp_path, tmp_path / "curated")
    assert result.success, statuses
    table = features_table(tmp_path)
    assert list(table["record_id"]) == ["a", "b", "c"]
    assert list(table["dataset_version"]) == ["v2", "v1", "v1"]


def test_a_label_outside_0_and_1_fails_the_build(tmp_path):
    write_curated(tmp_path / "curated", ROWS + [("d", 1.0, 2.0, 3.0, 2)])
    result, statuses = dbt_build(tmp_path, tmp_path / "curated")
    assert not result.success
    failed = [name for name, status in statuses.items() if status in ("fail", "error")]
    assert failed and all(name.startswith("accepted_values_stg_features_target") for name in failed)


def test_the_export_writes_the_features_training_reads_and_their_lineage(tmp_path):
    write_curated(tmp_path / "curated", ROWS)
    result, statuses = dbt_build(tmp_path, tmp_path / "curated")
    assert result.success, statuses
    destination = tmp_path / "features" / "v1"
    code = export_features.main(
        [
            "duckdb",
            "--destination", str(destination),
            "--dataset-version", "v1",
            "--raw-dataset", "s3://raw/churn/versions/v1/",
            "--run-results", str(tmp_path / "target" / "run_results.json"),
            "--duckdb", str(tmp_path / "features.duckdb"),
        ]
    )
    assert code == 0
    features = pd.read_csv(destination / "features.csv")
    # What preprocessing reads: the raw dataset's columns, none of the lineage ones.
    assert sorted(features.columns) == sorted(FEATURES + ["target"])
    assert len(features) == len(ROWS)
    lineage = json.loads((destination / "lineage.json").read_text())
    assert lineage["datasetVersion"] == "v1"
    assert lineage["rawDatasetS3Uri"] == "s3://raw/churn/versions/v1/"
    assert lineage["dbt"]["statuses"]["pass"] == len([s for s in statuses.values() if s == "pass"])
    assert {n["node"].split(".")[-1] for n in lineage["dbt"]["nodes"]} >= {"stg_features", "training_features"}


def test_the_export_refuses_a_failed_build(tmp_path, capsys):
    write_curated(tmp_path / "curated", ROWS + [("d", 1.0, 2.0, 3.0, 2)])
    result, _ = dbt_build(tmp_path, tmp_path / "curated")
    assert not result.success
    code = export_features.main(
        [
            "duckdb",
            "--destination", str(tmp_path / "features"),
            "--dataset-version", "v1",
            "--run-results", str(tmp_path / "target" / "run_results.json"),
            "--duckdb", str(tmp_path / "features.duckdb"),
        ]
    )
    assert code == 2
    assert "error: the dbt build failed" in capsys.readouterr().err
    assert not (tmp_path / "features").exists()


def test_the_athena_export_copies_the_query_result_and_writes_the_lineage():
    """Against moto's S3 and Glue; Athena answers as AWS documents (a result file with a header)."""
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        glue = boto3.client("glue", region_name="us-east-1")
        s3.create_bucket(Bucket="acme-dev-curated")
        glue.create_database(DatabaseInput={"Name": "acme_dev_churn"})
        columns = ["record_id", *FEATURES, "target", "dataset_version", "ingestion_date"]
        glue.create_table(
            DatabaseName="acme_dev_churn",
            TableInput={"Name": "training_features", "StorageDescriptor": {"Columns": [{"Name": c, "Type": "string"} for c in columns]}},
        )
        result_key = "churn/data/athena-results/q1.csv"
        s3.put_object(Bucket="acme-dev-curated", Key=result_key, Body=b'"mean_radius","mean_perimeter","mean_area","target"\n"10.0","60.0","300.0","0"\n')

        class Athena:
            query = None

            def start_query_execution(self, **kwargs):
                Athena.query = kwargs
                return {"QueryExecutionId": "q1"}

            def get_query_execution(self, QueryExecutionId):
                return {"QueryExecution": {"Status": {"State": "SUCCEEDED"}, "ResultConfiguration": {"OutputLocation": f"s3://acme-dev-curated/{result_key}"}}}

        record = {"datasetVersion": "v1"}
        export_features.export_athena("acme_dev_churn", "acme-dev-churn", "s3://acme-dev-curated/churn/data/features/v1", record, Athena(), glue, s3)
        features = s3.get_object(Bucket="acme-dev-curated", Key="churn/data/features/v1/features.csv")["Body"].read().decode()
        lineage = json.loads(s3.get_object(Bucket="acme-dev-curated", Key="churn/data/features/v1/lineage.json")["Body"].read())
    assert Athena.query["WorkGroup"] == "acme-dev-churn"
    selected = Athena.query["QueryString"].split(" from ")[0]
    assert all(f'"{c}"' in selected for c in FEATURES + ["target"])
    assert not any(f'"{c}"' in selected for c in export_features.LINEAGE_COLUMNS)
    frame = pd.read_csv(__import__("io").StringIO(features))
    assert frame.columns.tolist() == FEATURES + ["target"]
    # Athena quotes every value of its result file: training still reads numbers.
    assert all(str(frame[c].dtype) in ("float64", "int64") for c in frame.columns)
    assert lineage == record


def test_the_duckdb_export_to_an_s3_folder_uploads_both_files(tmp_path, monkeypatch):
    """What the local environment runs: the build's own commands with the DuckDB target, writing to its emulator's S3."""
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    write_curated(tmp_path / "curated", ROWS)
    result, statuses = dbt_build(tmp_path, tmp_path / "curated")
    assert result.success, statuses
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="acme-local-curated")
        code = export_features.main(
            [
                "duckdb",
                "--destination", "s3://acme-local-curated/churn/data/features/v1/",
                "--dataset-version", "v1",
                "--run-results", str(tmp_path / "target" / "run_results.json"),
                "--duckdb", str(tmp_path / "features.duckdb"),
            ]
        )
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="acme-local-curated")["Contents"])
        body = s3.get_object(Bucket="acme-local-curated", Key="churn/data/features/v1/features.csv")["Body"].read()
    assert code == 0
    assert keys == ["churn/data/features/v1/features.csv", "churn/data/features/v1/lineage.json"]
    assert body.decode().splitlines()[0].split(",") == FEATURES + ["target"]


@pytest.mark.parametrize(
    "version",
    ["../rows", "../features", "v1/../../other", "a/b", "", "x" * 64, "%2e%2e", ".hidden", "v1 ", "v\u00e9", "v1.2"],
)
def test_the_export_refuses_a_version_out_of_the_grammar_before_reading_anything(tmp_path, capsys, version):
    """The destination is `<features prefix><version>/` (the build's command): a hostile version would
    put the features elsewhere."""
    code = export_features.main(
        [
            "duckdb",
            "--destination", str(tmp_path / "features" / "v1"),
            f"--dataset-version={version}",
            "--run-results", str(tmp_path / "nowhere" / "run_results.json"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --dataset-version") and "letters, digits and hyphens" in err
    assert not (tmp_path / "features").exists()


@pytest.mark.parametrize(
    "destination",
    ["s3://acme-dev-curated/churn/data/features/../rows/", "s3://acme-dev-curated/churn/data/features//"],
)
def test_the_export_refuses_an_s3_destination_out_of_the_grammar(tmp_path, capsys, destination):
    code = export_features.main(
        ["duckdb", "--destination", destination, "--dataset-version", "v1", "--run-results", str(tmp_path / "r.json")]
    )
    assert code == 2
    assert capsys.readouterr().err.startswith("error: --destination")


def test_the_export_takes_the_grammar_the_data_pipeline_passes(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(
        "MLENV_RUN_STRING_GRAMMAR",
        json.dumps({"name": {"rule": "v and a digit", "pattern": "^v[0-9]$", "characters": "v0-9", "maxLength": 2}}),
    )
    code = export_features.main(
        ["duckdb", "--destination", str(tmp_path / "f"), "--dataset-version", "v10", "--run-results", str(tmp_path / "r")]
    )
    assert code == 2
    assert 'error: --dataset-version "v10" is not valid: it must be v and a digit' in capsys.readouterr().err
