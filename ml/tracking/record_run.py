"""Records a training run in MLflow, and later links it to the model package it produced.

The pipeline's SageMaker jobs run network-isolated: they cannot reach a tracking server (on AWS
no outbound call and no credentials reach an isolated container). So the jobs write what a run is
(the evaluation report; the pipeline knows the hyperparameters, the dataset and the code) and this
script, run by a step that may reach the server, records it:

    record_run.py record --tracking-uri URI --experiment churn --run-name <execution name>
        --evaluation s3://.../evaluation.json --param n-estimators=100 ...
        --dataset-version V --dataset-uri U --code-version C --model-artifact s3://.../model.tar.gz
        [--artifact-location s3://<models bucket>/mlflow/churn/] [--tuning-job NAME] [--run-id-file FILE]
    record_run.py link --tracking-uri URI --run-id ID --model-package-arn ARN

``record`` creates the experiment if needed (with ``--artifact-location``, its model's own folder of
the server's artifact store, so that IAM can keep one model's recorder from writing another
model's run artifacts) and a finished run with the parameters, every metric
of the evaluation report (``auc``, ``accuracy``, ...), the lineage as tags (``mlenv.*``) and, as
artifacts a reader of the run downloads, the report (``evaluation.json``) and the trained model's
archive (``model/model.tar.gz``, read from ``--model-artifact``), and prints ``{"runId": ...}`` (also written to ``--run-id-file``). ``link`` tags the run with the
package's ARN.

A tuned run (``--tuning-job``: the SageMaker hyperparameter tuning job whose best training job made
the model) also records the tuning job's trials. The tuning job is described and its training jobs
listed (DescribeHyperParameterTuningJob, ListTrainingJobsForHyperParameterTuningJob, with the
caller's AWS credentials); the run's parameters are the given ones with the best trial's tuned
hyperparameters over them, and its tags name the tuning job (``mlenv.tuning_job``) and the best
trial (``mlenv.training_job``). Each trial is a child run of it (``mlflow.parentRunId``), named after
the trial's training job, with the run's lineage tags, ``mlenv.tuning_job``, ``mlenv.training_job``,
``mlenv.trial_status`` (its TrainingJobStatus), ``mlenv.best_trial`` (``true`` for the best one,
else ``false``) and, when it completed, ``mlenv.model_artifact`` (its own model); its parameters are
its tuned hyperparameters and its metric the objective's final value, when it has one. A failed
trial's run is FAILED, a stopped one's KILLED.

Every argument may come from an environment variable instead (``MLENV_EXPERIMENT``,
``MLENV_ARTIFACT_LOCATION``, ``MLENV_RUN_NAME``, ``MLENV_EVALUATION``, ``MLENV_PARAMS``,
``MLENV_TUNING_JOB``, ..., ``MLFLOW_TRACKING_URI``, ``MLFLOW_RUN_ID``, ``MLENV_MODEL_PACKAGE_ARN``): what a build step passes. The tracking URI is the environment's: a SageMaker managed tracking server's ARN
(with the ``sagemaker-mlflow`` plugin installed) or an ``http://`` / ``file:`` URI.

Tracking must never fail training: with no tracking URI, or when the server cannot be reached or
refuses, the script prints one ``warning:`` line, records nothing and exits 0 (``record`` prints
``{"runId": ""}``); an artifact that cannot be read or uploaded is one ``warning:`` line too, and
the run is recorded without it. An experiment that already exists with another artifact location
(MLflow cannot move an experiment's artifacts) is refused with one ``warning:`` line, and nothing is
recorded: its runs' artifacts could not be written where the recorder may write. The MLflow client uploads artifacts itself: to the server (an
``http://`` server that serves them) or, for a SageMaker server, straight to its S3 artifact
store with the caller's credentials. A tuning job that cannot be described or listed is one
``warning:`` line too: the run is recorded without its trials (and with the given parameters). Bad
arguments exit 2 with one ``error:`` line.
"""

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile

# The tags of a run (its lineage, and the package it produced), named once for this script and
# for `mlenv runs` (lib/ops/tracking/list-runs.ts), which reads them back.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "run_tags.json"), encoding="utf-8") as _f:
    RUN_TAGS = json.load(_f)
# The run's artifacts: the evaluation report, and the model's archive in its own folder.
EVALUATION_ARTIFACT = "evaluation.json"
MODEL_ARTIFACT_DIR = "model"
MODEL_ARCHIVE = "model.tar.gz"
# How many trials one ListTrainingJobsForHyperParameterTuningJob returns at most (the API's maximum).
TRIALS_PAGE = 100
# A trial's run ends as its training job did (MLflow's run statuses); any other is FINISHED.
TRIAL_RUN_STATUS = {"Failed": "FAILED", "Stopped": "KILLED"}
# A tracking server that does not answer is reported at once, not after MLflow's default retries
# (minutes of backoff).
FAST_FAILURE = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "20"}


class RecordError(Exception):
    """Arguments or input the script cannot use at all."""


class ExperimentElsewhereError(Exception):
    """The experiment exists, with its artifacts somewhere else than the location asked for."""


def read_text(location: str) -> str:
    """A local file, or an object (``s3://bucket/key``) read with the caller's AWS credentials."""
    if location.startswith("s3://"):
        import boto3  # only where the evaluation is in S3

        bucket, _, key = location[len("s3://"):].partition("/")
        return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    with open(location, encoding="utf-8") as f:
        return f.read()


def download(location: str, destination: str) -> None:
    """Copies a local file, or an object (``s3://bucket/key``, with the caller's credentials), to ``destination``."""
    if location.startswith("s3://"):
        import boto3  # only where the model is in S3

        bucket, _, key = location[len("s3://"):].partition("/")
        body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"]
        with open(destination, "wb") as f:
            shutil.copyfileobj(body, f)  # streamed: a model archive may be large
        return
    shutil.copyfile(location, destination)


def first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def evaluation_metrics(report: dict) -> dict:
    """Every ``<problem>_metrics.<name>.value`` that is a number, by name (``auc``: 0.99)."""
    metrics = {}
    for group, values in report.items():
        if not group.endswith("_metrics") or not isinstance(values, dict):
            continue
        for name, entry in values.items():
            value = entry.get("value") if isinstance(entry, dict) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                metrics[name] = float(value)
    if not metrics:
        raise RecordError("the evaluation report has no numeric <problem>_metrics.<name>.value")
    return metrics


def key_value(text: str):
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"'{text}' is not name=value")
    return name, value


def json_object(text: str) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}")
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object of parameters")
    return {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in value.items()}


def lineage_tags(args) -> dict:
    tags = {
        RUN_TAGS["datasetVersion"]: args.dataset_version,
        RUN_TAGS["datasetUri"]: args.dataset_uri,
        RUN_TAGS["codeVersion"]: args.code_version,
        RUN_TAGS["modelArtifact"]: args.model_artifact,
        RUN_TAGS["execution"]: args.execution,
    }
    return {name: value for name, value in tags.items() if value}


def sagemaker_client():
    import boto3  # only for a tuned run

    return boto3.client("sagemaker")


class Tuning:
    """A tuning job as SageMaker describes it, and its trials (HyperParameterTrainingJobSummary)."""

    def __init__(self, name: str, description: dict, trials: list):
        self.name = name
        self.description = description
        self.trials = trials

    @property
    def best(self) -> dict:
        return self.description.get("BestTrainingJob") or {}

    def trial_model(self, trial: dict):
        """Where a completed trial's model is: ``<S3OutputPath><training job>/output/model.tar.gz``."""
        output = ((self.description.get("TrainingJobDefinition") or {}).get("OutputDataConfig") or {}).get("S3OutputPath")
        if not output or trial.get("TrainingJobStatus") != "Completed":
            return None
        return f"{output.rstrip('/')}/{trial['TrainingJobName']}/output/model.tar.gz"


def read_tuning(client, name: str) -> Tuning:
    """The tuning job's description and every one of its training jobs, page by page."""
    description = client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    trials, token = [], None
    while True:
        page = client.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name, MaxResults=TRIALS_PAGE, **({"NextToken": token} if token else {})
        )
        trials.extend(page.get("TrainingJobSummaries") or [])
        token = page.get("NextToken")
        if not token:
            return Tuning(name, description, trials)


def tuning_of(name):
    """The tuning job ``name`` (None without one); one that cannot be read is a warning, and None."""
    if not name:
        return None
    try:
        return read_tuning(sagemaker_client(), name)
    except Exception as error:  # noqa: BLE001 - tracking never fails training
        print(f"warning: the trials of tuning job {name} are not recorded: {first_line(error)}", file=sys.stderr)
        return None


def record_trials(mlflow, args, tuning: Tuning) -> None:
    """One child run of the active run per trial; a trial that cannot be recorded is a warning, and
    the trials after it are not recorded."""
    lineage = {k: v for k, v in lineage_tags(args).items() if k != RUN_TAGS["modelArtifact"]}
    best = tuning.best.get("TrainingJobName")
    try:
        for trial in tuning.trials:
            name = trial["TrainingJobName"]
            tags = {
                **lineage,
                RUN_TAGS["tuningJob"]: tuning.name,
                RUN_TAGS["trainingJob"]: name,
                RUN_TAGS["trialStatus"]: trial.get("TrainingJobStatus", ""),
                RUN_TAGS["bestTrial"]: "true" if name == best else "false",
            }
            model = tuning.trial_model(trial)
            if model:
                tags[RUN_TAGS["modelArtifact"]] = model
            with mlflow.start_run(run_name=name, nested=True, tags=tags):
                if trial.get("TunedHyperParameters"):
                    mlflow.log_params(trial["TunedHyperParameters"])
                objective = trial.get("FinalHyperParameterTuningJobObjectiveMetric") or {}
                if objective.get("MetricName") and objective.get("Value") is not None:
                    mlflow.log_metrics({objective["MetricName"]: float(objective["Value"])})
                mlflow.end_run(TRIAL_RUN_STATUS.get(trial.get("TrainingJobStatus"), "FINISHED"))
    except Exception as error:  # noqa: BLE001 - tracking never fails training
        print(f"warning: the trials of tuning job {tuning.name} are not all recorded: {first_line(error)}", file=sys.stderr)


def record(mlflow, args) -> str:
    """Creates a finished run with the parameters, metrics and lineage (and, for a tuned run, a child
    run per trial); returns its id."""
    report = read_text(args.evaluation) if args.evaluation else None
    metrics = evaluation_metrics(json.loads(report)) if report is not None else {}
    mlflow.set_tracking_uri(args.tracking_uri)
    use_experiment(mlflow, args.experiment, args.artifact_location)
    tuning = tuning_of(args.tuning_job)
    tags = lineage_tags(args)
    if args.tuning_job:
        tags[RUN_TAGS["tuningJob"]] = args.tuning_job
    if tuning and tuning.best.get("TrainingJobName"):
        tags[RUN_TAGS["trainingJob"]] = tuning.best["TrainingJobName"]
    # The model was trained with the best trial's values of the tuned hyperparameters.
    tuned = (tuning.best.get("TunedHyperParameters") or {}) if tuning else {}
    with mlflow.start_run(run_name=args.run_name, tags=tags) as run:
        params = {**args.params_json, **dict(args.param), **tuned}
        if args.dataset_version:
            params["dataset_version"] = args.dataset_version
        if params:
            mlflow.log_params(params)
        if metrics:
            mlflow.log_metrics(metrics)
        if report is not None:
            log_artifact(lambda: mlflow.log_text(report, EVALUATION_ARTIFACT), "the evaluation report")
        if args.model_artifact:
            log_artifact(lambda: log_model_archive(mlflow, args.model_artifact), f"the model {args.model_artifact}")
        if tuning:
            record_trials(mlflow, args, tuning)
        return run.info.run_id


def same_location(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def use_experiment(mlflow, name: str, artifact_location) -> None:
    """Makes ``name`` the active experiment; with ``artifact_location``, one that keeps its artifacts
    there (created so if it does not exist yet; one that exists elsewhere is refused)."""
    if not artifact_location:
        mlflow.set_experiment(name)
        return
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        try:
            client.create_experiment(name, artifact_location=artifact_location)
        except Exception:
            # Another recorder may have created it meanwhile: then it is read back; else, the error.
            experiment = client.get_experiment_by_name(name)
            if experiment is None:
                raise
        experiment = experiment or client.get_experiment_by_name(name)
    if not same_location(experiment.artifact_location, artifact_location):
        raise ExperimentElsewhereError(
            f"experiment '{name}' keeps its artifacts at {experiment.artifact_location}, not at its model's "
            f"{artifact_location} (MLflow cannot move them): rename or delete it on the server "
            f"(MlflowClient().rename_experiment), and the next run creates '{name}' there"
        )
    mlflow.set_experiment(experiment_id=experiment.experiment_id)


def log_model_archive(mlflow, location: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        archive = os.path.join(folder, MODEL_ARCHIVE)
        download(location, archive)
        mlflow.log_artifact(archive, artifact_path=MODEL_ARTIFACT_DIR)


def log_artifact(log, what: str) -> None:
    """Logs one artifact; one that cannot be read or uploaded is a warning, and the run goes on without it."""
    try:
        log()
    except Exception as error:  # noqa: BLE001 - tracking never fails training
        print(f"warning: {what} is not in the run's artifacts: {first_line(error)}", file=sys.stderr)


def link(mlflow, args) -> None:
    """Tags run ``args.run_id`` with the model package it produced."""
    mlflow.set_tracking_uri(args.tracking_uri)
    mlflow.MlflowClient().set_tag(args.run_id, RUN_TAGS["modelPackageArn"], args.model_package_arn)


def parse_args(argv):
    """The arguments; each has a default from an environment variable (``MLENV_*``, ``MLFLOW_*``), so
    that a build step can pass them as its variables."""
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="record a finished training run")
    lnk = commands.add_parser("link", help="tag a run with the model package it produced")
    for command in (rec, lnk):
        command.add_argument("--tracking-uri", default=env("MLFLOW_TRACKING_URI", ""))
        command.add_argument("--run-id-file", help="write the run id here (empty when nothing was recorded)")
    rec.add_argument("--experiment", default=env("MLENV_EXPERIMENT"), help="the experiment (the model's name)")
    rec.add_argument(
        "--artifact-location",
        default=env("MLENV_ARTIFACT_LOCATION") or None,
        help="where the experiment keeps its runs' artifacts (its model's folder of the server's store)",
    )
    rec.add_argument("--run-name", default=env("MLENV_RUN_NAME"), help="the run's name (the pipeline execution's)")
    rec.add_argument("--evaluation", default=env("MLENV_EVALUATION"), help="evaluation.json (a path or s3:// URI)")
    rec.add_argument("--param", type=key_value, action="append", default=[], help="name=value, repeatable")
    rec.add_argument(
        "--params-json", type=json_object, default=env("MLENV_PARAMS", ""), help="more parameters, as a JSON object"
    )
    rec.add_argument("--dataset-version", default=env("MLENV_DATASET_VERSION"))
    rec.add_argument("--dataset-uri", default=env("MLENV_DATASET_URI"))
    rec.add_argument("--code-version", default=env("MLENV_CODE_VERSION"))
    rec.add_argument("--model-artifact", default=env("MLENV_MODEL_ARTIFACT"), help="where the trained model is")
    rec.add_argument("--execution", default=env("MLENV_EXECUTION"), help="the pipeline execution's ARN")
    rec.add_argument(
        "--tuning-job",
        default=env("MLENV_TUNING_JOB") or None,
        help="the hyperparameter tuning job whose best training job made the model: its trials become child runs",
    )
    lnk.add_argument("--run-id", default=env("MLFLOW_RUN_ID", ""))
    lnk.add_argument("--model-package-arn", default=env("MLENV_MODEL_PACKAGE_ARN"))
    args = parser.parse_args(argv)
    if isinstance(getattr(args, "params_json", None), str):  # the environment's value, not parsed by argparse
        try:
            args.params_json = json_object(args.params_json)
        except argparse.ArgumentTypeError as error:
            parser.error(f"MLENV_PARAMS: {error}")
    required = ["experiment", "run_name"] if args.command == "record" else ["model_package_arn"]
    missing = [name for name in required if not getattr(args, name)]
    if missing:
        parser.error("missing " + ", ".join("--" + name.replace("_", "-") for name in missing))
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    run_id = ""
    try:
        if not args.tracking_uri:
            print("warning: no MLflow tracking server configured: the run is not recorded", file=sys.stderr)
        elif args.command == "link" and not args.run_id:
            print("warning: no MLflow run to link (the run was not recorded)", file=sys.stderr)
        else:
            for name, value in FAST_FAILURE.items():
                os.environ.setdefault(name, value)
            import mlflow  # the tracking client (and, on AWS, the sagemaker-mlflow plugin)

            # MLflow prints where to view a run; stdout is this script's answer (one JSON line).
            with contextlib.redirect_stdout(sys.stderr):
                if args.command == "record":
                    run_id = record(mlflow, args)
                else:
                    link(mlflow, args)
    except RecordError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - tracking never fails training
        print(f"warning: MLflow at {args.tracking_uri} did not record the run: {first_line(error)}", file=sys.stderr)
        run_id = ""
    if args.command == "link":
        run_id = args.run_id
    if args.run_id_file:
        with open(args.run_id_file, "w", encoding="utf-8") as f:
            f.write(run_id)
    print(json.dumps({"runId": run_id}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
