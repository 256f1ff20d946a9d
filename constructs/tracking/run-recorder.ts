import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  grantStartBuild,
  type PythonBuildEnvironment,
  pythonBuildProject,
} from '../common/python-build-project';
import { ModelLayout } from '../common/model-layout';
import { DataKeyUse, type IMlDataStore } from '../storage/ml-data-store';
import { modelStep, stepJobArnPatterns, trainedArtifactKeyPattern } from '../training/pipeline-steps';
import type { IRunRecorder } from '../training/run-recording';
import { experimentArtifactLocation } from './experiment-artifact-location';
import type { IMlflowTrackingServer } from './mlflow-tracking-server';

/** The script the recorder runs (in its source directory) and the lock of what it installs (hashed). */
export const RUN_RECORDER_SCRIPT = 'record_run.py';
export const RUN_RECORDER_LOCK = 'requirements-aws.lock';
/** The build's output variable: the id of the run it recorded (empty when it recorded none). */
export const RUN_ID_VARIABLE = 'MLFLOW_RUN_ID';
/** The build's variable with where its model's experiment keeps run artifacts (`experimentArtifactLocation`). */
export const ARTIFACT_LOCATION_VARIABLE = 'MLENV_ARTIFACT_LOCATION';

export interface RunRecorderProps {
  /** The directory with `record_run.py` and `requirements-aws.lock` (ml/tracking), shipped as an asset. */
  readonly sourcePath: string;
  /**
   * Where runs are recorded.
   * @default - none: each build warns that no tracking server is configured and records nothing
   */
  readonly trackingServer?: IMlflowTrackingServer;
  /** The data store whose models bucket holds the evaluation reports it reads. */
  readonly dataStore: IMlDataStore;
  /** The keys of the evaluation reports it may read (`churn/runs/*\/evaluation/evaluation.json`). */
  readonly evaluationKeyPattern: string;
  /**
   * The model whose runs it records: its experiment keeps their artifacts under
   * `<server's artifact store><modelName>/`, the only artifacts the recorder may put.
   * @default - the first segment of `evaluationKeyPattern` (`churn`)
   */
  readonly modelName?: string;
  /**
   * The keys of the model archives it may read, to log them as their runs' artifacts.
   * @default - the training pipeline's trained archives of the model whose reports it reads
   *   (`trainedArtifactKey`), when `evaluationKeyPattern` is that model's `evaluationKey('*')`
   */
  readonly modelArtifactKeyPattern?: string;
  /**
   * Whether the model's pipeline tunes (`TrainingPipelineProps.tuning`): the recorder then reads
   * its runs' tuning jobs and their trials (the model's `<model>-tune-*` jobs), to record each
   * trial as a child run.
   * @default false
   */
  readonly tuned?: boolean;
  /** Encrypts its artifacts and logs. */
  readonly logsKey: kms.IKey;
  /** @default - a new log group under `logsKey`, kept a year */
  readonly logGroup?: logs.ILogGroup;
  /** With it, only that project may take the recorder's role. @default - generated */
  readonly projectName?: string;
  /** @default Duration.minutes(15) */
  readonly timeout?: Duration;
  /**
   * pip's options for what it may install from the lock: the ones the lock was compiled with.
   * @default WHEELS_ONLY
   */
  readonly installOptions?: readonly string[];
  /** Where the builds run and install from. @default - CodeBuild's network, PyPI */
  readonly buildEnvironment?: PythonBuildEnvironment;
}

/**
 * A CodeBuild project that records a pipeline run in MLflow, and links it to its model package,
 * with `record_run.py` (see its docstring): the pipeline's SageMaker jobs run network-isolated and
 * cannot reach a tracking server, so a step of its own does it. A build's variables say what to
 * do (`MLENV_ACTION`: `record` or `link`, and the script's `MLENV_*` inputs); its exported
 * `MLFLOW_RUN_ID` is the run's id. Each build first installs exactly `requirements-aws.lock`
 * (hashed), from its build environment's package repository where it has one. Its role may log
 * runs on its tracking server, read the evaluation reports and model archives, and put the runs'
 * artifacts (the report, the archive) in its model's folder of the server's artifact store
 * (`experimentArtifactLocation`, passed to the script as `MLENV_ARTIFACT_LOCATION`), which the
 * MLflow client writes itself with the build's credentials (and that repository's packages),
 * nothing else; it uses the data key only as S3 does for the models bucket. A build never fails
 * because the server does not answer.
 *
 * @example
 * const recorder = new RunRecorder(this, 'Recorder', { sourcePath: 'ml/tracking', trackingServer,
 *   dataStore, evaluationKeyPattern: 'churn/runs/*\/evaluation/evaluation.json', logsKey });
 */
export class RunRecorder extends Construct implements IRunRecorder {
  public readonly project: codebuild.Project;
  public readonly role: iam.Role;
  public readonly logGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: RunRecorderProps) {
    super(scope, id);
    for (const file of [RUN_RECORDER_SCRIPT, RUN_RECORDER_LOCK]) {
      if (!existsSync(join(props.sourcePath, file))) {
        throw new Error(`RunRecorder: ${join(props.sourcePath, file)} not found`);
      }
    }
    const modelName = props.modelName ?? props.evaluationKeyPattern.split('/')[0];
    const artifactLocation = props.trackingServer
      ? experimentArtifactLocation(props.trackingServer.artifactStoreUri, modelName)
      : undefined;
    const built = pythonBuildProject(this, {
      owner: 'RunRecorder',
      sourcePath: props.sourcePath,
      exclude: ['__pycache__', 'mlruns', '*.db'],
      lockFile: RUN_RECORDER_LOCK,
      installOptions: props.installOptions,
      buildEnvironment: props.buildEnvironment,
      description: 'Records pipeline runs in MLflow and links them to their model packages',
      roleDescription: 'Records pipeline runs in MLflow',
      projectName: props.projectName,
      logsKey: props.logsKey,
      logGroup: props.logGroup,
      timeout: props.timeout ?? Duration.minutes(15),
      environmentVariables: {
        MLFLOW_TRACKING_URI: props.trackingServer?.trackingServerArn ?? '',
        MLENV_ACTION: 'record',
        ...(artifactLocation ? { [ARTIFACT_LOCATION_VARIABLE]: artifactLocation } : {}),
      },
      commands: [
        `python ${RUN_RECORDER_SCRIPT} "\${MLENV_ACTION}" --run-id-file run-id`,
        `export ${RUN_ID_VARIABLE}="$(cat run-id)"`,
      ],
      exportedVariables: [RUN_ID_VARIABLE],
    });
    this.project = built.project;
    this.role = built.role;
    this.logGroup = built.logGroup;
    // Its reads decrypt with the data key only through S3 (the client reads with boto3): the key
    // alone, used directly, would decrypt any object of the bucket a caller could fetch elsewhere.
    const viaS3 = { keyUse: DataKeyUse.VIA_S3 };
    props.dataStore.grantReadModels(this.role, props.evaluationKeyPattern, viaS3);
    if (props.trackingServer && artifactLocation) {
      props.trackingServer.grantLogRuns(this.role);
      // The artifacts a run carries: the archive read, and both put under its model's folder only.
      props.dataStore.grantReadModels(
        this.role,
        props.modelArtifactKeyPattern ??
          modelArchivePattern(props.evaluationKeyPattern, props.tuned ?? false),
        viaS3,
      );
      grantPutRunArtifacts(this.role, props.dataStore, artifactStorePrefix(artifactLocation));
      if (props.tuned) {
        // Each trial becomes a child run: the run's tuning job, and the list of its trials.
        const [tuningJobs] = stepJobArnPatterns(Stack.of(this), new ModelLayout(modelName), modelStep(true));
        this.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'ReadTuningTrials',
            actions: [
              'sagemaker:DescribeHyperParameterTuningJob',
              'sagemaker:ListTrainingJobsForHyperParameterTuningJob',
            ],
            resources: [tuningJobs],
          }),
        );
      }
    }
  }

  /** Lets `grantee` start builds of the recorder, follow them and stop them. */
  public grantStartBuild(grantee: iam.IGrantable): iam.Grant {
    return grantStartBuild(this.project, grantee);
  }
}

/** The trained archives of the model whose every evaluation report `evaluationKeyPattern` names. */
function modelArchivePattern(evaluationKeyPattern: string, tuned: boolean): string {
  const layout = new ModelLayout(evaluationKeyPattern.split('/')[0]);
  if (layout.evaluationKey('*') !== evaluationKeyPattern) {
    throw new Error(
      `RunRecorder: '${evaluationKeyPattern}' is not a model's evaluation reports (${layout.evaluationKey('*')}): pass modelArtifactKeyPattern`,
    );
  }
  return trainedArtifactKeyPattern(layout, tuned);
}

/**
 * The keys `record_run.py record` puts under `prefix`, its model's experiment's artifact location:
 * its two artifacts (`evaluation.json`, `model/model.tar.gz`) of any run of that experiment, as
 * MLflow keys them (`<prefix><run id>/artifacts/<path>`; the run's id is known only at run time).
 */
export function runArtifactKeyPatterns(prefix: string): string[] {
  return ['evaluation.json', 'model/model.tar.gz'].map((path) => `${prefix}*/artifacts/${path}`);
}

/**
 * Lets `role` put the recorder's run artifacts under `prefix` of the models bucket (its model's
 * folder of the artifact store), and no other artifact there (one model's recorder must not
 * overwrite what another model's run, or any other artifact, logged), with the data
 * key the bucket requires only as S3 uses it for that bucket: the MLflow client uploads with the
 * build's credentials, so the data key must not be usable directly (kms:ViaService) nor for another
 * bucket (the bucket uses bucket keys: S3's encryption context is the bucket's ARN).
 */
function grantPutRunArtifacts(role: iam.IRole, dataStore: IMlDataStore, prefix: string): void {
  const bucket = dataStore.modelsBucket;
  const stack = Stack.of(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'PutRunArtifacts',
      // A large archive goes up in parts: an upload that fails is aborted.
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resources: runArtifactKeyPatterns(prefix).map((pattern) => bucket.arnForObjects(pattern)),
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'EncryptRunArtifacts',
      // SSE-KMS puts need a data key; a multipart upload also decrypts it.
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [dataStore.encryptionKey.keyArn],
      conditions: {
        StringEquals: {
          'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}`,
          'kms:EncryptionContext:aws:s3:arn': bucket.bucketArn,
        },
      },
    }),
  );
}

/** The key prefix of an artifact location (`s3://<models bucket>/<prefix>`), in the models bucket. */
function artifactStorePrefix(location: string): string {
  // The bucket's name may be a token, which has no `/`: the prefix is what follows it.
  const prefix = /^s3:\/\/[^/]+\/(.*)$/.exec(location)?.[1];
  if (prefix === undefined || !prefix.endsWith('/') || prefix.includes('*')) {
    throw new Error(
      `RunRecorder: the artifact location ${location} is not s3://<models bucket>/<prefix>/ (the tracking server's artifact store)`,
    );
  }
  return prefix;
}
