"""A local stand-in for SageMaker Model Monitor's data-quality analyzer.

It is NOT Model Monitor: it computes the same files in the same formats from the same inputs, so
the local environment can run the pipeline's Baseline step and the endpoint's drift check:

- baseline: ``statistics.json`` and ``constraints.json`` of a CSV dataset (header row);
- check: ``constraint_violations.json`` (and the current ``statistics.json``) of a CSV dataset
  against a baseline's statistics and constraints.

It takes Model Monitor's container contract: environment variables ``dataset_source`` (a
directory of CSV files, or of an endpoint's data-capture ``.jsonl`` files), ``output_path``,
``dataset_format`` (JSON: ``{"csv": {"header": true}}``, or ``{"sagemakerCaptureJson": {...}}``
for captured requests), and for a check ``baseline_statistics`` and ``baseline_constraints``.

Drift is measured like Model Monitor's "Robust" comparison: the largest distance between the
baseline's and the current data's cumulative distributions of a numerical feature (the
Kolmogorov-Smirnov statistic), against the constraints' ``comparison_threshold``, or against
the distance the two sample sizes reach by chance (p = 0.001) when that is larger.
"""

import base64
import glob
import json
import math
import os
import sys

STANDIN_NOTE = "computed by mlenv's local stand-in for SageMaker Model Monitor, not by Model Monitor"
DEFAULT_COMPARISON_THRESHOLD = 0.1
# Points of the empirical distribution kept in statistics.json (Model Monitor keeps a KLL sketch).
DISTRIBUTION_POINTS = 101


class AnalyzerError(Exception):
    """A problem with the input, reported as one line."""


def read_dataset(source):
    """The rows of every CSV file under ``source`` (one header row each, the same columns)."""
    import pandas as pd

    files = sorted(glob.glob(os.path.join(source, "**", "*.csv"), recursive=True))
    if not files:
        raise AnalyzerError("no CSV file under %s" % source)
    frames = [pd.read_csv(path) for path in files]
    columns = list(frames[0].columns)
    for path, frame in zip(files, frames):
        if list(frame.columns) != columns:
            raise AnalyzerError("%s has columns %s, not %s" % (path, list(frame.columns), columns))
    return pd.concat(frames, ignore_index=True)


def captured_rows(captured):
    """The feature rows of one captured request (``endpointInput``): CSV lines, or the serving
    contract's JSON ``{"instances": [[v1, v2, ...], ...]}``, as lists of text values. None for a
    request that is neither (the serving container refused it, so it made no prediction)."""
    encoding = captured.get("encoding")
    data = captured.get("data", "")
    if encoding == "BASE64":
        try:
            data = base64.b64decode(data).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        encoding = "JSON" if "json" in str(captured.get("observedContentType", "")) else "CSV"
    if encoding == "CSV":
        return [r.split(",") for r in data.splitlines() if r.strip()]
    if encoding == "JSON":
        try:
            instances = json.loads(data).get("instances")
        except (ValueError, AttributeError):
            return None
        if not isinstance(instances, list) or not all(isinstance(i, list) for i in instances):
            return None
        return [["" if v is None else str(v) for v in instance] for instance in instances]
    return None


def read_capture(source, column_names):
    """The requests of SageMaker data-capture files (``.jsonl``) under ``source``: their rows (CSV
    or JSON requests), named by position after the baseline's features (captured rows have no
    header). A request that holds no rows is left out and counted on stderr, not a failed check."""
    import pandas as pd

    rows = []
    unreadable = 0
    for path in sorted(glob.glob(os.path.join(source, "**", "*.jsonl"), recursive=True)):
        with open(path) as lines:
            for line in lines:
                found = captured_rows(json.loads(line)["captureData"]["endpointInput"])
                if found is None:
                    unreadable += 1
                else:
                    rows.extend(found)
    if unreadable:
        print("left out %d captured request(s) that hold no CSV or JSON rows" % unreadable, file=sys.stderr)
    if not rows:
        raise AnalyzerError("no captured request under %s" % source)
    width = max(len(r) for r in rows)
    names = list(column_names[:width]) + ["_c%d" % i for i in range(len(column_names), width)]
    frame = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], columns=names)
    for name in names:  # numbers where every value is one, text otherwise (as a CSV reader would)
        numbers = pd.to_numeric(frame[name], errors="coerce")
        if numbers.notna().sum() == frame[name].notna().sum():
            frame[name] = numbers
    return frame


def _quantiles(values):
    """Evenly spaced quantiles of ``values``: the feature's distribution, small and comparable."""
    ordered = sorted(values)
    if not ordered:
        return []
    last = len(ordered) - 1
    return [ordered[round(last * i / (DISTRIBUTION_POINTS - 1))] for i in range(DISTRIBUTION_POINTS)]


def feature_statistics(name, column):
    """One feature of ``statistics.json``: counts, and for numbers mean, spread and distribution."""
    import pandas as pd

    present = column.dropna()
    common = {"num_present": int(len(present)), "num_missing": int(column.isna().sum())}
    numeric = pd.to_numeric(present, errors="coerce")
    if len(present) > 0 and numeric.notna().all():
        values = [float(v) for v in numeric]
        integral = all(float(v).is_integer() for v in values)
        return {
            "name": name,
            "inferred_type": "Integral" if integral else "Fractional",
            "numerical_statistics": {
                "common": common,
                "mean": float(numeric.mean()),
                "sum": float(numeric.sum()),
                "std_dev": float(numeric.std(ddof=0)),
                "min": float(numeric.min()),
                "max": float(numeric.max()),
                "distribution": {"quantiles": _quantiles(values)},
            },
        }
    return {
        "name": name,
        "inferred_type": "String",
        "string_statistics": {"common": common, "distinct_count": int(present.nunique())},
    }


def statistics(frame):
    """``statistics.json`` of a dataset."""
    return {
        "version": 0.0,
        "note": STANDIN_NOTE,
        "dataset": {"item_count": int(len(frame))},
        "features": [feature_statistics(str(name), frame[name]) for name in frame.columns],
    }


def constraints(stats):
    """``constraints.json`` suggested from a baseline's statistics, as Model Monitor suggests them."""
    features = []
    for feature in stats["features"]:
        kind = "numerical_statistics" if "numerical_statistics" in feature else "string_statistics"
        common = feature[kind]["common"]
        total = common["num_present"] + common["num_missing"]
        entry = {
            "name": feature["name"],
            "inferred_type": feature["inferred_type"],
            "completeness": (common["num_present"] / total) if total else 0.0,
        }
        if kind == "numerical_statistics":
            entry["num_constraints"] = {"is_non_negative": feature[kind]["min"] >= 0}
        features.append(entry)
    return {
        "version": 0.0,
        "note": STANDIN_NOTE,
        "features": features,
        "monitoring_config": {
            "evaluate_constraints": "Enabled",
            "emit_metrics": "Enabled",
            "datatype_check_threshold": 1.0,
            "domain_content_threshold": 1.0,
            "distribution_constraints": {
                "perform_comparison": "Enabled",
                "comparison_threshold": DEFAULT_COMPARISON_THRESHOLD,
                "comparison_method": "Robust",
            },
        },
    }


def _cdf_distance(baseline_quantiles, current_quantiles):
    """Largest gap between two empirical CDFs given by their quantiles (KS statistic)."""
    if not baseline_quantiles or not current_quantiles:
        return 0.0
    import bisect

    points = sorted(set(baseline_quantiles) | set(current_quantiles))

    def cdf(quantiles, x):
        return bisect.bisect_right(quantiles, x) / len(quantiles)

    return max(abs(cdf(baseline_quantiles, x) - cdf(current_quantiles, x)) for x in points)


def _chance_distance(n, m, alpha=0.001):
    """The two-sample Kolmogorov-Smirnov distance that samples of sizes n and m exceed by chance
    with probability ``alpha`` (the asymptotic critical value)."""
    if n == 0 or m == 0:
        return 1.0
    return math.sqrt(-math.log(alpha / 2) / 2) * math.sqrt((n + m) / (n * m))


def violations(current, baseline_stats, baseline_constraints):
    """``constraint_violations.json`` of a dataset's statistics against a baseline."""
    found = []
    config = baseline_constraints.get("monitoring_config", {})
    comparison = config.get("distribution_constraints", {})
    threshold = float(comparison.get("comparison_threshold", DEFAULT_COMPARISON_THRESHOLD))
    current_by_name = {f["name"]: f for f in current["features"]}
    baseline_by_name = {f["name"]: f for f in baseline_stats["features"]}
    for constraint in baseline_constraints["features"]:
        name = constraint["name"]
        feature = current_by_name.get(name)
        if feature is None:
            found.append(
                {
                    "feature_name": name,
                    "constraint_check_type": "missing_column_check",
                    "description": "There are missing columns in current dataset.",
                }
            )
            continue
        expected_type = constraint["inferred_type"]
        if expected_type in ("Integral", "Fractional") and feature["inferred_type"] == "String":
            found.append(
                {
                    "feature_name": name,
                    "constraint_check_type": "data_type_check",
                    "description": "Data type of %s was %s in the baseline, String now."
                    % (name, expected_type),
                }
            )
            continue
        kind = "numerical_statistics" if "numerical_statistics" in feature else "string_statistics"
        common = feature[kind]["common"]
        total = common["num_present"] + common["num_missing"]
        completeness = (common["num_present"] / total) if total else 0.0
        if completeness < constraint.get("completeness", 0.0):
            found.append(
                {
                    "feature_name": name,
                    "constraint_check_type": "completeness_check",
                    "description": "Completeness %.4f is below the baseline's %.4f."
                    % (completeness, constraint["completeness"]),
                }
            )
        numbers = feature.get("numerical_statistics")
        if numbers and constraint.get("num_constraints", {}).get("is_non_negative") and numbers["min"] < 0:
            found.append(
                {
                    "feature_name": name,
                    "constraint_check_type": "non_negative_check",
                    "description": "%s has negative values; the baseline had none." % name,
                }
            )
        baseline = baseline_by_name.get(name, {}).get("numerical_statistics")
        if numbers and baseline and comparison.get("perform_comparison", "Enabled") == "Enabled":
            distance = _cdf_distance(
                baseline["distribution"]["quantiles"], numbers["distribution"]["quantiles"]
            )
            # Small samples differ by chance: a distance the sample sizes cannot tell from chance
            # is no drift, whatever the threshold (on local data, hundreds of rows).
            limit = max(
                threshold,
                _chance_distance(baseline["common"]["num_present"], numbers["common"]["num_present"]),
            )
            if distance > limit:
                found.append(
                    {
                        "feature_name": name,
                        "constraint_check_type": "baseline_drift_check",
                        "description": "Baseline drift distance: %.4f exceeds threshold: %.4f"
                        % (distance, limit),
                    }
                )
    return {"note": STANDIN_NOTE, "violations": found}


def _write(directory, name, document):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "w") as out:
        json.dump(document, out, indent=2)


def exit_message(verdict, violations):
    """The job's exit message, as Model Monitor words it (the drift rule matches its prefix)."""
    if verdict == "CompletedWithViolations":
        return "CompletedWithViolations: Job completed successfully with %d violations." % len(violations)
    return "Completed: Job completed successfully with no violations."


def write_exit_message(environ, message):
    """``/opt/ml/output/message``: SageMaker reports its first 1 KB as the job's ExitMessage.
    Run locally, ``MLENV_CONTAINER_ROOT`` says where ``/opt/ml`` is."""
    path = os.path.join(environ.get("MLENV_CONTAINER_ROOT", "/"), "opt", "ml", "output", "message")
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as out:
            out.write(message)
    except OSError as error:  # the report is written; a missing message only loses the summary
        print("warning: cannot write %s: %s" % (path, error), file=sys.stderr)


def main(environ=None):
    """Run as Model Monitor's container does, from its environment variables; exit 2 on bad input."""
    environ = os.environ if environ is None else environ
    if environ.get("analysis_type") == "MODEL_QUALITY":  # the same image checks model quality
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import model_quality_standin

        return model_quality_standin.main(environ)
    try:
        source = environ.get("dataset_source")
        output = environ.get("output_path")
        if not source or not output:
            raise AnalyzerError("dataset_source and output_path must be set")
        dataset_format = json.loads(environ.get("dataset_format", '{"csv": {"header": true}}'))
        baseline_statistics = environ.get("baseline_statistics")
        baseline_constraints = environ.get("baseline_constraints")
        if "sagemakerCaptureJson" in dataset_format:
            if not baseline_statistics:
                raise AnalyzerError("checking captured data needs baseline_statistics (its feature names)")
            with open(baseline_statistics) as s:
                names = [f["name"] for f in json.load(s)["features"]]
            frame = read_capture(source, names)
        elif dataset_format.get("csv", {}).get("header", False):
            frame = read_dataset(source)
        else:
            raise AnalyzerError("only CSV with a header row or SageMaker capture JSON is supported, got %s" % dataset_format)
        current = statistics(frame)
        _write(output, "statistics.json", current)
        if baseline_statistics and baseline_constraints:
            with open(baseline_statistics) as s, open(baseline_constraints) as c:
                report = violations(current, json.load(s), json.load(c))
            _write(output, "constraint_violations.json", report)
            verdict = "CompletedWithViolations" if report["violations"] else "Completed"
        else:
            _write(output, "constraints.json", constraints(current))
            verdict, report = "Completed", {"violations": []}
    except (AnalyzerError, OSError, ValueError) as error:
        print("error: %s" % error, file=sys.stderr)
        return 2
    message = exit_message(verdict, report["violations"])
    write_exit_message(environ, message)
    print("%s (%s)" % (message, STANDIN_NOTE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
