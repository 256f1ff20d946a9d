import { asObject, type JsonObject } from '../../../../cfn/json-values';
import { taskStates } from '../../../../cfn/state-machine-tasks';
import { TRANSFORM_JOB_LOG_GROUP, TRANSFORM_JOB_RULE } from '../../../../constructs';
import { parseS3Uri } from '../../../ops/s3-uri';
import { type DerivedCalls, origin, type RunTimeCall } from '../../calls/run-time-call';
import {
  assumedBySageMaker,
  containerLogCalls,
  metricCalls,
  volumeKeyGrant,
  vpcPlacementCalls,
} from '../../calls/sagemaker-runtime-calls';
import { objectUnder, s3ReadCalls, s3WriteCalls } from '../../calls/s3-object-calls';
import { managedRuleCalls } from '../managed-rule-calls';
import { jobArn } from '../sagemaker-job/job-calls';
import { cannotDerive, missingStrings, type TaskCallContext } from '../task-integration';

/** The integrations of this kind: the `.sync` transform, and the stop of one that runs too long. */
export const CREATE_TRANSFORM_JOB = 'sagemaker:createTransformJob';
export const STOP_TRANSFORM_JOB = 'aws-sdk:sagemaker:stopTransformJob';

/** The input file a sample transform reads, and the output SageMaker writes for it (`<file>.out`). */
export const SAMPLE_INPUT_FILE = 'part-00000.csv';

/**
 * The calls of a transform task. Through the state machine's role: the create and, waiting, the
 * describe and stop of the job, its tags, the volume and output key's grant and the managed rule
 * (Step Functions' IAM page for SageMaker); no `iam:PassRole` (CreateTransformJob takes no role: the
 * job runs as its model's). Through the model's execution role (the `AWS::SageMaker::Model` of
 * the stage the request names): SageMaker assuming it for the job, reading the input prefix
 * (listed), writing `<file>.out` under the output path with the output key, the job's logs and
 * metrics, and its VPC placement. A stop task: the stop of the job.
 */
export function transformJobCalls(
  { inventory, stage, caller, path, detail, sync, api, stateMachine }: TaskCallContext,
  parameters: JsonObject,
): DerivedCalls {
  if (api === STOP_TRANSFORM_JOB) {
    // Reached only when a transform times out (a sample run does not): then it stops a job the
    // machine's transform task names, by that task's format of the name.
    const name =
      parameters.TransformJobName ??
      taskStates(inventory.deployed.definition(stateMachine))
        .filter((t) => /:sagemaker:createTransformJob(\.sync)?$/.test(t.resource))
        .map((t) => nameOfFormat(asObject(t.parameters)?.['TransformJobName.$']))
        .find((n) => n !== undefined);
    if (typeof name !== 'string') return cannotDerive(['TransformJobName']);
    return {
      calls: [
        { ...caller, action: 'sagemaker:StopTransformJob', resource: jobArn(stage, 'transform-job', name) },
      ],
      problems: [],
    };
  }
  const absent = missingStrings(parameters, 'TransformJobName', 'ModelName');
  if (absent.length > 0) return cannotDerive(absent);
  const name = String(parameters.TransformJobName);
  const arn = jobArn(stage, 'transform-job', name);
  const deployed = inventory.deployed;
  const model = deployed
    .ofType('AWS::SageMaker::Model', stage)
    .find((m) => deployed.attribute(m, 'ModelName') === parameters.ModelName);
  if (!model) {
    return {
      calls: [],
      problems: [`${stage.id}/${path}: no model of ${stage.id} is named ${String(parameters.ModelName)}`],
    };
  }
  const output = asObject(parameters.TransformOutput) ?? {};
  const resources = asObject(parameters.TransformResources) ?? {};
  const outputKey = inventory.keyArn(output.KmsKeyId, stage);
  const volumeKey = inventory.keyArn(resources.VolumeKmsKeyId, stage);
  const keys = [...new Set([outputKey, volumeKey].filter((k): k is string => k !== undefined))];
  const calls: RunTimeCall[] = [
    ...(sync ? ['Create', 'Describe', 'Stop'] : ['Create']).map((verb) => ({
      ...caller,
      action: `sagemaker:${verb}TransformJob`,
      resource: arn,
    })),
    ...(parameters.Tags ? [{ ...caller, action: 'sagemaker:AddTags', resource: arn }] : []),
    ...keys.map((key) => volumeKeyGrant(caller, stage, key)),
    ...(sync ? managedRuleCalls(caller, stage, TRANSFORM_JOB_RULE) : []),
  ];

  const roleArn = String(model.properties.ExecutionRoleArn);
  const jobCaller = (what: string) => ({
    stage: stage.id,
    principal: roleArn,
    ...origin(path, `${detail} job ${what}`),
  });
  const source = asObject(asObject(asObject(parameters.TransformInput)?.DataSource)?.S3DataSource) ?? {};
  const input = String(source.S3Uri ?? '');
  const outputPath = String(output.S3OutputPath ?? '').replace(/\/?$/, '/');
  calls.push(
    assumedBySageMaker(jobCaller('role'), stage, arn),
    ...s3ReadCalls(inventory, jobCaller('input'), objectUnder(input, SAMPLE_INPUT_FILE), {
      listPrefix: source.S3DataType === 'ManifestFile' ? undefined : parseS3Uri(input).key,
    }),
    // SageMaker's documented output: `<S3OutputPath><input file's name>.out`.
    ...s3WriteCalls(inventory, jobCaller('output'), `${outputPath}${SAMPLE_INPUT_FILE}.out`, outputKey),
    ...containerLogCalls(
      jobCaller('logs'),
      stage,
      TRANSFORM_JOB_LOG_GROUP,
      `${name}/i-0123456789abcdef0-1764460800`,
    ),
    ...metricCalls(jobCaller('metrics'), '/aws/sagemaker/TransformJobs'),
    ...(asObject(model.properties.VpcConfig) ? vpcPlacementCalls(jobCaller('VPC placement')) : []),
  );
  return { calls, problems: [] };
}

/**
 * A job name as `States.Format('<model>-batch-{}', ...)` writes it, with a sample id (32 hex
 * digits, an MD5 as the state machine makes it) for each `{}`; undefined for anything else.
 */
function nameOfFormat(written: unknown): string | undefined {
  const format = typeof written === 'string' ? /^States\.Format\('([^']*)'/.exec(written) : null;
  return format ? format[1].replace(/\{\}/g, '0'.repeat(32)) : undefined;
}
