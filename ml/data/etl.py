"""Raw CSV to cleaned, typed Parquet: the PySpark job of the data pipeline.

The same file runs as an AWS Glue job (Glue 5.1: Spark 3.5.6, Python 3.11) and locally under
pytest with Spark in local mode. It reads every CSV under ``--raw`` (a header row; the target
column and numeric features), and writes:

- ``--curated``: the rows that parse, typed (features as double, the target as 0/1 int), with a
  ``record_id`` (a hash of the raw values) and the ``dataset_version``, partitioned by
  ``ingestion_date`` (re-running a date replaces only that partition);
- ``--quarantine``: the rows that do not, with their raw values and the reason, under
  ``ingestion_date=<date>/``;
- ``--report``: one JSON object with the counts (read, written, quarantined by reason), put as
  one object at exactly that key (or written to that file), never through Spark: a Spark
  overwrite of a folder deletes what Hadoop's normalized path names;
- ``--glue-table database.table`` (on AWS): the Glue table over ``--curated`` that Athena and
  the dbt project's ``athena`` target read, created or updated with the rows' columns.

``--dataset-version`` must be a name of the grammar of run-time strings, and an ``s3://``
``--report`` a location of it (``constructs/common/run-string-grammar.json``, which the
deployment passes as ``--run-string-grammar``): the job refuses anything else before Spark starts.

Bad arguments and unreadable input exit with status 2 and one ``error:`` line, like the other
scripts of ml/.
"""

import argparse
import datetime
import functools
import json
import os
import pathlib
import re
import sys

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

CORRUPT = "_corrupt_record"
DEFAULT_TARGET_COLUMN = "target"
# Column names Athena, DuckDB and Parquet all accept unquoted.
COLUMN_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class EtlError(Exception):
    """Input the job cannot process at all (as opposed to a bad row, which is quarantined)."""


GRAMMAR_FILE = ("constructs", "common", "run-string-grammar.json")


def run_string_grammar(text=None) -> dict:
    """The grammar of run-time strings: as the deployment passes it (``--run-string-grammar``), or the
    project's file when the script runs from the project (tests, a local run by hand)."""
    if text:
        return json.loads(text)
    for parent in pathlib.Path(__file__).resolve().parents:
        path = parent.joinpath(*GRAMMAR_FILE)
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise EtlError("no grammar of run-time strings: pass --run-string-grammar (as the deployment does)")


def check_run_string(grammar: dict, kind: str, field: str, value) -> str:
    """``value`` if it is a string of the grammar's ``kind`` (length, then characters, then the whole
    pattern); else an EtlError naming the field and the rule."""
    rule = grammar[kind]
    if not (
        isinstance(value, str)
        and 1 <= len(value) <= rule["maxLength"]
        and not re.search(f"[^{rule['characters']}]", value)
        and re.fullmatch(rule["pattern"], value)
    ):
        shown = json.dumps(value[:60] if isinstance(value, str) else value)
        raise EtlError(f"{field} {shown} is not valid: it must be {rule['rule']}")
    return value


def check_arguments(args: argparse.Namespace) -> None:
    """Refuses a dataset version, or an S3 report location, out of the grammar of run-time strings."""
    grammar = run_string_grammar(args.run_string_grammar)
    check_run_string(grammar, "name", "--dataset-version", args.dataset_version)
    if args.report and args.report.startswith("s3://"):
        check_run_string(grammar, "location", "--report", args.report)
    elif args.report and ".." in pathlib.PurePath(args.report).parts:
        raise EtlError(f"--report {json.dumps(args.report)} is not valid: it must not have a '..' segment")


def write_report(report: dict, location: str) -> None:
    """Puts the report as one object at exactly ``location`` (``s3://bucket/key``), or writes that file."""
    body = json.dumps(report).encode("utf-8")
    if location.startswith("s3://"):
        import boto3  # in Glue's runtime; the local environment points it at its emulator

        bucket, _, key = location[len("s3://"):].partition("/")
        boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
        return
    directory = os.path.dirname(os.path.abspath(location))
    os.makedirs(directory, exist_ok=True)
    with open(location, "wb") as f:
        f.write(body)


def csv_reader(spark: SparkSession):
    """Reads every ``*.csv`` under a folder, in subfolders too, and nothing else: a pushed version's
    folder also holds its ``manifest.json``."""
    return spark.read.option("header", True).option("recursiveFileLookup", True).option("pathGlobFilter", "*.csv")


def header_columns(spark: SparkSession, raw: str) -> list:
    """The columns of the raw files' header row."""
    try:
        columns = csv_reader(spark).csv(raw).columns
    except Exception as error:  # Spark raises AnalysisException for a missing path
        raise EtlError(f"cannot read CSV files under {raw}: {str(error).splitlines()[0]}") from error
    if not columns:
        raise EtlError(f"no CSV header under {raw}")
    bad = [c for c in columns if not COLUMN_NAME.match(c)]
    if bad:
        # Quoted as Python writes a string: a header's control characters reach no terminal.
        raise EtlError(f"column names must be lowercase letters, digits and _: {', '.join(repr(c) for c in bad)}")
    return columns


def any_of(conditions):
    """True where any of the conditions is (False for none)."""
    return functools.reduce(lambda a, b: a | b, conditions, F.lit(False))


def clean(spark: SparkSession, raw: str, target_column: str, ingestion_date: str, dataset_version: str):
    """The typed rows and the quarantined ones (with a ``reason``) of every CSV under ``raw``."""
    columns = header_columns(spark, raw)
    if target_column not in columns:
        raise EtlError(f"the target column '{target_column}' is not in the header ({', '.join(columns)})")
    features = [c for c in columns if c != target_column]
    schema = StructType([StructField(c, StringType()) for c in columns] + [StructField(CORRUPT, StringType())])
    rows = (
        csv_reader(spark)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT)
        .schema(schema)
        .csv(raw)
        .cache()  # Spark refuses queries on the corrupt-record column of an uncached CSV read
    )
    typed = rows.select(
        *[F.col(c).cast("double").alias(c) for c in features],
        F.col(target_column).cast("int").alias(target_column),
        *[F.col(c).alias(f"raw_{c}") for c in columns],
        F.col(CORRUPT),
    )
    unparsed = [F.col(f"raw_{c}").isNotNull() & F.col(c).isNull() for c in features]
    reason = (
        F.when(F.col(CORRUPT).isNotNull(), F.lit("wrong number of columns"))
        .when(any_of([F.coalesce(u, F.lit(False)) for u in unparsed]), F.lit("a feature is not a number"))
        .when(any_of([F.col(c).isNull() for c in features]), F.lit("a feature is missing"))
        .when(~F.coalesce(F.col(target_column).isin(0, 1), F.lit(False)), F.lit(f"{target_column} is not 0 or 1"))
    )
    checked = typed.withColumn("reason", reason)
    good = checked.where(F.col("reason").isNull()).select(
        F.sha2(F.concat_ws("\u001f", *[F.col(f"raw_{c}") for c in columns]), 256).alias("record_id"),
        *features,
        target_column,
        F.lit(dataset_version).alias("dataset_version"),
        F.lit(ingestion_date).alias("ingestion_date"),
    )
    bad = checked.where(F.col("reason").isNotNull()).select(
        *[F.col(f"raw_{c}").alias(c) for c in columns],
        F.col(CORRUPT).alias("raw_line"),
        "reason",
        F.lit(ingestion_date).alias("ingestion_date"),
    )
    return good, bad


def write(good: DataFrame, bad: DataFrame, curated: str, quarantine: str) -> dict:
    """Writes both sets (replacing only their ingestion date's partition); returns the counts."""
    good.write.mode("overwrite").partitionBy("ingestion_date").parquet(curated)
    bad.write.mode("overwrite").partitionBy("ingestion_date").json(quarantine)
    reasons = {r["reason"]: r["count"] for r in bad.groupBy("reason").count().collect()}
    written = good.count()
    quarantined = sum(reasons.values())
    return {
        "rows_read": written + quarantined,
        "rows_written": written,
        "rows_quarantined": quarantined,
        "quarantine_reasons": dict(sorted(reasons.items())),
    }


def run(spark: SparkSession, args: argparse.Namespace) -> dict:
    """The whole job; returns the report it writes."""
    check_arguments(args)
    # Only the ingestion dates this run writes are replaced.
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    good, bad = clean(spark, args.raw, args.target_column, args.ingestion_date, args.dataset_version)
    report = {
        "ingestion_date": args.ingestion_date,
        "dataset_version": args.dataset_version,
        **write(good, bad, args.curated, args.quarantine),
    }
    if report["rows_written"] == 0:
        raise EtlError(f"no row of {args.raw} is valid ({report['rows_quarantined']} quarantined)")
    if args.glue_table:
        import boto3  # in Glue's runtime; not needed by local runs

        register_table(boto3.client("glue"), args.glue_table, args.table_location or args.curated, good.schema)
    if args.report:
        write_report(report, args.report)
    return report


# Spark's type names as the Glue Data Catalog (Hive DDL) spells them, for the types clean() writes.
CATALOG_TYPES = {"double": "double", "integer": "int", "string": "string"}
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet"


def table_input(table: str, location: str, schema) -> dict:
    """The Glue table of the curated rows: Parquet under ``location``, partitioned by ingestion date.

    Partition projection lets Athena find every ``ingestion_date=<date>/`` folder itself, so no run
    has to add partitions (and none is ever missing).
    """
    location = location.rstrip("/") + "/"
    columns = []
    for field in schema.fields:
        if field.name == "ingestion_date":
            continue
        type_name = field.dataType.typeName()
        if type_name not in CATALOG_TYPES:
            raise EtlError(f"column {field.name} has type {type_name}, which the catalog table cannot describe")
        columns.append({"Name": field.name, "Type": CATALOG_TYPES[type_name]})
    return {
        "Name": table,
        "Description": "The typed rows of the raw dataset (ml/data/etl.py)",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {
            "EXTERNAL": "TRUE",
            "classification": "parquet",
            "projection.enabled": "true",
            "projection.ingestion_date.type": "date",
            "projection.ingestion_date.format": "yyyy-MM-dd",
            "projection.ingestion_date.range": "2000-01-01,NOW",
            "projection.ingestion_date.interval": "1",
            "projection.ingestion_date.interval.unit": "DAYS",
            "storage.location.template": location + "ingestion_date=${ingestion_date}",
        },
        "PartitionKeys": [{"Name": "ingestion_date", "Type": "string"}],
        "StorageDescriptor": {
            "Columns": columns,
            "Location": location,
            "InputFormat": f"{PARQUET_SERDE}.MapredParquetInputFormat",
            "OutputFormat": f"{PARQUET_SERDE}.MapredParquetOutputFormat",
            "SerdeInfo": {"SerializationLibrary": f"{PARQUET_SERDE}.serde.ParquetHiveSerDe"},
        },
    }


def register_table(glue, qualified_name: str, location: str, schema) -> None:
    """Creates the Glue table ``database.table`` over the curated rows, or updates its columns."""
    database, _, table = qualified_name.partition(".")
    if not database or not table:
        raise EtlError(f"--glue-table must be database.table (got '{qualified_name}')")
    definition = table_input(table, location, schema)
    try:
        glue.update_table(DatabaseName=database, TableInput=definition)
    except glue.exceptions.EntityNotFoundException:
        glue.create_table(DatabaseName=database, TableInput=definition)


def date(value: str) -> str:
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date (YYYY-MM-DD)")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", required=True, help="directory (or s3:// prefix) of raw CSV files")
    parser.add_argument("--curated", required=True, help="where the typed Parquet dataset goes")
    parser.add_argument("--quarantine", required=True, help="where malformed rows go")
    parser.add_argument("--dataset-version", required=True, help="the raw dataset version being cleaned")
    parser.add_argument("--ingestion-date", type=date, default=datetime.date.today().isoformat())
    parser.add_argument("--target-column", default=DEFAULT_TARGET_COLUMN)
    parser.add_argument("--report", help="where to put the counts: an s3:// object or a file (one JSON object)")
    parser.add_argument("--glue-table", help="database.table: the Glue table to create or update over --curated")
    parser.add_argument(
        "--table-location",
        help="where the Glue table points (default: --curated; a local run writes to a copy of that folder)",
    )
    parser.add_argument(
        "--run-string-grammar",
        help="the grammar of run-time strings, as JSON (default: the project's constructs/common/run-string-grammar.json)",
    )
    # Glue adds its own arguments (--JOB_NAME, --job-bookmark-option, ...): ignore them.
    args, _ = parser.parse_known_args(argv)
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        check_arguments(args)  # before Spark starts
    except EtlError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    spark = SparkSession.builder.appName("mlenv-etl").getOrCreate()
    try:
        report = run(spark, args)
    except EtlError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
