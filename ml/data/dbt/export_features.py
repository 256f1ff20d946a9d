"""The features dbt built, as the files training reads: ``features.csv`` and ``lineage.json``.

``features.csv`` holds every column of the ``training_features`` model except the lineage ones
(``record_id``, ``dataset_version``, ``ingestion_date``), with a header row: what the training
pipeline's preprocessing reads. ``lineage.json`` says what they were built from: the dataset
version, its raw files and ETL report, and the dbt build's results (each model and test with its
status). The model package's ``datasetS3Uri`` is the folder of both.

Two sources of the same table:

- ``duckdb`` (local runs and tests): the DuckDB database of the ``duckdb`` target, written to a
  local directory or, through boto3, an ``s3://`` folder (the local environment's emulator);
- ``athena`` (the DbtProject CodeBuild project): a query of the Glue table in the workgroup, whose
  result file (a CSV with a header, encrypted by the workgroup's settings) is copied to an
  ``s3://`` folder.

``--dataset-version`` must be a name of the grammar of run-time strings and an ``s3://``
``--destination`` a location of it (``constructs/common/run-string-grammar.json``, which the data
pipeline passes as ``MLENV_RUN_STRING_GRAMMAR``): anything else is refused before any query.

Bad arguments and failed queries exit with status 2 and one ``error:`` line.
"""

import argparse
import datetime
import json
import os
import pathlib
import re
import sys
import time

TABLE = "training_features"
LINEAGE_COLUMNS = ("record_id", "dataset_version", "ingestion_date")
FEATURES_FILE = "features.csv"
LINEAGE_FILE = "lineage.json"


class ExportError(Exception):
    """The features cannot be exported."""


GRAMMAR_FILE = ("constructs", "common", "run-string-grammar.json")


def run_string_grammar(text=None) -> dict:
    """The grammar of run-time strings: as the deployment passes it, or the project's file when the
    script runs from the project."""
    if text:
        return json.loads(text)
    for parent in pathlib.Path(__file__).resolve().parents:
        path = parent.joinpath(*GRAMMAR_FILE)
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise ExportError("no grammar of run-time strings: set MLENV_RUN_STRING_GRAMMAR (as the data pipeline does)")


def check_run_string(grammar: dict, kind: str, field: str, value) -> str:
    """``value`` if it is a string of the grammar's ``kind``; else an ExportError naming the field and the rule."""
    rule = grammar[kind]
    if not (
        isinstance(value, str)
        and 1 <= len(value) <= rule["maxLength"]
        and not re.search(f"[^{rule['characters']}]", value)
        and re.fullmatch(rule["pattern"], value)
    ):
        shown = json.dumps(value[:60] if isinstance(value, str) else value)
        raise ExportError(f"{field} {shown} is not valid: it must be {rule['rule']}")
    return value


def check_arguments(args) -> None:
    """Refuses a dataset version, or an S3 destination, out of the grammar of run-time strings."""
    grammar = run_string_grammar(args.run_string_grammar)
    check_run_string(grammar, "name", "--dataset-version", args.dataset_version)
    if args.destination.startswith("s3://"):
        check_run_string(grammar, "location", "--destination", args.destination)
    elif ".." in pathlib.PurePath(args.destination).parts:
        raise ExportError(f"--destination {json.dumps(args.destination)} is not valid: it must not have a '..' segment")


def feature_columns(columns) -> list:
    """The columns training reads: all but the lineage ones, in the table's order."""
    kept = [c for c in columns if c not in LINEAGE_COLUMNS]
    if not kept:
        raise ExportError(f"{TABLE} has no feature column (columns: {', '.join(columns)})")
    return kept


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def dbt_results(run_results_path: str) -> dict:
    """What the dbt build ran and how each node ended, from its ``run_results.json``."""
    try:
        with open(run_results_path) as f:
            results = json.load(f)
    except (OSError, ValueError) as error:
        raise ExportError(f"cannot read the dbt build's results {run_results_path}: {error}") from error
    nodes = [{"node": r["unique_id"], "status": r["status"]} for r in results.get("results", [])]
    statuses = {}
    for node in nodes:
        statuses[node["status"]] = statuses.get(node["status"], 0) + 1
    failed = [n["node"] for n in nodes if n["status"] in ("error", "fail")]
    if failed:
        raise ExportError(f"the dbt build failed, not exporting: {', '.join(failed)}")
    metadata = results.get("metadata", {})
    return {
        "dbtVersion": metadata.get("dbt_version"),
        "invocationId": metadata.get("invocation_id"),
        "generatedAt": metadata.get("generated_at"),
        "statuses": dict(sorted(statuses.items())),
        "nodes": nodes,
    }


def lineage(args, results: dict) -> dict:
    return {
        "datasetVersion": args.dataset_version,
        "rawDatasetS3Uri": args.raw_dataset,
        "etlReport": args.etl_report,
        "dbt": results,
        "build": os.environ.get("CODEBUILD_BUILD_ARN"),
        "exportedAt": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def export_duckdb(database_path: str, destination: str, lineage_record: dict, s3=None) -> int:
    """Writes the features and lineage from the DuckDB database to ``destination`` (a directory, or
    an ``s3://`` folder through the client ``s3``); returns the rows."""
    import duckdb  # only local runs need it

    if destination.startswith("s3://"):
        import tempfile

        bucket, prefix = split_s3_uri(destination.rstrip("/") + "/")
        with tempfile.TemporaryDirectory() as local:
            rows = export_duckdb(database_path, local, lineage_record)
            for name in (FEATURES_FILE, LINEAGE_FILE):
                with open(os.path.join(local, name), "rb") as f:
                    s3.put_object(Bucket=bucket, Key=prefix + name, Body=f.read())
        return rows
    os.makedirs(destination, exist_ok=True)
    with duckdb.connect(database_path) as connection:
        columns = [row[0] for row in connection.execute(f"describe {TABLE}").fetchall()]
        select = ", ".join(quoted(c) for c in feature_columns(columns))
        path = os.path.join(destination, FEATURES_FILE).replace("'", "''")
        connection.execute(f"copy (select {select} from {TABLE}) to '{path}' (header, delimiter ',')")
        rows = connection.execute(f"select count(*) from {TABLE}").fetchone()[0]
    with open(os.path.join(destination, LINEAGE_FILE), "w") as f:
        json.dump(lineage_record, f, indent=2)
    return rows


def split_s3_uri(uri: str):
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ExportError(f"not an s3:// location: {uri}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def export_athena(database, workgroup, destination, lineage_record, athena, glue, s3, poll_seconds=2.0) -> None:
    """Queries the features in the workgroup and copies the result file and the lineage to ``destination`` (s3://.../)."""
    table = glue.get_table(DatabaseName=database, Name=TABLE)["Table"]
    columns = [c["Name"] for c in table["StorageDescriptor"]["Columns"]]
    select = ", ".join(quoted(c) for c in feature_columns(columns))
    query_id = athena.start_query_execution(
        QueryString=f"select {select} from {quoted(database)}.{quoted(TABLE)}",
        QueryExecutionContext={"Database": database},
        WorkGroup=workgroup,
    )["QueryExecutionId"]
    while True:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        state = execution["Status"]["State"]
        if state in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        time.sleep(poll_seconds)
    if state != "SUCCEEDED":
        reason = execution["Status"].get("StateChangeReason", "no reason given")
        raise ExportError(f"the features query {query_id} ended {state}: {reason}")
    source_bucket, source_key = split_s3_uri(execution["ResultConfiguration"]["OutputLocation"])
    bucket, prefix = split_s3_uri(destination.rstrip("/") + "/")
    # The buckets encrypt with their key by default: a copy without encryption headers uses it.
    s3.copy_object(CopySource={"Bucket": source_bucket, "Key": source_key}, Bucket=bucket, Key=prefix + FEATURES_FILE)
    s3.put_object(Bucket=bucket, Key=prefix + LINEAGE_FILE, Body=json.dumps(lineage_record, indent=2).encode())


def parse_args(argv):
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=["duckdb", "athena"])
    parser.add_argument("--destination", required=True, help="the dataset version's features folder (a directory or s3://.../)")
    parser.add_argument("--dataset-version", default=env("MLENV_DATASET_VERSION"), required=not env("MLENV_DATASET_VERSION"))
    parser.add_argument("--raw-dataset", default=env("MLENV_RAW_DATASET_S3URI"), help="the raw files of the version")
    parser.add_argument("--etl-report", default=env("MLENV_ETL_REPORT"), help="the ETL job's counts for the version")
    parser.add_argument(
        "--run-string-grammar",
        default=env("MLENV_RUN_STRING_GRAMMAR"),
        help="the grammar of run-time strings, as JSON (default: the project's constructs/common/run-string-grammar.json)",
    )
    parser.add_argument("--run-results", default="target/run_results.json", help="the dbt build's run_results.json")
    parser.add_argument("--duckdb", default=env("MLENV_DUCKDB_PATH", "mlenv.duckdb"), help="duckdb: the database file")
    parser.add_argument("--database", default=env("MLENV_GLUE_DATABASE"), help="athena: the Glue database")
    parser.add_argument("--workgroup", default=env("MLENV_ATHENA_WORKGROUP"), help="athena: the workgroup")
    args = parser.parse_args(argv)
    if args.engine == "athena" and not (args.database and args.workgroup):
        parser.error("athena needs --database and --workgroup (or MLENV_GLUE_DATABASE and MLENV_ATHENA_WORKGROUP)")
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        check_arguments(args)
        record = lineage(args, dbt_results(args.run_results))
        if args.engine == "duckdb":
            s3 = None
            if args.destination.startswith("s3://"):
                import boto3  # the local environment points it at its emulator

                s3 = boto3.client("s3")
            rows = export_duckdb(args.duckdb, args.destination, record, s3)
            print(json.dumps({"destination": args.destination, "rows": rows}))
        else:
            import boto3  # installed with dbt-athena

            export_athena(
                args.database,
                args.workgroup,
                args.destination,
                record,
                boto3.client("athena"),
                boto3.client("glue"),
                boto3.client("s3"),
            )
            print(json.dumps({"destination": args.destination}))
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
