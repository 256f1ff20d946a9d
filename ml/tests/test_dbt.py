"""The dbt project (ml/data/dbt) on DuckDB, over curated Parquet files laid out as the ETL writes them."""

import os

import duckdb
import pytest

dbt_main = pytest.importorskip("dbt.cli.main")  # installed by scripts/setup (ml/requirements-data.txt)

ML_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT_DIR = os.path.join(ML_DIR, "data", "dbt")
FEATURES = ["mean_radius", "mean_perimeter", "mean_area"]


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
    assert list(table["mean_area_per_perimeter"]) == [5.0, 6.0, 5.0]


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
