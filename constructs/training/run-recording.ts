import { Duration } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { ModelLayout } from '../common/model-layout';

/** Where an execution keeps the MLflow run it recorded: `$.recorded.runId` (`none` when it recorded none). */
export const RECORDED_RUN_PATH = '$.recorded.runId';
/** The run id of an execution that recorded none (package metadata values may not be empty). */
export const NO_RUN = 'none';

/** The state that records a run in MLflow (a CodeBuild build of the run recorder). */
export const RECORD_RUN_STATE = 'RecordRun';
/** The build output variable of the run's id (`RunRecorder`'s `RUN_ID_VARIABLE`). */
const RUN_ID_VARIABLE = 'MLFLOW_RUN_ID';

/** What the training pipeline needs of a run recorder: a CodeBuild project running `record_run.py`. */
export interface IRunRecorder {
  readonly project: codebuild.IProject;
}

export interface RunRecordingProps {
  readonly recorder: IRunRecorder;
  readonly layout: ModelLayout;
  /** The models bucket's name (the run's evaluation report is there). */
  readonly modelsBucket: string;
  readonly hyperparameters: Record<string, string | number | boolean>;
  readonly codeVersion: string;
  /**
   * Whether the run tuned: the recorder is then told the tuning job (`MLENV_TUNING_JOB`) and
   * records each of its trials as a child run. @default false
   */
  readonly tuned?: boolean;
}

/**
 * The states that record a training run in MLflow (`RecordRun`, after the evaluation; the gate
 * reads nothing of it) and link it to the package registered from it (`LinkRun`), both builds of
 * the run recorder. Recording never fails a run: a failed build, or one that recorded nothing (no
 * server, or none answered), leaves `$.recorded.runId` as `none` and linking is skipped.
 */
export class RunRecording {
  /** Starts recording; goes on to `next` with `$.recorded.runId` set. */
  public readonly record: sfn.IChainable;
  private readonly scope: Construct;
  private readonly props: RunRecordingProps;
  private readonly useRun: sfn.Pass;
  private readonly noRun: sfn.Pass;

  constructor(scope: Construct, props: RunRecordingProps) {
    this.scope = scope;
    this.props = props;
    const { layout } = props;
    const recordRun = new tasks.CodeBuildStartBuild(scope, RECORD_RUN_STATE, {
      project: props.recorder.project,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      environmentVariablesOverride: {
        MLENV_ACTION: { value: 'record' },
        MLENV_EXPERIMENT: { value: layout.modelName },
        MLENV_RUN_NAME: { value: sfn.JsonPath.executionName },
        MLENV_EXECUTION: { value: sfn.JsonPath.executionId },
        MLENV_EVALUATION: {
          value: sfn.JsonPath.format(
            `s3://${props.modelsBucket}/${layout.evaluationKey('{}')}`,
            sfn.JsonPath.stringAt('$.run.id'),
          ),
        },
        MLENV_PARAMS: { value: JSON.stringify(props.hyperparameters) },
        MLENV_DATASET_VERSION: { value: sfn.JsonPath.stringAt('$.datasetVersion') },
        MLENV_DATASET_URI: { value: sfn.JsonPath.stringAt('$.datasetS3Uri') },
        MLENV_CODE_VERSION: { value: props.codeVersion },
        MLENV_MODEL_ARTIFACT: { value: sfn.JsonPath.stringAt('$.train.modelArtifacts') },
        ...(props.tuned
          ? { MLENV_TUNING_JOB: { value: sfn.JsonPath.stringAt('$.train.tuningJobName') } }
          : {}),
      },
      taskTimeout: sfn.Timeout.duration(Duration.minutes(30)),
      resultSelector: {
        'runIds.$': `$.Build.ExportedEnvironmentVariables[?(@.Name == '${RUN_ID_VARIABLE}')].Value`,
      },
      resultPath: '$.recorded',
    });
    const noRun = new sfn.Pass(scope, 'RunNotRecorded', {
      result: sfn.Result.fromObject({ runId: NO_RUN }),
      resultPath: '$.recorded',
    });
    recordRun.addCatch(noRun, { resultPath: '$.recordError' });
    const useRun = new sfn.Pass(scope, 'UseRecordedRun', {
      parameters: { 'runId.$': 'States.ArrayGetItem($.recorded.runIds, 0)' },
      resultPath: '$.recorded',
    });
    const recorded = new sfn.Choice(scope, 'RunRecorded')
      .when(
        sfn.Condition.and(
          sfn.Condition.isPresent('$.recorded.runIds[0]'),
          sfn.Condition.not(sfn.Condition.stringEquals('$.recorded.runIds[0]', '')),
        ),
        useRun,
      )
      .otherwise(noRun);
    recordRun.next(recorded);
    this.record = recordRun;
    this.useRun = useRun;
    this.noRun = noRun;
  }

  /** Where recording goes on to (the quality gate's first state). */
  public then(next: sfn.IChainable): void {
    this.useRun.next(next);
    this.noRun.next(next);
  }

  /** `LinkRun` (skipped without a run), then `next`: tags the run with `$.registered.modelPackageArn`. */
  public link(next: sfn.State): sfn.IChainable {
    const linkRun = new tasks.CodeBuildStartBuild(this.scope, 'LinkRun', {
      project: this.props.recorder.project,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      environmentVariablesOverride: {
        MLENV_ACTION: { value: 'link' },
        [RUN_ID_VARIABLE]: { value: sfn.JsonPath.stringAt(RECORDED_RUN_PATH) },
        MLENV_MODEL_PACKAGE_ARN: { value: sfn.JsonPath.stringAt('$.registered.modelPackageArn') },
      },
      taskTimeout: sfn.Timeout.duration(Duration.minutes(30)),
      resultPath: sfn.JsonPath.DISCARD,
    });
    // A link that fails leaves the run unlinked (the package still names it); the run goes on.
    linkRun.addCatch(next, { resultPath: '$.linkError' });
    linkRun.next(next);
    return new sfn.Choice(this.scope, 'RunToLink')
      .when(sfn.Condition.stringEquals(RECORDED_RUN_PATH, NO_RUN), next)
      .otherwise(linkRun);
  }
}
